"""The home page as a dashboard, in the browser: a Florida analyst sees the choropleth drawn from
the shipped state outlines (one path per state, shaded by its open cases), the charts, and the
tables of the same figures; without JavaScript the tile grid and the tables remain."""

from datetime import timedelta

from django.utils import timezone

from cases import services as case_services
from notifications.models import CaseAlert


def _florida_week(make_case, make_item, analyst_fl, outsider):
    spanning = make_case(analyst_fl, states=("FL", "LA", "GA"), number="MBI-2026-0101",
                         title="Cargo theft ring along I-10")
    make_case(analyst_fl, states=("FL",), number="MBI-2026-0102", title="Pill mill, Orlando")
    make_case(analyst_fl, states=("FL", "AL"), number="MBI-2026-0103",
              title="Skimmers at fuel pumps")
    for n in range(3):
        make_item(analyst_fl, title=f"Tip about the pumps {n}")
    CaseAlert.objects.filter(case=spanning).update(created_at=timezone.now() - timedelta(hours=3))
    case_services.annotation_add(by=analyst_fl, body="Called LA-SAFE about the alert.",
                                 case=spanning)
    # Houston's own, never shared: it must change nothing on Florida's dashboard.
    make_case(outsider, states=("TX", "FL", "CA"), number="HPD-2026-0001",
              title="Houston only matter")


def test_the_florida_analyst_sees_the_map_and_charts(portal, open_page, screenshot, make_case,
                                                     make_item, analyst_fl, outsider):
    from playwright.sync_api import expect

    _florida_week(make_case, make_item, analyst_fl, outsider)
    page = open_page(analyst_fl)
    page.goto("/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    expect(page.locator("#choropleth.drawn")).to_have_count(1)
    expect(page.locator("#choropleth svg.choropleth-map path.state")).to_have_count(51)
    florida = page.locator('path.state[data-state="FL"]')
    texas = page.locator('path.state[data-state="TX"]')
    assert florida.get_attribute("fill") != texas.get_attribute("fill")
    expect(texas.locator("title")).to_have_text("Texas: 0 open cases")
    expect(florida.locator("title")).to_have_text("Florida: 3 open cases")
    expect(page.locator(".choropleth-fallback")).to_be_hidden()
    # The weekly chart: 12 weeks of two series; the alerts chart: one bar per alerted state.
    expect(page.locator("#chart-weeks svg rect")).to_have_count(12 * 2 + 2)
    expect(page.locator("#chart-alerts svg g.series-0 rect")).to_have_count(4)  # FL, LA, GA, AL
    table = page.locator("#state-table")
    expect(table.locator("tr", has_text="Florida (FL)")).to_contain_text("3")
    expect(table).not_to_contain_text("Texas")
    expect(page.locator("#median-figure")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Houston only matter")
    screenshot(page, "dashboard")


def test_without_javascript_the_tile_grid_and_tables_remain(portal, open_page, screenshot,
                                                            make_case, make_item, analyst_fl,
                                                            outsider):
    from playwright.sync_api import expect

    _florida_week(make_case, make_item, analyst_fl, outsider)
    page = open_page(analyst_fl, javascript=False)
    page.goto("/")
    expect(page.locator(".choropleth-fallback .usmap")).to_be_visible()
    expect(page.locator(".usmap .tile-on")).to_have_count(4)  # FL, LA, GA, AL
    expect(page.locator("#state-table tr", has_text="Louisiana (LA)")).to_contain_text("1")
    screenshot(page, "dashboard-no-js")
