"""Celery tasks of notifications, and handing work to them. Each task is idempotent: it claims
its row with a conditional UPDATE before doing anything (notifications.claims), so a copy run
twice (a redelivered message, a sweep racing a slow worker) does the work once. Acknowledged late
and rejected on worker loss: a worker that dies mid-task leaves the message (or the claimed row,
for the sweep) to another worker.
"""

import logging

from celery import shared_task

from . import delivery, webhooks

logger = logging.getLogger(__name__)

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="notifications.tasks.deliver_event", **RELIABLE)
def deliver_event(event_id):
    """In-app notifications and e-mails of one outbox event; then its webhooks."""
    webhook_ids = delivery.event_deliver(event_id=event_id)
    for delivery_id in webhook_ids or []:
        deliver_webhook.delay(delivery_id)
    return len(webhook_ids or [])


@shared_task(name="notifications.tasks.deliver_webhook", **RELIABLE)
def deliver_webhook(delivery_id):
    """One attempt of one webhook delivery; a failure schedules the next with backoff."""
    attempt = webhooks.delivery_attempt(delivery_id=delivery_id)
    if attempt is not None and attempt.retry_in is not None:
        _schedule_retry(delivery_id, attempt.retry_in)
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
    for delivery_id in webhook_ids:
        deliver_webhook.delay(delivery_id)
    return events, webhook_ids


def enqueue_event(event_id):
    """Hand the event to a worker. Called after commit; if the broker is down the event stays
    pending and the beat sweep delivers it (nothing is lost between commit and enqueue)."""
    try:
        deliver_event.apply_async(args=[event_id], retry=False)
    except Exception:  # the broker unreachable, or (in process) a delivery error
        logger.exception("Notification event %s not handed over now; the sweep will", event_id)


def _schedule_retry(delivery_id, wait):
    """Hand the next attempt to a worker after `wait` seconds. In process (no broker) there is
    no one to wait: the sweep (`manage.py notification_queue --sweep`, or beat) retries it."""
    if deliver_webhook.app.conf.task_always_eager:
        return
    try:
        deliver_webhook.apply_async(args=[delivery_id], countdown=wait, retry=False)
    except Exception:  # the broker is down: the sweep finds the delivery when it is overdue
        logger.warning("Webhook delivery %s: retry not scheduled now; the sweep will", delivery_id)
