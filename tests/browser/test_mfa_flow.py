"""The second factor in a real Chromium (CJIS IA-2): the first sign-in enrols an authenticator app
from the QR code's secret, shows the recovery codes, and later sign-ins pass with the app's code,
with a recovery code, or with a security key (Chromium's virtual authenticator, over CDP)."""

import re
from base64 import b32decode

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import SecurityKey
from audit.models import AccessLog
from tests.conftest import next_code

from .conftest import log_in

CODE_LABEL = re.compile("Code from your authenticator app")


def log_out(page):
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))


def test_enrol_then_sign_in_with_the_app_and_with_a_recovery_code(portal, open_page, screenshot,
                                                                    analyst_fl):
    page = open_page()
    log_in(page, analyst_fl, second_factor=False)
    page.wait_for_url(re.compile(r"/mfa/enrol/"))
    assert page.locator("img.mfa-qr").evaluate("img => img.naturalWidth > 0")
    assert page.locator("nav.main-nav").count() == 0
    screenshot(page, "enrol")

    # The code computed from the secret on the page, as the authenticator app computes it.
    secret = page.locator("[data-secret]").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("6-digit code from the app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Your second factor is set up").wait_for()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    screenshot(page, "recovery-codes")
    page.get_by_role("link", name=re.compile("I have kept them")).click()
    page.get_by_role("link", name="Cases").first.wait_for()
    assert AccessLog.objects.filter(action="mfa_enrol", actor=analyst_fl).count() == 1

    log_out(page)
    log_in(page, analyst_fl)  # the password, then the app's code (computed from the device)
    page.get_by_role("link", name="Cases").first.wait_for()

    log_out(page)
    log_in(page, analyst_fl, second_factor=False)
    page.wait_for_url(re.compile(r"/mfa/verify/"))
    screenshot(page, "verify")
    page.get_by_label(CODE_LABEL).fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    page.get_by_text(re.compile("You used a recovery code; 9 left")).wait_for()
    assert AccessLog.objects.filter(action="mfa_recovery", actor=analyst_fl).count() == 1

    # A used recovery code is refused the next time.
    log_out(page)
    log_in(page, analyst_fl, second_factor=False)
    page.get_by_label(CODE_LABEL).fill(codes[0])
    page.allow_console_error(r"status of 400")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text(re.compile("That code does not work")).wait_for()
    screenshot(page, "refused")


def test_a_security_key_signs_in_instead_of_a_code(portal, open_page, screenshot, analyst_fl):
    assert portal.startswith("http://localhost:")  # WebAuthn refuses an IP address
    page = open_page(analyst_fl)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
    }})
    page.goto("/mfa/")
    page.get_by_label("Name of the new key").fill("Laptop passkey")
    page.get_by_role("button", name="Add a security key or passkey").click()
    page.get_by_text(re.compile("Security key “Laptop passkey” added")).wait_for()
    screenshot(page, "key-added")
    key = SecurityKey.objects.get(user=analyst_fl)
    assert key.name == "Laptop passkey" and key.public_key
    enrolled = AccessLog.objects.filter(action="mfa_enrol", actor=analyst_fl).get()
    assert enrolled.detail["factor"] == "security key"

    log_out(page)
    log_in(page, analyst_fl, second_factor=False)
    page.wait_for_url(re.compile(r"/mfa/verify/"))
    page.get_by_role("button", name="Use a security key or passkey").click()
    page.get_by_role("link", name="Cases").first.wait_for()
    assert page.url.rstrip("/") == portal
    key.refresh_from_db()
    assert key.last_used_at is not None
    passed = AccessLog.objects.filter(action="login", actor=analyst_fl).order_by("id").last()
    assert passed.detail == {"outcome": "success", "step": "second factor",
                             "method": "security key"}
    # The key did it, not a code: the app's device was not used at this sign-in.
    device = TOTPDevice.objects.get(user=analyst_fl)
    assert device.last_t >= 0 and next_code(device)

    # Removed, it no longer signs in; the authenticator app stays.
    page.goto("/mfa/")
    page.get_by_role("button", name="Remove Laptop passkey").click()
    page.get_by_text(re.compile("The security key is removed")).wait_for()
    assert not SecurityKey.objects.filter(user=analyst_fl).exists()
    assert AccessLog.objects.filter(action="mfa_remove", actor=analyst_fl).count() == 1
