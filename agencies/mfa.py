"""Multi-factor sign-in (CJIS IA-2): after the password, every person passes a second factor, an
authenticator app's code (TOTP, RFC 6238: 6 digits, 30 s, each code works once), a security key
or passkey (WebAuthn), or one of ten single-use recovery codes. There is no way around it: no
setting turns it off, and until it passes the session reaches nothing but the pages of this step
(SecondFactorMiddleware). API keys are not sessions and are not affected.

The session marker (read by second_factor_verified, the one place that decides):
- `session["fp_second_factor"]` is "totp", "recovery" or "webauthn" once one of this portal's
  devices verified the session, with django-otp's own device marker beside it
  (django_otp.login); or "idp" when the agency's identity provider asserted multi-factor in a
  federated sign-in (which sets it).
- An admin's reset (services.user_mfa_reset) stamps the account: every session signed in before
  the stamp ends at its next request.

Security events (the access log): a passed second factor (`login`, step "second factor", after
the password's `login` row, step "password"), enrolment of a factor (`mfa_enrol`), a recovery code used
(`mfa_recovery`), a factor removed (`mfa_remove`), the admin reset (`mfa_reset`); a refused code
is a refused log-on (`login_failed`), and the lockout counts it (agencies.signins).
"""

import ipaddress
import json
import secrets
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from audit.models import AccessLog
from audit.services import log_access

from .forms import LOGIN_REFUSED
from .models import RecoveryCode, RecoveryCodes, SecurityKey, User
from .sessions import SIGNED_IN_AT, sign_out
from .signins import second_factor_passed, second_factor_refused

SECOND_FACTOR = "fp_second_factor"
# Set by this module when one of the portal's devices verified the session.
OWN_METHODS = ("totp", "recovery", "webauthn")
# How the access log names each (as a refused code's row names its factor).
LOGGED_METHOD = {"totp": "totp", "recovery": "recovery code", "webauthn": "security key"}
# Set by the federated sign-in when the identity provider asserted multi-factor.
IDP = "idp"

RECOVERY_CODE_COUNT = 10
# 12 characters of an alphabet without look-alikes (no 0/o, 1/l/i): about 59 bits each.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 12

# What a session may reach before its second factor passed (url names).
OPEN_BEFORE_SECOND_FACTOR = frozenset({
    "login", "logout", "favicon", "session-keepalive",
    "mfa-verify", "mfa-enrol", "mfa-key-auth-options", "mfa-key-auth",
})

# Pages under /api/ that a person reads in the browser (the rest answer JSON).
API_PAGES = frozenset({"api-docs"})


# The marker -----------------------------------------------------------------------------------


def second_factor_verified(request):
    """True when this session passed a second factor: one of the portal's devices (django-otp's
    marker and the method), or the identity provider's multi-factor ("idp")."""
    session = getattr(request, "session", None)
    if session is None:
        return False
    method = session.get(SECOND_FACTOR)
    if method == IDP:
        return True
    return method in OWN_METHODS and DEVICE_ID_SESSION_KEY in session


def mark_verified_by_identity_provider(request):
    """The identity provider asserted a multi-factor sign-in (one of its accepted authentication
    contexts, agencies.federation): the portal asks no second factor of its own."""
    request.session[SECOND_FACTOR] = IDP


def mark_verified(request, device, method):
    """The session passed `method` with `device`: a new session key (the privilege changed),
    django-otp's device marker, and the method; the access log's `login` row of the second
    factor (agencies.signins.second_factor_passed)."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[SECOND_FACTOR] = method
    second_factor_passed(user=request.user, request=request, method=LOGGED_METHOD[method])


@receiver(user_logged_in, dispatch_uid="agencies.mfa.logged_in")
def mark_device_of_login(sender, request, user, **kwargs):
    """A log-in that carries a device django-otp verified (its OTP-aware forms set
    `user.otp_device`) is verified by that device: its marker and the method."""
    device = getattr(user, "otp_device", None)
    if request is None or not hasattr(request, "session") or device is None:
        return
    if device.user_id == user.pk and device.confirmed:
        # django-otp's own hook does the same when the request already has a user.
        request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        request.session[SECOND_FACTOR] = method_of(device)


def method_of(device):
    if isinstance(device, RecoveryCodes):
        return "recovery"
    if isinstance(device, SecurityKey):
        return "webauthn"
    return "totp"


def ended_by_reset(request):
    """True when an admin reset the account's second factors after this session signed in."""
    reset_at = request.user.mfa_reset_at
    if reset_at is None:
        return False
    signed_in_at = request.session.get(SIGNED_IN_AT)
    return signed_in_at is None or signed_in_at < reset_at.timestamp()


