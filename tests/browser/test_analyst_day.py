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


def test_fifteen_notifications_fit_a_compact_page_and_mark_read_together(
    portal, open_page, screenshot, make_case, analyst_fl, la_safe, cfix, monkeypatch
):
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    # Fifteen of MBI's cases, led by LA-SAFE, come into Florida: CFIX is told of each.
    for n in range(15):
        make_case(analyst_fl, title=f"Burglary series {n}", states=("LA", "FL"), lead_center=la_safe)
    page = open_page(analyst_fl)
    page.goto("/notifications/")
    screenshot(page, "inbox")
    rows = page.locator("li.notification")
    expect(rows).to_have_count(15)
    assert page.evaluate("document.documentElement.scrollHeight") < 2600
    # The owner's analyst reads its own case, not "withheld".
    first = rows.first
    expect(first).to_contain_text("your agency owns the case")
    expect(first).not_to_contain_text("withheld")
    expect(first.get_by_role("link", name=re.compile("now spans state lines"))).to_be_visible()

    page.locator("li.notification .pick").nth(0).check()
    page.locator("li.notification .pick").nth(1).check()
    page.get_by_role("button", name="Mark selected read").click()
    expect(page.locator(".msg-success")).to_have_text("Marked 2 notifications read.")
    expect(page.locator("li.notification.unread")).to_have_count(13)
    page.get_by_label("Show").select_option("unread")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("li.notification")).to_have_count(13)
    screenshot(page, "inbox-unread-only")


def test_an_annotation_reaches_the_thread_and_the_timeline_in_place(
    portal, open_page, screenshot, trafficking_case, analyst_fl
):
    page = open_page(analyst_fl)
    page.goto(f"/cases/{trafficking_case.pk}/")
    before = page.locator("#timeline-entries > li.tl").count()
    page.get_by_label("Add a note").fill("Seen at the Baton Rouge motel, room 12")
    page.get_by_role("button", name="Add annotation").click()
    expect(page.locator("#notes .note").first).to_contain_text("room 12")
    first = page.locator("#timeline-entries > li.tl").first
    expect(first).to_contain_text("room 12")
    expect(first).to_have_class(re.compile("tl-annotation"))
    expect(page.locator("#timeline-entries > li.tl")).to_have_count(before + 1)
    assert page.url.endswith(f"/cases/{trafficking_case.pk}/")  # in place, not a new page
    screenshot(page, "annotation-in-thread-and-timeline")


def test_suspending_an_agency_asks_first(portal, open_page, screenshot, admin_cfix, mbi, cfix):
    from agencies.models import Membership

    page = open_page(admin_cfix, javascript=False)  # the confirmation is a page: no script needed
    page.goto(f"/manage/centers/{cfix.pk}/agencies/{mbi.pk}/")
    page.locator("#id_suspend_reason").fill("Audit finding 2026-14")
    page.get_by_role("button", name=re.compile("Suspend Metropolitan")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Suspend Metropolitan Bureau of Investigation in CFIX?")
    screenshot(page, "confirm-suspend")
    assert Membership.objects.get(agency=mbi, center=cfix).status == "active"
    page.get_by_role("button", name="Yes, suspend Metropolitan Bureau of Investigation").click()
    expect(page.locator(".msg-success")).to_contain_text("is suspended")
    assert Membership.objects.get(agency=mbi, center=cfix).status == "suspended"


def test_the_api_keys_page_is_found_and_copies_the_new_key(
    portal, open_page, screenshot, agency_admin_fl
):
    page = open_page(agency_admin_fl)
    page.goto("/manage/")
    page.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("API keys of"))
    page.get_by_label("Name").fill("MBI records system")
    page.get_by_role("button", name="Create the key").click()
    copy = page.get_by_role("button", name="Copy")
    expect(copy).to_be_visible()  # the script shows it
    expect(page.locator("#new-key")).to_have_value(re.compile(r"^\w+_"))
    expect(page.get_by_role("cell", name="Active")).to_be_visible()
    revoke = page.get_by_role("button", name=re.compile("Revoke the key"))
    assert "danger" in revoke.get_attribute("class")
    screenshot(page, "api-keys")


def test_the_share_dialog_finds_one_of_120_agencies_by_typing(
    portal, open_page, screenshot, make_case, analyst_fl, cfix, nopd
):
    from agencies.models import Agency, Membership
    from core.handling import TLP

    for n in range(120):
        agency = Agency.objects.create(name=f"Test County Sheriff's Office {n:03d}",
                                       ori=f"TX{n:07d}", level="local", home_state="TX")
        Membership.objects.create(center=cfix, agency=agency)
    case = make_case(analyst_fl, tlp=TLP.GREEN, title="Counterfeit pills")
    page = open_page(analyst_fl)
    page.goto(f"/cases/{case.pk}/")
    sharing = page.locator("#sharing")
    sharing.get_by_text("Share…").click()
    picker = sharing.get_by_role("combobox", name="Share with")
    expect(picker).to_be_visible()
    picker.fill("LA0")  # an ORI's start
    suggestions = sharing.get_by_role("listbox").get_by_role("option")
    expect(suggestions).to_have_count(1)
    option = sharing.get_by_role("option", name=re.compile("New Orleans Police Department"))
    expect(option).to_be_visible()
    screenshot(page, "share-type-to-search")
    # ArrowDown moves the focus onto the first suggestion (no autoselect), Enter picks it.
    picker.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(picker).to_have_value(re.compile("New Orleans Police Department"))
    sharing.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Shared with New Orleans Police Department")


def test_the_share_dialog_works_without_javascript(portal, open_page, make_case, analyst_fl, nopd):
    case = make_case(analyst_fl, title="Counterfeit pills")
    page = open_page(analyst_fl, javascript=False)
    page.goto(f"/cases/{case.pk}/share/")
    page.get_by_label("Share with").select_option(label=f"{nopd.name} ({nopd.ori}, {nopd.home_state})")
    page.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Shared with New Orleans Police Department")


def test_a_case_prints_as_a_document_with_its_markings(
    portal, open_page, screenshot, trafficking_case, analyst_fl
):
    services.annotation_add(by=analyst_fl, case=trafficking_case, body="Seen in Baton Rouge.")
    page = open_page(analyst_fl)
    page.goto(f"/cases/{trafficking_case.pk}/")
    page.emulate_media(media="print")
    screenshot(page, "case-printed")
    for hidden in (".top", ".quick-search", "form.note-add", ".head-actions", "#sharing details",
                   ".foot", "#access-log"):
        expect(page.locator(hidden).first).to_be_hidden()
    assert page.locator("form:visible, button:visible").count() == 0
    expect(page.locator(".banner")).to_have_count(2)
    expect(page.locator(".banner").first).to_be_visible()
    expect(page.locator(".banner").last).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".note-body").first).to_contain_text("Baton Rouge")
    expect(page.locator("#timeline")).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator(".top")).to_be_visible()


def test_slash_goes_to_search_and_question_mark_lists_the_shortcuts(
    portal, open_page, screenshot, trafficking_case, analyst_fl
):
    page = open_page(analyst_fl)
    page.goto(f"/cases/{trafficking_case.pk}/")
    page.locator("body").press("/")
    expect(page.locator("#quick-q")).to_be_focused()
    page.keyboard.type("abc")  # typed into the box: no shortcut fires
    expect(page.locator("#quick-q")).to_have_value("abc")
    page.locator("#quick-q").press("Escape")
    page.locator("h1").click()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Go to the notifications")
    screenshot(page, "shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("n")
    expect(page.locator("#note-add textarea")).to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("g")
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r"/notifications/$"))
