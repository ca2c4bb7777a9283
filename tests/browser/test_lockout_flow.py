"""Lockout in a real browser (issue 12, CJIS AC-7).

MBI's analyst mistypes the password five times; the sixth attempt, with the right password, is
refused with the very same words. MBI's agency admin finds the account locked on its page,
releases it with a reason, and the analyst logs in. Every step is photographed to
test-artifacts/.
"""

import re

from playwright.sync_api import expect

from agencies.forms import LOGIN_REFUSED
from audit.models import AccessLog
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD


def try_log_in(page, username, password):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label(re.compile("consent to monitoring")).check()
    page.get_by_role("button", name="Log in").click()


def test_five_wrong_passwords_lock_the_account_until_the_agency_admin_releases_it(
    portal, open_page, screenshot, analyst_fl, agency_admin_fl
):
    analyst = open_page()
    for _ in range(5):
        try_log_in(analyst, "analyst_fl", "not-my-password")
        expect(analyst.get_by_role("alert")).to_have_text(LOGIN_REFUSED)
    screenshot(analyst, "fifth-refusal")
    try_log_in(analyst, "analyst_fl", PASSWORD)
    expect(analyst.get_by_role("alert")).to_have_text(LOGIN_REFUSED)
    expect(analyst).to_have_url(re.compile(r"/login/$"))
    screenshot(analyst, "right-password-refused")

    admin = open_page(agency_admin_fl)
    admin.goto(f"/manage/agencies/{analyst_fl.agency_id}/users/{analyst_fl.pk}/")
    expect(admin.get_by_text(re.compile("locked since"))).to_be_visible()
    screenshot(admin, "locked-account")
    admin.locator("#id_release_reason").fill("Called the desk from the MBI office; identity checked")
    admin.get_by_role("button", name="Release analyst_fl").click()
    expect(admin.get_by_role("status")).to_contain_text("analyst_fl is released")
    expect(admin.get_by_role("button", name="Release analyst_fl")).to_have_count(0)
    screenshot(admin, "released")

    log_in(analyst, analyst_fl)
    expect(analyst.get_by_role("navigation", name="Main")).to_be_visible()
    screenshot(analyst, "logged-in")
    release = AccessLog.objects.get(action="release")
    assert release.actor == agency_admin_fl and release.detail["reason"].startswith("Called")
    assert AccessLog.objects.filter(action="lockout", actor=analyst_fl).count() == 1