# Enforcement ----------------------------------------------------------------------------------


def verify_url(next_url=None, step="mfa-verify"):
    """The second-factor page (or `step`, the enrolment), coming back to `next_url`."""
    url = reverse(step)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


class SecondFactorMiddleware:
    """After SessionLimitsMiddleware: a signed-in session that has not passed its second factor
    reaches only OPEN_BEFORE_SECOND_FACTOR; every other request is sent to the second-factor
    page (a page), refused with 403 (the API) or told to load that page (htmx). A session that
    an admin's reset ended is signed out. Requests without a session user (API keys, visitors)
    pass untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return None
        if ended_by_reset(request):
            return sign_out(request, "mfa reset")
        if second_factor_verified(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        return self.refuse(request)

    def refuse(self, request):
        match = request.resolver_match
        if request.path.startswith("/api/") and not (match and match.view_name in API_PAGES):
            return JsonResponse(
                {"detail": "Finish signing in: this session has not passed its second factor."},
                status=403)
        htmx = getattr(request, "htmx", False)
        back = htmx.current_url_abs_path if htmx else (
            request.get_full_path() if request.method == "GET" else None)
        url = verify_url(back)
        if htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = url
            return response
        return redirect(url)


def end_locked(request):
    """The refused code locked the account (or it was locked already): the session ends, and
    the log-in page says what it says of any refused log-on."""
    request.session_end_reason = "locked"
    logout(request)
    messages.error(request, LOGIN_REFUSED)
    return redirect("login")


# The authenticator app (TOTP) ----------------------------------------------------------------


def totp_device(user, *, confirmed=True):
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("id").first()


def has_second_factor(user):
    return (TOTPDevice.objects.filter(user=user, confirmed=True).exists()
            or SecurityKey.objects.filter(user=user).exists())


def enrolment_device(user):
    """The unconfirmed authenticator device the enrolment page shows (made on first visit, the
    same one on a reload, so the QR code scanned stays valid)."""
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


def totp_secret(device):
    """The secret as the authenticator app takes it typed in: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_code_data_uri(text):
    """The QR code of `text`, drawn here (segno) as an SVG data URI: no outside service sees the
    secret it holds."""
    return segno.make(text, error="m").svg_data_uri(scale=5, border=2, dark="#111")


def _verify_totp(device, code):
    code = (code or "").strip().replace(" ", "")
    if not (len(code) == device.digits and code.isdigit()):
        return False
    with transaction.atomic():
        # Locked for the check: two requests with one code cannot both pass (last_t).
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        verified = locked.verify_token(code)
    device.refresh_from_db()
    return verified


@transaction.atomic
def totp_enrol(*, request, device, code):
    """Confirm the authenticator app with a code it shows, verify the session by it, and make the
    first recovery codes (returned, in clear, to be shown once). Writes `mfa_enrol`. Returns
    None when the code is not right (nothing changes)."""
    user = request.user
    if device.user_id != user.pk or device.confirmed or not _verify_totp(device, code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = _new_recovery_codes(user)
    log_access(action=AccessLog.Action.MFA_ENROL, actor=user, obj=user,
               detail={"outcome": "success", "factor": "totp",
                       "recovery_codes": RECOVERY_CODE_COUNT})
    mark_verified(request, device, "totp")
    return codes


# Recovery codes -------------------------------------------------------------------------------


def recovery_code_digest(code):
    """A keyed digest (HMAC-SHA256 under the server's API_KEY_HMAC_SECRET, not in the database):
    neither a copy of the database nor of a log holds a usable code."""
    return salted_hmac("fusionportal.recovery-code", normalise_recovery_code(code),
                       secret=settings.API_KEY_HMAC_SECRET, algorithm="sha256").hexdigest()


def normalise_recovery_code(code):
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _new_recovery_codes(user):
    RecoveryCodes.objects.filter(user=user).delete()
    device = RecoveryCodes.objects.create(user=user, name="Recovery codes")
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
             for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, digest=recovery_code_digest(code)) for code in codes)
    return [f"{c[:4]}-{c[4:8]}-{c[8:]}" for c in codes]


