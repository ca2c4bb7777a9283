"""Benchmark of the link graph (cases/graph.py): the 2-hop neighbourhood of a subject, as the
analyst of the pages benchmark reads it, at 1,000,000 items (issue 14, target < 100 ms).

It works in the database of the pages benchmark (`bench_pages_<N>` on the server of
DATABASE_URL: N items, N/10 cases, N/20 people linked as subjects, seeded set-based on first use
by devtools.bench_pages and kept for reruns), so both benchmarks read the same data. The
subjects timed are those the analyst's agency sees most of (the most links of visible cases and
items), and as many chosen evenly among all it sees. For each, in process (no HTTP): the
visibility gate of the start subject (cases.graph.visible_start_subject), the graph
(cases.graph.subject_graph) and its JSON; p50 / p95 over --repeat rounds, and the queries of one
answer, which must be the same for every subject.

    make bench-graph                         (1,000,000 items)
    make bench-graph BENCH_ARGS="--items 100000 --repeat 20"
"""

import json
import statistics
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.graph import GraphQuery, subject_graph, visible_start_subject
from cases.models import Case, Entity, IntelligenceItem
from devtools import bench_pages as bench
from sharing.permissions import view_permission_id, visibility_group_ids

TARGET_MS = 100


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "The 2-hop link graph of a subject at 1,000,000 items (PostgreSQL)."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=1_000_000,
                            help="Items of the benchmark database (1,000,000).")
        parser.add_argument("--subjects", type=int, default=10,
                            help="Subjects of each choice (the busiest, and evenly among all).")
        parser.add_argument("--repeat", type=int, default=10, help="Timed rounds (10).")
        parser.add_argument("--hops", type=int, default=2, choices=(1, 2, 3))

    def handle(self, *args, items, subjects, repeat, hops, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The graph benchmark runs on PostgreSQL: set DATABASE_URL.")
        if repeat < 1 or subjects < 1:
            raise CommandError("--repeat and --subjects must be at least 1.")
        name = f"bench_pages_{items}"
        portal = connection.settings_dict["NAME"]
        connection.settings_dict.setdefault("TEST", {})["NAME"] = name
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                           keepdb=True)
        try:
            agencies, center, analyst = bench.bench_network()
            have = IntelligenceItem.objects.count()
            if have == 0:
                self.stdout.write(f"Seeding {items:,} items in {name} (set-based)")
                started = time.monotonic()
                bench.seed_pages(count=items, agencies=agencies, center=center,
                                 progress=self.stdout.write)
                self.stdout.write(f"  seeded in {time.monotonic() - started:.0f} s")
            elif have != items:
                raise CommandError(f"{name} holds {have:,} items, not {items:,}.")
            self.measure(analyst, name, items, subjects, repeat, hops)
        finally:
            connection.close()
            connection.settings_dict["NAME"] = portal

    def chosen(self, analyst, count):
        """(busiest, evenly chosen) subject ids among those the analyst's agency sees."""
        groups = visibility_group_ids(analyst)
        sql = """
            WITH links AS (
              SELECT l.entity_id FROM cases_itementity l WHERE l.item_id IN (
                SELECT content_object_id FROM sharing_itemgroupobjectpermission
                WHERE group_id = ANY(%s) AND permission_id = %s)
              UNION ALL
              SELECT l.entity_id FROM cases_caseentity l WHERE l.case_id IN (
                SELECT content_object_id FROM sharing_casegroupobjectpermission
                WHERE group_id = ANY(%s) AND permission_id = %s)
            )
            SELECT entity_id, count(*) FROM links GROUP BY entity_id ORDER BY 2 DESC, 1
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [groups, view_permission_id(IntelligenceItem), groups,
                                 view_permission_id(Case)])
            rows = cursor.fetchall()
        step = max(1, len(rows) // count)
        return [pk for pk, _ in rows[:count]], [pk for pk, _ in rows[::step][:count]], len(rows)

    def measure(self, analyst, name, items, count, repeat, hops):
        busiest, evenly, seen = self.chosen(analyst, count)
        self.stdout.write(
            f"{name}: {items:,} items, {Entity.objects.count():,} subjects; the analyst's agency "
            f"sees {seen:,} of them. {hops}-hop graph, {repeat} rounds.")
        query = GraphQuery(hops=hops)

        def answer(pk):
            entity = visible_start_subject(analyst, pk)
            return json.dumps(subject_graph(analyst, entity, query))

        for label, ids in (("busiest subjects", busiest), ("subjects chosen evenly", evenly)):
            times, queries, nodes, truncated = [], set(), [], 0
            for pk in ids:  # warm: the plan cache, the memoised groups
                answer(pk)
            for _ in range(repeat):
                for pk in ids:
                    with CaptureQueriesContext(connection) as captured:
                        started = time.perf_counter()
                        text = answer(pk)
                        times.append((time.perf_counter() - started) * 1000)
                    queries.add(len(captured))
                    data = json.loads(text)
                    nodes.append(len(data["nodes"]))
                    truncated += data["truncated"]
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            verdict = "meets" if p95 < TARGET_MS else "MISSES"
            self.stdout.write(
                f"  {label} ({len(ids)}): p50 {p50:.1f} ms, p95 {p95:.1f} ms ({verdict} the "
                f"{TARGET_MS} ms target); queries {'/'.join(map(str, sorted(queries)))}; nodes "
                f"median {statistics.median(nodes):.0f}, max {max(nodes)}; truncated "
                f"{truncated} of {len(nodes)}")
