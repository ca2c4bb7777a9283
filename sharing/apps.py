from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Sharing"

    def ready(self):
        # Deletions by any path leave tombstones for partner systems (pre_delete receivers).
        from . import tombstones  # noqa: F401
