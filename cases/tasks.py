"""Celery tasks of cases: the daily 28 CFR Part 23 review notice (celery beat,
settings.CELERY_BEAT_SCHEDULE). Idempotent: an official is told once a day however often it runs."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="cases.tasks.review_queue_daily", acks_late=True, reject_on_worker_lost=True,
             ignore_result=True)
def review_queue_daily():
    return services.review_queue_notify(today=timezone.localdate())
