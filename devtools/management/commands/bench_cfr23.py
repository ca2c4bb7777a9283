"""The 28 CFR Part 23 review queue and compliance report at scale: `make bench-cfr23`
(BENCH_ARGS=--million).

Seeds the partner-API benchmark's items (devtools/bench_api.py: criminal intelligence with its
predicate and labels, review dates spread over five years, owners spread over the agencies) in a
PostgreSQL database of its own, kept for reruns; gives the measured agency some of every
category of the compliance report (records pending review, rejected and purged, disseminations to
50 recipients, corrections); then times, for that agency, the review queue (the selector alone,
cases.selectors.review_queue, and the whole page) and the compliance report (its counts,
cases.compliance.report_counts, the whole page, and its CSV streamed to the end), through the
test client in-process (the server's time), median, p90 and p95 of `--repeat` rounds, with the
queries each costs.
"""

import statistics
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from cases import compliance
from cases.models import Dissemination, IntelligenceItem, ItemCorrection
from cases.selectors import review_queue
from devtools.bench_api import bench_agencies, seed_items
from devtools.bench_pages import session_cookie

AGENCIES = 200


class Command(BaseCommand):
    help = "Time the 28 CFR Part 23 review queue at 100,000 items (or --items N, --million)."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=100_000, help="Items to seed (100,000).")
        parser.add_argument("--million", action="store_true", help="Seed 1,000,000 items.")
        parser.add_argument("--repeat", type=int, default=15, help="Rounds per figure (15).")
        parser.add_argument("--drop", action="store_true", help="Drop the database afterwards.")

    def handle(self, *args, items, million, repeat, drop, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
        count = 1_000_000 if million else items
        if count < 1000 or repeat < 1:
            raise CommandError("--items must be at least 1000 and --repeat at least 1.")
        original = connection.settings_dict["NAME"]
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original}_bench_cfr23_{count}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                           keepdb=True)
        self.stdout.write(f"Database {connection.settings_dict['NAME']} (PostgreSQL)")
        # The page renders without `collectstatic`'s manifest (a benchmark, not a deployment).
        storages = {**settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
        try:
            with override_settings(STORAGES=storages):
                self.run(count, repeat)
        finally:
            if drop:
                connection.creation.destroy_test_db(original, verbosity=0)

    def seed(self, count):
        agencies = bench_agencies(AGENCIES)
        have = IntelligenceItem.objects.count()
        if have not in (0, count):
            raise CommandError(f"The database holds {have} items, not {count}: run with --drop.")
        if not have:
            started = datetime.now(UTC)

            def progress(done):
                if done % 100_000 == 0 or done == count:
                    self.stdout.write(f"  seeded {done:,} items")

            seed_items(count=count, agencies=agencies, partner=agencies[0], share_fraction=0.0,
                       progress=progress)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
            self.stdout.write(f"  seeded in {(datetime.now(UTC) - started).total_seconds():.0f} s")
        agency = agencies[0]
        reader = User.objects.filter(username="bench_cfr23").first() or User.objects.create_user(
            username="bench_cfr23", agency=agency)
        # The report is its agency admin's (and its reviewers' and auditors').
        if reader.role != User.Role.AGENCY_ADMIN:
            reader.role = User.Role.AGENCY_ADMIN
            reader.save(update_fields=["role"])
        self.seed_report(agency, agencies[1:51], reader)
        return agency, reader

    def seed_report(self, agency, recipients, reader):
        """Some of every list of the compliance report for the measured agency, once: of its
        records, 200 pending review, 100 rejected and 300 purged over the last two years; 5,000
        disseminations of its criminal intelligence to 50 agencies; 500 corrections."""
        if Dissemination.objects.filter(item__owner=agency).exists():
            return
        now = timezone.now()
        ids = list(IntelligenceItem.objects.filter(owner=agency).order_by("id")
                   .values_list("id", flat=True))
        pending, rejected, purged, kept = ids[:200], ids[200:300], ids[300:600], ids[600:]
        IntelligenceItem.objects.filter(id__in=pending).update(intelligence_status="pending",
                                                               validated_at=None)
        IntelligenceItem.objects.filter(id__in=rejected).update(
            intelligence_status="rejected", reviewed_by=reader, reviewed_at=now)
        for k, pk in enumerate(purged):
            IntelligenceItem.objects.filter(id=pk).update(
                intelligence_status="purged", purged_at=now - timedelta(days=k * 2),
                purged_by=reader if k % 3 else None,
                purge_reason="Review date passed" if k % 3 == 0 else "Reviewed: no longer relevant")
        Dissemination.objects.bulk_create([
            Dissemination(
                item_id=kept[k % len(kept)], at=now - timedelta(hours=k * 3),
                channel="share" if k % 4 else "api", recipient_agency=recipients[k % 50],
                recipient_label=recipients[k % 50].name, reason="Need and right to know",
                by=reader if k % 4 else None,
            ) for k in range(5000)
        ], batch_size=2000)
        ItemCorrection.objects.bulk_create([
            ItemCorrection(item_id=kept[k], version=2, fields=["review_by"], by=reader,
                           at=now - timedelta(days=k), agencies_told=k % 5)
            for k in range(500)
        ], batch_size=2000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write("  seeded the compliance report's categories for the measured agency")

    def run(self, count, repeat):
        agency, reader = self.seed(count)
        today = timezone.localdate()
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(reader)
        queue_url = reverse("review-queue")
        report_url = reverse("compliance-report", args=[agency.pk])
        csv_url = reverse("compliance-report-csv", args=[agency.pk])
        period = compliance.Period.default(today)

        def get(url):
            response = client.get(url, secure=True)
            assert response.status_code == 200, (url, response.status_code)
            return response

        functions = {
            "review queue selector": lambda: review_queue(agency, today=today),
            "review queue page": lambda: get(queue_url),
            "compliance report counts": lambda: compliance.report_counts(agency, period),
            "compliance report page": lambda: get(report_url),
            # Every list at once, streamed to the end.
            "compliance report CSV": lambda: b"".join(get(csv_url).streaming_content),
        }
        queries = {}
        for name, function in functions.items():
            with CaptureQueriesContext(connection) as captured:
                function()
            queries[name] = len(captured)
        figures = self.timed(functions, repeat)
        owned = IntelligenceItem.objects.filter(owner=agency).count()
        queue = review_queue(agency, today=today)
        counts = compliance.report_counts(agency, period)
        self.stdout.write(
            f"{count:,} items; the agency owns {owned:,}; its queue: {queue['counts']}; its report: "
            f"{ {row['status']: row['now'] for row in counts['statuses']} }, "
            f"{counts['disseminations']:,} disseminations to {len(counts['recipients'])} "
            f"recipient/channel pairs, {counts['corrections']} corrections, "
            f"{counts['purged']} purged in the last 12 months"
        )
        for name, (median, p90, p95) in figures.items():
            self.stdout.write(f"  {name}: median {median:.1f} ms, p90 {p90:.1f} ms, "
                              f"p95 {p95:.1f} ms, {queries[name]} queries")

    @staticmethod
    def timed(functions, repeat):
        """{name: (median, p90, p95 ms)} of `repeat` rounds after a warm-up, interleaved."""
        times = {name: [] for name in functions}
        for round_ in range(repeat + 1):
            for name, function in functions.items():
                started = time.perf_counter()
                function()
                if round_:
                    times[name].append((time.perf_counter() - started) * 1000)

        def at(taken, share):
            return taken[min(len(taken) - 1, int(round(share * (len(taken) - 1))))]

        return {name: (statistics.median(taken), at(taken, 0.9), at(taken, 0.95))
                for name, taken in ((n, sorted(t)) for n, t in times.items())}
