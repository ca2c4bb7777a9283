"""Benchmark of the partner pull: pages of 500 of /api/v1/items/ for a key whose agency sees
about 2% of N items, against the same page fetched by one hand-written SQL query + orjson.

In its own PostgreSQL database (`<name>_bench_api_<N>`, created and seeded on first use, kept
for the next run; --drop removes it), it seeds N items owned by 500 agencies with the owner's
permission rows, one share each to another agency, and a view share to the partner on ~1.8% of
them (the partner owns 0.2%), then prints for the first page and a deep page (the middle of what
the partner sees): median and p90 ms over --repeat requests through the whole stack (key
authentication, the throttle in the cache (Redis with `make bench-api`), permission service,
access-log row, orjson), queries per page, the floor's median and p90, and their ratio. The
floor is the same page (checked: the same rows and values) by one hand-written statement that
picks the keys as the API does, from the permission rows' sort key; the same statement with
DESIGN.md's semi-join for the keys is printed beside it, and so is the API's read path alone
(permission service, row builder, orjson; no HTTP, key check, throttle or access-log row).
Results are kept in var/bench-api.json so that a run at 1,000,000 items also prints its ratio to
the last run at 100,000. The API and the floors are timed in turn, round after round.

    make bench-api                  (100,000 items)
    make bench-api BENCH_ARGS=--million
"""

import json
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from agencies.api_keys import api_key_create
from agencies.models import User
from cases.models import IntelligenceItem
from core.cursors import encode_cursor
from core.handling import Level
from devtools.bench_api import (
    bench_agencies,
    case_view_permission_id,
    count_queries,
    floor_page,
    item_permission_ids,
    network_group_ids,
    read_path_page,
    seed_items,
    timed,
)
from sharing.permissions import network_group

AGENCIES = 500
VISIBLE_SHARE = 0.02
RESULTS = Path(settings.BASE_DIR) / "var" / "bench-api.json"


