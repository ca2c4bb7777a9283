"""Federated sign-in's endpoints (agencies.federation): the SP-initiated start, the assertion
consumer service that the identity provider posts its answer to, and the portal's metadata.

Thin views. A refused answer gets one plain page with status 403 whatever the reason (the reason
goes to the access log, for the admins); never a 500 or a trace.
"""

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .. import federation, gate, mfa, saml
from ..models import IdentityProvider

# Where the browser-binding cookie is sent: the assertion consumer service only.
_COOKIE_PATH = "/saml/"


def _entity_id(request):
    return settings.SAML_SP_ENTITY_ID or request.build_absolute_uri(reverse("saml-metadata"))


def _acs_url(request):
    return request.build_absolute_uri(reverse("saml-acs"))


def _require_enabled():
    if not saml.enabled():
        raise Http404("Federated sign-in is not configured.")


def _safe_next(request, url):
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return url
    return ""


@require_GET
def saml_login(request, idp_id):
    """Sends the browser to the identity provider with a signed AuthnRequest."""
    _require_enabled()
    identity_provider = get_object_or_404(IdentityProvider, pk=idp_id, enabled=True)
    try:
        location, token = federation.sign_in_start(
            identity_provider=identity_provider,
            next_url=_safe_next(request, request.GET.get("next")),
            entity_id=_entity_id(request), acs_url=_acs_url(request),
        )
    except saml.Refused:
        return render(request, "registration/federated_refused.html", status=403)
    response = redirect(location)
    # The identity provider's answer arrives by a cross-site POST: a SameSite=Lax cookie (as the
    # session's) would not come with it. Over HTTPS this one is SameSite=None; Secure; over plain
    # HTTP (development) browsers refuse that, and Lax serves an identity provider on the same
    # site.
    response.set_cookie(federation.REQUEST_COOKIE, token, max_age=settings.SAML_REQUEST_SECONDS,
                        path=_COOKIE_PATH, secure=settings.SESSION_COOKIE_SECURE, httponly=True,
                        samesite=_same_site())
    return response


def _same_site():
    return "None" if settings.SESSION_COOKIE_SECURE else "Lax"


@csrf_exempt  # the identity provider posts here from its own site; the SAMLResponse is checked
@require_POST
def saml_acs(request):
    """The identity provider's answer (HTTP-POST binding): signs the person in, or refuses."""
    _require_enabled()
    try:
        signed_in = federation.sign_in_complete(
            browser_token=request.COOKIES.get(federation.REQUEST_COOKIE, ""),
            saml_response=request.POST.get("SAMLResponse", ""),
            entity_id=_entity_id(request), acs_url=_acs_url(request),
        )
    except saml.Refused:
        response = render(request, "registration/federated_refused.html", status=403)
    else:
        # Read by agencies.signins: the access log's log-on names the identity provider.
        request.federated_sign_in = signed_in.log_detail()
        login(request, signed_in.user, backend="agencies.signins.LockoutBackend")
        if signed_in.multi_factor:
            mfa.mark_verified_by_identity_provider(request)
        user = signed_in.user
        request.session["nav_admin"] = bool(
            user.is_agency_admin or gate.centers_administered_by(user).exists()
        )
        response = redirect(_safe_next(request, signed_in.next_url) or settings.LOGIN_REDIRECT_URL)
    response.delete_cookie(federation.REQUEST_COOKIE, path=_COOKIE_PATH, samesite=_same_site())
    return response


@require_GET
def saml_metadata(request):
    """The portal's SAML metadata, for the identity provider's administrator."""
    _require_enabled()
    xml = saml.sp_metadata(entity_id=_entity_id(request), acs_url=_acs_url(request))
    return HttpResponse(xml, content_type="application/samlmetadata+xml")
