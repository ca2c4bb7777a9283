"""Connecting the dots in a real browser: a Houston analyst links a phone number that MBI's
Orlando case holds, which Houston may not see. Both agencies are told: Houston only whom to
contact. Houston requests access, MBI's analyst grants it; Houston's link graph, which did not
draw the Orlando case, expands from the phone to it, and the Houston analyst opens the case, where
the subject links to its page."""

import re

import pytest
from playwright.sync_api import expect

from cases import services
from core.handling import TLP
from tests.browser.conftest import click_graph_node

SECRET = "Orlando motel trafficking ring"


@pytest.fixture(autouse=True)
def deliveries_in_process(monkeypatch):
    """The live server is a thread of this process: its tasks run there, Redis or not."""
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


def test_a_texas_analyst_links_a_phone_the_orlando_case_holds_and_gets_access(
    portal, open_page, screenshot, make_case, analyst_fl, outsider
):
    orlando = make_case(analyst_fl, title=SECRET, tlp=TLP.AMBER, number="MBI-HT-0042")
    services.entity_link(by=analyst_fl, case=orlando, kind="phone", label="Recruiter (407) 555-0148",
                         role="recruiter's phone", number="407-555-0148")
    houston_case = make_case(outsider, states=("TX",), title="Port crew smuggling",
                             number="HPD-I-1040")

    texas = open_page(outsider)
    texas.goto(f"/cases/{houston_case.pk}/")
    subjects = texas.locator("#subjects")
    subjects.get_by_text("Link a subject").click()
    subjects.get_by_label("Kind").select_option("phone")
    subjects.get_by_label("Value").fill("407.555.0148")
    subjects.get_by_role("button", name="Link subject").click()
    expect(texas.locator(".messages")).to_contain_text("Linked")
    # Houston's graph holds its own case and the phone: the Orlando case is not drawn.
    graph = texas.locator("#graph")
    expect(graph).to_have_attribute("data-nodes", "2")
    assert texas.evaluate(f"() => window.fusionGraph.getElementById('case:{orlando.pk}').length") == 0

    texas.goto("/notifications/")
    notice = texas.locator(".notification", has_text="Another agency holds a record")
    expect(notice).to_contain_text("Metropolitan Bureau of Investigation")
    expect(texas.locator("body")).not_to_contain_text(SECRET)
    expect(texas.locator("body")).not_to_contain_text("MBI-HT-0042")
    screenshot(texas, "texas-told-whom-to-contact")
    notice.get_by_role("link", name="Request access").click()
    expect(texas.get_by_role("heading", level=1)).to_have_text(
        "Ask Metropolitan Bureau of Investigation for access")
    texas.get_by_label("Why your agency needs access").fill(
        "The same number was saved in a crew member's phone at the Port of Houston.")
    screenshot(texas, "request-access")
    texas.get_by_role("button", name="Send the request").click()
    expect(texas.locator(".messages")).to_contain_text(
        "Asked Metropolitan Bureau of Investigation for access")

    florida = open_page(analyst_fl)
    florida.goto("/notifications/")
    expect(florida.locator(".notification", has_text="linked a subject your agency holds")
           ).to_contain_text("Houston")
    asked = florida.locator(".notification", has_text="asks for access")
    screenshot(florida, "florida-told")
    asked.get_by_role("link", name="Answer the request").click()
    request = florida.locator(".access-request").first
    expect(request).to_contain_text("crew member's phone at the Port of Houston")
    request.get_by_label("Grant").check()
    request.get_by_role("button", name="Record the answer").click()
    expect(florida.locator(".messages")).to_contain_text("Granted")
    screenshot(florida, "access-granted")

    # Granted: Houston's own case graph, drawn one hop out, expands from the phone to Orlando.
    texas.goto(f"/cases/{houston_case.pk}/")
    graph = texas.locator("#graph")
    graph.get_by_label("Hops").select_option("1")
    graph.get_by_role("button", name="Draw").click()
    expect(graph).to_have_attribute("data-nodes", "2")
    click_graph_node(texas, graph, "phone")
    expect(graph).to_have_attribute("data-nodes", "3")
    assert texas.evaluate(f"() => window.fusionGraph.getElementById('case:{orlando.pk}').length") == 1
    screenshot(texas, "graph-expanded-after-the-grant")

    texas.goto("/access/")
    texas.get_by_role("link", name="Open the case").click()
    expect(texas.get_by_role("heading", level=1)).to_contain_text(SECRET)
    subject = texas.locator("#subjects").get_by_role("link", name=re.compile("555"))
    expect(subject.first).to_be_visible()
    subject.first.click()
    expect(texas.locator("h1")).to_contain_text("Phone number")
    expect(texas.locator("body")).to_contain_text(SECRET)
    screenshot(texas, "subject-page")
