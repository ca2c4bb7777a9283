"""A commit never waits for the broker: with Redis stopped, a change that alerts three fusion
centers commits at once (the hand-over to Redis fails fast), its outbox rows wait, and the
beat sweep delivers them once Redis is back.

This process sends to a redis-server of the test's own, which the test stops: the time asserted
is the commit alone (the hand-over runs in it, on commit), with kombu's connection attempt
bounded well below the one second allowed (BROKER_CONNECT_TIMEOUT, 0.5 s).
"""

import time

import pytest
from django.db import transaction

from cases import services as case_services
from fusionportal.celery import app
from notifications.models import Notification, OutboxEvent
from tests.integration.conftest import wait_until


@pytest.fixture
def sending_to(monkeypatch):
    """sending_to(url): this process hands tasks over to the broker at `url` (not in process),
    through connections made from now on."""

    def point(url):
        monkeypatch.setitem(app.conf, "broker_url", url)
        monkeypatch.setitem(app.conf, "task_always_eager", False)
        monkeypatch.setattr(app, "_pool", None)
        monkeypatch.setattr(app.amqp, "_producer_pool", None)

    yield point
    if app._pool is not None:
        app._pool.force_close_all()


def test_a_commit_with_redis_stopped_returns_at_once_and_the_sweep_delivers_later(
    portal_on, own_redis, sending_to, cfix, la_safe, stac, txfc, analyst_fl,
):
    sending_to(own_redis.url)
    own_redis.stop()
    # Opened in four states: three centers to alert, three hand-overs that fail on commit.
    with transaction.atomic():
        case = case_services.case_create(
            by=analyst_fl, number="MBI-OUTAGE-1", title="Opened during a Redis outage",
            lead_center=cfix, jurisdictions=[{"state": s} for s in ("FL", "LA", "CA", "TX")],
        )
        committing = time.monotonic()
    took = time.monotonic() - committing
    assert took < 1.0, f"the commit waited {took:.1f} s for the broker"
    events = OutboxEvent.objects.filter(case=case)
    assert sorted(events.values_list("status", flat=True)) == ["pending"] * 3
    assert not Notification.objects.filter(case=case).exists()

    own_redis.start()
    portal_on(own_redis.url)  # a worker with beat, whose sweep finds the waiting rows
    wait_until(lambda: Notification.objects.filter(case=case).count() == 3, timeout=40,
               what="the sweep to deliver the alerts after Redis came back")
    assert sorted(Notification.objects.filter(case=case)
                  .values_list("center__short_name", flat=True)) == ["LA-SAFE", "STAC", "TxFC"]
    wait_until(lambda: set(events.values_list("status", flat=True)) == {"delivered"},
               what="the events to be marked delivered")
