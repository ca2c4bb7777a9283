from django.apps import AppConfig


class TaxiiConfig(AppConfig):
    name = "taxii"
    verbose_name = "TAXII 2.1 server"
