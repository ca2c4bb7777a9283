from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Cases and intelligence"

    def ready(self):
        from django.db.models import Field, ForeignObject

        from fusionportal.db import InIds

        Field.register_lookup(InIds)
        ForeignObject.register_lookup(InIds)
