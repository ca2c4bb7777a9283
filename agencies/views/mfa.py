"""The second step of signing in (agencies/mfa.py): enrol an authenticator app on first sign-in,
pass a code, a recovery code or a security key on every sign-in after; and the person's own page
of second factors (recovery codes made anew, security keys added and removed).

Thin views: parse input, call agencies.mfa, render. The JSON endpoints answer the browser's
WebAuthn ceremonies (static/js/webauthn.js).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from webauthn.helpers.exceptions import WebAuthnException

from .. import mfa


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=40, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text",
                                      "autofocus": True, "spellcheck": "false"}),
        error_messages={"required": "Type the code your authenticator app shows."},
    )


WRONG_CODE = ("That code does not work. Type the 6 digits your authenticator app shows now, or "
              "one of your recovery codes. After 5 refused codes the account is locked.")


def _next(request):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return ""


def _go_on(request):
    return redirect(_next(request) or "home")


def _keys_available(request):
    try:
        mfa.relying_party(request)
    except mfa.SecurityKeysUnavailable as unavailable:
        return False, str(unavailable)
    return True, ""


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    if mfa.second_factor_verified(request):
        return _go_on(request)
    user = request.user
    if not mfa.has_second_factor(user):
        return redirect(mfa.verify_url(_next(request), step="mfa-enrol"))
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            method = mfa.second_factor_verify(request=request, code=form.cleaned_data["code"])
            if request.account_locked:
                return mfa.end_locked(request)
            if method == "recovery":
                left = mfa.recovery_codes_left(user)
                messages.warning(request, f"You used a recovery code; {left} left. Make new ones "
                                          "on your second-factors page if you run short.")
            if method is not None:
                return _go_on(request)
            form.add_error("code", WRONG_CODE)
    keys = mfa.security_keys(user)
    keys_ok, keys_why = _keys_available(request)
    return render(request, "agencies/mfa_verify.html", {
        "form": form, "next": _next(request), "has_keys": bool(keys), "keys_ok": keys_ok,
        "keys_why": keys_why,
    }, status=status)


# The secret and the recovery codes these pages show are kept by no cache, nor the browser's
# history of pages.
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def enrol(request):
    user = request.user
    verified = mfa.second_factor_verified(request)
    # Enrolled already (an authenticator app, or a security key that has not been presented in
    # this session): a verified person manages factors on their page; the others verify. Only a
    # person with no second factor at all enrols on the password alone.
    if mfa.totp_device(user) is not None or (not verified and mfa.has_second_factor(user)):
        if verified:
            return redirect("mfa-factors")
        return redirect(mfa.verify_url(_next(request)))
    device = mfa.enrolment_device(user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            codes = mfa.totp_enrol(request=request, device=device, code=form.cleaned_data["code"])
            if codes is not None:
                return render(request, "agencies/mfa_recovery_codes.html", {
                    "codes": codes, "next": _next(request), "first": True,
                })
            form.add_error("code", "That code does not match. Scan the QR code again (or type "
                                   "the secret) and type the 6 digits the app shows now.")
    return render(request, "agencies/mfa_enrol.html", {
        "form": form, "next": _next(request), "secret": mfa.totp_secret(device),
        "qr_code": mfa.qr_code_data_uri(device.config_url),
    }, status=status)


@login_required
def factors(request):
    user = request.user
    keys_ok, keys_why = _keys_available(request)
    totp = mfa.totp_device(user)
    return render(request, "agencies/mfa_factors.html", {
        "totp": totp, "recovery_left": mfa.recovery_codes_left(user),
        "keys": mfa.security_keys(user), "keys_ok": keys_ok, "keys_why": keys_why,
        "method": request.session.get(mfa.SECOND_FACTOR),
    })


@never_cache
@login_required
@require_POST
def recovery_codes_regenerate(request):
    codes = mfa.recovery_codes_regenerate(user=request.user)
    return render(request, "agencies/mfa_recovery_codes.html", {"codes": codes, "first": False})


@login_required
@require_POST
def key_remove(request, key_id):
    if not mfa.security_key_remove(user=request.user, key_id=key_id):
        return HttpResponse("No such security key.", status=404, content_type="text/plain")
    messages.success(request, "The security key is removed; it no longer signs you in.")
    return redirect("mfa-factors")


# WebAuthn ceremonies (JSON) --------------------------------------------------------------------


def _json(payload, status=200):
    return HttpResponse(payload, status=status, content_type="application/json")


@login_required
@require_POST
def key_register_options(request):
    try:
        return _json(mfa.security_key_register_options(request))
    except mfa.SecurityKeysUnavailable as unavailable:
        return JsonResponse({"error": str(unavailable)}, status=400)


@login_required
@require_POST
def key_register(request):
    body = mfa.json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("credential"), dict):
        return JsonResponse({"error": "Send the key's answer as JSON: {\"credential\": ...}."},
                            status=400)
    try:
        key = mfa.security_key_register(request=request, credential=body["credential"],
                                        name=str(body.get("name") or ""))
    except (WebAuthnException, mfa.SecurityKeysUnavailable) as error:
        return JsonResponse({"error": f"The key was not added: {error}"}, status=400)
    messages.success(request, f"Security key “{key.name}” added: it now signs you in.")
    return JsonResponse({"next": reverse("mfa-factors")})


@login_required
@require_POST
def key_auth_options(request):
    try:
        return _json(mfa.security_key_auth_options(request))
    except mfa.SecurityKeysUnavailable as unavailable:
        return JsonResponse({"error": str(unavailable)}, status=400)


@login_required
@require_POST
def key_auth(request):
    if mfa.second_factor_verified(request):
        return JsonResponse({"next": _next(request) or "/"})
    body = mfa.json_body(request)
    credential = body.get("credential") if isinstance(body, dict) else None
    try:
        key = mfa.security_key_verify(request=request, credential=credential)
    except mfa.SecurityKeysUnavailable as unavailable:
        return JsonResponse({"error": str(unavailable)}, status=400)
    if request.account_locked:
        mfa.end_locked(request)
        return JsonResponse({"next": "/login/"}, status=400)
    if key is None:
        return JsonResponse({"error": "That security key was not accepted. Try again, or type a "
                                      "code instead."}, status=400)
    wanted = (body or {}).get("next") or ""
    if not (isinstance(wanted, str) and wanted and url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure())):
        wanted = "/"
    return JsonResponse({"next": wanted})
