"""The link graph in a real browser: the case page draws it (Cytoscape.js, served by the portal,
under the strict Content-Security-Policy: any violation is a console error that fails the test),
selecting a node expands it by one hop, and the drawing downloads as a PNG. Without JavaScript
the section says where the same links are listed."""

import re

from playwright.sync_api import expect

from cases import services
from core.handling import TLP
from tests.browser.conftest import click_graph_node

PHONE = "(504) 555-0142"


def _network(make_case, analyst_fl, trafficking_case):
    services.entity_link(by=analyst_fl, case=trafficking_case, kind="phone", label=PHONE,
                         role="burner phone", number="504-555-0142")
    motel = make_case(analyst_fl, title="Baton Rouge motel ring", tlp=TLP.GREEN)
    services.entity_link(by=analyst_fl, case=motel, kind="phone", label=PHONE,
                         number="504-555-0142")
    services.entity_link(by=analyst_fl, case=motel, kind="person", label="Dwayne Halvorsen-Pike",
                         role="suspect", name="Dwayne Halvorsen-Pike", dob="1988-11-27")
    return motel


def node_count(page):
    return page.evaluate("() => window.fusionGraph.nodes().length")


def test_the_case_page_draws_expands_and_downloads_the_graph(
    portal, open_page, screenshot, make_case, trafficking_case, analyst_fl, tmp_path
):
    motel = _network(make_case, analyst_fl, trafficking_case)
    page = open_page(analyst_fl)
    page.goto(f"/cases/{trafficking_case.pk}/")
    graph = page.locator("#graph")
    expect(graph.locator("canvas").first).to_be_attached()
    # Two hops by default: the case, its phone, the motel case that links the phone too.
    expect(graph).to_have_attribute("data-nodes", "3")
    expect(graph.get_by_role("status")).to_contain_text("3 nodes, 2 links")
    screenshot(page, "case-graph-two-hops")

    # One hop: the case and its phone; selecting the phone expands it to the motel case.
    graph.get_by_label("Hops").select_option("1")
    graph.get_by_role("button", name="Draw").click()
    expect(graph).to_have_attribute("data-nodes", "2")
    click_graph_node(page, graph, "phone")
    expect(graph).to_have_attribute("data-nodes", "3")
    assert page.evaluate(
        f"() => window.fusionGraph.getElementById('case:{motel.pk}').length") == 1
    selected = graph.locator(".graph-selected")
    expect(selected.get_by_role("link", name=PHONE)).to_have_attribute(
        "href", re.compile(r"^/subjects/\d+/$"))
    screenshot(page, "case-graph-expanded")

    # A kind left out is not drawn: three hops reach the suspect, unless people are left out.
    graph.get_by_label("Hops").select_option("3")
    graph.get_by_role("button", name="Draw").click()
    expect(graph).to_have_attribute("data-nodes", "4")
    graph.get_by_label("Person").uncheck()
    graph.get_by_role("button", name="Draw").click()
    expect(graph).to_have_attribute("data-nodes", "3")
    assert page.evaluate("() => window.fusionGraph.nodes('[kind = \"person\"]').length") == 0

    with page.expect_download() as download:
        graph.get_by_role("button", name="Download PNG").click()
    saved = tmp_path / "graph.png"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "link-graph.png"
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and saved.stat().st_size > 2000


def test_the_subject_page_draws_its_graph(
    portal, open_page, screenshot, make_case, trafficking_case, analyst_fl
):
    _network(make_case, analyst_fl, trafficking_case)
    page = open_page(analyst_fl)
    page.goto(f"/cases/{trafficking_case.pk}/")
    page.locator("#subjects").get_by_role("link", name=PHONE).first.click()
    graph = page.locator("#graph")
    # The phone, both cases, the suspect beside it on the motel case.
    expect(graph).to_have_attribute("data-nodes", "4")
    screenshot(page, "subject-graph")


def test_without_javascript_the_section_says_where_the_links_are(
    portal, open_page, screenshot, make_case, trafficking_case, analyst_fl
):
    _network(make_case, analyst_fl, trafficking_case)
    page = open_page(analyst_fl, javascript=False)
    page.goto(f"/cases/{trafficking_case.pk}/")
    graph = page.locator("#graph")
    expect(graph.get_by_text("The graph is drawn in the browser.")).to_be_visible()
    expect(graph.get_by_role("link", name="the graph's data")).to_have_attribute(
        "href", f"/cases/{trafficking_case.pk}/graph/?hops=1")
    expect(graph.locator(".graph-controls")).to_be_hidden()
    screenshot(page, "case-graph-without-javascript")
