"""The lists' agency menus in a real browser: the menu offers the agencies of the reader's
centers; typing in "Find another agency" adds what the directory finds, as one types (htmx), and
the agency picked from there filters the list and stays chosen."""

import re

from playwright.sync_api import expect


def test_an_agency_found_by_typing_filters_the_case_list(
    portal, open_page, screenshot, trafficking_case, analyst_la, nopd, lsp, houston, mbi,
    make_case, outsider
):
    make_case(outsider, states=("TX",), number="HPD-2015-0007", title="Port thefts")
    page = open_page(analyst_la)
    page.goto("/cases/")
    menu = page.get_by_label("Owner agency")
    expect(menu.locator("option")).to_have_count(3)  # any, LSP, NOPD: LA-SAFE's members
    expect(menu.locator("option", has_text="Houston")).to_have_count(0)

    page.get_by_label("Find another agency").fill("housto")
    found = menu.locator("optgroup", has=page.locator("option", has_text="Houston"))
    expect(found).to_have_attribute("label", re.compile("Found for .housto."))
    screenshot(page, "owner-menu-after-typing")
    menu.select_option(label=f"{houston.name} ({houston.ori})")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url(re.compile(rf"owner={houston.pk}"))
    # Houston's case is not shared with NOPD: the list is empty, as for an agency owning none.
    expect(page.get_by_text("No case matches these filters.")).to_be_visible()
    expect(page.get_by_label("Owner agency")).to_have_value(str(houston.pk))
    screenshot(page, "case-list-filtered-by-houston")
