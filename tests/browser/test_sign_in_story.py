"""The whole sign-in story in a real Chromium (issue 12, CJIS IA-2, AC-7, AC-11, AU-2/AU-3).

One person, MBI's new analyst, from her first sign-in to her agency's identity provider:

1. She signs in with her password for the first time and enrols an authenticator app: the code
   is computed here from the secret the page shows, as the app computes it. She signs out.
2. Five wrong passwords lock the account; the right one is then refused with the same words.
3. MBI's agency admin (another browser) finds the account locked and releases it with a reason.
4. She signs in with her password and the app's code.
5. Left alone, the page warns "Still there?" and the idle lock ends the session.
6. Her agency moves to its identity provider: she signs in through the test IdP (tests/agencies/
   saml_idp.py), which asserts multi-factor, so no code is asked.

Every act is photographed to test-artifacts/, and the access log is read at the end: each event
of the story is there, with her identity (or the admin's) and its outcome.
"""

import re
from base64 import b32decode

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from agencies.forms import LOGIN_REFUSED
from agencies.models import FederatedIdentity, IdentityProvider
from audit.models import AccessLog
from tests.agencies.saml_idp import MFA_CONTEXT
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD

FEDERATION_ID = "NIEF:IDP:FLORIDA-IDP:USER:analyst.fl@mbi.example.gov"
RELEASE_REASON = "Called the desk from the MBI office; identity checked"
IDLE_SECONDS = 16  # the warning comes at half of it (tests/browser/test_idle_lock.py)


def try_password(page, username, password):
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label(re.compile("consent to monitoring")).check()
    page.get_by_role("button", name="Log in").click()


def rows(action, **filters):
    return list(AccessLog.objects.filter(action=action, **filters).order_by("at", "id"))


