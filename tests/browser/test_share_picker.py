"""The share dialog's type-to-search picker shows an agency's name as text: the library writes
each suggestion into the page as HTML, and a name is whatever an admin typed."""

import re

from playwright.sync_api import expect


def test_a_name_that_looks_like_markup_is_shown_as_written(
    portal, open_page, screenshot, trafficking_case, analyst_fl, nopd
):
    nopd.name = 'New <b id="injected">Orleans</b> Police'
    nopd.save(update_fields=["name"])
    page = open_page(analyst_fl)
    page.goto(f"/cases/{trafficking_case.pk}/")
    sharing = page.locator("#sharing")
    sharing.get_by_text("Share…").click()
    sharing.get_by_role("combobox", name="Share with").fill("new")
    option = sharing.get_by_role("option").filter(has_text="Orleans</b> Police")
    expect(option).to_be_visible()
    expect(page.locator("#injected")).to_have_count(0)
    screenshot(page, "share-picker-markup-name")
    option.click()
    expect(sharing.get_by_role("combobox", name="Share with")).to_have_value(
        re.compile("^" + re.escape(nopd.name)))