@transaction.atomic
def recovery_codes_regenerate(*, user):
    """Ten new recovery codes (returned in clear, to show once); the old ones stop working.
    Writes `mfa_enrol`."""
    codes = _new_recovery_codes(user)
    log_access(action=AccessLog.Action.MFA_ENROL, actor=user, obj=user,
               detail={"outcome": "success", "factor": "recovery codes",
                       "recovery_codes": RECOVERY_CODE_COUNT})
    return codes


def recovery_codes_left(user):
    return RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count()


def _use_recovery_code(user, code):
    """The device whose code this is, with the code now used; None if no unused code matches."""
    if len(normalise_recovery_code(code)) != RECOVERY_CODE_LENGTH:
        return None
    digest = recovery_code_digest(code)
    # One update: two requests with the same code cannot both use it.
    used = RecoveryCode.objects.filter(
        device__user=user, digest=digest, used_at__isnull=True,
    ).update(used_at=timezone.now())
    if not used:
        return None
    device = RecoveryCodes.objects.get(user=user, codes__digest=digest)
    device.set_last_used_timestamp(commit=True)
    return device


# Verifying a session with a code --------------------------------------------------------------


def second_factor_verify(*, request, code):
    """Check a code typed at the second-factor step: an authenticator code, else a recovery
    code. Passed: the session is verified and the method returned ("totp" or "recovery"; a
    recovery code writes `mfa_recovery`). Refused: a refused log-on is written (the lockout
    counts it) and None returned; request.account_locked says whether the account is now
    locked."""
    user = request.user
    request.account_locked = False
    if User.objects.filter(pk=user.pk, locked_at__isnull=False).exists():
        request.account_locked = True
        return None
    device = totp_device(user)
    if device is not None and _verify_totp(device, code):
        mark_verified(request, device, "totp")
        return "totp"
    with transaction.atomic():
        recovery = _use_recovery_code(user, code)
        if recovery is not None:
            log_access(action=AccessLog.Action.MFA_RECOVERY, actor=user, obj=user,
                       detail={"outcome": "success", "factor": "recovery code",
                               "recovery_codes_left": recovery_codes_left(user)})
    if recovery is not None:
        mark_verified(request, recovery, "recovery")
        return "recovery"
    factor = "recovery code" if len(normalise_recovery_code(code)) > 8 else "totp"
    request.account_locked = second_factor_refused(user=user, request=request, factor=factor)
    return None


# Security keys and passkeys (WebAuthn) --------------------------------------------------------


def security_keys(user):
    return list(SecurityKey.objects.filter(user=user).order_by("created_at", "id"))


REGISTER_CHALLENGE = "fp_webauthn_register"
AUTH_CHALLENGE = "fp_webauthn_auth"
KEY_NAME_MAX = 64


class SecurityKeysUnavailable(Exception):
    """This address cannot carry WebAuthn (an IP address, or outside WEBAUTHN_RP_ID)."""


def relying_party(request):
    """(rp id, origin) for a ceremony on this request. The id is WEBAUTHN_RP_ID, else the host the
    browser asked for; WebAuthn accepts neither an IP address nor a host outside the id."""
    host, _ = split_domain_port(request.get_host())
    rp_id = settings.WEBAUTHN_RP_ID or host
    try:
        ipaddress.ip_address(rp_id.strip("[]"))
    except ValueError:
        pass
    else:
        raise SecurityKeysUnavailable(
            "Security keys need the portal's domain name, not an IP address.")
    if host != rp_id and not host.endswith("." + rp_id):
        raise SecurityKeysUnavailable(f"Security keys are bound to {rp_id}; open the portal there.")
    return rp_id, f"{request.scheme}://{request.get_host()}"


def _descriptors(user):
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(key.credential_id))
            for key in SecurityKey.objects.filter(user=user)]


