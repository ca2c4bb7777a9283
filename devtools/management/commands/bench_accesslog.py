"""Benchmark of the access-log CSV export: its memory must not grow with the number of rows.

In a scratch database (created here and dropped at the end, never the portal's own: the
access log is append-only, so rows written to a real database could not be taken back), it
writes 10,000 and then 100,000 access-log rows with bulk_create, exports them through the
very view the center admin's "Export CSV" button calls, and prints for each size the time,
the peak of Python memory while streaming (tracemalloc), and the same peak had the rows
been read into a list first, for comparison.

    make bench-accesslog          (or: python manage.py bench_accesslog --sizes 10000,100000)
"""

import gc
import os
import resource
import tempfile
import time
import tracemalloc
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, CenterAdmin, FusionCenter, Membership, User
from audit.exports import COLUMNS
from audit.models import AccessLog
from audit.selectors import center_access_log
from audit.views import center_access_log_csv

BATCH = 5000
MIB = 1024 * 1024


class Command(BaseCommand):
    help = "Export N access-log rows as CSV in a scratch database; print time and peak memory."

    def add_arguments(self, parser):
        parser.add_argument(
            "--sizes", default="10000,100000",
            help="Comma-separated row counts, ascending (default: 10000,100000).",
        )
        parser.add_argument(
            "--no-compare", action="store_true",
            help="Skip the materialised-list comparison (it holds every row in memory).",
        )

    def handle(self, *args, sizes, no_compare, **options):
        try:
            counts = [int(size) for size in sizes.split(",")]
        except ValueError:
            raise CommandError("--sizes takes row counts such as 10000,100000.") from None
        if not counts or counts != sorted(counts) or counts[0] < 1:
            raise CommandError("--sizes takes positive row counts in ascending order.")

        old_name, scratch_file = self._create_scratch_database()
        try:
            self._run(counts, compare=not no_compare)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
            if scratch_file and os.path.exists(scratch_file):
                os.remove(scratch_file)

    def _create_scratch_database(self):
        test_settings = connection.settings_dict.setdefault("TEST", {})
        scratch_file = None
        if connection.vendor == "sqlite":
            # A file rather than SQLite's in-memory test database, so that the database does
            # not sit in this process's memory and blur the figures.
            handle, scratch_file = tempfile.mkstemp(prefix="bench-accesslog-", suffix=".sqlite3")
            os.close(handle)
            test_settings["NAME"] = scratch_file
        else:
            test_settings["NAME"] = f"{connection.settings_dict['NAME']}_bench_accesslog"
        self.stdout.write(f"Scratch database ({connection.vendor}): {test_settings['NAME']}")
        old_name = connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=False
        )
        return old_name, scratch_file

    def _run(self, counts, compare):
        center = FusionCenter.objects.create(name="Bench Fusion Center", short_name="BENCH",
                                             state="FL")
        agency = Agency.objects.create(name="Bench Police Department", ori="FL0999900",
                                       level="local", home_state="FL")
        Membership.objects.create(center=center, agency=agency)
        admin = User.objects.create_user(username="bench_admin", agency=agency,
                                         role=User.Role.AGENCY_ADMIN)
        CenterAdmin.objects.create(user=admin, center=center)
        analysts = [User.objects.create_user(username=f"bench_analyst_{n}", agency=agency)
                    for n in range(20)]

        self.stdout.write(
            f"{'rows':>8} {'CSV MiB':>8} {'time s':>7} {'rows/s':>8} "
            f"{'peak MiB streamed':>18} {'peak MiB as a list':>19} {'max RSS MiB':>12}"
        )
        self.stdout.write(
            "(peaks: Python memory while exporting, tracemalloc; max RSS: the process's "
            "high-water mark before the list comparison)"
        )
        written = 0
        for count in counts:
            self._write_rows(count - written, written, agency, analysts)
            written = count
            size, seconds = self._export(center, admin, measure_memory=False)
            _, streamed_peak = self._export(center, admin, measure_memory=True)
            # The process's high-water mark so far, read before the list comparison raises it.
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
            listed_peak = self._materialised_peak(center) if compare else None
            listed = f"{listed_peak / MIB:19.1f}" if listed_peak is not None else f"{'-':>19}"
            self.stdout.write(
                f"{count:>8} {size / MIB:8.1f} {seconds:7.2f} {count / seconds:8.0f} "
                f"{streamed_peak / MIB:18.2f} {listed} {rss:12.0f}"
            )

    def _write_rows(self, how_many, offset, agency, analysts):
        """A year of log: reads, lists (with the ids they returned), shares and admin actions."""
        start = timezone.now() - timedelta(days=365)
        step = timedelta(days=365) / max(how_many, 1)
        kinds = ["read", "read", "read", "list", "share", "admin"]
        batch = []
        for n in range(offset, offset + how_many):
            action = kinds[n % len(kinds)]
            batch.append(AccessLog(
                at=start + step * (n - offset), action=action, actor=analysts[n % len(analysts)],
                agency=agency, object_type="case", object_id=n % 5000 + 1,
                object_ids=list(range(n % 50, n % 50 + 25)) if action == "list" else [],
                ip_address=f"10.0.{n % 250}.{n % 200 + 1}",
                detail={"operation": "user_change_role", "reason": "Rotation to the night desk",
                        "before": {"role": "analyst"}, "after": {"role": "agency_admin"}}
                if action == "admin" else {},
            ))
            if len(batch) == BATCH:
                AccessLog.objects.bulk_create(batch)
                batch = []
        if batch:
            AccessLog.objects.bulk_create(batch)

    def _export(self, center, admin, *, measure_memory):
        """Through the page's own view: filters, permission check, streaming response."""
        request = RequestFactory().get(reverse("center-access-log-csv", args=[center.pk]))
        request.user = admin
        gc.collect()
        if measure_memory:
            tracemalloc.start()
        started = time.perf_counter()
        response = center_access_log_csv(request, center_id=center.pk)
        size = 0
        for chunk in response.streaming_content:
            size += len(chunk)
        seconds = time.perf_counter() - started
        peak = None
        if measure_memory:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        return (size, seconds) if not measure_memory else (size, peak)

    def _materialised_peak(self, center):
        """What the export would cost if it read every row into a list first."""
        gc.collect()
        tracemalloc.start()
        rows = list(center_access_log(center).order_by("at", "id")
                    .values_list(*(field for field, _ in COLUMNS)))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del rows
        return peak
