"""The idle lock in a real browser: the warning counts down before the lock, "Stay signed in"
keeps the session, and without activity the page ends on the log-in page saying why."""

import re

from playwright.sync_api import expect

from audit.models import AccessLog


def test_the_idle_warning_keeps_the_session_and_the_lock_ends_it(
    portal, open_page, screenshot, analyst_fl, settings
):
    settings.SESSION_IDLE_SECONDS = 16  # the warning comes at half of it when that is shorter
    page = open_page(analyst_fl)
    page.goto("/cases/")
    warning = page.get_by_role("dialog", name="Still there?")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=15_000)
    expect(warning).to_contain_text(re.compile(r"locked in [1-9]\d* seconds"))
    screenshot(page, "idle-warning")
    with page.expect_response(re.compile(r"/session/keepalive/$")) as kept:
        warning.get_by_role("button", name="Stay signed in").click()
    assert kept.value.status == 204
    expect(warning).to_be_hidden()
    # The warning comes back, and left alone the page ends on the log-in page, saying why.
    page.wait_for_url(re.compile(r"/login/\?next="), timeout=30_000)
    expect(page.get_by_text("locked after 16 seconds without activity")).to_be_visible()
    screenshot(page, "locked")
    assert AccessLog.objects.filter(
        action=AccessLog.Action.LOGOUT, actor=analyst_fl, detail__reason="idle").exists()
