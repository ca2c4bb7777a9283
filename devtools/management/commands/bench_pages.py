"""Benchmark of the analyst's pages over HTTP, at 100,000 and 1,000,000 items (issue 17).

In a PostgreSQL database of its own per size (`bench_pages_<N>` on the server of DATABASE_URL,
seeded set-based on first use and kept for the next run: --rebuild seeds it again, --drop
removes it at the end), it seeds N items, N/10 cases, 0.42 N annotations and N/20 subjects
(devtools.bench_pages), then starts one gunicorn per size (the portal's gunicorn.conf.py,
DEBUG=0, --workers each, on a free port of 127.0.0.1) and signs the analyst in with a session
made directly in each database. It prints, per page, the server time (Server-Timing, from the
first middleware in to the last out) p50 / p95 over --requests requests at each size, the
sizes taken in turn request by request so that the machine's load weighs on both alike; the
queries per page; the 1M / 100k ratio; and against the largest size, requests per second at 1,
4 and 16 concurrent clients for the case list and for an empty page on the same server
(the floor), each judged against issue 17's targets.

    make bench-pages                               (reuses the databases seeded before)
    make bench-pages BENCH_ARGS="--requests 60"
    make bench-pages BENCH_ARGS=--rebuild
"""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from cases.models import Annotation, Case, IntelligenceItem
from devtools import bench_pages as bench
from devtools.bench_urls import EMPTY_PATH
from sharing.permissions import view_permission_id, visibility_group_ids

RESULTS = Path(settings.BASE_DIR) / "var" / "bench-pages.json"
GUNICORN_CONF = Path(settings.BASE_DIR) / "fusionportal" / "gunicorn.conf.py"
CONCURRENCY = (1, 4, 16)
PAGE_TARGET_MS = 100
SEARCH_TARGET_MS = 200
RATIO_TARGET = 1.3
FLOOR_SHARE_TARGET = 0.25


def pages(big_case):
    """(name, path, p95 target in ms) of every page measured."""
    return [
        ("dashboard (home)", "/", PAGE_TARGET_MS),
        ("case list", "/cases/", PAGE_TARGET_MS),
        ("case list: closed", "/cases/?" + urlencode({"status": "closed"}), PAGE_TARGET_MS),
        ("item list", "/intel/", PAGE_TARGET_MS),
        ("item list: SARs", "/intel/?" + urlencode({"kind": "sar"}), PAGE_TARGET_MS),
        (f"case page, {bench.BIG_CASE_NOTES} annotations", f"/cases/{big_case}/",
         PAGE_TARGET_MS),
        ("search: a name", "/search/?" + urlencode({"q": bench.NAME}), SEARCH_TARGET_MS),
        ("search: a common word (16 %)", "/search/?" + urlencode({"q": bench.COMMON_WORD}),
         SEARCH_TARGET_MS),
    ]


