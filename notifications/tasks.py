"""Celery tasks of notifications, and handing work to them. Each task is idempotent: it claims
its row with a conditional UPDATE before doing anything (notifications.claims), so a copy run
twice (a redelivered message, a sweep racing a slow worker) does the work once. Acknowledged late
and rejected on worker loss: a worker that dies mid-task leaves the message (or the claimed row,
for the sweep) to another worker.
"""

import logging

from celery import shared_task
from django.conf import settings

from . import delivery, webhooks

logger = logging.getLogger(__name__)

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


# An event's webhook deliveries go to the workers in messages of at most this many: one task
# attempts them one after another over kept-open connections, and a slow partner holds up no
# more than its own batch.
WEBHOOK_BATCH = 50


def webhook_queue():
    """The queue of webhook deliveries, apart from the events' (settings.NOTIFICATION_WEBHOOK_QUEUE):
    a partner that answers slowly delays other partners' webhooks, never an alert's inbox row."""
    return settings.NOTIFICATION_WEBHOOK_QUEUE


@shared_task(name="notifications.tasks.deliver_event", **RELIABLE)
def deliver_event(event_id):
    """In-app notifications and e-mails of one outbox event; then its webhooks, in batches."""
    webhook_ids = delivery.event_deliver(event_id=event_id) or []
    for batch in _batches(webhook_ids):
        _hand_over_webhooks(batch)
    return len(webhook_ids)


@shared_task(name="notifications.tasks.deliver_webhooks", **RELIABLE)
def deliver_webhooks(delivery_ids):
    """One attempt of each of these webhook deliveries, and of other due ones up to a batch (when
    deliveries queue up, one task carries many); the failed ones are scheduled again with
    backoff, those due at the same time in one message."""
    attempts = webhooks.deliveries_attempt(
        delivery_ids=delivery_ids, also_due=WEBHOOK_BATCH - len(delivery_ids))
    retries = {}
    for attempt in attempts:
        if attempt.retry_in is not None:
            retries.setdefault(attempt.retry_in, []).append(attempt.delivery_id)
    for wait, ids in retries.items():
        _schedule_retry(ids, wait)
    return sum(1 for attempt in attempts if attempt.succeeded)


@shared_task(name="notifications.tasks.deliver_webhook", **RELIABLE)
def deliver_webhook(delivery_id):
    """One attempt of one webhook delivery (and the messages queued before deliveries were
    batched); a failure schedules the next with backoff."""
    attempt = webhooks.delivery_attempt(delivery_id=delivery_id)
    if attempt is not None and attempt.retry_in is not None:
        _schedule_retry([delivery_id], attempt.retry_in)
    return attempt.status_code if attempt is not None else None


@shared_task(name="notifications.tasks.sweep_outbox", ignore_result=True)
def sweep_outbox():
    """Beat, every minute: re-enqueue what was not delivered after a minute."""
    events, webhook_ids = sweep()
    return {"events": len(events), "webhooks": len(webhook_ids)}


def sweep(*, now=None):
    """Hand to the workers what a crash left behind (notifications.delivery.outbox_sweep)."""
    events, webhook_ids = delivery.outbox_sweep(now=now)
    for event_id in events:
        deliver_event.delay(event_id)
    for batch in _batches(webhook_ids):
        _hand_over_webhooks(batch)
    return events, webhook_ids


def _batches(ids):
    return [ids[start:start + WEBHOOK_BATCH] for start in range(0, len(ids), WEBHOOK_BATCH)]


def _hand_over_webhooks(delivery_ids, **options):
    deliver_webhooks.apply_async(args=[delivery_ids], queue=webhook_queue(), **options)


def enqueue_event(event_id):
    """Hand the event to a worker. Called after commit; if the broker is down the event stays
    pending and the beat sweep delivers it (nothing is lost between commit and enqueue). The
    broker connection is tried once, briefly (settings.BROKER_CONNECT_TIMEOUT): the request
    that committed does not wait for Redis."""
    try:
        deliver_event.apply_async(args=[event_id], retry=False)
    except Exception:  # the broker unreachable, or (in process) a delivery error
        logger.exception("Notification event %s not handed over now; the sweep will", event_id)


def _schedule_retry(delivery_ids, wait):
    """Hand the next attempt to a worker after `wait` seconds. In process (no broker) there is
    no one to wait: the sweep (`manage.py notification_queue --sweep`, or beat) retries it."""
    if deliver_webhooks.app.conf.task_always_eager:
        return
    try:
        _hand_over_webhooks(delivery_ids, countdown=wait, retry=False)
    except Exception:  # the broker is down: the sweep finds the deliveries when they are overdue
        logger.warning("Webhook deliveries %s: retry not scheduled now; the sweep will",
                       delivery_ids)
