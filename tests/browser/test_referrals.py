"""A referral in the browser: MBI refers its tip to the state police with the type-to-search
picker; the state police acknowledge it and close it with what they did; MBI's list shows it
closed. Each page is photographed (and checked for accessibility)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from work.models import Referral


def test_a_tip_referred_acknowledged_and_closed(portal, open_page, screenshot, make_item,
                                               analyst_fl, analyst_la2, lsp):
    tip = make_item(analyst_fl, kind="tip", title="Caller names the driver of the white van")
    page = open_page(analyst_fl)
    page.goto(reverse("item-detail", args=[tip.pk]))
    page.get_by_role("link", name="Refer", exact=True).click()
    page.get_by_role("combobox", name="Refer to").fill("louisiana")
    page.get_by_role("option").filter(has_text="Louisiana State Police").click()
    page.fill("#id_due_date", (timezone.localdate() + timedelta(days=3)).isoformat())
    page.fill("#id_instructions", "Stop the van if it crosses into Louisiana.")
    screenshot(page, "refer")
    page.get_by_role("button", name="Refer", exact=True).click()
    page.wait_for_url("**/referrals/*/")
    expect(page.locator("body")).to_contain_text("Referred to Louisiana State Police")
    screenshot(page, "referral-open")
    referral = Referral.objects.get(item=tip)

    other = open_page(analyst_la2)
    other.goto(reverse("referral-detail", args=[referral.pk]))
    other.get_by_role("button", name="Acknowledge").click()
    expect(other.locator("body")).to_contain_text("Referral acknowledged")
    other.select_option("#referral-outcome", "action_taken")
    other.fill("#referral-outcome-text", "Troop D stopped the van; driver identified.")
    other.get_by_role("button", name="Close the referral").click()
    expect(other.locator("body")).to_contain_text("Referral closed")
    screenshot(other, "referral-closed")

    page.goto(reverse("referral-list") + "?status=closed")
    expect(page.locator("table")).to_contain_text("Closed: action taken")
    screenshot(page, "referrals-list")
