"""An auditor's visit in a real browser (issue 13): CFIX's auditor logs in, follows Admin to the
compliance reports of CFIX's member agencies, opens MBI's, reads a list, and prints it. The
printed page keeps the counts and the list and drops the navigation, the range form and the
list links. Every page is photographed to test-artifacts/."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from agencies.models import CenterAuditor
from cases.models import Dissemination, IntelligenceItem
from tests.conftest import _user


def test_an_auditor_opens_an_agencys_report_and_prints_it(
    portal, open_page, screenshot, cfix, mbi, ocso, analyst_fl
):
    auditor = _user("auditor_cfix", ocso)
    CenterAuditor.objects.create(user=auditor, center=cfix)
    today = timezone.localdate()
    for k in range(6):
        item = IntelligenceItem.objects.create(
            owner=mbi, kind="tip", title=f"Secret title {k}", body="Secret body",
            created_by=analyst_fl, intelligence_status="intelligence", predicate="Secret predicate",
            criminal_activity="drugs", no_protected_activity=True, control_official=analyst_fl,
            sensitivity="sensitive", source_reliability="B", content_validity="2",
            validated_at=timezone.now() - timedelta(days=400),
            review_by=today - timedelta(days=k + 1) if k < 3 else today + timedelta(days=k),
        )
        Dissemination.objects.create(item=item, channel="share", recipient_agency=ocso,
                                     recipient_label=ocso.name, reason="Need to know",
                                     by=analyst_fl)
    IntelligenceItem.objects.create(owner=mbi, kind="sar", title="Secret pending",
                                    created_by=analyst_fl, intelligence_status="pending")

    page = open_page(auditor)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    expect(page.get_by_role("heading", name="28 CFR Part 23 compliance reports")).to_be_visible()
    screenshot(page, "auditor-home")
    page.get_by_role("link", name="Metropolitan Bureau of Investigation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("28 CFR Part 23 compliance report")
    expect(page.get_by_role("heading", name="Review overdue")).to_be_visible()
    expect(page.locator(".report-list tbody tr")).to_have_count(3)
    screenshot(page, "report")
    page.get_by_role("navigation", name="Lists of the report").get_by_role(
        "link", name="Disseminations in the range").click()
    expect(page.locator(".report-list tbody tr")).to_have_count(6)
    assert "Secret" not in page.content()

    page.emulate_media(media="print")
    expect(page.locator(".report-range")).to_be_hidden()
    expect(page.locator(".report-tabs")).to_be_hidden()
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("heading", name="Records by status")).to_be_visible()
    expect(page.locator(".report-list tbody tr")).to_have_count(6)
    screenshot(page, "report-printed")


def test_a_center_admin_makes_a_member_agencys_user_an_auditor(
    portal, open_page, screenshot, cfix, mbi, ocso, admin_cfix
):
    auditor = _user("auditor_cfix", ocso)
    page = open_page(admin_cfix)
    page.goto(f"/manage/centers/{cfix.pk}/agencies/")
    page.get_by_role("navigation", name="CFIX administration").get_by_role(
        "link", name="Auditors").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Auditors of Central Florida Intelligence Exchange")
    page.get_by_label("Username").fill("auditor_cfix")
    page.get_by_label("Reason").fill("State audit of 2026")
    page.get_by_role("button", name="Make auditor").click()
    expect(page.get_by_text("auditor_cfix is now an auditor of CFIX.")).to_be_visible()
    assert CenterAuditor.objects.filter(user=auditor, center=cfix).exists()
    screenshot(page, "auditors")
