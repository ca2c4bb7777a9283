"""The bulk import of tips (work.tip_import) at 10,000 rows: generates a CSV of realistic tips
(phones, plates and e-mails in the text, callers, places, times), imports it into a scratch
database of its own, then imports it again, and prints rows, seconds, rows per second and
queries of each (the re-import: 0 created). SQLite unless DATABASE_URL names PostgreSQL, whose
scratch database is fusionportal_bench_import; both are dropped afterwards."""

import random
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency, FusionCenter, Membership, User
from work.tip_import import rows_from_csv, tips_import

STREETS = ["Orange Ave", "Colonial Dr", "Semoran Blvd", "Kirkman Rd", "Mills Ave", "Pine St"]
SEEN = ["a white van idling by the school gate", "two men loading boxes at night",
        "a girl who looked scared, with an older man", "cash handed through a car window",
        "a black sedan circling the block", "a man photographing the substation"]
STATES = ["FL", "GA", "AL", "SC"]


def plate(rng):
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(rng.choice(letters) for _ in range(3)) + "-" + "".join(
        rng.choice("0123456789") for _ in range(3)) + rng.choice(letters)


def tips_csv(count, seed=15):
    """A CSV of `count` tips; about one in twenty shares a phone with an earlier one."""
    rng = random.Random(seed)
    lines = ["source_id,what,where,when,caller_name,caller_phone,subjects"]
    for n in range(count):
        phone = f"407-555-{rng.randrange(10000):04d}"
        what = (f"Caller saw {rng.choice(SEEN)}; {rng.choice(STATES)} plate {plate(rng)}. "
                f"Call back on {phone}.")
        if n % 7 == 0:
            what += f'\n"Second call": same again, e-mail tips{n}@example.com'
        anonymous = n % 3 == 0
        lines.append(",".join([
            f"RMS-{n:06d}", '"' + what.replace('"', '""') + '"',
            f'"{rng.randrange(100, 9999)} {rng.choice(STREETS)}, Orlando, FL"',
            f"2026-0{rng.randrange(1, 10)}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:00",
            "" if anonymous else f"Caller {n}", "" if anonymous else f"321-555-{n % 10000:04d}",
            f"person:Pat Doe {n % 50}" if n % 10 == 0 else "",
        ]))
    return ("\n".join(lines) + "\n").encode()


class Command(BaseCommand):
    help = "Import 10,000 generated tips into a scratch database and print the figures."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)

    def handle(self, *args, rows, **options):
        if rows < 1:
            raise CommandError("--rows is at least 1.")
        vendor = connection.vendor
        original = connection.settings_dict["NAME"]
        scratch = ("fusionportal_bench_import" if vendor == "postgresql" else
                   str(Path(tempfile.gettempdir()) / "fusionportal_bench_import.sqlite3"))
        connection.settings_dict.setdefault("TEST", {})["NAME"] = scratch
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            self.run(rows, vendor, scratch)
        finally:
            connection.creation.destroy_test_db(original, verbosity=0)

    def run(self, count, vendor, scratch):
        center = FusionCenter.objects.create(name="Bench Fusion Center", short_name="BFC",
                                             state="FL")
        agency = Agency.objects.create(name="Bench Police Department", ori="FLBEN0000",
                                       level="local", home_state="FL")
        Membership.objects.create(agency=agency, center=center,
                                  status=Membership.Status.ACTIVE)
        user = User.objects.create_user("bench_import", agency=agency)
        data = tips_csv(count)
        self.stdout.write(f"Database {scratch} ({vendor}); {len(data) / 1e6:.1f} MB of CSV")
        for label in ("import", "re-import"):
            reset_queries()
            # The import commits at the end of this block; then the subjects are deconflicted
            # (in process here, as a worker does after the commit), timed on their own.
            with transaction.atomic():
                started = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    result = tips_import(by=user, rows=rows_from_csv(data), source="bench.csv")
                seconds = time.perf_counter() - started
                told_from = time.perf_counter()
            told = time.perf_counter() - told_from
            if result.errors:
                raise CommandError(f"Bad rows in the generated file: {result.errors[:3]}")
            self.stdout.write(
                f"{vendor} {label}: {result.total:,} rows in {seconds:.1f} s, "
                f"{result.total / seconds:,.0f} rows/s, {len(queries):,} queries; "
                f"{result.created:,} created, {result.already:,} already imported")
            self.stdout.write(
                f"{vendor} {label}: the subjects of {result.created:,} tips deconflicted and "
                f"their watchers told after the commit, in process, in {told:.1f} s")
