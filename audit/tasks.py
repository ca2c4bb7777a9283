"""The access log's scheduled upkeep (beat, daily): its monthly partitions on PostgreSQL."""

from celery import shared_task

from .partitions import access_log_partitions_maintain


@shared_task(name="audit.tasks.maintain_access_log_partitions", ignore_result=True)
def maintain_access_log_partitions():
    """Creates the next months' partitions and drops those past ACCESS_LOG_RETENTION_MONTHS.
    Idempotent: a second run the same day changes nothing."""
    report = access_log_partitions_maintain()
    return {"created": report.created, "dropped": report.dropped}
