"""What blind deconfliction adds to a subject's link, at 10,000,000 subject links:
`make bench-deconfliction` (BENCH_ARGS=--links N).

Seeds, set-based (INSERT ... SELECT generate_series), in a PostgreSQL database of its own kept
for reruns: one holder agency with `--links / 10` cases, `--links / 10` subjects (phones) and
`--links` case-subject links (every subject on 10 cases), each case with its owner's permission
rows. Then times, for another agency that sees none of them, `cases.services.entity_link` of a
held subject to a case of its own (a write that finds matches: the check reads the subject's
newest links, asks visibility once, records the matches and writes their outbox events), against
the same write with the check switched off, each in a transaction rolled back; median and p95 of
`--repeat` rounds, the difference, and the queries each costs.
"""

import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, FusionCenter, Membership, User
from cases import services
from cases.models import Case, CaseEntity, Entity
from sharing.permissions import permission_ids


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time what deconfliction adds to a link at 10,000,000 subject links (or --links N)."

    def add_arguments(self, parser):
        parser.add_argument("--links", type=int, default=10_000_000)
        parser.add_argument("--repeat", type=int, default=60)
        parser.add_argument("--drop", action="store_true", help="Drop the database afterwards.")

    def handle(self, *args, links, repeat, drop, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://…")
        if links < 1000 or links % 10 or repeat < 1:
            raise CommandError("--links is a multiple of 10 of at least 1000; --repeat >= 1.")
        original = connection.settings_dict["NAME"]
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original}_bench_deconfliction_{links}"
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=True)
        self.stdout.write(f"Database {connection.settings_dict['NAME']} (PostgreSQL)")
        try:
            self.run(links, repeat)
        finally:
            if drop:
                connection.creation.destroy_test_db(original, verbosity=0)

    def seed(self, links):
        center, _ = FusionCenter.objects.get_or_create(
            short_name="BENCH", defaults={"name": "Bench center", "state": "FL", "kind": "primary"})
        holder, _ = Agency.objects.get_or_create(
            ori="FLBENCH01", defaults={"name": "Holder agency", "level": "local", "home_state": "FL"})
        linker, _ = Agency.objects.get_or_create(
            ori="TXBENCH01", defaults={"name": "Linker agency", "level": "local", "home_state": "TX"})
        for agency in (holder, linker):
            Membership.objects.get_or_create(center=center, agency=agency)
        people = {}
        for agency, name in ((holder, "bench_holder"), (linker, "bench_linker")):
            people[name], _ = User.objects.get_or_create(username=name, defaults={"agency": agency})
        cases = links // 10
        if CaseEntity.objects.count() == links:
            return people["bench_linker"], center
        if Case.objects.exists():
            raise CommandError("The database holds another size: run with --drop.")
        started = time.monotonic()
        now = timezone.now()
        view, *others = sorted(permission_ids(Case).items())
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO cases_case (owner_id, lead_center_id, number, title, summary, status,"
                " tlp, les, version, created_at, updated_at, created_by_id,"
                " share_with_involved_centers)"
                " SELECT %s, %s, 'B-' || n, 'Bench case ' || n, '', 'open', 'AMBER', false, 1,"
                " %s, %s, %s, false FROM generate_series(1, %s) AS n",
                [holder.pk, center.pk, now, now, people["bench_holder"].pk, cases])
            cursor.execute(
                "INSERT INTO cases_entity (kind, key, label, created_at)"
                " SELECT 'phone', '+1' || (2000000000 + n)::text, 'phone ' || n, %s"
                " FROM generate_series(1, %s) AS n", [now, cases])
            # Every subject on 10 cases: subject e on cases e, e+1 ... e+9 (wrapping); the ids
            # of one INSERT are consecutive in a fresh database.
            cursor.execute("SELECT min(id) FROM cases_case")
            first_case = cursor.fetchone()[0]
            cursor.execute("SELECT min(id) FROM cases_entity")
            first_entity = cursor.fetchone()[0]
            cursor.execute(
                "INSERT INTO cases_caseentity (case_id, entity_id, role, label, linked_at,"
                " linked_by_id)"
                " SELECT %s + ((e - 1 + k) %% %s), %s + e - 1, '', 'phone', %s, %s"
                " FROM generate_series(1, %s) AS e, generate_series(0, 9) AS k",
                [first_case, cases, first_entity, now, people["bench_holder"].pk, cases])
            for _level, permission_id in [view, *others]:
                cursor.execute(
                    "INSERT INTO sharing_casegroupobjectpermission"
                    " (group_id, permission_id, content_object_id, updated_at)"
                    " SELECT %s, %s, id, updated_at FROM cases_case", [holder.group_id, permission_id])
            cursor.execute("ANALYZE")
        self.stdout.write(f"  seeded {cases:,} cases, {cases:,} subjects and "
                          f"{CaseEntity.objects.count():,} links in {time.monotonic() - started:.0f} s")
        return people["bench_linker"], center

    def time_links(self, by, center, repeat, checked, held=True):
        if held:
            keys = list(Entity.objects.order_by("?").values_list("key", flat=True)[:repeat])
        else:  # numbers nobody holds: the check finds nothing, as for most links
            keys = [f"+1{3000000000 + time.monotonic_ns() % 1000000000 + n}" for n in range(repeat)]
        original = services.deconflict, services.tell_watchers
        if not checked:
            services.deconflict = lambda **kwargs: []
            services.tell_watchers = lambda **kwargs: []
        times, queries = [], []
        try:
            for key in keys:
                try:
                    with transaction.atomic():
                        case = services.case_create(
                            by=by, number=f"T-{time.monotonic_ns()}", title="Linker case",
                            lead_center=center, jurisdictions=[{"state": "TX"}])
                        with CaptureQueriesContext(connection) as captured:
                            began = time.perf_counter()
                            services.entity_link(by=by, case=case, kind="phone", label=key,
                                                 number=key)
                            times.append((time.perf_counter() - began) * 1000)
                        queries.append(len(captured))
                        raise Rollback
                except Rollback:
                    pass
        finally:
            services.deconflict, services.tell_watchers = original
        return times, queries

    def run(self, links, repeat):
        by, center = self.seed(links)
        for held, what in ((False, "a subject nobody holds (no match)"),
                           (True, "a subject 10 hidden cases hold (10 matches)")):
            results = {}
            for checked in (False, True, False, True):  # interleaved; the first pair warms up
                results[checked] = self.time_links(by, center, repeat, checked, held=held)
            self.stdout.write(f"Linking {what}, at {links:,} links:")
            for checked, label in ((False, "without the check"), (True, "with the check")):
                times, queries = results[checked]
                p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
                self.stdout.write(f"  {label}: median {statistics.median(times):.2f} ms, p95 "
                                  f"{p95:.2f} ms, {max(queries)} queries")
            added = statistics.median(results[True][0]) - statistics.median(results[False][0])
            self.stdout.write(f"  added by the check: {added:.2f} ms (median); "
                              f"target < 20 ms: {'PASS' if added < 20 else 'MISS'}")
