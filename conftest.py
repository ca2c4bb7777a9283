"""Session-wide checks: the services the suite was told to use must answer.

With DATABASE_URL or REDIS_URL set (CI sets both), an unreachable service stops the run at
once with a message naming it; nothing is skipped for it.
"""

import os

import pytest


def _check_postgres(url):
    import psycopg2

    try:
        psycopg2.connect(url, connect_timeout=5).close()
    except psycopg2.OperationalError as error:
        return f"PostgreSQL at {url} is unreachable: {error}".strip()
    return None


def _check_redis(url):
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except redis.RedisError as error:
        return f"Redis at {url} is unreachable: {error}"
    return None


def pytest_sessionstart(session):
    problems = []
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")):
        problems.append(_check_postgres(database_url))
    if os.environ.get("REDIS_URL"):
        problems.append(_check_redis(os.environ["REDIS_URL"]))
    problems = [p for p in problems if p]
    if problems:
        pytest.exit("Required services are down:\n  " + "\n  ".join(problems), returncode=3)
