"""Multi-factor sign-in (CJIS IA-2, agencies/mfa.py): enrolment on first sign-in, codes that work
once within one step either side, recovery codes that work once and are stored only as digests,
refused codes that lock the account, a session that reaches nothing before its second factor,
API keys untouched, and the security events in the center's access log and its CSV."""

import csv
import io
import re
import time

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from agencies import mfa, services
from agencies.api_keys import api_key_create
from agencies.models import RecoveryCode, SecurityKey, User
from audit.models import AccessLog
from tests.base import HttpsClient
from tests.conftest import PASSWORD, authenticator_of, code_at, log_in_fully, next_code
from tests.test_canary import walk

from .admin_actors import *  # noqa: F403 (the fixtures)


def password_step(client, user, password=PASSWORD):
    response = client.post(reverse("login"), {"username": user.username, "password": password,
                                              "acknowledge": "on"})
    assert response.status_code == 302
    return response


def type_code(client, code):
    return client.post(reverse("mfa-verify"), {"code": code})


def enrol(client, user):
    """Sign in for the first time: the password, then the enrolment with the code computed from
    the secret the page shows. The 10 recovery codes shown."""
    password_step(client, user)
    response = client.get(reverse("mfa-enrol"))
    secret = re.search(r'data-secret>([A-Z2-7 ]+)<', response.content.decode()).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert secret.replace(" ", "") == mfa.totp_secret(device).replace(" ", "")
    response = client.post(reverse("mfa-enrol"), {"code": next_code(device)})
    assert response.status_code == 200
    return re.findall(r"<code>([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})</code>",
                      response.content.decode())


def rows_of(action):
    return list(AccessLog.objects.filter(action=action).order_by("id"))


# Enrolment ---------------------------------------------------------------------------------------


