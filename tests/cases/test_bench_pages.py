"""The analyst's pages benchmark (make bench-pages): its seeding at a tiny size, the pages it
times read as the analyst, its timing middleware and empty page, and its verdicts."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import Resolver404, resolve

from cases.models import Annotation, Case, IntelligenceItem
from devtools import bench_pages as bench
from devtools.bench_middleware import QUERIES, SERVER_TIMING
from devtools.bench_settings import MIDDLEWARE as BENCH_MIDDLEWARE
from devtools.bench_urls import EMPTY_PATH
from devtools.management.commands.bench_pages import Command, pages
from sharing.models import ItemGroupObjectPermission, Share
from sharing.permissions import (
    cases_visible_to,
    items_visible_to,
    view_permission_id,
    visibility_group_ids,
)
from tests.base import HttpsClient

POSTGRES = connection.vendor == "postgresql"
ITEMS = 5000


@pytest.mark.parametrize("options", [
    {"small": 1000}, {"small": 200_000, "items": 100_000}, {"requests": 0},
    {"reuse": True, "rebuild": True},
])
def test_bad_options_are_refused_before_any_database_is_made(options):
    if not POSTGRES:
        with pytest.raises(CommandError, match="runs on PostgreSQL"):
            call_command("bench_pages", **options)
        return
    with pytest.raises(CommandError, match="--"):
        call_command("bench_pages", **options)


@pytest.fixture
def seeded(db):
    """(analyst, big case) of a tiny benchmark database; None on SQLite, where seeding is
    refused (set-based seeding is PostgreSQL's, as the command says above)."""
    agencies, center, analyst = bench.bench_network()
    if not POSTGRES:
        with pytest.raises(RuntimeError, match="PostgreSQL only"):
            bench.seed_pages(count=ITEMS, agencies=agencies, center=center)
        return None
    big_case = bench.seed_pages(count=ITEMS, agencies=agencies, center=center,
                                progress=lambda line: None)
    return analyst, big_case


def test_the_seed_has_the_issues_shape(seeded):
    if seeded is None:
        return
    analyst, big_case = seeded
    assert IntelligenceItem.objects.count() == ITEMS
    assert Case.objects.count() == ITEMS // 10
    assert Annotation.objects.count() == ITEMS * 42 // 100
    assert Annotation.objects.filter(case_id=big_case).count() == bench.BIG_CASE_NOTES
    assert Case.objects.get(pk=big_case).owner_id == analyst.agency_id
    visible = items_visible_to(analyst).count()
    # 2.45 % of the items (0.2 % owned, 2.25 % shared), give or take the hash's luck.
    assert 0.015 * ITEMS < visible < 0.035 * ITEMS
    assert 0.01 * ITEMS // 10 < cases_visible_to(analyst).count() < 0.05 * ITEMS // 10
    # Each of the analyst's visibility groups (agency, center, network) holds some of it.
    view = view_permission_id(IntelligenceItem)
    for group_id in visibility_group_ids(analyst):
        assert ItemGroupObjectPermission.objects.filter(group_id=group_id,
                                                        permission_id=view).exists()
    common = IntelligenceItem.objects.filter(body__contains=bench.COMMON_WORD).count()
    assert 0.13 * ITEMS < common < 0.19 * ITEMS
    assert IntelligenceItem.objects.filter(body__contains=bench.NAME).exists()


def test_the_permission_rows_are_those_the_services_would_leave(seeded):
    if seeded is None:
        return
    with connection.cursor() as cursor:
        # The sort key the triggers keep: every row carries its object's updated_at.
        cursor.execute("""SELECT count(*) FROM sharing_itemgroupobjectpermission p
                          JOIN cases_intelligenceitem i ON i.id = p.content_object_id
                          WHERE p.updated_at IS DISTINCT FROM i.updated_at""")
        assert cursor.fetchone()[0] == 0
        # Every view row of a group other than the owner's comes from a Share of that group.
        cursor.execute("""SELECT count(*) FROM sharing_itemgroupobjectpermission p
                          JOIN cases_intelligenceitem i ON i.id = p.content_object_id
                          JOIN agencies_agency o ON o.id = i.owner_id
                          WHERE p.group_id <> o.group_id AND NOT EXISTS (
                              SELECT 1 FROM sharing_share s
                              WHERE s.item_id = i.id AND s.group_id = p.group_id)""")
        assert cursor.fetchone()[0] == 0
    assert Share.objects.filter(item__isnull=False).count() > 0.9 * ITEMS
    # The triggers and foreign keys are on again once the seeding is done.
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


def test_every_page_it_times_answers_the_analyst(seeded):
    if seeded is None:
        return
    analyst, big_case = seeded
    client = HttpsClient()
    client.force_login(analyst)
    for name, path, _ in pages(big_case):
        response = client.get(path)
        assert response.status_code == 200, name
    home = client.get("/cases/").content.decode()
    assert "Case " in home
    assert "Open cases by state" in client.get("/").content.decode()
    assert "Note 300" in client.get(f"/cases/{big_case}/").content.decode()
    assert bench.NAME.split()[1] in client.get(pages(big_case)[6][1]).content.decode()


@override_settings(ROOT_URLCONF="devtools.bench_urls", MIDDLEWARE=BENCH_MIDDLEWARE)
def test_the_timing_header_and_the_empty_page(analyst_fl):
    client = HttpsClient()
    client.force_login(analyst_fl)
    response = client.get(EMPTY_PATH)
    assert response.status_code == 200 and response.content == b""
    assert response[SERVER_TIMING].startswith("app;dur=")
    assert float(response[SERVER_TIMING].partition("dur=")[2]) > 0
    # The session and the user are read by the middleware.
    assert int(response[QUERIES]) >= 2
    home = client.get("/")
    assert home.status_code == 200 and int(home[QUERIES]) > int(response[QUERIES])


def test_the_empty_page_is_no_url_of_the_portal():
    with pytest.raises(Resolver404):
        resolve(EMPTY_PATH)


def _figures(p95_at_large, ratio, share):
    small = {"p50_ms": 10.0, "p95_ms": 12.0, "queries": 9, "queries_min": 9,
             "client_p50_ms": 11, "client_p95_ms": 13, "bytes": 1}
    large = {**small, "p50_ms": 10.0 * ratio, "p95_ms": p95_at_large}
    facts = {"database": "x", "seed_seconds": 60, "cases": 1, "notes": 1, "visible_items": 1,
             "visible_cases": 1}
    return {
        "pages": [{"page": "case list (home)", "path": "/", "target_ms": 100,
                   "100000": small, "1000000": large}],
        "throughput": [{"concurrency": c, "cases": {"per_second": 100 * share, "client_p95_ms": 1},
                        "empty": {"per_second": 100.0, "client_p95_ms": 1}} for c in (1, 4, 16)],
        "sizes": {"100000": facts, "1000000": facts}, "load": [(1, 1, 1)], "workers": 4,
        "requests": 30,
    }


@pytest.mark.parametrize(("p95", "ratio", "share", "verdicts"), [
    (90.0, 1.2, 0.3, ["< 100 ms: PASS", "≥ 25%: PASS"]),
    (110.0, 1.2, 0.3, ["< 100 ms: MISS (time)"]),
    (90.0, 1.5, 0.2, ["< 100 ms: MISS (ratio)", "≥ 25%: MISS"]),
])
def test_the_report_judges_each_target(p95, ratio, share, verdicts, tmp_path, monkeypatch):
    monkeypatch.setattr("devtools.management.commands.bench_pages.RESULTS",
                        tmp_path / "bench-pages.json")
    out = io.StringIO()
    command = Command(stdout=out)
    command.report(100_000, 1_000_000, _figures(p95, ratio, share))
    printed = out.getvalue()
    for verdict in verdicts:
        assert verdict in printed
    assert "| case list (home) | 10.0 / 12.0 |" in printed
    assert (tmp_path / "bench-pages.json").exists()


def test_the_session_it_signs_in_with_reaches_the_pages(analyst_fl):
    """The benchmark writes its session into the database instead of typing a password and a
    code: that session must pass the second-factor step as a typed code would, or every page it
    times would be the redirect to /mfa/verify/."""
    client = HttpsClient()
    client.cookies["sessionid"] = bench.session_cookie(analyst_fl)
    response = client.get("/")
    assert response.status_code == 200
    assert 'class="main-nav"' in response.content.decode()  # the signed-in page, not a log-in
