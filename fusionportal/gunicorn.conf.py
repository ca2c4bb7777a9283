"""gunicorn settings for the web service (Dockerfile, docker-compose.yml).

Every value can be overridden from the environment with gunicorn's own GUNICORN_CMD_ARGS, or
with the variables below.
"""

import multiprocessing
import os


def whole_number(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        # SystemExit: gunicorn prints the message alone, not a traceback of its config loader.
        raise SystemExit(f"{name} must be a whole number of at least 1; got {value!r}")
    return int(value)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Two workers a core, plus one, up to eight: requests mostly wait on PostgreSQL.
workers = whole_number("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = whole_number("GUNICORN_THREADS", 1)
# Attachment uploads of up to ATTACHMENT_MAX_BYTES must finish inside one request.
timeout = whole_number("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5
# A worker is replaced now and then, so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# The heartbeat file lives in memory: a slow disk must not get healthy workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
# Only the proxy in front of gunicorn may tell it the original scheme and client address.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
