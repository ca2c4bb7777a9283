"""manage.py access_log_partitions: what beat does daily, by hand, and what is there."""

from django.core.management.base import BaseCommand
from django.db import connection

from audit.partitions import (
    DEFAULT_PARTITION,
    TABLE,
    access_log_partitions_maintain,
    is_partitioned,
    month_partitions,
    retention_months,
)


class Command(BaseCommand):
    help = (
        "Creates the access log's partitions of last month, this month and the next two "
        "(PostgreSQL), drops whole months older than ACCESS_LOG_RETENTION_MONTHS (0: none), lists them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true",
                            help="Only list the partitions and the rows the default one holds.")

    def handle(self, *args, list, **options):
        if not is_partitioned():
            self.stdout.write(f"{TABLE} is not partitioned on {connection.vendor}: nothing to do.")
            return
        if not list:
            report = access_log_partitions_maintain()
            for name in report.created:
                self.stdout.write(f"created {name}")
            for name in report.dropped:
                self.stdout.write(f"dropped {name}")
            if not report.created and not report.dropped:
                self.stdout.write("Nothing to create or drop.")
        months = month_partitions()
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {DEFAULT_PARTITION}")
            in_default = cursor.fetchone()[0]
        keep = retention_months()
        self.stdout.write(
            f"{len(months)} month partitions, {min(months):%Y-%m} to {max(months):%Y-%m}; "
            f"{in_default} rows in {DEFAULT_PARTITION}; retention: "
            + (f"{keep} months" if keep else "forever"))
