"""Celery tasks of notifications. Each is idempotent: it claims its row with a conditional
UPDATE before doing anything, so a copy run twice (a redelivered message, a sweep racing a
slow worker) does the work once. Acknowledged late and rejected on worker loss: a worker that
dies mid-task leaves the message (or the claimed row, for the sweep) to another worker.
"""

from celery import shared_task

from . import notifications, webhooks

RELIABLE = {"acks_late": True, "reject_on_worker_lost": True, "ignore_result": True}


@shared_task(name="sharing.tasks.deliver_event", **RELIABLE)
def deliver_event(event_id):
    """In-app notifications and e-mails of one outbox event; then its webhooks."""
    webhook_ids = notifications.event_deliver(event_id=event_id)
    for delivery_id in webhook_ids or []:
        deliver_webhook.delay(delivery_id)
    return len(webhook_ids or [])


@shared_task(name="sharing.tasks.deliver_webhook", **RELIABLE)
def deliver_webhook(delivery_id):
    """One attempt of one webhook delivery; a failure schedules the next with backoff."""
    attempt = webhooks.delivery_attempt(delivery_id=delivery_id)
    return attempt.status_code if attempt is not None else None


@shared_task(name="sharing.tasks.sweep_outbox", ignore_result=True)
def sweep_outbox():
    """Beat, every minute: re-enqueue what was not delivered after a minute."""
    events, webhook_ids = notifications.outbox_sweep()
    return {"events": len(events), "webhooks": len(webhook_ids)}