def security_key_register_options(request):
    """The options for navigator.credentials.create(), as JSON; the challenge stays in the
    session for security_key_register."""
    rp_id, _ = relying_party(request)
    user = request.user
    options = generate_registration_options(
        rp_id=rp_id, rp_name=settings.OTP_TOTP_ISSUER, user_name=user.username,
        user_id=f"fusionportal-user-{user.pk}".encode(),
        user_display_name=user.get_full_name() or user.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    request.session[REGISTER_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


@transaction.atomic
def security_key_register(*, request, credential, name):
    """Verify the browser's answer to the registration challenge and keep the key. Writes
    `mfa_enrol`. Raises WebAuthnException (or SecurityKeysUnavailable) when it does not verify."""
    rp_id, origin = relying_party(request)
    challenge = request.session.pop(REGISTER_CHALLENGE, None)
    if not challenge:
        raise WebAuthnException("No registration was started in this session.")
    verified = verify_registration_response(
        credential=credential, expected_challenge=base64url_to_bytes(challenge),
        expected_rp_id=rp_id, expected_origin=origin,
    )
    name = (name or "").strip()[:KEY_NAME_MAX] or "Security key"
    transports = credential.get("response", {}).get("transports") or []
    key = SecurityKey.objects.create(
        user=request.user, name=name, credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key, sign_count=verified.sign_count,
        transports=[str(t) for t in transports][:8],
    )
    log_access(action=AccessLog.Action.MFA_ENROL, actor=request.user, obj=request.user,
               detail={"outcome": "success", "factor": "security key", "name": name})
    return key


def security_key_auth_options(request):
    """The options for navigator.credentials.get() with the person's keys, as JSON."""
    rp_id, _ = relying_party(request)
    options = generate_authentication_options(
        rp_id=rp_id, allow_credentials=_descriptors(request.user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    request.session[AUTH_CHALLENGE] = bytes_to_base64url(options.challenge)
    return options_to_json(options)


def security_key_verify(*, request, credential):
    """Verify the browser's answer to the sign-in challenge with one of the person's keys: the
    session is verified ("webauthn"). Refused: a refused log-on (the lockout counts it), None
    returned, request.account_locked set."""
    user = request.user
    request.account_locked = False
    if User.objects.filter(pk=user.pk, locked_at__isnull=False).exists():
        request.account_locked = True
        return None
    rp_id, origin = relying_party(request)
    challenge = request.session.pop(AUTH_CHALLENGE, None)
    key = None
    if challenge and isinstance(credential, dict):
        key = SecurityKey.objects.filter(user=user, credential_id=str(credential.get("id"))).first()
    if key is not None:
        try:
            verified = verify_authentication_response(
                credential=credential, expected_challenge=base64url_to_bytes(challenge),
                expected_rp_id=rp_id, expected_origin=origin,
                credential_public_key=bytes(key.public_key),
                credential_current_sign_count=key.sign_count,
            )
        except WebAuthnException:
            key = None
    if key is None:
        request.account_locked = second_factor_refused(user=user, request=request,
                                                       factor="security key")
        return None
    key.sign_count = verified.new_sign_count
    key.set_last_used_timestamp(commit=False)
    key.save(update_fields=["sign_count", "last_used_at"])
    mark_verified(request, key, "webauthn")
    return key


@transaction.atomic
def security_key_remove(*, user, key_id):
    """Remove one of the person's own keys (the authenticator app stays). Writes `mfa_remove`.
    Returns False when the person has no such key."""
    key = SecurityKey.objects.filter(user=user, pk=key_id).first()
    if key is None:
        return False
    name = key.name
    key.delete()
    log_access(action=AccessLog.Action.MFA_REMOVE, actor=user, obj=user,
               detail={"outcome": "success", "factor": "security key", "name": name})
    return True


# The admin reset ------------------------------------------------------------------------------


def factors_remove(user):
    """Remove every second factor of the account (devices, codes, keys) and stamp it, so that
    every session signed in before ends (SecondFactorMiddleware). What was there, for the log."""
    had = []
    for kind, queryset in (("totp", TOTPDevice.objects.filter(user=user, confirmed=True)),
                           ("recovery codes", RecoveryCodes.objects.filter(user=user)),
                           ("security keys", SecurityKey.objects.filter(user=user))):
        if queryset.exists():
            had.append(kind)
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodes.objects.filter(user=user).delete()
    SecurityKey.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(mfa_reset_at=timezone.now())
    return had


def json_body(request):
    try:
        return json.loads(request.body or b"{}")
    except ValueError:
        return None

