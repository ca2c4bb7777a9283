from django.apps import AppConfig


class WorkConfig(AppConfig):
    name = "work"
    verbose_name = "Work: requests for information and the work that follows"

    def ready(self):
        from . import signals  # noqa: F401 (a response answers its RFI, whichever way written)
