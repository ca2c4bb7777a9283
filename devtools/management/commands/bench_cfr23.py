"""The 28 CFR Part 23 review queue at scale: `make bench-cfr23` (BENCH_ARGS=--million).

Seeds the partner-API benchmark's items (devtools/bench_api.py: criminal intelligence with its
predicate and labels, review dates spread over five years, owners spread over the agencies) in a
PostgreSQL database of its own, kept for reruns, then times the review queue of one agency: the
selector alone (cases.selectors.review_queue) and the whole page through the test client,
median and p90 of `--repeat` rounds, with the queries each costs.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import User
from cases.models import IntelligenceItem
from cases.selectors import review_queue
from devtools.bench_api import bench_agencies, seed_items, timed

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
        return agency, reader

    def run(self, count, repeat):
        agency, reader = self.seed(count)
        today = timezone.localdate()
        client = Client()
        client.force_login(reader)
        url = reverse("review-queue")

        def page():
            response = client.get(url, secure=True)
            assert response.status_code == 200, response.status_code
            return response

        def selector():
            return review_queue(agency, today=today)

        queries = {}
        for name, function in (("selector", selector), ("page", page)):
            with CaptureQueriesContext(connection) as captured:
                function()
            queries[name] = len(captured)
        figures = timed({"selector": selector, "page": page}, repeat)
        owned = IntelligenceItem.objects.filter(owner=agency).count()
        queue = selector()
        self.stdout.write(
            f"{count:,} items; the agency owns {owned:,}; its queue: {queue['counts']}"
        )
        for name, (median, p90, _) in figures.items():
            self.stdout.write(f"  review queue {name}: median {median:.1f} ms, p90 {p90:.1f} ms, "
                              f"{queries[name]} queries")