def test_one_analyst_through_the_whole_sign_in_story(
    portal, open_page, screenshot, settings, saml_idp_server, analyst_fl, agency_admin_fl, mbi
):
    analyst = analyst_fl
    assert not TOTPDevice.objects.filter(user=analyst).exists()  # new: no second factor yet

    # Act 1: the first sign-in enrols the authenticator app. --------------------------------
    page = open_page()
    log_in(page, analyst, second_factor=False)
    page.wait_for_url(re.compile(r"/mfa/enrol/"))
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    screenshot(page, "1-enrol")
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("6-digit code from the app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Your second factor is set up").wait_for()
    expect(page.locator(".recovery-codes code")).to_have_count(10)
    screenshot(page, "1-recovery-codes")
    page.get_by_role("link", name=re.compile("I have kept them")).click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    device = TOTPDevice.objects.get(user=analyst, confirmed=True)
    assert device.bin_key == key  # the later codes come from the very secret the page showed
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))

    # Act 2: five wrong passwords lock the account; the right one is refused the same way. --
    for _ in range(5):
        try_password(page, analyst.username, "not-my-password")
        expect(page.get_by_role("alert")).to_have_text(LOGIN_REFUSED)
    try_password(page, analyst.username, PASSWORD)
    expect(page.get_by_role("alert")).to_have_text(LOGIN_REFUSED)
    expect(page).to_have_url(re.compile(r"/login/$"))
    screenshot(page, "2-right-password-refused")
    analyst.refresh_from_db()
    assert analyst.locked_at is not None

    # Act 3: the agency admin releases the account, with a reason. -------------------------
    admin = open_page(agency_admin_fl)
    admin.goto(f"/manage/agencies/{mbi.pk}/users/{analyst.pk}/")
    expect(admin.get_by_text(re.compile("locked since"))).to_be_visible()
    admin.locator("#id_release_reason").fill(RELEASE_REASON)
    admin.get_by_role("button", name=f"Release {analyst.username}").click()
    expect(admin.get_by_role("status")).to_contain_text(f"{analyst.username} is released")
    screenshot(admin, "3-released")

    # Act 4: the password and the app's code sign her in. --------------------------------
    log_in(page, analyst)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    screenshot(page, "4-signed-in")

    # Act 5: left alone, the page warns, then the idle lock ends the session. -------------
    settings.SESSION_IDLE_SECONDS = IDLE_SECONDS
    page.goto("/cases/")  # the page now carries the short idle time
    warning = page.get_by_role("dialog", name="Still there?")
    expect(warning).to_be_visible(timeout=15_000)
    expect(warning).to_contain_text(re.compile(r"locked in [1-9]\d* seconds"))
    screenshot(page, "5-still-there")
    page.wait_for_url(re.compile(r"/login/\?next="), timeout=30_000)
    expect(page.get_by_text(f"locked after {IDLE_SECONDS} seconds without activity")).to_be_visible()
    screenshot(page, "5-idle-locked")

    # Act 6: her agency's identity provider signs her in to the same account. ------------
    idp = saml_idp_server(portal)
    idp.attributes = {
        "gfipm:2.0:user:FederationId": FEDERATION_ID,
        "gfipm:2.0:user:EmployerORI": mbi.ori,
        "gfipm:2.0:user:GivenName": analyst.first_name,
        "gfipm:2.0:user:SurName": analyst.last_name,
        "gfipm:2.0:user:EmailAddressText": analyst.email,
    }
    idp.authn_context = MFA_CONTEXT
    provider = IdentityProvider.objects.create(
        name="Florida Law Enforcement IdP", entity_id=idp.entity_id, metadata_xml=idp.metadata_xml,
        mfa_contexts=MFA_CONTEXT,
    )
    provider.trusted_agencies.add(mbi)
    FederatedIdentity.objects.create(user=analyst, identity_provider=provider,
                                     federation_id=FEDERATION_ID)
    page.goto("/login/")
    page.get_by_role("link", name="Sign in through Florida Law Enforcement IdP").click()
    page.wait_for_url(f"{portal}/")  # no code asked: the IdP asserted multi-factor
    expect(page.locator(".who-name")).to_have_text(analyst.get_full_name())
    screenshot(page, "6-federated")

    # The access log holds every event of the story, with who and how it ended. ----------
    mine = {"actor": analyst}
    logins = rows(AccessLog.Action.LOGIN, **mine)
    assert all(r.detail["outcome"] == "success" and r.object_id == analyst.pk for r in logins)
    by_step = {}
    for row in logins:
        by_step.setdefault(row.detail["step"], []).append(row)
    assert set(by_step) == {"password", "second factor", "identity provider"}
    passwords, second_factors = by_step["password"], by_step["second factor"]
    # The first sign-in and the one after the release: each its password, then its code.
    assert len(passwords) == 2
    assert [r.detail["method"] for r in second_factors] == ["totp", "totp"]
    [federated] = by_step["identity provider"]
    assert federated.detail["identity_provider"] == provider.name
    assert federated.detail["federation_id"] == FEDERATION_ID
    assert federated.detail["multi_factor"] is True
    assert federated.detail["account_created"] is False

    failed = rows(AccessLog.Action.LOGIN_FAILED, **mine)
    assert len(failed) == 6  # five wrong passwords, then the right one on a locked account
    assert all(r.detail == {"outcome": "failure", "username": analyst.username} for r in failed)
    [lockout] = rows(AccessLog.Action.LOCKOUT, **mine)
    assert lockout.detail["outcome"] == "locked" and lockout.detail["failures"] == 5
    assert failed[4].at <= lockout.at <= failed[5].at
    [release] = rows(AccessLog.Action.RELEASE)
    assert release.actor == agency_admin_fl and release.object_id == analyst.pk
    assert release.detail["reason"] == RELEASE_REASON
    [enrol] = rows(AccessLog.Action.MFA_ENROL, **mine)
    assert enrol.detail == {"outcome": "success", "factor": "totp", "recovery_codes": 10}
    logouts = rows(AccessLog.Action.LOGOUT, **mine)
    assert [r.detail["reason"] for r in logouts] == ["signed out", "idle"]
    assert all(r.detail["outcome"] == "success" for r in logouts)
    # In the order the story told it.
    story = [passwords[0], enrol, second_factors[0], logouts[0], *failed[:5], lockout,
             failed[5], release, passwords[1], second_factors[1], logouts[1], federated]
    assert [r.at for r in story] == sorted(r.at for r in story)
