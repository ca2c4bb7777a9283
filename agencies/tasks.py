"""The accounts' scheduled upkeep (beat, daily): agencies.lifecycle."""

from celery import shared_task

from .lifecycle import accounts_disable_unused


@shared_task(name="agencies.tasks.disable_unused_accounts", acks_late=True,
             reject_on_worker_lost=True, ignore_result=True)
def disable_unused_accounts():
    """Disables the accounts unused for ACCOUNT_INACTIVE_DAYS and the expired ones, and tells
    their agencies' admins. Idempotent: a second run the same day disables and tells nobody."""
    report = accounts_disable_unused()
    return {"inactive": report.inactive, "expired": report.expired}
