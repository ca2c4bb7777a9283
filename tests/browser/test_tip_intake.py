"""A call-taker of MBI takes a phone tip down with the keyboard alone: the caller, what, where,
Enter. As they type the number, the page offers it as a subject and says that a tip their agency
took down last week holds it (a possible duplicate). Taken down, the tip is new in the queue; it
is assigned, reviewed and accepted as a lead on the agency's trafficking case."""

import re

from playwright.sync_api import expect

from work.models import TipTriage
from work.tip_services import tip_take_down

WHAT = "Caller saw a girl pushed into a white van outside the motel, plate unknown, "


def test_a_call_taker_takes_a_phone_tip_down_with_the_keyboard_and_triages_it(
    portal, open_page, screenshot, analyst_fl, agency_admin_fl, trafficking_case, cfix
):
    earlier = tip_take_down(by=analyst_fl, what="Anonymous caller: van seen at the motel again",
                            subjects=[{"kind": "phone", "value": "407-555-0148"}])

    page = open_page(analyst_fl)
    page.goto("/work/tips/new/")
    caller = page.get_by_label("Caller", exact=True)
    expect(caller).to_be_focused()
    page.keyboard.type("Dana Whitfield")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Caller's phone")).to_be_focused()
    page.keyboard.type("321 555 0199")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Anonymous caller")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_label("What")).to_be_focused()
    page.keyboard.type(WHAT + "the man in it called from (407) 555-0148")

    subjects = page.locator("#tip-subjects")
    expect(subjects.get_by_label("Phone: (407) 555-0148")).to_be_checked()
    hint = subjects.locator(".hint-seen")
    expect(hint).to_contain_text(f"Possible duplicate of tip T-{earlier.tip_id}")
    screenshot(page, "possible-duplicate")

    # Tab goes on to Where; Enter there takes the tip down.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Where")).to_be_focused()
    page.keyboard.type("Colonial Drive, Orlando, FL")
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/work/tips/\d+/$"))
    triage = TipTriage.objects.exclude(pk=earlier.pk).get()
    expect(page.locator(".messages")).to_contain_text(f"Tip T-{triage.tip_id} taken down")
    expect(page.locator("#tip-triage")).to_contain_text("New")
    expect(page.locator(".tip-hints")).to_contain_text(f"Possible duplicate of tip T-{earlier.tip_id}")
    assert (triage.caller_name, triage.caller_phone, triage.place) == (
        "Dana Whitfield", "321 555 0199", "Colonial Drive, Orlando, FL")
    assert triage.tip.entities.get().key == "+14075550148"

    # Triage: assigned to the agency's admin, who reviews it and accepts it on the case.
    card = page.locator("#tip-triage")
    card.get_by_label("Assign to").select_option(str(agency_admin_fl.pk))
    card.get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text("assigned to")

    reviewer = open_page(agency_admin_fl)
    reviewer.goto("/work/tips/")
    row = reviewer.locator("tr", has_text=f"T-{triage.tip_id}")
    expect(row).to_contain_text("Assigned")
    screenshot(reviewer, "queue")
    row.get_by_role("link", name=f"T-{triage.tip_id}").click()
    reviewer.get_by_role("button", name="Start the review").click()
    expect(reviewer.locator("#tip-triage")).to_contain_text("In review")
    reviewer.get_by_label("Accept as a lead on").select_option(str(trafficking_case.pk))
    reviewer.get_by_role("button", name="Accept").click()
    expect(reviewer.locator("#tip-triage")).to_contain_text("Accepted")
    expect(reviewer.locator("#tip-triage")).to_contain_text(trafficking_case.number)
    screenshot(reviewer, "accepted")
    triage.refresh_from_db()
    assert triage.status == TipTriage.Status.ACCEPTED and triage.tip.case == trafficking_case
