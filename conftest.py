"""Session-wide checks: the services the suite was told to use must answer.

With DATABASE_URL or REDIS_URL set (CI sets both), an unreachable service stops the run at
once with a message naming it; nothing is skipped for it. A run told to use PostgreSQL stops as
well if the settings in force use another database.

The suite runs in several processes at once (pytest-xdist: `make test` passes -n), and other
suites may run on the same machine. Each process has a test database of its own (pytest-django
names them test_<name>_gw0, _gw1 ... on PostgreSQL; fusionportal/test_settings.py names the SQLite
file by process). What else the processes would share is made each one's own here: the cache's
keys in Redis, the Celery queue its tasks go to, the folder of stored attachments. The tests that
start servers or workers of their own run one after another on one worker (SERVER_FIXTURES).
"""

import copy
import os
from urllib.parse import urlsplit, urlunsplit

import pytest

# A test that uses one of these starts a server or a worker: the live server (with Chromium driving
# it), or redis-server and the web server and Celery worker of tests/integration. Under xdist
# (--dist loadgroup) all of them run on one worker, one after another: each is timed against
# deadlines and busy enough that two at once on a 2-core machine would starve each other. The
# SAML identity provider of the federated sign-in tests (saml_idp_server) is such a server too.
SERVER_FIXTURES = {"live_server", "portal_on", "own_redis", "redis_url", "saml_idp_server"}
SERVER_GROUP = "servers"
_NOT_GROUPED = pytest.StashKey[str]()


def _check_postgres(url):
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=5).close()
    except psycopg2.OperationalError as error:
        # The suite runs in its own test_<name> database, which Django creates from the server's
        # maintenance database: a server without <name> itself is up for the suite.
        maintenance = urlunsplit(urlsplit(url)._replace(path="/postgres"))
        try:
            psycopg2.connect(maintenance, connect_timeout=5).close()
        except psycopg2.OperationalError:
            return f"PostgreSQL at {url} is unreachable: {error}".strip()
    return None


def _check_redis(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        return f"Redis at {url} is unreachable: {error}"
    return None


def _check_database_engine(url):
    """The settings in force must use the database the environment names: a run told to use
    PostgreSQL never quietly falls back to SQLite (e.g. a test settings module overriding it)."""
    from django.conf import settings

    if not settings.configured:
        return None
    engine = settings.DATABASES["default"]["ENGINE"]
    if url.startswith(("postgres://", "postgresql://")) and "postgresql" not in engine:
        return f"DATABASE_URL names PostgreSQL, but the settings in force use {engine}"
    return None


def pytest_sessionstart(session):
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        problems.append(_check_postgres(database_url))
    if os.environ.get("REDIS_URL"):
        problems.append(_check_redis(os.environ["REDIS_URL"]))
    problems.append(_check_database_engine(database_url))
    problems = [p for p in problems if p]
    if problems:
        pytest.exit("The suite cannot run as configured:\n  " + "\n  ".join(problems), returncode=3)


def delete_queue(redis_url, queue):
    """Deletes a Celery queue (its messages and its binding) from the Redis at `redis_url`, through
    kombu, which knows how it keeps them. A Redis that does not answer is left alone: it is a
    server of a test's own, already stopped, and nothing of it outlives the test."""
    import redis
    from kombu import Connection, Exchange, Queue

    try:
        with redis.Redis.from_url(redis_url, socket_connect_timeout=2) as client:
            client.ping()
    except redis.RedisError:
        return
    with Connection(redis_url) as connection:
        # Celery's queues are bound to a direct exchange of their own name.
        bound = Queue(queue, Exchange(queue), routing_key=queue)(connection.default_channel)
        bound.declare()
        bound.delete()


def empty_cache(cache):
    """Empties the cache. In Redis only the cache's own keys go (those under its KEY_PREFIX):
    Celery's queued messages in the same database are left alone."""
    from django.core.cache.backends.redis import RedisCache

    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(config, items):
    """Marks the tests that start servers for xdist's loadgroup; then checks that xdist grouped them.

    xdist groups a test by appending "@<group>" to its id in its own hook, which runs between the
    two halves of this wrapper. pytest-xdist 3.8 with pytest 9.2 no longer manages to (the ids
    became structured: pytest-xdist issue 1386), and the tests would then be shared out one by one
    without a word: each of them fails instead, naming the cause.
    """
    grouped = []
    if config.pluginmanager.hasplugin("xdist"):
        for item in items:
            if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
                item.add_marker(pytest.mark.xdist_group(SERVER_GROUP))
                grouped.append(item)
    result = yield
    if getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
        for item in grouped:
            if not item.nodeid.endswith(f"@{SERVER_GROUP}"):
                item.stash[_NOT_GROUPED] = (
                    f"pytest-xdist did not put this test, which starts servers, in the group "
                    f"{SERVER_GROUP!r}: it could run beside another one. This pytest and "
                    "pytest-xdist do not work together for --dist loadgroup; install the versions "
                    "of requirements/dev.txt (make install)."
                )
    return result


def pytest_runtest_setup(item):
    if _NOT_GROUPED in item.stash:
        pytest.fail(item.stash[_NOT_GROUPED], pytrace=False)


def process_name():
    """gw0, gw1 ... under xdist, and the process id: unique among the suites running at once."""
    return f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"


@pytest.fixture(scope="session", autouse=True)
def _shared_services_kept_apart(tmp_path_factory):
    """What this test process keeps in a service or folder shared with other processes is its own.

    - The cache's keys in Redis carry a prefix of the process: each test empties the keys under
      its prefix when it ends (below), which would otherwise take another process's throttle
      counts and cached pages in the middle of its test.
    - The tasks the process sends to Redis (from the live server of the browser tests) go to a
      queue of its own (and webhook deliveries to a second one), deleted at the end: no worker
      of tests/integration or of a developer takes a message whose ids belong to another test
      database.
    - Attachments are stored in a folder of the process under pytest's temporary folder.
    """
    from django.conf import settings
    from django.test.utils import override_settings

    from fusionportal.celery import app as celery_app

    name = process_name()
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"{caches['default'].get('KEY_PREFIX') or 'fusionportal'}-test-{name}"
    storages = copy.deepcopy(settings.STORAGES)
    storages["default"]["OPTIONS"]["location"] = str(tmp_path_factory.mktemp("attachments"))
    queue, default_queue = f"fusionportal-test-{name}", celery_app.conf.task_default_queue
    webhook_queue = f"{queue}-webhooks"
    celery_app.conf.task_default_queue = queue
    with override_settings(CACHES=caches, STORAGES=storages,
                           NOTIFICATION_WEBHOOK_QUEUE=webhook_queue):
        yield
    celery_app.conf.task_default_queue = default_queue
    if os.environ.get("REDIS_URL"):
        delete_queue(os.environ["REDIS_URL"], queue)
        delete_queue(os.environ["REDIS_URL"], webhook_queue)


@pytest.fixture(autouse=True)
def _cache_emptied_after_each_test():
    """What a test leaves in the cache (a throttle count, a cached page) never reaches the next."""
    yield
    from django.core.cache import caches

    empty_cache(caches["default"])
