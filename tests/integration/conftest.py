"""Real services for the notification tests: Redis, a Celery worker (with beat) and the portal's
web server, each a process of its own that the test starts, on the test session's database.

- Redis: the one REDIS_URL names (CI's first run), else a redis-server this session starts on a
  free port (the embedded run): the tests run in both, nothing is skipped. A test that stops
  Redis always starts its own server; the machine's Redis is never stopped.
- The database: pytest-django's test database with committed data (transactional_db). On
  SQLite it is a file (fusionportal/test_settings.py), so other processes can open it.
- The web server (manage.py runserver) and the worker use tests/integration/service_settings.py:
  e-mail goes to files in a temporary folder, plain HTTP on 127.0.0.1.
- What the web server and the worker keep in that Redis (the Celery queue and bindings, the
  unacknowledged messages, the cache) is under a key prefix of the test's own, deleted when the
  test ends: the worker never takes a message that another test process (another xdist worker,
  another suite, the live server of a browser test) sent for the rows of another database, and a
  message left by a worker the test killed does not outlive the test.
"""

import http.cookiejar
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection

from agencies.models import User
from tests.conftest import authenticator_of, next_code

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]



def _live_members(pgid):
    """Whether a process of the group `pgid` is still running (not a zombie)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False

def wait_until(condition, *, timeout=20.0, interval=0.05, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")


class Process:
    """A child process whose output goes to a log file (shown when a test fails)."""

    def __init__(self, name, command, env, log_dir):
        self.name = name
        self.command = command
        self.env = env
        self.log_path = Path(log_dir) / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self.popen = None

    def start(self):
        self.log_path = self.log_path.with_name(f"{self.name}-{uuid.uuid4().hex[:6]}.log")
        log = open(self.log_path, "wb")  # noqa: SIM115 (closed with the process)
        self.popen = subprocess.Popen(
            self.command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def log(self):
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self):
        return self.popen is not None and self.popen.poll() is None

    def _signal_group(self, signum):
        # The whole process group: a worker with --beat runs beat in a child process, which
        # must not outlive the worker it belongs to.
        try:
            os.killpg(self.popen.pid, signum)
        except ProcessLookupError:
            pass

    def _kill_group(self):
        # Repeat until no live process of the group is left: a child forked while the first
        # signal was on its way (beat's process) would otherwise outlive the test and consume
        # the next test's tasks. Zombies count as gone; the leader is reaped by poll().
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                return
            self.popen.poll()
            if not _live_members(self.popen.pid):
                return
            time.sleep(0.05)

    def kill(self):
        """SIGKILL to the worker and its children: no shutdown, no acknowledgement."""
        if self.popen is not None:
            self._kill_group()
            self.popen.wait(10)

    def stop(self):
        if self.popen is None:
            return
        if self.alive():
            self._signal_group(signal.SIGTERM)
            try:
                self.popen.wait(10)
            except subprocess.TimeoutExpired:
                pass
        self._kill_group()  # whatever of the group is left
        self.popen.wait(10)


class RedisServer(Process):
    def __init__(self, log_dir):
        self.port = free_port()
        super().__init__(
            "redis",
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(log_dir)],
            dict(os.environ), log_dir,
        )

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        import redis

        super().start()

        def answers():
            try:
                return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
            except redis.RedisError:
                return False

        wait_until(answers, timeout=10, what=f"redis-server on port {self.port}")
        return self


def _port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Portal:
    """The web server and the worker of one test, on one Redis."""

    def __init__(self, redis_url, tmp_path):
        self.redis_url = redis_url
        self.tmp = tmp_path
        self.email_dir = tmp_path / "mail"
        self.email_dir.mkdir(exist_ok=True)
        self.web_port = free_port()
        self.redis_prefix = f"it-{uuid.uuid4().hex[:12]}"
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="tests.integration.service_settings",
            PYTHONPATH=str(ROOT),
            REDIS_URL=redis_url,
            FP_TEST_BROKER_PREFIX=f"{self.redis_prefix}:",
            CACHE_KEY_PREFIX=self.redis_prefix,
            FP_TEST_DATABASE_NAME=str(connection.settings_dict["NAME"]),
            FP_TEST_EMAIL_DIR=str(self.email_dir),
            # Fast clocks for the tests: beat sweeps every second what is 2 s overdue, and a
            # claim held 3 s by a task that died is taken over.
            NOTIFICATION_SWEEP_EVERY="1",
            NOTIFICATION_SWEEP_AFTER="2",
            NOTIFICATION_CLAIM_LEASE="3",
            WEBHOOK_TIMEOUT="20",
            PYTHONUNBUFFERED="1",
        )
        self.env = env
        self.web = Process(
            "web",
            [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks",
             f"127.0.0.1:{self.web_port}"],
            env, tmp_path,
        )
        self.worker = self._worker()

    def _worker(self):
        return Process(
            "worker",
            [sys.executable, "-m", "celery", "--app", "fusionportal", "worker", "--beat",
             "--schedule", str(self.tmp / f"beat-{uuid.uuid4().hex[:6]}"), "--pool", "solo",
             "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--loglevel", "INFO", "--hostname", f"it-{uuid.uuid4().hex[:8]}@%h"],
            self.env, self.tmp,
        )

    @property
    def url(self):
        return f"http://127.0.0.1:{self.web_port}"

    def start_worker(self):
        self.worker = self._worker().start()
        wait_until(lambda: " ready." in self.worker.log() or not self.worker.alive(),
                   timeout=30, what="the Celery worker")
        assert self.worker.alive(), self.worker.log()

    def start(self):
        self.web.start()
        self.start_worker()
        wait_until(lambda: _port_open(self.web_port) or not self.web.alive(), timeout=30,
                   what="the web server")
        assert self.web.alive(), self.web.log()
        return self

    def stop(self):
        self.worker.stop()
        self.web.stop()
        self._delete_redis_keys()

    def _delete_redis_keys(self):
        import redis

        try:
            with redis.Redis.from_url(self.redis_url, socket_connect_timeout=2) as client:
                keys = list(client.scan_iter(match=f"{self.redis_prefix}:*", count=1000))
                if keys:
                    client.delete(*keys)
        except redis.RedisError:
            pass  # a redis-server of the test's own, already stopped: nothing of it is left

    def logs(self):
        return f"--- web ---\n{self.web.log()[-4000:]}\n--- worker ---\n{self.worker.log()[-6000:]}"

    def emails(self):
        return [path.read_text() for path in sorted(self.email_dir.glob("*.log"))]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class HttpBrowser:
    """An HTTP client with cookies and Django's CSRF token, as a browser without JavaScript."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirects
        )

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode(errors="replace")

    def get(self, path):
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path, data):
        token = next((c.value for c in self.cookies if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}, doseq=True).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def login(self, username, password):
        self.get("/login/")
        device = authenticator_of(User.objects.get(username=username))
        status, headers, body = self.post(
            "/login/", {"username": username, "password": password, "acknowledge": "on"}
        )
        assert status == 302, body[:2000]
        # The second step: the code of the account's authenticator app (tests/conftest.py).
        status, headers, body = self.post(headers["Location"], {"code": next_code(device)})
        assert status == 302, body[:2000]


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(tmp_path):
    """REDIS_URL's server when the run names one (CI), else a redis-server of this test's own."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = RedisServer(tmp_path).start()
    yield server.url
    server.stop()


@pytest.fixture
def portal_on(transactional_db, tmp_path, request):
    """portal_on(redis_url): start the web server and the worker; stopped after the test, and
    their logs shown if it failed."""
    started = []

    def start(url):
        portal = Portal(url, tmp_path).start()
        started.append(portal)
        return portal

    yield start
    for portal in started:
        portal.stop()
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            print(portal.logs())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
