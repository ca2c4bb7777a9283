"""gunicorn settings for the web service (Dockerfile, docker-compose.yml).

Every value can be overridden from the environment with gunicorn's own GUNICORN_CMD_ARGS, or
with the variables below.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Two workers a core, plus one, up to eight: requests mostly wait on PostgreSQL.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Attachment uploads of up to ATTACHMENT_MAX_BYTES must finish inside one request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
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
