"""Session-wide checks: the services the suite was told to use must answer.

With DATABASE_URL or REDIS_URL set (CI sets both), an unreachable service stops the run at
once with a message naming it; nothing is skipped for it. A run told to use PostgreSQL stops as
well if the settings in force use another database.
"""

import os
from urllib.parse import urlsplit, urlunsplit

import pytest


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


@pytest.fixture(autouse=True)
def _cache_emptied_after_each_test():
    """What a test leaves in the cache (a throttle count, a cached page) never reaches the next."""
    yield
    from django.core.cache import caches

    empty_cache(caches["default"])
