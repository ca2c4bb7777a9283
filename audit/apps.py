from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

from .partitions import access_log_partitions_create


def _create_partitions_ahead(sender, using, **kwargs):
    """Every `migrate` leaves the current month's partition and the next ones in place."""
    access_log_partitions_create(using=connections[using])


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Access log"

    def ready(self):
        post_migrate.connect(_create_partitions_ahead, sender=self,
                             dispatch_uid="audit-partitions-ahead")
