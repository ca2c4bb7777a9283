"""The trafficking story in a real browser (issue 3).

A Florida analyst logs in, finds the case by a subject's plate typed in another format, opens
it, adds an annotation (and corrects it in place) and shares the case with a Louisiana agency.
A Louisiana analyst then sees the case with the annotation; an analyst of an unrelated agency
gets a 404 at its URL. Every page is photographed to test-artifacts/.
"""

import re

from playwright.sync_api import expect

from audit.models import AccessLog
from cases import services
from cases.models import Annotation, Entity
from sharing.models import Share

NOTE = "Plate ABC-1234 seen at a Baton Rouge motel on 2015-03-02, with a second adult."


def test_trafficking_case_from_florida_to_louisiana(
    portal, open_page, screenshot, trafficking_case, analyst_fl, analyst_la, nopd, outsider
):
    case = trafficking_case
    services.entity_link(
        by=analyst_fl, kind=Entity.Kind.VEHICLE, label="ABC-1234 (FL)", role="suspect vehicle",
        case=case, plate="ABC-1234", state="FL",
    )
    services.item_create(
        by=analyst_fl, kind="sar", title="Minor seen with adult at I-10 rest stop",
        body="Caller reports a girl of about 15 with an adult man, FL plate ABC-1234.", case=case,
        behaviours=["observation_surveillance"],
    )

    # The log-in page: the system-use notice must be acknowledged.
    page = open_page()
    page.goto("/login/")
    expect(page.get_by_role("heading", name="System-use notice")).to_be_visible()
    screenshot(page, "login")
    from tests.browser.conftest import log_in

    log_in(page, analyst_fl)
    expect(page.get_by_role("heading", name="Dashboard", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page.get_by_role("heading", name="Cases", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("MBI-2015-0042"))).to_be_visible()
    screenshot(page, "fl-case-list")

    # Find it by the plate, typed the way a trooper reads it out.
    page.get_by_label("Search cases, items, notes and subjects").fill("fl abc 1234")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    subjects = page.get_by_role("region", name=re.compile("Subjects"))
    expect(subjects).to_contain_text("ABC-1234 (FL)")
    screenshot(page, "fl-search-by-plate")
    subjects.get_by_role("link", name=re.compile("MBI-2015-0042")).click()

    # The case page: handling at top and bottom, the map, the subject.
    page.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(case.title)
    expect(page.locator(".banner")).to_have_count(2)
    expect(page.locator(".banner").first).to_contain_text("TLP:AMBER")
    expect(page.locator(".banner").first).to_contain_text("LES")
    expect(page.locator(".usmap .tile-on")).to_have_count(3)
    screenshot(page, "fl-case")

    # Annotate (htmx: the note goes on top of the thread in place, no reload).
    new_note = page.get_by_role("textbox", name=re.compile(r"^Add a note"))
    new_note.fill(NOTE.replace("a second adult", "an adult"))
    page.get_by_role("button", name="Add annotation").click()
    thread = page.locator("#thread")
    expect(thread.locator(".note")).to_have_count(1)
    expect(thread).to_contain_text("with an adult")

    # Correct it in place; the earlier text stays in the history.
    thread.get_by_role("link", name=re.compile("Edit")).click()
    editor = thread.locator("form.note-editing textarea")
    expect(editor).to_be_visible()
    editor.fill(NOTE)
    thread.get_by_role("button", name="Save").click()
    expect(thread).to_contain_text("with a second adult")
    expect(thread.locator(".note .tag", has_text="edited")).to_be_visible()
    screenshot(page, "fl-case-annotated")

    # Share with NOPD through the dialog: only what TLP:AMBER allows is offered.
    sharing = page.locator("#sharing")
    sharing.get_by_text("Share…").click()
    # The recipient picker filters as one types (static/js/share-picker.js).
    sharing.get_by_role("combobox", name="Share with").fill("new orl")
    sharing.get_by_role("option", name=f"{nopd.name} ({nopd.ori}, {nopd.home_state})").click()
    sharing.get_by_label("Level").select_option(label="Annotate")
    screenshot(page, "fl-share-dialog")
    sharing.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Shared with New Orleans Police Department")
    expect(page.locator("#sharing")).to_contain_text("New Orleans Police Department")
    screenshot(page, "fl-case-shared")

    note = Annotation.objects.get(case=case)
    assert (note.body, note.version) == (NOTE, 2)
    assert Share.objects.filter(case=case, target_agency=nopd, level=2).exists()

    # Louisiana sees the case, and what Florida wrote on it.
    page_la = open_page(analyst_la)
    page_la.goto("/cases/")
    expect(page_la.get_by_role("link", name=re.compile("MBI-2015-0042"))).to_be_visible()
    screenshot(page_la, "la-case-list")
    page_la.get_by_role("link", name=re.compile("MBI-2015-0042")).click()
    expect(page_la.locator("#thread")).to_contain_text(NOTE)
    # NOPD holds annotate: it may add its own.
    expect(page_la.get_by_role("textbox", name=re.compile(r"^Add a note"))).to_be_visible()
    screenshot(page_la, "la-case")

    # Houston was never shared anything: the case does not exist for it.
    page_tx = open_page(outsider)
    page_tx.allow_console_error(r"status of 404")
    response = page_tx.goto(f"/cases/{case.pk}/")
    assert response.status == 404
    expect(page_tx.get_by_text(case.title)).to_have_count(0)
    screenshot(page_tx, "outsider-404")
    assert not AccessLog.objects.filter(
        actor=outsider, object_type="case", object_id=case.pk
    ).exists()

    # The owner's page at tablet width, and its access log.
    page_tablet = open_page(analyst_fl, width=820, height=1180)
    page_tablet.goto(f"/cases/{case.pk}/")
    page_tablet.locator("#access-log summary").click()
    expect(page_tablet.locator("#access-log")).to_contain_text("New Orleans Police Department")
    screenshot(page_tablet, "fl-case-tablet")


def test_opening_a_case_adding_a_state_and_answering_an_rfi(
    portal, open_page, screenshot, analyst_fl, analyst_la, nopd, cfix
):
    """Forms with their messages next to the fields, one action to add a state, and an RFI
    answered by another agency, read by the one that asked."""
    page = open_page(analyst_fl)
    page.allow_console_error(r"status of 400")  # the refused form is answered with a 400
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Case number").fill("MBI-2015-0077")
    page.get_by_label("Title").fill("Card skimmers on the I-4 corridor")
    page.get_by_label("States").fill("FL, ZZ")
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator(".field-error")).to_contain_text("Not a US state or territory code: ZZ")
    expect(page.get_by_label("Title")).to_have_value("Card skimmers on the I-4 corridor")
    screenshot(page, "case-form-with-error")
    page.get_by_label("States").fill("FL")
    page.get_by_role("button", name="Open the case").click()
    expect(page.locator(".messages")).to_contain_text("Case MBI-2015-0077 opened")

    # One action adds a jurisdiction in a new state; the map shows it.
    places = page.locator("#places")
    places.get_by_text("Add a jurisdiction").click()
    places.get_by_role("combobox", name="State").select_option("GA")
    places.get_by_label("City").fill("Savannah")
    places.get_by_role("button", name="Add").click()
    expect(page.locator(".messages")).to_contain_text("spans state lines")
    expect(page.locator(".usmap .tile-on")).to_have_count(2)
    screenshot(page, "case-new-state")

    # An RFI, shared with NOPD, answered by NOPD, read by MBI.
    page.get_by_role("link", name="Intelligence", exact=True).click()
    page.get_by_role("link", name="New item").click()
    page.get_by_label("Kind").select_option("rfi")
    page.get_by_label("Title").fill("Who rents room 12 at the Airline Hwy motel?")
    page.get_by_label("Text").fill("Need the registered guest for 2015-03-01 to 03-08.")
    page.get_by_label("TLP").select_option("GREEN")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Who rents room 12")
    sharing = page.locator("#sharing")
    sharing.get_by_text("Share…").click()
    # The recipient picker filters as one types (static/js/share-picker.js).
    sharing.get_by_role("combobox", name="Share with").fill("new orl")
    sharing.get_by_role("option", name=f"{nopd.name} ({nopd.ori}, {nopd.home_state})").click()
    sharing.get_by_role("button", name="Share", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Shared with New Orleans")

    page_la = open_page(analyst_la)
    page_la.get_by_role("link", name="Intelligence", exact=True).click()
    expect(page_la.get_by_role("link", name=re.compile("Who rents room 12"))).to_be_visible()
    screenshot(page_la, "la-item-list")
    page_la.get_by_role("link", name=re.compile("Who rents room 12")).click()
    page_la.get_by_role("link", name="Respond to this request").click()
    page_la.get_by_label("Text").fill("Registered guest: D. Price, paid cash for 7 nights.")
    # 28 CFR Part 23: a response names a person, so it goes as criminal intelligence with its
    # predicate and labels (without them it would stay pending review, and with NOPD).
    page_la.get_by_label("Criminal predicate", exact=True).fill(
        "Registered the room where the minor was held; paid in cash.")
    page_la.get_by_label("Criminal activity", exact=True).select_option("human_trafficking")
    page_la.get_by_label(re.compile("^No political, religious")).check()
    page_la.get_by_label("Control official", exact=True).select_option(label=analyst_la.username)
    page_la.get_by_label("Sensitivity", exact=True).select_option("sensitive")
    page_la.get_by_label("Source reliability", exact=True).select_option("B")
    page_la.get_by_label("Content validity", exact=True).select_option("2")
    screenshot(page_la, "la-rfi-response-form")
    page_la.get_by_role("button", name="Create").click()
    expect(page_la.locator(".messages")).to_contain_text("Shared with Metropolitan Bureau")
    expect(page_la.locator("#cfr23-title")).to_contain_text("Criminal intelligence")

    page.reload()
    responses = page.locator("#responses")
    expect(responses).to_contain_text("D. Price")
    screenshot(page, "fl-rfi-with-response")


def test_reading_and_annotating_work_without_javascript(
    portal, open_page, screenshot, trafficking_case, analyst_fl
):
    page = open_page(analyst_fl, javascript=False, width=820, height=1180)
    page.get_by_role("link", name=re.compile("MBI-2015-0042")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(trafficking_case.title)
    page.get_by_role("textbox", name=re.compile(r"^Add a note")).fill("Typed without scripts.")
    page.get_by_role("button", name="Add annotation").click()
    expect(page.locator(".messages")).to_contain_text("Annotation added")
    expect(page.locator("#thread")).to_contain_text("Typed without scripts.")
    # Edit is a page of its own without JavaScript, and comes back to the note.
    page.locator("#thread").get_by_role("link", name=re.compile("Edit")).click()
    page.get_by_label("Your annotation").fill("Typed and corrected without scripts.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#thread")).to_contain_text("Typed and corrected without scripts.")
    screenshot(page, "no-javascript-tablet")


def test_a_stale_in_place_edit_is_refused_and_the_typed_text_kept(
    portal, open_page, screenshot, trafficking_case, analyst_fl
):
    note = services.annotation_add(by=analyst_fl, case=trafficking_case, body="Draft one")
    page = open_page(analyst_fl)
    page.allow_console_error(r"status of 409")  # the refusal is answered with a 409
    page.goto(f"/cases/{trafficking_case.pk}/")
    thread = page.locator("#thread")
    thread.get_by_role("link", name=re.compile("Edit")).click()
    editor = thread.locator("form.note-editing textarea")
    expect(editor).to_be_visible()
    # Someone else's tab saves first.
    services.annotation_edit(annotation=note, by=analyst_fl, version=1, body="Saved elsewhere")
    editor.fill("My long careful rewrite")
    thread.get_by_role("button", name="Save").click()
    expect(thread.locator(".form-errors")).to_contain_text("changed by someone else")
    expect(thread.locator(".note-current")).to_contain_text("Saved elsewhere")
    expect(thread.locator("form.note-editing textarea")).to_have_value("My long careful rewrite")
    screenshot(page, "stale-edit-refused")
    # Saving again applies the kept text over the current version.
    thread.get_by_role("button", name="Save").click()
    expect(thread.locator(f"#note-{note.pk} .note-body")).to_contain_text("My long careful rewrite")
    note.refresh_from_db()
    assert (note.body, note.version) == ("My long careful rewrite", 3)
