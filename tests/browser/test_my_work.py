"""My work in a browser: the home page's queue (a task and an RFI, soonest first) and the
navigation's count, fetched by htmx after the page."""

from datetime import timedelta

from django.utils import timezone

from cases import services as case_services
from work.services import rfi_address


def test_the_queue_and_the_count_after_the_page(portal, open_page, screenshot, trafficking_case,
                                                analyst_fl, analyst_la, make_item, mbi):
    from playwright.sync_api import expect

    today = timezone.localdate()
    case_services.task_add(case=trafficking_case, by=analyst_fl, title="Pull the motel CCTV",
                           assignee=analyst_fl, due_date=today + timedelta(days=4))
    rfi = make_item(analyst_la, kind="rfi", title="Who drives the white Econoline van?")
    rfi_address(rfi=rfi, by=analyst_la, agency=mbi, due_date=today + timedelta(days=1))
    page = open_page(analyst_fl)
    page.goto("/")
    rows = page.locator(".work-queue li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Who drives the white Econoline van?")
    expect(rows.nth(0)).to_contain_text("Take it, or answer it")
    expect(rows.nth(1)).to_contain_text("Pull the motel CCTV")
    expect(page.locator("#nav-work")).to_contain_text("My work (2)")
    page.locator("#nav-work a").click()
    expect(page).to_have_url(f"{portal}/#my-work")
    screenshot(page, "my-work")
