"""manage.py bench_notifications: commit-to-notification latency and webhook throughput, measured
with a real Celery worker and Redis (`make bench-notifications`).

It starts its own redis-server on a free port and a worker (prefork, 2 processes, taking both
the events' queue and the webhooks' queue) on it, then:
1. opens `--cases` cases (default 200) that span FL and LA, one transaction each, and measures
   for each the time from its commit to the in-app notification the worker wrote (p50, p95);
2. registers a webhook to a receiver on 127.0.0.1 (HTTP/1.1, connections kept open, as partners'
   servers do) and opens as many cases again, and measures webhook deliveries per second (first
   commit to last delivery received): one event, one delivery each;
3. registers `--partners` webhooks (default 10) and opens a tenth as many cases: each alert fans
   out to every partner, as an alert to a center reaches all its member agencies' systems; as
   many deliveries, measured the same way.
It writes to the configured database (a benchmark agency, its users and cases); the cases are
deleted at the end. Targets: p95 under 1 second, 200 webhook deliveries per second.
"""

import http.server
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, FusionCenter, Membership, User
from cases import services as case_services
from cases.models import Case
from fusionportal.celery import app
from notifications import webhooks
from notifications.models import Notification, OutboxEvent


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(condition, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise CommandError(f"Timed out waiting for {what}.")


class _Counter(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection open between deliveries
    received = []

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(time.time())
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=200)
        parser.add_argument("--partners", type=int, default=10)

    def handle(self, *args, cases, partners, **options):
        if cases < 1 or partners < 1:
            raise CommandError("--cases and --partners must be at least 1.")
        server = shutil.which("redis-server")
        if server is None:
            raise CommandError("redis-server is not installed (Debian: apt-get install redis).")
        tmp = Path(tempfile.mkdtemp(prefix="fp-bench-"))
        port = _free_port()
        redis_url = f"redis://127.0.0.1:{port}/0"
        processes = []
        try:
            processes.append(subprocess.Popen(
                [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", str(tmp)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            # This process sends to that Redis: nothing was sent before, so no pool is cached.
            app.conf.broker_url = redis_url
            app.conf.task_always_eager = False
            env = {**os.environ, "REDIS_URL": redis_url, "WEBHOOK_ALLOW_HTTP": "1",
                   # The receiver is this process, on 127.0.0.1: allow-listed for the run only.
                   "WEBHOOK_ALLOWED_PRIVATE_NETWORKS": "127.0.0.0/8",
                   "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE",
                                                            "fusionportal.settings")}
            log = open(tmp / "worker.log", "wb")  # noqa: SIM115
            processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "--app", "fusionportal", "worker",
                 "--concurrency", "2", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--loglevel", "WARNING"],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR,
            ))
            time.sleep(3)  # the worker connects and starts its pool
            settings.WEBHOOK_ALLOW_HTTP = True
            settings.WEBHOOK_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
            self._run(cases, partners)
        finally:
            for process in reversed(processes):
                process.terminate()
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    process.kill()
            shutil.rmtree(tmp, ignore_errors=True)

    def _actors(self):
        florida, _ = FusionCenter.objects.get_or_create(
            state="FL", kind=FusionCenter.Kind.PRIMARY,
            defaults={"name": "Benchmark Florida center", "short_name": "BENCH-FL"},
        )
        FusionCenter.objects.get_or_create(
            state="LA", kind=FusionCenter.Kind.PRIMARY,
            defaults={"name": "Benchmark Louisiana center", "short_name": "BENCH-LA"},
        )
        agency, _ = Agency.objects.get_or_create(
            ori="FLBENCH01", defaults={"name": "Benchmark agency", "level": "local",
                                       "home_state": "FL"},
        )
        Membership.objects.get_or_create(center=florida, agency=agency)
        analyst, _ = User.objects.get_or_create(
            username="bench_analyst", defaults={"agency": agency, "role": User.Role.ANALYST})
        admin, _ = User.objects.get_or_create(
            username="bench_admin", defaults={"agency": agency, "role": User.Role.AGENCY_ADMIN})
        return florida, agency, analyst, admin

    def _open(self, analyst, florida, number):
        with transaction.atomic():
            case = case_services.case_create(
                by=analyst, number=number, title="Benchmark", lead_center=florida,
                jurisdictions=[{"state": "FL"}, {"state": "LA"}],
            )
        return case, time.time()  # on_commit has run: committed and handed to the broker

    def _run(self, count, partners):
        florida, agency, analyst, admin = self._actors()
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        opened = []
        try:
            committed = {}
            for i in range(count):
                case, at = self._open(analyst, florida, f"BENCH-{stamp}-{i:04d}")
                opened.append(case.pk)
                committed[case.pk] = at
            _wait(lambda: Notification.objects.filter(case_id__in=opened).count() >= count,
                  120, "the notifications")
            created = dict(Notification.objects.filter(case_id__in=opened)
                           .values_list("case_id", "created_at"))
            latencies = [max(0.0, created[pk].timestamp() - committed[pk]) for pk in opened]
            p50, p95 = _percentile(latencies, 0.5), _percentile(latencies, 0.95)
            self.stdout.write(
                f"Commit to notification over {count} cases: p50 {p50 * 1000:.0f} ms, "
                f"p95 {p95 * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms "
                f"({'meets' if p95 < 1 else 'MISSES'} the 1 s target)"
            )

            receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
            receiver.daemon_threads = True
            threading.Thread(target=receiver.serve_forever, daemon=True).start()
            # The alerts go to the Louisiana center: the agency joins it to receive them.
            louisiana = FusionCenter.objects.get(state="LA", kind=FusionCenter.Kind.PRIMARY)
            membership, joined = Membership.objects.get_or_create(center=louisiana, agency=agency)
            try:
                for label, events, endpoints in (
                    ("one webhook per alert", count, 1),
                    (f"each alert to {partners} partner systems", max(1, count // partners),
                     partners),
                ):
                    self._webhooks(label, receiver, admin, analyst, florida, stamp, opened,
                                   events=events, endpoints=endpoints)
            finally:
                receiver.shutdown()
                if joined:
                    membership.delete()
        finally:
            OutboxEvent.objects.filter(case_id__in=opened).delete()
            Case.objects.filter(pk__in=opened).delete()

    def _webhooks(self, label, receiver, admin, analyst, florida, stamp, opened, *, events,
                  endpoints):
        host, port = receiver.server_address
        registered = [
            webhooks.endpoint_register(by=admin, url=f"http://{host}:{port}/bench/{n}")
            for n in range(endpoints)
        ]
        _Counter.received = []
        marks = []
        expected = events * endpoints
        try:
            # One transaction opens them all: at its commit every alert is handed over at once,
            # so what is measured is the delivery, not the pace of this single-threaded driver.
            with transaction.atomic():
                for i in range(events):
                    case = case_services.case_create(
                        by=analyst, number=f"BENCH-{stamp}-W{endpoints}-{i:04d}",
                        title="Benchmark", lead_center=florida,
                        jurisdictions=[{"state": "FL"}, {"state": "LA"}],
                    )
                    opened.append(case.pk)
                transaction.on_commit(lambda: marks.append(time.time()))
            started = marks[0]
            _wait(lambda: len(_Counter.received) >= expected, 120, "the webhook deliveries")
            elapsed = max(_Counter.received) - started
            self.stdout.write(
                f"Webhooks, {label}: {expected} deliveries of {events} alerts in "
                f"{elapsed:.2f} s, {expected / elapsed:.0f} per second (from the commit that "
                f"opened the cases to the receipt of the last delivery; "
                f"{'meets' if expected / elapsed >= 200 else 'MISSES'} the 200/s target)"
            )
        finally:
            for endpoint in registered:
                endpoint.delete()
