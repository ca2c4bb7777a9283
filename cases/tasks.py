"""Celery tasks of cases: the daily 28 CFR Part 23 review (celery beat,
settings.CELERY_BEAT_SCHEDULE): the automatic purge of overdue records for the agencies that
turned it on, then the notice of what is due. Idempotent: a record is purged once, and an
official is told once a day, however often it runs."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="cases.tasks.review_queue_daily", acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)
def review_queue_daily():
    today = timezone.localdate()
    purged = services.overdue_purge(today=today)
    told = services.review_queue_notify(today=today)
    return {"purged": purged, "officials_told": told}
