"""The Louisiana center's analyst sees the unread alert appear after a Florida analyst adds a
Louisiana jurisdiction to a case: two browsers, the live server, deliveries in process."""

import re

import pytest


@pytest.fixture(autouse=True)
def deliveries_in_process(monkeypatch):
    """The live server is a thread of this process: its tasks run there, Redis configured or not
    (a real worker is tests/integration's business)."""
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


def test_the_louisiana_analyst_sees_the_alert_appear(
    portal, open_page, screenshot, la_safe, make_case, analyst_fl, analyst_la
):
    from playwright.sync_api import expect

    case = make_case(analyst_fl, states=("FL",), number="MBI-2015-0042")
    louisiana = open_page(analyst_la)
    louisiana.goto(f"{portal}/cases/")
    nav = louisiana.locator("#nav-notifications")
    expect(nav).to_have_text("Notifications")  # the count arrived by htmx: nothing unread

    florida = open_page(analyst_fl)
    florida.goto(f"{portal}/cases/{case.pk}/")
    florida.get_by_text("Add a jurisdiction").click()
    florida.locator("#id_place_state").select_option("LA")
    florida.locator("#id_place_city").fill("Shreveport")
    florida.get_by_role("button", name="Add", exact=True).click()
    expect(florida.get_by_text("it spans state lines")).to_be_visible()

    louisiana.reload()
    expect(nav).to_have_text(re.compile(r"Notifications\s+\(1\)"))
    screenshot(louisiana, "unread-alert")
    nav.get_by_role("link").click()
    alert = louisiana.locator(".notification.unread")
    expect(alert).to_contain_text("Case MBI-2015-0042 now spans state lines into LA")
    # LA-SAFE does not see the case: a pointer, the owner's point of contact to call.
    expect(alert).to_contain_text("Point of contact")
    expect(alert).to_contain_text("withheld")
    alert.get_by_role("button", name="Mark read").click()
    expect(louisiana.locator(".notification.unread")).to_have_count(0)
    expect(nav).to_have_text("Notifications")
