from django.apps import AppConfig
from django.db.models import Field, ForeignObject

from .db import InIds


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self):
        # `id__in_ids=[...]`: a list of ids as one array parameter (core.db).
        Field.register_lookup(InIds)
        ForeignObject.register_lookup(InIds)
