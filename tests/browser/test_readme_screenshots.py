"""The README's screenshots of the main pages (dashboard, case list, case page, item page,
search, notifications), taken from data made here, so that every run shows the same network.

Each page is also checked as every screenshot is (axe-core: no serious or critical violation).
`make screenshots` sets README_SCREENSHOTS=1, and the PNGs (1366 wide, the first screen of each
page) are written into docs/screenshots/ for the README; otherwise into the test's own folder.
"""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cases import services as case_services
from core.handling import Level
from notifications.models import CaseAlert

DOCS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def deliveries_in_process(monkeypatch):
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


def _network(make_case, make_item, analyst_fl, analyst_la):
    """A Florida analyst's week: cases across state lines, items, notes, an alert from LA."""
    main = make_case(analyst_fl, states=("FL", "LA", "CA"), number="MBI-2026-0042",
                     title="Runaway minor trafficked FL → LA → CA",
                     summary="Minor from Orlando taken to Louisiana and California cities.")
    make_case(analyst_fl, states=("FL",), number="MBI-2026-0043", title="Pill mill, Orlando")
    make_case(analyst_fl, states=("FL", "GA"), number="MBI-2026-0044",
              title="Card skimmers at fuel pumps on I-75")
    make_case(analyst_fl, states=("FL", "AL"), number="MBI-2026-0045",
              title="Cargo theft ring along I-10")
    item = make_item(analyst_fl, kind="tip", title="Tip: blue van seen at the Tampa truck stop",
                     case=main)
    make_item(analyst_fl, kind="tip", title="Tip: pump skimmer found in Ocala")
    CaseAlert.objects.filter(case=main).update(created_at=timezone.now() - timedelta(hours=5))
    case_services.annotation_add(by=analyst_fl, body="LA-SAFE called back: two Shreveport leads.",
                                 case=main)
    theirs = make_case(analyst_la, states=("LA", "FL"), number="NOPD-2026-0007",
                       title="Stolen boat trailers moving east")
    case_services.share_grant(obj=theirs, by=analyst_la, level=Level.VIEW,
                              agency=analyst_fl.agency)
    return main, item


def test_the_main_pages_for_the_readme(portal, open_page, screenshot, make_case, make_item,
                                       analyst_fl, analyst_la, tmp_path):
    from playwright.sync_api import expect

    main, item = _network(make_case, make_item, analyst_fl, analyst_la)
    folder = DOCS if os.environ.get("README_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page = open_page(analyst_fl)
    shots = [
        ("dashboard", "/", "#choropleth.drawn"),
        ("case-list", "/cases/", "table.list"),
        ("case", f"/cases/{main.pk}/", "h1"),
        ("item", f"/intel/{item.pk}/", "h1"),
        ("search", "/search/?q=tip", "h1"),
        ("notifications", "/notifications/", "h1"),
    ]
    for name, path, ready in shots:
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        screenshot(page, name)
        target = folder / f"{name}.png"
        page.screenshot(path=str(target), full_page=False, caret="initial")
        assert target.stat().st_size > 10_000, name
    assert {f"{n}.png" for n, _, _ in shots} <= {p.name for p in folder.glob("*.png")}
