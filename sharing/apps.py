from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self):
        # Deletions by any path leave tombstones for partner systems (pre_delete receivers).
        from . import tombstones  # noqa: F401

        # The permission ids the visibility queries name, read again whenever migrate or a
        # flush (re)creates the permissions.
        from .permissions import remember_permission_ids

        post_migrate.connect(remember_permission_ids, dispatch_uid="sharing.permission_ids")
