"""Benchmark of the access log at scale (PostgreSQL): a request's log write and the center
admin's filtered log page must cost the same with 10,000 rows and with many millions.

In a scratch database of its own per size (`<DATABASE_URL's name>_bench_accesslog_<rows>`, kept
for reruns: a size already seeded is not seeded again; `--drop` removes them), it seeds a year of log
for 1,000 agencies and 4,000 users set-based (INSERT ... SELECT generate_series, the rows of a size
in time order; above a million rows the secondary indexes are made after the rows, as a restore
would), 40 of the agencies members of the benchmark's center. At each size it prints:

- one log write (`audit.services.log_access` in its own transaction, what every request does):
  median and p95 ms, and EXPLAIN (ANALYZE, BUFFERS) of its INSERT (rolled back): execution time
  in the database and shared buffers touched;
- the center's log page through its own view (filters, the admin gate, the default 30-day window,
  keyset, the template): the first page and a page 5 pages deep, unfiltered and filtered by
  agency, user and action; median and p95 ms, and EXPLAIN (ANALYZE, BUFFERS) of the page's rows
  query: execution time in the database, shared buffers touched, partitions scanned;
- the ratio of each figure at the largest size to the smallest.

    make bench-accesslog-scale   (BENCH_ARGS="--sizes 10000,1000000,10000000")
"""

import os
import re
import statistics
import time
from datetime import timedelta

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, CenterAdmin, FusionCenter, Membership, User
from audit.partitions import TABLE, access_log_partitions_create, add_months, month_start
from audit.services import log_access
from audit.views import center_access_log

AGENCIES = 1000
USERS_PER_AGENCY = 4
MEMBERS = 40
YEAR_SECONDS = 365 * 24 * 3600
WRITES = 200
PAGE_RUNS = 15
EXPLAIN_RUNS = 7
DEEP = 5
# Above this many new rows the secondary indexes are dropped and made again after the insert.
REBUILD_INDEXES_ABOVE = 1_000_000