def test_the_first_sign_in_enrols_an_authenticator_with_a_qr_code_drawn_here(client, analyst_fl):
    response = password_step(client, analyst_fl)
    assert response["Location"].startswith(reverse("mfa-verify"))
    response = client.get(response["Location"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa-enrol"))
    page = client.get(response["Location"])
    body = page.content.decode()
    # The QR code is an SVG drawn by the portal, inline (no image from any other server).
    assert 'src="data:image/svg+xml' in body and "http" not in re.search(
        r'class="mfa-qr" src="([^"]+)"', body).group(1)[:40]
    assert 'data-secret>' in body
    assert client.get(reverse("home")).status_code == 302  # nothing else before enrolment
    device = TOTPDevice.objects.get(user=analyst_fl)
    assert not device.confirmed and "issuer=FusionPortal" in device.config_url


def test_enrolment_confirms_with_a_code_and_shows_ten_recovery_codes_once(client, analyst_fl):
    codes = enrol(client, analyst_fl)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert TOTPDevice.objects.get(user=analyst_fl).confirmed
    assert client.get(reverse("home")).status_code == 200
    [row] = rows_of(AccessLog.Action.MFA_ENROL)
    assert row.actor == analyst_fl and row.ip_address == "127.0.0.1"
    assert row.detail == {"outcome": "success", "factor": "totp", "recovery_codes": 10}
    # Never shown again: the factors page counts them, it does not list them.
    page = client.get(reverse("mfa-factors")).content.decode()
    assert "10 unused" in page and not any(code in page for code in codes)


def test_a_wrong_code_at_enrolment_confirms_nothing(client, analyst_fl):
    password_step(client, analyst_fl)
    client.get(reverse("mfa-enrol"))
    response = client.post(reverse("mfa-enrol"), {"code": "000000"})
    assert response.status_code == 400 and "does not match" in response.content.decode()
    assert not TOTPDevice.objects.get(user=analyst_fl).confirmed
    assert client.get(reverse("home")).status_code == 302
    assert not rows_of(AccessLog.Action.MFA_ENROL)


def test_the_enrolment_page_shows_the_same_secret_on_a_reload(client, analyst_fl):
    password_step(client, analyst_fl)
    first = client.get(reverse("mfa-enrol")).content
    again = client.get(reverse("mfa-enrol")).content
    secret = re.compile(rb"data-secret>([A-Z2-7 ]+)<")
    assert secret.search(first).group(1) == secret.search(again).group(1)
    assert TOTPDevice.objects.filter(user=analyst_fl).count() == 1


# Codes at sign-in ---------------------------------------------------------------------------------


def test_an_enrolled_person_types_the_current_code(client, analyst_fl):
    device = authenticator_of(analyst_fl)
    response = password_step(client, analyst_fl)
    assert client.get(reverse("home")).status_code == 302
    response = client.post(response["Location"], {"code": next_code(device)})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("home")).status_code == 200
    assert client.session[mfa.SECOND_FACTOR] == "totp"


def test_a_wrong_code_is_refused_as_a_refused_log_on(client, analyst_fl):
    authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    response = type_code(client, "123456")
    assert response.status_code == 400 and "does not work" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302
    [row] = rows_of(AccessLog.Action.LOGIN_FAILED)
    assert row.actor == analyst_fl and row.ip_address == "127.0.0.1"
    assert row.detail == {"outcome": "failure", "username": "analyst_fl",
                          "step": "second factor", "factor": "totp"}
    assert "123456" not in str(row.detail)


def test_a_code_works_once(client, analyst_fl):
    device = authenticator_of(analyst_fl)
    code = next_code(device)
    password_step(client, analyst_fl)
    assert type_code(client, code).status_code == 302
    client.post(reverse("logout"))
    other = HttpsClient()
    password_step(other, analyst_fl)
    assert type_code(other, code).status_code == 400
    assert other.get(reverse("home")).status_code == 302


def _steady_step():
    """The current time step, with at least 5 s of it left (so the test does not straddle two)."""
    left = 30 - time.time() % 30
    if left < 5:
        time.sleep(left + 0.1)
    return int(time.time()) // 30


def test_one_step_either_side_passes_and_two_do_not(analyst_fl):
    device = authenticator_of(analyst_fl)
    now = _steady_step()
    assert not mfa._verify_totp(device, code_at(device, now - 2))
    assert not mfa._verify_totp(device, code_at(device, now + 2))
    assert mfa._verify_totp(device, code_at(device, now - 1))
    assert not mfa._verify_totp(device, code_at(device, now - 1))  # used
    assert mfa._verify_totp(device, code_at(device, now + 1))
    # A code before the last one used is refused too, even inside the window.
    assert not mfa._verify_totp(device, code_at(device, now))
    assert not mfa._verify_totp(device, "12345") and not mfa._verify_totp(device, "abcdef")


def test_five_refused_codes_lock_the_account(client, analyst_fl):
    device = authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    for _ in range(4):
        assert type_code(client, "000000").status_code == 400
    response = type_code(client, "000000")
    assert response.status_code == 302 and response["Location"] == reverse("login")
    analyst_fl.refresh_from_db()
    assert analyst_fl.locked_at is not None
    [lock] = rows_of(AccessLog.Action.LOCKOUT)
    assert lock.actor == analyst_fl and lock.detail["failures"] == 5
    # The session ended; the right password and code no longer get in.
    assert client.get(reverse("home")).status_code == 302
    response = client.post(reverse("login"), {"username": "analyst_fl", "password": PASSWORD,
                                              "acknowledge": "on"})
    assert response.status_code == 200 and "locked" in response.content.decode()
    assert rows_of(AccessLog.Action.LOGOUT)[-1].detail["reason"] == "locked"
    assert device.pk  # the device stays: a release lets the person in with it again


def test_refused_passwords_and_refused_codes_count_together(client, analyst_fl):
    authenticator_of(analyst_fl)
    for _ in range(3):
        client.post(reverse("login"), {"username": "analyst_fl", "password": "wrong-one-here",
                                       "acknowledge": "on"})
    password_step(client, analyst_fl)
    type_code(client, "000000")
    assert type_code(client, "000000").status_code == 302
    analyst_fl.refresh_from_db()
    assert analyst_fl.locked_at is not None


def test_a_locked_account_is_refused_even_the_right_code(client, analyst_fl):
    device = authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    User.objects.filter(pk=analyst_fl.pk).update(locked_at=device.created_at)
    response = type_code(client, next_code(device))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


# Recovery codes -----------------------------------------------------------------------------------


def test_a_recovery_code_works_once(client, analyst_fl):
    codes = enrol(client, analyst_fl)
    client.post(reverse("logout"))
    password_step(client, analyst_fl)
    response = type_code(client, codes[3].upper().replace("-", " "))  # as typed off paper
    assert response.status_code == 302
    assert client.session[mfa.SECOND_FACTOR] == "recovery"
    [row] = rows_of(AccessLog.Action.MFA_RECOVERY)
    assert row.actor == analyst_fl and row.ip_address == "127.0.0.1"
    assert row.detail == {"outcome": "success", "factor": "recovery code",
                          "recovery_codes_left": 9}
    assert codes[3] not in str(row.detail)
    client.post(reverse("logout"))
    password_step(client, analyst_fl)
    assert type_code(client, codes[3]).status_code == 400
    assert rows_of(AccessLog.Action.LOGIN_FAILED)[-1].detail["factor"] == "recovery code"
    assert type_code(client, codes[4]).status_code == 302


def test_recovery_codes_are_stored_only_as_keyed_digests(client, analyst_fl):
    codes = enrol(client, analyst_fl)
    stored = list(RecoveryCode.objects.values_list("digest", flat=True))
    assert len(stored) == 10
    assert sorted(stored) == sorted(mfa.recovery_code_digest(code) for code in codes)
    everything = " ".join(str(row) for model in (RecoveryCode, AccessLog)
                          for row in model.objects.values_list())
    for code in codes:
        assert code not in everything and code.replace("-", "") not in everything


def test_new_recovery_codes_replace_the_old_ones(client, analyst_fl):
    old = enrol(client, analyst_fl)
    response = client.post(reverse("mfa-recovery-codes"))
    new = re.findall(r"<code>([a-z2-9-]{14})</code>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    rows = rows_of(AccessLog.Action.MFA_ENROL)
    assert rows[-1].detail["factor"] == "recovery codes"
    client.post(reverse("logout"))
    password_step(client, analyst_fl)
    assert type_code(client, old[0]).status_code == 400
    assert type_code(client, new[0]).status_code == 302


# The enforcement ----------------------------------------------------------------------------------


def test_before_the_second_factor_no_page_of_the_site_is_reached(client, analyst_fl, cfix, mbi):
    """Every URL pattern of the site (the resolver walked as the canary walks it, ids filled with
    the actors' own), with a session that passed the password only."""
    authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    ids = {"center_id": cfix.pk, "agency_id": mbi.pk, "user_id": analyst_fl.pk}
    reached = []
    checked = 0
    for route, name, params, _pattern in walk():
        if name in mfa.OPEN_BEFORE_SECOND_FACTOR:
            continue
        kwargs = {}
        for param in params:
            kwargs[param] = ids.get(param, 1)
        try:
            url = reverse(name, kwargs=kwargs) if name else None
        except Exception:  # a word parameter: the converter's first word
            url = None
        if url is None:
            url = "/" + re.sub(r"<[^>]+>", "1", route).replace("^", "").replace("$", "")
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            checked += 1
            ok = response.status_code == 302 and response["Location"].startswith(
                reverse("mfa-verify"))
            if url.startswith("/api/") and not ok:  # JSON: refused, never answered
                ok = response.status_code == 403 and "second factor" in response.json()["detail"]
            if not ok and response.status_code != 404:
                reached.append(f"{method.upper()} {url} ({name}): {response.status_code}")
    assert checked > 150
    assert not reached, "\n".join(reached)


@pytest.mark.parametrize("url", ["/", "/cases/", "/admin/", "/admin/agencies/user/",
                                 "/api/v1/cases/", "/api/docs/", "/api/schema/",
                                 "/notifications/", "/mfa/"])
def test_representative_pages_send_an_unverified_session_to_the_second_factor(
        client, analyst_fl, url):
    User.objects.filter(pk=analyst_fl.pk).update(is_staff=True, is_superuser=True)
    authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    response = client.get(url)
    if url.startswith(("/api/v1/", "/api/schema/")):
        assert response.status_code == 403 and "second factor" in response.json()["detail"]
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa-verify"))


def test_htmx_is_told_to_load_the_second_factor_page(client, analyst_fl):
    authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    response = client.get(reverse("case-list"), HTTP_HX_REQUEST="true",
                          HTTP_HX_CURRENT_URL="https://testserver/cases/")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("mfa-verify"))


def test_the_second_factor_page_shows_no_navigation(client, analyst_fl):
    authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    page = client.get(reverse("mfa-verify")).content.decode()
    assert 'class="main-nav"' not in page and "Log out" in page
    assert f'href="{reverse("case-list")}"' not in page


def test_the_identity_providers_multi_factor_counts(client, analyst_fl):
    password_step(client, analyst_fl)
    session = client.session
    session[mfa.SECOND_FACTOR] = "idp"
    session.save()
    assert client.get(reverse("home")).status_code == 200


def test_a_made_up_marker_does_not_count(client, analyst_fl):
    password_step(client, analyst_fl)
    session = client.session
    session[mfa.SECOND_FACTOR] = "totp"  # the method without django-otp's device marker
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_api_keys_are_not_affected(analyst_fl, agency_admin_fl):
    created = api_key_create(by=agency_admin_fl, name="MBI RMS")
    partner = APIClient()
    partner.credentials(HTTP_AUTHORIZATION=f"Bearer {created.plaintext}")
    assert partner.get("/api/v1/cases/", secure=True).status_code == 200


def test_next_leads_back_after_the_code_and_never_elsewhere(client, analyst_fl):
    device = authenticator_of(analyst_fl)
    response = client.post(reverse("login") + "?next=/cases/", {
        "username": "analyst_fl", "password": PASSWORD, "acknowledge": "on"})
    assert response["Location"] == reverse("mfa-verify") + "?next=%2Fcases%2F"
    response = client.post(response["Location"], {"code": next_code(device)})
    assert response["Location"] == "/cases/"
    client.post(reverse("logout"))
    password_step(client, analyst_fl)
    response = client.post(reverse("mfa-verify") + "?next=https://evil.example/",
                           {"code": next_code(device)})
    assert response["Location"] == "/"


def test_log_in_fully_reaches_the_pages(client, analyst_fl):
    response = log_in_fully(client, analyst_fl)
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


# The access log -----------------------------------------------------------------------------------


def test_mfa_events_are_in_the_centers_access_log_and_its_csv(client, analyst_fl, admin_cfix,
                                                              agency_admin_fl, cfix):
    codes = enrol(client, analyst_fl)
    client.post(reverse("logout"))
    password_step(client, analyst_fl)
    type_code(client, codes[0])
    services.user_mfa_reset(user=analyst_fl, by=agency_admin_fl, reason="Phone lost")
    admin = HttpsClient()
    admin.force_login(admin_cfix)
    url = reverse("center-access-log", args=[cfix.pk])
    for action, label in (("mfa_enrol", "Second factor enrolled"),
                          ("mfa_recovery", "Recovery code used"),
                          ("mfa_reset", "Second factors reset")):
        response = admin.get(url, {"action": action})
        assert response.status_code == 200
        assert {row.actor.username for row in response.context["rows"]} >= {
            "admin_mbi" if action == "mfa_reset" else "analyst_fl"}, action
        assert label in response.content.decode()
    export = admin.get(reverse("center-access-log-csv", args=[cfix.pk]))
    text = b"".join(export.streaming_content).decode()
    actions = {row["action"] for row in csv.DictReader(io.StringIO(text))}
    assert {"mfa_enrol", "mfa_recovery", "mfa_reset"} <= actions
    for code in codes:
        assert code not in text


def login_steps(user):
    return [(row.detail["step"], row.detail.get("method"))
            for row in AccessLog.objects.filter(action=AccessLog.Action.LOGIN, actor=user)
            .order_by("id")]


def test_each_step_of_a_log_on_writes_its_login_row(client, analyst_fl):
    codes = enrol(client, analyst_fl)
    assert login_steps(analyst_fl) == [("password", None), ("second factor", "totp")]
    client.post(reverse("logout"))
    password_step(client, analyst_fl)
    assert login_steps(analyst_fl)[-1] == ("password", None)  # nothing more before the code
    type_code(client, next_code(TOTPDevice.objects.get(user=analyst_fl)))
    client.post(reverse("logout"))
    password_step(client, analyst_fl)
    type_code(client, codes[0])
    assert login_steps(analyst_fl) == [
        ("password", None), ("second factor", "totp"),
        ("password", None), ("second factor", "totp"),
        ("password", None), ("second factor", "recovery code"),
    ]
    passed = AccessLog.objects.filter(action=AccessLog.Action.LOGIN, actor=analyst_fl,
                                      detail__step="second factor").order_by("id").last()
    assert passed.detail == {"outcome": "success", "step": "second factor",
                             "method": "recovery code"}
    assert passed.ip_address == "127.0.0.1" and passed.object_id == analyst_fl.pk
    assert codes[0] not in str(passed.detail)


def test_a_refused_code_writes_no_passed_second_factor(client, analyst_fl):
    authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    type_code(client, "123456")
    assert login_steps(analyst_fl) == [("password", None)]


def test_the_center_access_log_and_csv_tell_the_two_steps_apart(client, analyst_fl, admin_cfix,
                                                                cfix):
    authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    type_code(client, "123456")
    type_code(client, next_code(authenticator_of(analyst_fl)))
    admin = HttpsClient()
    admin.force_login(admin_cfix)
    page = admin.get(reverse("center-access-log", args=[cfix.pk]), {"action": "login"})
    text = page.content.decode()
    assert "success at the password step" in text
    assert "success at the second factor step (totp)" in text
    refused = admin.get(reverse("center-access-log", args=[cfix.pk]), {"action": "login_failed"})
    assert "failure at the second factor step (totp)" in refused.content.decode()
    export = admin.get(reverse("center-access-log-csv", args=[cfix.pk]), {"action": "login"})
    lines = [line for line in csv.DictReader(io.StringIO(
        b"".join(export.streaming_content).decode())) if line["user"] == "analyst_fl"]
    details = sorted(line["detail"] for line in lines)
    assert any('"step":"password"' in d for d in details), details
    assert any('"step":"second factor"' in d and '"method":"totp"' in d for d in details), details


# Who reaches the pages ----------------------------------------------------------------------------

MFA_URLS = [("mfa-factors", "get", []), ("mfa-verify", "get", []), ("mfa-enrol", "get", []),
            ("mfa-recovery-codes", "post", []), ("mfa-key-remove", "post", [1]),
            ("mfa-key-register-options", "post", []), ("mfa-key-register", "post", []),
            ("mfa-key-auth-options", "post", []), ("mfa-key-auth", "post", [])]


@pytest.mark.parametrize("name, method, args", MFA_URLS, ids=[u[0] for u in MFA_URLS])
def test_anonymous_is_sent_to_log_in(client, name, method, args):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_nobody_removes_another_persons_security_key(client, analyst_fl, analyst_la):
    key = SecurityKey.objects.create(user=analyst_fl, name="YubiKey", credential_id="k1",
                                     public_key=b"\x01")
    client.force_login(analyst_la)
    missing = client.post(reverse("mfa-key-remove", args=[key.pk + 1000]))
    response = client.post(reverse("mfa-key-remove", args=[key.pk]))
    assert response.status_code == missing.status_code == 404
    assert response.content == missing.content
    assert SecurityKey.objects.filter(pk=key.pk).exists()
    assert not rows_of(AccessLog.Action.MFA_REMOVE)


def test_security_keys_are_refused_on_an_ip_address(client, analyst_fl, settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    client.force_login(analyst_fl)
    response = client.post(reverse("mfa-key-register-options"), HTTP_HOST="127.0.0.1")
    assert response.status_code == 400 and "not an IP address" in response.json()["error"]
    response = client.post(reverse("mfa-key-register-options"), HTTP_HOST="localhost")
    assert response.status_code == 200 and response.json()["rp"]["id"] == "localhost"


def test_a_made_up_key_answer_is_a_refused_log_on(client, analyst_fl, settings):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    SecurityKey.objects.create(user=analyst_fl, name="YubiKey", credential_id="k1",
                               public_key=b"\x01")
    authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    client.post(reverse("mfa-key-auth-options"), HTTP_HOST="localhost")
    response = client.post(reverse("mfa-key-auth"), {"credential": {"id": "k1", "response": {}}},
                           content_type="application/json", HTTP_HOST="localhost")
    assert response.status_code == 400
    assert client.get(reverse("home"), HTTP_HOST="localhost").status_code == 302
    assert rows_of(AccessLog.Action.LOGIN_FAILED)[-1].detail["factor"] == "security key"


def test_a_person_with_only_a_security_key_cannot_enrol_an_app_on_the_password_alone(
        client, analyst_fl):
    """Enrolment is open before the second factor, for the person who has none yet. Someone
    whose only factor is a security key must present it first: otherwise the password alone
    would set up a new authenticator app and pass around the key."""
    SecurityKey.objects.create(user=analyst_fl, name="YubiKey", credential_id="k-only",
                               public_key=b"\x01")
    password_step(client, analyst_fl)
    for response in (client.get(reverse("mfa-enrol")),
                     client.post(reverse("mfa-enrol"), {"code": "123456"})):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa-verify"))
    assert not TOTPDevice.objects.filter(user=analyst_fl).exists()
    assert client.get(reverse("case-list")).status_code == 302


def test_the_pages_that_show_a_secret_are_kept_by_no_cache(client, analyst_fl):
    password_step(client, analyst_fl)
    response = client.get(reverse("mfa-enrol"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


GARBLED_KEY_ANSWERS = [
    b"\xff\xfe not UTF-8",
    b"[1, 2]",
    b'"just a string"',
    b'{"credential": {"id": "k1", "rawId": "%%%", "type": "public-key", "response": '
    b'{"clientDataJSON": "%%%", "authenticatorData": 7, "signature": null}}}',
    b'{"credential": {"id": "k1", "rawId": "azE", "type": "public-key", "response": '
    b'{"clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA"}}, '
    b'"next": ["/cases/"]}',
]


@pytest.mark.parametrize("body", GARBLED_KEY_ANSWERS)
def test_a_garbled_key_answer_is_a_clear_400_never_a_500(client, analyst_fl, settings, body):
    settings.ALLOWED_HOSTS = ["testserver", "localhost"]
    SecurityKey.objects.create(user=analyst_fl, name="YubiKey", credential_id="k1",
                               public_key=b"\x01")
    authenticator_of(analyst_fl)
    password_step(client, analyst_fl)
    client.post(reverse("mfa-key-auth-options"), HTTP_HOST="localhost")
    response = client.post(reverse("mfa-key-auth"), body, content_type="application/json",
                           HTTP_HOST="localhost")
    assert response.status_code == 400
    assert client.get(reverse("home"), HTTP_HOST="localhost").status_code == 302
    # The same answers where a key is being added, by a person signed in fully.
    signed_in = HttpsClient()
    log_in_fully(signed_in, analyst_fl, HTTP_HOST="localhost")
    assert signed_in.get(reverse("home"), HTTP_HOST="localhost").status_code == 200
    signed_in.post(reverse("mfa-key-register-options"), HTTP_HOST="localhost")
    response = signed_in.post(reverse("mfa-key-register"), body, content_type="application/json",
                              HTTP_HOST="localhost")
    assert response.status_code == 400
    assert SecurityKey.objects.filter(user=analyst_fl).count() == 1