class Command(BaseCommand):
    help = "Time pages of 500 items for a partner key at N items (PostgreSQL), against a SQL floor."

    def add_arguments(self, parser):
        parser.add_argument("--items", type=int, default=100_000, help="Items to seed (100,000).")
        parser.add_argument("--million", action="store_true", help="Seed 1,000,000 items.")
        parser.add_argument("--repeat", type=int, default=30, help="Requests per figure (30).")
        parser.add_argument("--drop", action="store_true", help="Drop the database afterwards.")

    def handle(self, *args, items, million, repeat, drop, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark runs on PostgreSQL: set DATABASE_URL=postgres://… (it works in a "
                "database of its own on that server, never in the portal's)."
            )
        try:
            cache.get("bench-api-ping")  # the throttle counts here (Redis with REDIS_URL)
        except Exception as error:  # noqa: BLE001 (any backend's connection error)
            raise CommandError(
                f"The cache ({settings.CACHES['default']['BACKEND']}) does not answer: "
                f"{str(error).rstrip('.')}. "
                "Start Redis or set REDIS_URL to one that runs."
            ) from None
        count = 1_000_000 if million else items
        if count < 1000 or repeat < 1:
            raise CommandError("--items must be at least 1000 and --repeat at least 1.")
        original = connection.settings_dict["NAME"]
        connection.settings_dict.setdefault("TEST", {})["NAME"] = f"{original}_bench_api_{count}"
        connection.creation.create_test_db(
            verbosity=0, autoclobber=True, serialize=False, keepdb=True
        )
        self.stdout.write(f"Database {connection.settings_dict['NAME']} (PostgreSQL)")
        try:
            with override_settings(API_THROTTLE_RATE="100000000/min"):
                result = self.run(count, repeat)
        finally:
            if drop:
                connection.creation.destroy_test_db(original, verbosity=0)
        self.report(count, result)

    def seed(self, count):
        agencies = bench_agencies(AGENCIES)
        partner = agencies[0]
        network_group()
        admin = User.objects.filter(username="bench_admin").first()
        if admin is None:
            admin = User.objects.create_user(
                username="bench_admin", agency=partner, role=User.Role.AGENCY_ADMIN
            )
        have = IntelligenceItem.objects.count()
        if have != count:
            if have:
                raise CommandError(
                    f"The benchmark database holds {have} items, not {count}: run with --drop "
                    "once to start again."
                )
            fraction = (VISIBLE_SHARE - 1 / AGENCIES) / (1 - 1 / AGENCIES)
            started = datetime.now(UTC)

            def progress(done):
                if done % 100_000 == 0 or done == count:
                    self.stdout.write(f"  seeded {done:,} items")

            seed_items(
                count=count,
                agencies=agencies,
                partner=partner,
                share_fraction=fraction,
                progress=progress,
            )
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")  # runs outside a transaction (autocommit)
            seconds = (datetime.now(UTC) - started).total_seconds()
            self.stdout.write(f"  seeded in {seconds:.0f} s")
        return partner, admin

    def run(self, count, repeat):
        partner, admin = self.seed(count)
        new_key = api_key_create(by=admin, name="Benchmark partner")
        plaintext, principal = new_key.plaintext, new_key.key.user
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        group_ids = network_group_ids(partner)
        view = item_permission_ids()[Level.VIEW]
        permission_ids = {"view": view, "case_view": case_view_permission_id()}
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sharing_itemgroupobjectpermission "
                "WHERE group_id = ANY(%s) AND permission_id = %s",
                [group_ids, view],
            )
            visible = cursor.fetchone()[0]
            cursor.execute(
                "SELECT i.updated_at, i.id FROM cases_intelligenceitem i WHERE i.id IN "
                "(SELECT content_object_id FROM sharing_itemgroupobjectpermission "
                "WHERE group_id = ANY(%s) AND permission_id = %s) "
                "ORDER BY i.updated_at, i.id OFFSET %s LIMIT 1",
                [group_ids, view, visible // 2],
            )
            middle = cursor.fetchone()
        pages = {
            "first": ("/api/v1/items/?limit=500", None),
            "deep": (f"/api/v1/items/?limit=500&cursor={encode_cursor(*middle)}", middle),
        }
        figures = {"items": count, "visible": visible}
        for name, (url, after) in pages.items():

            def api_page(url=url):
                response = client.get(url, secure=True)
                assert response.status_code == 200, response.content[:300]
                return response

            figures_of = timed(
                {
                    "api": api_page,
                    "floor": partial(floor_page, group_ids, permission_ids, after, sort_key=True),
                    "semi_join_floor": partial(floor_page, group_ids, permission_ids, after),
                    "read_path": partial(read_path_page, principal, after),
                },
                repeat,
            )
            median, p90, response = figures_of["api"]
            results = json.loads(response.content)["results"]
            floors = {}
            for shape in ("floor", "semi_join_floor", "read_path"):
                floor_median, floor_p90, body = figures_of[shape]
                if json.loads(body)["results"] != results:
                    raise CommandError(
                        f"{name} page: the {shape.replace('_', ' ')} gave another page than the "
                        "API; the comparison would mean nothing."
                    )
                floors[shape] = (floor_median, floor_p90)
            figures[name] = {
                "median_ms": round(median, 2),
                "p90_ms": round(p90, 2),
                "floor_median_ms": round(floors["floor"][0], 2),
                "floor_p90_ms": round(floors["floor"][1], 2),
                "ratio": round(median / floors["floor"][0], 2),
                "semi_join_floor_median_ms": round(floors["semi_join_floor"][0], 2),
                "read_path_median_ms": round(floors["read_path"][0], 2),
                "read_path_ratio": round(floors["read_path"][0] / floors["floor"][0], 2),
                "queries": count_queries(api_page),
                "rows": len(results),
            }
        return figures

    def report(self, count, figures):
        self.stdout.write(
            f"\n{count:,} items, 500 agencies; the partner sees {figures['visible']:,} "
            f"({figures['visible'] / count:.1%}). Pages of 500 of /api/v1/items/, against the "
            "same page by one hand-written SQL statement + orjson (the floor):"
        )
        self.stdout.write(
            f"{'page':<6} {'median':>8} {'p90':>8} {'floor':>8} {'floor p90':>10} {'ratio':>6} "
            f"{'queries':>8}   read path (ratio)   semi-join floor"
        )
        for name in ("first", "deep"):
            f = figures[name]
            self.stdout.write(
                f"{name:<6} {f['median_ms']:>6.1f}ms {f['p90_ms']:>6.1f}ms "
                f"{f['floor_median_ms']:>6.1f}ms {f['floor_p90_ms']:>8.1f}ms "
                f"{f['ratio']:>5.2f}x {f['queries']:>8}   "
                f"{f['read_path_median_ms']:>6.1f}ms ({f['read_path_ratio']:.2f}x)   "
                f"{f['semi_join_floor_median_ms']:.1f}ms"
            )
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        kept[str(count)] = figures
        RESULTS.write_text(json.dumps(kept, indent=2))
        smaller = [int(n) for n in kept if int(n) < count]
        if smaller:
            base = kept[str(max(smaller))]
            for name in ("first", "deep"):
                growth = figures[name]["median_ms"] / base[name]["median_ms"]
                self.stdout.write(
                    f"{name} page at {count:,} items is {growth:.2f}x its time at "
                    f"{max(smaller):,} items"
                )
