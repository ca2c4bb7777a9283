"""A call-taker of MBI takes a phone tip down with the keyboard alone: the caller, what, where,
Enter. As they type the number, the page offers it as a subject and says that a tip their agency
took down last week holds it (a possible duplicate). Taken down, the tip is new in the queue.

Then one of two ways: it is assigned, reviewed and accepted as a lead on the agency's
trafficking case; or (the whole story of issue 15) it is assigned and reviewed, MBI's 28 CFR
Part 23 reviewer accepts it as criminal intelligence on its item page (information pending
review is never shared, so never referred), the call-taker refers it to NOPD from its triage
page, the tip reads *referred*, and NOPD's analyst acknowledges the referral from the
Referrals list, which the call-taker then reads as acknowledged."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases.intelligence import ContentValidity, CriminalActivity, Sensitivity, SourceReliability
from work.models import Referral, TipTriage
from work.tip_services import tip_take_down

WHAT = "Caller saw a girl pushed into a white van outside the motel, plate unknown, "


def take_down_by_keyboard(page, screenshot, earlier):
    """The call-taker's keyboard alone, from the form's first field to Enter: the tip taken
    down, flagged as a possible duplicate of `earlier`."""
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
    return triage


def test_a_call_taker_takes_a_phone_tip_down_with_the_keyboard_and_triages_it(
    portal, open_page, screenshot, analyst_fl, agency_admin_fl, trafficking_case, cfix
):
    earlier = tip_take_down(by=analyst_fl, what="Anonymous caller: van seen at the motel again",
                            subjects=[{"kind": "phone", "value": "407-555-0148"}])
    page = open_page(analyst_fl)
    triage = take_down_by_keyboard(page, screenshot, earlier)

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


def test_a_phone_tip_flagged_as_a_duplicate_is_triaged_and_referred_to_an_agency_that_acknowledges_it(
    portal, open_page, screenshot, analyst_fl, reviewer_fl, analyst_la, nopd, cfix
):
    earlier = tip_take_down(by=analyst_fl, what="Anonymous caller: van seen at the motel again",
                            subjects=[{"kind": "phone", "value": "407-555-0148"}])
    page = open_page(analyst_fl)
    triage = take_down_by_keyboard(page, screenshot, earlier)
    tip_page = page.url

    # The call-taker assigns it to themself and starts the review.
    card = page.locator("#tip-triage")
    card.get_by_label("Assign to").select_option(str(analyst_fl.pk))
    card.get_by_role("button", name="Assign").click()
    expect(page.locator(".messages")).to_contain_text("assigned to")
    page.get_by_role("button", name="Start the review").click()
    expect(page.locator("#tip-triage")).to_contain_text("In review")

    # MBI's reviewer accepts it as criminal intelligence on its item page.
    reviewer = open_page(reviewer_fl)
    reviewer.goto(reverse("item-detail", args=[triage.tip_id]))
    review = reviewer.locator("form.cfr23-review")
    review.get_by_label("Accept as criminal intelligence").check()
    review.get_by_label("Reason").fill("A van and a phone already on our books: predicate stated.")
    review.get_by_label("Criminal predicate").fill(
        "Reasonable suspicion that a minor is being trafficked from the motel.")
    review.get_by_label("Criminal activity").select_option(CriminalActivity.HUMAN_TRAFFICKING)
    review.get_by_label("No political, religious or social views").check()
    review.get_by_label("Control official").select_option(str(reviewer_fl.pk))
    review.get_by_label("Sensitivity").select_option(Sensitivity.SENSITIVE)
    review.get_by_label("Source reliability").select_option(SourceReliability.B)
    review.get_by_label("Content validity").select_option(ContentValidity.PROBABLE)
    review.get_by_role("button", name="Record the decision").click()
    expect(reviewer.locator(".cfr23")).to_contain_text("Criminal intelligence")
    triage.tip.refresh_from_db()
    assert triage.tip.is_intelligence

    # The call-taker refers it to NOPD from the tip's triage page, due in three days.
    page.goto(tip_page)
    page.get_by_role("link", name="Refer it to an agency").click()
    # The picker enhances the select once its script has run.
    page.wait_for_load_state("load")
    page.get_by_role("combobox", name="Refer to").fill("new orleans")
    page.get_by_role("option").filter(has_text="New Orleans Police Department").click()
    due = timezone.localdate() + timedelta(days=3)
    page.fill("#id_due_date", due.isoformat())
    page.fill("#id_instructions", "Canvass the motel on Airline Highway for the white van.")
    page.get_by_role("button", name="Refer", exact=True).click()
    page.wait_for_url("**/referrals/*/")
    expect(page.locator("body")).to_contain_text("Referred to New Orleans Police Department")
    referral = Referral.objects.get(item_id=triage.tip_id)
    assert (referral.to_agency, referral.due_date) == (nopd, due)
    page.goto(tip_page)
    expect(page.locator("#tip-triage")).to_contain_text("Referred")
    screenshot(page, "tip-referred")
    triage.refresh_from_db()
    assert triage.status == TipTriage.Status.REFERRED

    # NOPD's analyst finds it under Referrals and acknowledges it.
    other = open_page(analyst_la)
    other.goto("/")
    other.get_by_role("link", name="Referrals", exact=True).first.click()
    other.get_by_role("link", name=f"#{referral.pk}").click()
    other.get_by_role("button", name="Acknowledge").click()
    expect(other.locator("body")).to_contain_text("Referral acknowledged")

    # The referrer reads it acknowledged.
    page.goto(reverse("referral-list"))
    row = page.locator("tr", has_text=f"#{referral.pk}")
    expect(row).to_contain_text("Acknowledged")
    expect(row).to_contain_text("New Orleans Police Department")
    screenshot(page, "referred-and-acknowledged")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACKNOWLEDGED
