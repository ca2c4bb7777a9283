"""Search results in a real browser: "More items" brings the next page of that section in place
(htmx), under the strict Content-Security-Policy, and without JavaScript it is a page of its own."""

from playwright.sync_api import expect

from cases import services
from cases.search import LIMIT

COUNT = 45


def many_items(analyst):
    return [services.item_create(by=analyst, kind="tip", title=f"Courier sighting {n}",
                                 body=f"A courier was seen at the port, report {n}.")
            for n in range(COUNT)]


def test_more_results_come_in_place(portal, open_page, screenshot, analyst_fl):
    many_items(analyst_fl)
    page = open_page(analyst_fl)
    page.goto("/search/?q=courier")
    section = page.locator("section", has=page.locator("#r-items"))
    expect(section.locator(".results > li:not(.more)")).to_have_count(LIMIT)
    more = section.get_by_role("link", name="More items")
    more.click()
    expect(section.locator(".results > li:not(.more)")).to_have_count(2 * LIMIT)
    more.click()
    expect(section.locator(".results > li:not(.more)")).to_have_count(COUNT)
    expect(more).to_have_count(0)
    titles = section.locator(".results > li a").all_inner_texts()
    assert sorted(titles) == sorted(f"Courier sighting {n}" for n in range(COUNT))
    assert page.url.endswith("/search/?q=courier")  # fetched in place
    screenshot(page, "search-all-items")


def test_without_javascript_more_is_a_page_of_its_own(portal, open_page, screenshot, analyst_fl):
    many_items(analyst_fl)
    page = open_page(analyst_fl, javascript=False)
    page.goto("/search/?q=courier")
    page.locator("section", has=page.locator("#r-items")).get_by_role(
        "link", name="More items").click()
    assert "section=items" in page.url
    expect(page.locator(".results > li:not(.more)")).to_have_count(LIMIT)
    screenshot(page, "search-more-items-page")
    page.get_by_role("link", name="More items").click()
    expect(page.locator(".results > li:not(.more)")).to_have_count(COUNT - 2 * LIMIT)
    expect(page.get_by_role("link", name="More items")).to_have_count(0)
