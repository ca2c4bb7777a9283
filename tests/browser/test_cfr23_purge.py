"""28 CFR 23.20(h) in a real browser: MBI's reviewer purges a record it shared with NOPD, from
its page, through the confirmation that says what is destroyed; the review queue then lists its
tombstone, which only MBI may open (410); NOPD's analyst finds nothing at its address."""

import re

from playwright.sync_api import expect

from cases import services
from cases.models import IntelligenceItem
from core.handling import TLP, Level
from tests.conftest import cfr23_labels


def test_a_reviewer_purges_a_record_and_reads_its_tombstone(
    portal, open_page, screenshot, analyst_fl, reviewer_fl, analyst_la, nopd
):
    record = services.item_create(
        by=analyst_fl, kind="tip", title="Caller reports a massage parlour on Biscayne Boulevard",
        body="The caller suspects the women are not free to leave.", tlp=TLP.GREEN,
        **cfr23_labels(analyst_fl),
    )
    services.annotation_add(by=analyst_fl, item=record, body="Inspected with the county.")
    services.share_grant(obj=record, by=analyst_fl, level=Level.VIEW, agency=nopd,
                         reason="NOPD asked about the chain's Louisiana parlours.")

    page = open_page(reviewer_fl)
    page.goto(f"/intel/{record.pk}/")
    page.get_by_role("link", name="Purge…").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("1 annotation, 0 attachments")
    expect(dialog).to_contain_text("The 1 agency it reached is told to destroy its copies")
    screenshot(page, "purge-confirm")
    # Without a reason nothing happens, and the form says why.
    page.allow_console_error(r"status of 400")
    page.get_by_role("button", name="Yes, purge the record").click()
    expect(page.locator(".errorlist")).to_contain_text("Give the reason for the purge")
    assert IntelligenceItem.objects.get(pk=record.pk).is_intelligence
    page.get_by_label("Why it is purged").fill(
        "Not validated: the premises were inspected and the suspicion was unfounded.")
    page.get_by_role("button", name="Yes, purge the record").click()
    expect(page).to_have_url(re.compile(r"/intel/review-queue/$"))
    expect(page.locator(".messages")).to_contain_text(
        f"Item #{record.pk} purged: its content, files and subject links are destroyed; the 1 "
        "agency it reached was told to destroy its copies.")
    purged = page.get_by_role("region", name="Purged records")
    expect(purged).to_contain_text("Reviewer FL")
    expect(purged).to_contain_text("the suspicion was unfounded")
    screenshot(page, "review-queue-with-tombstone")

    page.allow_console_error(r"status of 410")
    purged.get_by_role("link", name=f"Tip or lead #{record.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Tip or lead #{record.pk}: purged")
    expect(page.locator("body")).not_to_contain_text("Biscayne")
    screenshot(page, "tombstone")

    recipient = open_page(analyst_la)
    recipient.allow_console_error(r"status of 404")
    response = recipient.goto(f"/intel/{record.pk}/")
    assert response.status == 404
