"""The rough edges of an analyst's first hour (issue 18), in a real browser, each photographed
to test-artifacts/: pages hold any text, the inbox reads right, the admin pages ask before they
act, and a case prints without the portal around it."""

import re

from playwright.sync_api import expect

from cases import services

WORD = "Operation" + "X" * 110 + "End"  # one unbroken word, wider than any card


def overflowing(page, selector):
    """The elements matching selector whose content runs out of their box."""
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.id || e.className)",
    )


def test_one_long_word_stays_in_its_card_and_its_column(
    portal, open_page, screenshot, make_case, analyst_fl
):
    case = make_case(analyst_fl, title=f"Wire fraud {WORD}", summary=f"Summary {WORD} ends here.",
                     states=("FL", "LA"))
    services.annotation_add(by=analyst_fl, case=case, body=f"Annotation {WORD}")
    page = open_page(analyst_fl)

    page.goto(f"/cases/{case.pk}/")
    screenshot(page, "case-with-a-long-word")
    assert overflowing(page, ".card, .note, h1, .object-head") == []
    main = page.locator(".detail-main").bounding_box()
    side = page.locator(".detail-side").bounding_box()
    for selector in ("#summary-title + .prose", ".note-body"):
        box = page.locator(selector).first.bounding_box()
        assert box["x"] + box["width"] <= side["x"], selector
    assert main["x"] + main["width"] <= side["x"]
    head = page.locator("h1").bounding_box()
    assert head["x"] + head["width"] <= page.viewport_size["width"]

    page.goto("/cases/")
    screenshot(page, "case-list-with-a-long-title")
    width = page.viewport_size["width"]
    for column in ("Owner", "Lead center", "States", "Status"):
        box = page.get_by_role("columnheader", name=column).bounding_box()
        assert box["x"] + box["width"] <= width, column
    assert overflowing(page, ".table-wrap") == []
