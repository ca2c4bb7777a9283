"""The services in force are the ones the environment names.

CI runs the suite twice: with DATABASE_URL (PostgreSQL) and REDIS_URL set, and with neither (the
embedded default). Each test below asserts, in both runs, that the configuration actually in
force matches the environment and works over a real connection, so a run that was meant for
PostgreSQL and Redis cannot pass on SQLite and in-process tasks.
"""

import os
import uuid
from urllib.parse import urlsplit

import redis
from celery.result import EagerResult
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection

from conftest import delete_queue
from fusionportal.celery import app as celery_app

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")


@celery_app.task(name="tests.infrastructure.echo")
def echo(value):
    return value


def test_database_is_the_one_the_environment_names(db):
    with connection.cursor() as cursor:
        if DATABASE_URL.startswith(("postgres://", "postgresql://")):
            assert connection.vendor == "postgresql"
            url = urlsplit(DATABASE_URL)
            assert connection.settings_dict["HOST"] == (url.hostname or "")
            assert int(connection.settings_dict["PORT"] or 5432) == (url.port or 5432)
            cursor.execute("SELECT version()")
            assert cursor.fetchone()[0].startswith("PostgreSQL")
        else:
            assert not DATABASE_URL, f"the suite has no check for {DATABASE_URL!r}"
            assert connection.vendor == "sqlite"
            cursor.execute("SELECT sqlite_version()")
            assert cursor.fetchone()[0]


def test_cache_is_the_one_the_environment_names():
    cache = caches["default"]
    key = f"infrastructure-check-{uuid.uuid4()}"
    try:
        cache.set(key, {"answer": 42}, timeout=60)

        assert cache.get(key) == {"answer": 42}
        if REDIS_URL:
            assert isinstance(cache, RedisCache)
            # The value is in Redis itself, under the cache's own key.
            assert redis.Redis.from_url(REDIS_URL).exists(cache.make_and_validate_key(key)) == 1
        else:
            assert isinstance(cache, LocMemCache)
    finally:
        cache.delete(key)


def test_tasks_go_where_the_environment_says():
    if REDIS_URL:
        assert celery_app.conf.broker_url == REDIS_URL
        assert not celery_app.conf.task_always_eager
        with celery_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=1)
            assert broker.transport.driver_type == "redis"
        # A queue of its own, so no worker takes the message before it is counted.
        queue = f"infrastructure-check-{uuid.uuid4()}"
        client = redis.Redis.from_url(REDIS_URL)
        try:
            result = echo.apply_async(args=["to the broker"], queue=queue)

            assert not isinstance(result, EagerResult)
            assert client.llen(queue) == 1
        finally:
            delete_queue(REDIS_URL, queue)
    else:
        assert celery_app.conf.task_always_eager
        assert celery_app.conf.broker_url == "memory://"

        result = echo.apply_async(args=["in process"])

        assert isinstance(result, EagerResult)
        assert result.get() == "in process"



def test_emptying_the_cache_between_tests_spares_the_task_queue():
    from conftest import empty_cache

    cache = caches["default"]
    cache.set("left-by-a-test", 1)
    queue = f"infrastructure-check-{uuid.uuid4()}"
    client = redis.Redis.from_url(REDIS_URL) if REDIS_URL else None
    if client:
        client.lpush(queue, "a queued task")
    try:
        empty_cache(cache)

        assert cache.get("left-by-a-test") is None
        if client:
            assert client.llen(queue) == 1
    finally:
        if client:
            client.delete(queue)