class Command(BaseCommand):
    help = "Access log at 10,000 and millions of rows (PostgreSQL): log write and log page costs."

    def add_arguments(self, parser):
        parser.add_argument("--sizes", default="10000,1000000,10000000",
                            help="Comma-separated row counts, ascending.")
        parser.add_argument("--drop", action="store_true",
                            help="Drop the scratch databases at the end.")

    def handle(self, *args, sizes, drop, **options):
        try:
            counts = [int(size) for size in sizes.split(",")]
        except ValueError:
            raise CommandError("--sizes takes row counts such as 10000,10000000.") from None
        if not counts or counts != sorted(counts) or counts[0] < 1:
            raise CommandError("--sizes takes positive row counts in ascending order.")
        if connection.vendor != "postgresql":
            raise CommandError("The scale benchmark needs PostgreSQL: set DATABASE_URL.")
        portal_database = connection.settings_dict["NAME"]
        results = {}
        for count in counts:
            # One scratch database per size, kept for reruns: a size is seeded once.
            connection.settings_dict.setdefault("TEST", {})["NAME"] = (
                f"{portal_database}_bench_accesslog_{count}")
            connection.creation.create_test_db(verbosity=0, autoclobber=True,
                                               serialize=False, keepdb=True)
            self.stdout.write(f"\nScratch database: {connection.settings_dict['NAME']}")
            try:
                self._measure_size(count, results)
            finally:
                if drop:
                    connection.creation.destroy_test_db(portal_database, verbosity=0)
                else:
                    connection.close()
                    connection.settings_dict["NAME"] = portal_database
        self._report(counts, results)

    # The network and the rows ---------------------------------------------------------------

    def _network(self):
        center = FusionCenter.objects.filter(short_name="BSCALE").first()
        if center is None:
          with transaction.atomic():
            center = FusionCenter.objects.create(name="Scale Fusion Center", short_name="BSCALE",
                                                 state="FL")
            groups = Group.objects.bulk_create(
                Group(name=f"agency:FL9{n:06d}") for n in range(AGENCIES))
            agencies = Agency.objects.bulk_create(
                Agency(name=f"Scale agency {n}", ori=f"FL9{n:06d}", level="local",
                       home_state="FL", group=group) for n, group in enumerate(groups))
            Membership.objects.bulk_create(Membership(center=center, agency=agency)
                                           for agency in agencies[:MEMBERS])
            User.objects.bulk_create(
                User(username=f"scale_{n}", agency=agencies[n % AGENCIES], password="!")
                for n in range(AGENCIES * USERS_PER_AGENCY))
            admin = User.objects.create_user(username="scale_admin", agency=agencies[0],
                                             role=User.Role.AGENCY_ADMIN)
            CenterAdmin.objects.create(user=admin, center=center)
        admin = User.objects.get(username="scale_admin")
        agencies = list(Agency.objects.filter(ori__startswith="FL9").order_by("ori")
                        .values_list("id", flat=True))
        users = list(User.objects.filter(username__startswith="scale_")
                     .exclude(username="scale_admin").order_by("id").values_list("id", flat=True))
        return center, admin, agencies, users

    def _seeded_rows(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE} WHERE detail ? 'bench'")
            return cursor.fetchone()[0]

    def _seed(self, count, agencies, users):
        """Rows up to `count`, a year of them up to now, in time order, set-based. The agency
        and the user of row n are the n-th of their lists, so 4% of the rows are the center's
        members'; actions cycle through reads, lists, downloads, shares and admin actions."""
        have = self._seeded_rows()
        if have >= count:
            return 0
        new = count - have
        today = timezone.now().date()
        months = [add_months(month_start(today), -n) for n in range(13)]
        access_log_partitions_create(months=months)
        indexes = []
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            self._nice(cursor.fetchone()[0])
            # The rows are made valid by construction: the foreign-key checks, one per row and
            # key, are left out of the seed (the benchmark is superuser of its own database).
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            if new > REBUILD_INDEXES_ABOVE:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s"
                    " AND indexname <> %s", [TABLE, f"{TABLE}_pkey"])
                indexes = cursor.fetchall()
                for name, _ in indexes:
                    cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(f"""
                INSERT INTO {TABLE} (at, action, object_type, object_id, object_ids, ip_address,
                                     detail, actor_id, agency_id)
                SELECT now() - interval '1 second' * ({YEAR_SECONDS} - g * {YEAR_SECONDS}.0 / %s),
                       (ARRAY['read','read','read','list','download','share','read','admin'])
                           [g %% 8 + 1],
                       'case', g %% 50000 + 1,
                       CASE WHEN g %% 8 = 3 THEN '[1, 2, 3, 4, 5]'::jsonb ELSE '[]'::jsonb END,
                       ('10.' || g %% 250 || '.' || g %% 200 || '.1')::inet,
                       '{{"bench": 1}}'::jsonb,
                       (%s::bigint[])[g %% {len(users)} + 1],
                       (%s::bigint[])[g %% {len(users)} %% {AGENCIES} + 1]
                FROM generate_series(1, %s) AS g""", [new, users, agencies, new])
            for _, definition in indexes:
                # pg_indexes shows a partitioned index as made ON ONLY the parent (no partition
                # index built): made again without ONLY, it is built on every partition.
                cursor.execute(definition.replace(" ON ONLY ", " ON "))
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {TABLE}")
        return new

    def _nice(self, pid):
        """The seed runs in the database server: lower that backend's priority, as `nice` does
        for this process, so that the machine's other work goes first (when allowed)."""
        try:
            os.setpriority(os.PRIO_PROCESS, pid, 10)
        except (OSError, PermissionError):
            pass

    # The measures ---------------------------------------------------------------------------

    def _explain(self, sql, params):
        """EXPLAIN (ANALYZE, BUFFERS) of the statement, rolled back; its execution time is the
        median of EXPLAIN_RUNS runs."""
        executions = []
        for _ in range(EXPLAIN_RUNS):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                transaction.set_rollback(True)
            executions.append(float(re.search(r"Execution Time: ([\d.]+) ms", plan)[1]))
        # The top node's buffers count its children's.
        top = next((line for line in plan.splitlines() if "Buffers:" in line), "")
        buffers = sum(int(n) for n in re.findall(r"(?:hit|read|dirtied|written)=(\d+)", top))
        # Partitions whose scan ran (a pruned or never-executed one is not counted).
        touched = {name for line in plan.splitlines() if "never executed" not in line
                   for name in re.findall(rf"\b({TABLE}_(?:y\d{{4}}m\d{{2}}|default))\b", line)}
        return {"buffers": buffers, "partitions": len(touched),
                "db_ms": statistics.median(executions),
                "index": "-" if plan.startswith("Insert") else
                         "yes" if "Index" in plan and "Seq Scan" not in plan else "NO",
                "plan": plan}

    def _write_cost(self, admin):
        times = []
        for _ in range(WRITES):
            started = time.perf_counter()
            with transaction.atomic():
                log_access(action="read", actor=admin, object_type="case", detail={"bench": 2})
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            log_access(action="read", actor=admin, object_type="case", detail={"bench": 2})
            transaction.set_rollback(True)
        insert = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT"))
        return statistics.median(times), _p95(times), self._explain(insert, ())

    def _page_cost(self, center, admin, query, depth):
        factory = RequestFactory()
        url = reverse("center-access-log", args=[center.pk])
        params = dict(query)
        for _ in range(depth):
            request = factory.get(url, params)
            request.user = admin
            response = center_access_log(request, center_id=center.pk)
            cursor = re.search(rb"cursor=([\w-]+)", response.content)
            if cursor is None:
                break
            params["cursor"] = cursor[1].decode()
        times, sql = [], None
        for _ in range(PAGE_RUNS):
            request = factory.get(url, params)
            request.user = admin
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = center_access_log(request, center_id=center.pk)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:500]
            sql = next(q["sql"] for q in reversed(queries.captured_queries)
                       if f'FROM "{TABLE}"' in q["sql"])
        return statistics.median(times), _p95(times), self._explain(sql, ())

    def _measure_size(self, count, results):
        center, admin, agencies, users = self._network()
        member, user = agencies[3], User.objects.get(pk=users[3])
        year = {"date_from": (timezone.now() - timedelta(days=364)).date().isoformat()}
        pages = [
            ("page: center, 30 days", {}),
            ("page: center, a year", year),
            ("page: + agency, a year", {**year, "agency": member}),
            ("page: + user, a year", {**year, "user": user.username}),
            ("page: + share, a year", {**year, "action": "share"}),
        ]
        started = time.perf_counter()
        new = self._seed(count, agencies, users)
        if new:
            self.stdout.write(f"seeded {new:,} rows in {time.perf_counter() - started:.0f} s")
        last_month = add_months(month_start(timezone.now().date()), -1)
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
                           [f"{TABLE}_y{last_month:%Y}m{last_month:%m}"])
            a_month = cursor.fetchone()[0]
        self.stdout.write(f"== {count:,} rows, about {a_month:,} in last month's partition ==")
        self.stdout.write(f"{'':<36} {'view ms':>8} {'p95':>7} {'db ms':>6} {'buffers':>7} "
                          f"{'partitions':>10}  index")
        median, p95, plan = self._write_cost(admin)
        results.setdefault("log write (log_access)", []).append((median, plan))
        self._line("log write (log_access)", median, p95, plan)
        for label, query in pages:
            for depth, name in ((0, "first"), (DEEP, f"{DEEP} deep")):
                median, p95, plan = self._page_cost(center, admin, query, depth)
                results.setdefault(f"{label} ({name})", []).append((median, plan))
                self._line(f"{label} ({name})", median, p95, plan)

    def _line(self, label, median, p95, plan):
        self.stdout.write(
            f"{label:<36} {median:8.2f} {p95:7.2f} {plan['db_ms']:6.2f} {plan['buffers']:>7} "
            f"{plan['partitions']:>10}  {plan['index']}")

    def _report(self, counts, results):
        self.stdout.write(f"\n== {counts[-1]:,} rows / {counts[0]:,} rows ==")
        self.stdout.write(f"{'':<36} {'view ms':>8} {'db ms':>6} {'buffers':>7}")
        for label, figures in results.items():
            (first_ms, first), (last_ms, last) = figures[0], figures[-1]
            self.stdout.write(
                f"{label:<36} {last_ms / first_ms:7.2f}x {last['db_ms'] / first['db_ms']:5.2f}x "
                f"{last['buffers'] / max(first['buffers'], 1):6.2f}x")
        self.stdout.write(f"\nPlans at {counts[-1]:,} rows:")
        for label, figures in results.items():
            self.stdout.write(f"-- {label}\n{figures[-1][1]['plan']}")


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