class Command(BaseCommand):
    help = "The analyst's pages over HTTP at 100,000 and 1,000,000 items (PostgreSQL, gunicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--small", type=int, default=100_000,
                            help="Items of the smaller database (100,000).")
        parser.add_argument("--items", type=int, default=1_000_000,
                            help="Items of the larger database (1,000,000).")
        parser.add_argument("--requests", type=int, default=30,
                            help="Timed requests per page and size (30).")
        parser.add_argument("--warmup", type=int, default=3,
                            help="Untimed requests per page and size first (3).")
        parser.add_argument("--seconds", type=float, default=10,
                            help="Seconds of each throughput run (10).")
        parser.add_argument("--workers", type=int, default=4,
                            help="gunicorn workers per server (4).")
        parser.add_argument("--reuse", action="store_true",
                            help="Use the databases seeded before (the default).")
        parser.add_argument("--rebuild", action="store_true",
                            help="Drop the benchmark databases and seed them again.")
        parser.add_argument("--drop", action="store_true",
                            help="Drop the benchmark databases at the end.")

    def handle(self, *args, small, items, requests, warmup, seconds, workers, reuse, rebuild,
               drop, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                "The pages benchmark runs on PostgreSQL: set DATABASE_URL=postgres://… (it works "
                "in databases of its own on that server, bench_pages_<items>)."
            )
        if reuse and rebuild:
            raise CommandError("--reuse and --rebuild exclude each other.")
        if not 5000 <= small < items:
            raise CommandError("--small must be at least 5000 and less than --items.")
        if requests < 1 or warmup < 0 or seconds <= 0 or workers < 1:
            raise CommandError(
                "--requests and --workers must be at least 1, --warmup at least 0, --seconds "
                "more than 0."
            )
        try:
            cache.get("bench-pages-ping")
        except Exception as error:  # noqa: BLE001 (any backend's connection error)
            raise CommandError(
                f"The cache does not answer: {str(error).rstrip('.')}. Start Redis or set "
                "REDIS_URL to one that runs."
            ) from None
        self.load = [os.getloadavg()]
        sizes = {}
        for count in (small, items):
            sizes[count] = self.prepare(count, rebuild=rebuild)
        # DEBUG=0 serves static files by their manifest, as production does (whitenoise).
        call_command("collectstatic", interactive=False, verbosity=0)
        servers = {}
        try:
            for count in (small, items):
                servers[count] = self.serve(count, sizes[count]["database"], workers)
            figures = self.measure(sizes, servers, requests=requests, warmup=warmup,
                                   seconds=seconds)
        finally:
            for server in servers.values():
                server.terminate()
            for server in servers.values():
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
            if drop:
                for size in sizes.values():
                    self.drop_database(size["database"])
        self.load.append(os.getloadavg())
        figures.update(workers=workers, requests=requests, load=self.load,
                       sizes={str(n): {k: v for k, v in s.items() if k != "session"}
                              for n, s in sizes.items()})
        self.report(small, items, figures)

    # The databases ------------------------------------------------------------------------

    def drop_database(self, name):
        connection.close()
        with connection._nodb_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')

    def prepare(self, count, *, rebuild):
        """Create (or reuse) and seed the database of `count` items; its facts and a session."""
        name = f"bench_pages_{count}"
        portal = connection.settings_dict["NAME"]
        if rebuild:
            self.drop_database(name)
        connection.settings_dict.setdefault("TEST", {})["NAME"] = name
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False,
                                           keepdb=True)
        try:
            self.stdout.write(f"Database {name}")
            agencies, center, analyst = bench.bench_network()
            have = IntelligenceItem.objects.count()
            seed_seconds = None
            if have == 0:
                self.stdout.write(f"  seeding {count:,} items (set-based)")
                started = time.monotonic()
                bench.seed_pages(count=count, agencies=agencies, center=center,
                                 progress=self.stdout.write)
                seed_seconds = round(time.monotonic() - started, 1)
                self.stdout.write(f"  seeded {count:,} items in {seed_seconds:.0f} s")
            elif have != count:
                raise CommandError(
                    f"{name} holds {have:,} items, not {count:,}: run with --rebuild."
                )
            facts = self.facts(analyst)
            facts.update(database=name, seed_seconds=seed_seconds,
                         session=(settings.SESSION_COOKIE_NAME, bench.session_cookie(analyst)))
            self.stdout.write(
                f"  {facts['items']:,} items, {facts['cases']:,} cases, {facts['notes']:,} "
                f"annotations; the analyst's agency sees {facts['visible_items']:,} items and "
                f"{facts['visible_cases']:,} cases"
            )
            return facts
        finally:
            connection.close()
            connection.settings_dict["NAME"] = portal

    def facts(self, analyst):
        groups = visibility_group_ids(analyst)
        visible = {}
        with connection.cursor() as cursor:
            for model, table in ((IntelligenceItem, "sharing_itemgroupobjectpermission"),
                                 (Case, "sharing_casegroupobjectpermission")):
                cursor.execute(
                    f"SELECT count(DISTINCT content_object_id) FROM {table} "
                    "WHERE group_id = ANY(%s) AND permission_id = %s",
                    [groups, view_permission_id(model)],
                )
                visible[model] = cursor.fetchone()[0]
        big_case = bench.AGENCIES
        return {
            "items": IntelligenceItem.objects.count(), "cases": Case.objects.count(),
            "notes": Annotation.objects.count(),
            "visible_items": visible[IntelligenceItem], "visible_cases": visible[Case],
            "big_case": big_case,
            "big_case_notes": Annotation.objects.filter(case_id=big_case).count(),
        }

    # The servers ------------------------------------------------------------------------------

    def serve(self, count, database, workers):
        """A gunicorn on a free port of 127.0.0.1 serving the database `database`."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        url = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"))
        env = {
            **os.environ,
            "DATABASE_URL": urlunsplit(url._replace(path=f"/{database}")),
            "DJANGO_SETTINGS_MODULE": "devtools.bench_settings",
            "DEVTOOLS": "1",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(workers),
            # No worker is replaced during a run (production replaces one every ~2,000
            # requests): a restart would be timed as the page's.
            "GUNICORN_CMD_ARGS": "--max-requests 0",
        }
        log_path = Path(settings.BASE_DIR) / "var" / f"bench-pages-{count}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "wb") as log:
            server = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
                [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONF),
                 "fusionportal.wsgi:application"],
                cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        server.port = port
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                raise CommandError(
                    f"gunicorn for {database} stopped (exit {server.returncode}); its log, "
                    f"{log_path}, ends:\n" + log_path.read_text()[-2000:]
                )
            try:
                if bench.get(port, EMPTY_PATH, ("none", "none"), timeout=5).status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                server.terminate()
                raise CommandError(f"gunicorn for {database} did not answer in 90 s: {log_path}")
            time.sleep(0.3)
        self.stdout.write(f"gunicorn ({workers} workers, DEBUG=0) on 127.0.0.1:{port} for "
                          f"{database}")
        return server

    # Measuring ------------------------------------------------------------------------------

    def measure(self, sizes, servers, *, requests, warmup, seconds):
        small, large = sorted(sizes)
        page_list = pages(sizes[large]["big_case"])
        if sizes[small]["big_case"] != sizes[large]["big_case"]:
            raise CommandError("The two databases disagree on the big case.")
        for count, server in servers.items():
            for name, path, _ in page_list:
                hit = bench.get(server.port, path, sizes[count]["session"])
                if hit.status != 200:
                    raise CommandError(
                        f"{name} ({path}) answered {hit.status} at {count:,} items: the analyst's "
                        "session was not accepted or the page failed (see var/bench-pages-"
                        f"{count}.log)."
                    )
        self.stdout.write(
            f"Timing {len(page_list)} pages, {warmup} + {requests} requests each per size, the "
            "sizes in turn ..."
        )
        hits = {(name, count): [] for name, _, _ in page_list for count in servers}
        for round_ in range(warmup + requests):
            for name, path, _ in page_list:
                order = (small, large) if round_ % 2 == 0 else (large, small)
                for count in order:
                    hit = bench.get(servers[count].port, path, sizes[count]["session"])
                    if hit.status != 200:
                        raise CommandError(f"{name} answered {hit.status} at {count:,} items.")
                    if round_ >= warmup:
                        hits[(name, count)].append(hit)
        figures = {"pages": []}
        for name, path, target in page_list:
            row = {"page": name, "path": path, "target_ms": target}
            for count in (small, large):
                row[str(count)] = bench.summary(hits[(name, count)])
            figures["pages"].append(row)
        self.stdout.write(f"Throughput at {large:,} items, {seconds:g} s per run ...")
        port, session = servers[large].port, sizes[large]["session"]
        runs = []
        for concurrency in CONCURRENCY:
            run = {"concurrency": concurrency}
            for label, path in (("empty", EMPTY_PATH), ("cases", "/cases/")):
                rate, p95, failures = bench.throughput(
                    port, path, session, concurrency=concurrency, seconds=seconds,
                    bound=100_000,
                )
                if failures:
                    raise CommandError(f"{failures} requests of {path} failed at {concurrency} "
                                       "concurrent.")
                run[label] = {"per_second": round(rate, 1), "client_p95_ms": round(p95, 1)}
            runs.append(run)
        figures["throughput"] = runs
        return figures

    # The report -------------------------------------------------------------------------------

    def report(self, small, large, figures):
        sizes = figures["sizes"]
        self.stdout.write("")
        for count in (small, large):
            facts = sizes[str(count)]
            seeded = (f"seeded in {facts['seed_seconds']:.0f} s" if facts["seed_seconds"]
                      else "reused")
            self.stdout.write(
                f"{count:,} items ({facts['database']}, {seeded}): {facts['cases']:,} cases, "
                f"{facts['notes']:,} annotations; the analyst's agency sees "
                f"{facts['visible_items']:,} items and {facts['visible_cases']:,} cases"
            )
        load = " → ".join("/".join(f"{v:.2f}" for v in la) for la in figures["load"])
        self.stdout.write(
            f"gunicorn {figures['workers']} workers per size, DEBUG=0; server time "
            f"(Server-Timing) p50 / p95 ms of {figures['requests']} requests; load average "
            f"(1/5/15 min) {load}\n"
        )
        label = {small: self.short(small), large: self.short(large)}
        self.stdout.write(
            f"| page | {label[small]} | {label[large]} | queries | {label[large]} / "
            f"{label[small]} (p50) | target (p95 at {label[large]}, ratio ≤ {RATIO_TARGET}) |"
        )
        self.stdout.write("|---|---:|---:|---:|---:|---|")
        for row in figures["pages"]:
            a, b = row[str(small)], row[str(large)]
            ratio = b["p50_ms"] / a["p50_ms"] if a["p50_ms"] else float("inf")
            row["ratio"] = round(ratio, 2)
            met = b["p95_ms"] < row["target_ms"]
            flat = ratio <= RATIO_TARGET
            row["met"] = met and flat
            queries = (f"{a['queries']}" if a["queries"] == b["queries"] == a["queries_min"]
                       == b["queries_min"] else
                       f"{a['queries_min']}-{a['queries']} / {b['queries_min']}-{b['queries']}")
            verdict = "PASS" if met and flat else "MISS (" + ", ".join(
                part for part, ok in (("time", met), ("ratio", flat)) if not ok) + ")"
            self.stdout.write(
                f"| {row['page']} | {a['p50_ms']:,.1f} / {a['p95_ms']:,.1f} | "
                f"{b['p50_ms']:,.1f} / {b['p95_ms']:,.1f} | {queries} | {ratio:.2f}× | "
                f"< {row['target_ms']} ms: {verdict} |"
            )
        self.stdout.write(
            f"\nRequests per second at {label[large]} items (client p95 ms), the case list "
            "against the empty page on the same server:\n"
        )
        self.stdout.write("| concurrent | case list | empty page | case list / empty | target |")
        self.stdout.write("|---:|---:|---:|---:|---|")
        for run in figures["throughput"]:
            share = run["cases"]["per_second"] / run["empty"]["per_second"]
            run["share"] = round(share, 3)
            target = ""
            if run["concurrency"] == max(CONCURRENCY):
                verdict = "PASS" if share >= FLOOR_SHARE_TARGET else "MISS"
                target = f"≥ {FLOOR_SHARE_TARGET:.0%}: {verdict}"
            self.stdout.write(
                f"| {run['concurrency']} | {run['cases']['per_second']:,.1f} "
                f"({run['cases']['client_p95_ms']:,.0f}) | {run['empty']['per_second']:,.1f} "
                f"({run['empty']['client_p95_ms']:,.0f}) | {share:.1%} | {target} |"
            )
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(figures, indent=2))
        self.stdout.write(f"\nFigures kept in {RESULTS}")

    @staticmethod
    def short(count):
        if count % 1_000_000 == 0:
            return f"{count // 1_000_000}M"
        if count % 1000 == 0:
            return f"{count // 1000}k"
        return f"{count:,}"
