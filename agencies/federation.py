"""Federated sign-in: a person signs in through an identity provider that a superuser connected
(IdentityProvider), and its GFIPM attributes decide the account (CJIS IA-2, IA-8; DESIGN.md,
"CJIS sign-in").

1. `sign_in_start`: a signed AuthnRequest to the identity provider, remembered in the cache for
   SAML_REQUEST_SECONDS under a random token that only this browser holds (a cookie): the answer
   is taken only in the browser that asked, and only once.
2. `sign_in_complete`: the answer, checked by agencies.saml (signature, audience, times,
   InResponseTo), then here: its assertion id never seen before (kept until the assertion
   expires), the identity provider still enabled, an EmployerORI that a registered agency has
   AND that the identity provider is trusted for. The account is the one linked to the
   FederationId at this identity provider (FederatedIdentity); on first sign-in it is created,
   in that agency, as an analyst with no usable password. A refusal writes a refused log-on to
   the access log with the reason, for the admins of that agency's centers.

The caller signs the person in with django.contrib.auth.login, so that the access log's log-on
(agencies.signins, which names the identity provider), the session limits (agencies.sessions)
and everything else that follows a log-on apply as they do to a password.
"""

import base64
import hashlib
import re
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from saml2 import samlp

from audit.models import AccessLog
from audit.services import log_access

from . import saml
from .models import Agency, FederatedIdentity, IdentityProvider, User
from .saml import Refused
from .services import username_taken

# The GFIPM user attributes the portal reads (GFIPM Metadata 2.0 formal names, the NIEF attribute
# registry's), by what the portal calls them. FederationId and EmployerORI are required.
GFIPM = {
    "federation_id": "gfipm:2.0:user:FederationId",
    "employer_ori": "gfipm:2.0:user:EmployerORI",
    "given_name": "gfipm:2.0:user:GivenName",
    "sur_name": "gfipm:2.0:user:SurName",
    "email": "gfipm:2.0:user:EmailAddressText",
    "sworn_officer": "gfipm:2.0:user:SwornLawEnforcementOfficerIndicator",
    "cfr28_certified": "gfipm:2.0:user:28CFRCertificationIndicator",
}

# The cookie that ties an answer to the browser that asked (only the ACS reads it).
REQUEST_COOKIE = "fp_saml_request"
_PENDING = "fp-saml-request:{}"
_SEEN = "fp-saml-assertion:{}:{}"
# The contract with the portal's own second factor: a sign-in the identity provider asserted as
# multi-factor (an AuthnContextClassRef among the provider's mfa_context_refs) is marked so by
# agencies.mfa.mark_verified_by_identity_provider (the ACS view calls it), and the portal asks no
# second factor of its own. Any other federated sign-in is asked the portal's second factor like
# a password sign-in.

USERNAME_MAX = 140  # leaves room for a "-<n>" that makes it unique within User's 150


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def enabled_identity_providers():
    """What the log-in page offers: nothing while the portal has no key of its own."""
    if not saml.enabled():
        return IdentityProvider.objects.none()
    return IdentityProvider.objects.filter(enabled=True).only("pk", "name")


def sign_in_start(*, identity_provider, next_url, entity_id, acs_url):
    """(the identity provider's URL to send the browser to, the token for the browser's
    cookie). Only for an enabled identity provider."""
    if not identity_provider.enabled:
        raise Refused("the identity provider is disabled")
    try:
        request_id, location = saml.authn_request(
            metadata_xml=identity_provider.metadata_xml, idp_entity_id=identity_provider.entity_id,
            entity_id=entity_id, acs_url=acs_url,
        )
    except Exception as error:  # metadata pysaml2 no longer takes (expired validUntil, ...)
        refusal = Refused("no request could be made to the identity provider from its metadata",
                          error=f"{type(error).__name__}: {error}"[:300])
        _log_refusal(refusal, identity_provider)
        raise refusal from None
    token = secrets.token_urlsafe(32)
    cache.set(_PENDING.format(_digest(token)),
              {"request_id": request_id, "idp": identity_provider.pk, "next": next_url},
              timeout=settings.SAML_REQUEST_SECONDS)
    return location, token


def _pending_take(token):
    """The request this browser has outstanding, forgotten as it is read: an answer is taken
    once."""
    if not token:
        return None
    key = _PENDING.format(_digest(token))
    pending = cache.get(key)
    cache.delete(key)
    return pending


def claimed_issuer(saml_response):
    """The Issuer a response names, unchecked: only to say in the log what it claimed to be."""
    try:
        response = samlp.response_from_string(base64.b64decode(saml_response, validate=False))
        return (response.issuer.text or "").strip()[:300] if response.issuer is not None else ""
    except Exception:  # anything unreadable claims nothing
        return ""


@dataclass(frozen=True)
class SignIn:
    user: User
    identity_provider: IdentityProvider
    federation_id: str
    multi_factor: bool
    created: bool
    next_url: str

    def log_detail(self):
        """What the access log's log-on says of it (agencies.signins)."""
        return {"identity_provider": self.identity_provider.name,
                "federation_id": self.federation_id, "multi_factor": self.multi_factor,
                "account_created": self.created}


def sign_in_complete(*, browser_token, saml_response, entity_id, acs_url):
    """The account that the identity provider's answer signs in, or Refused (already written to
    the access log as a refused log-on with its reason)."""
    pending = _pending_take(browser_token)
    identity_provider = None
    if pending is not None:
        identity_provider = IdentityProvider.objects.filter(pk=pending["idp"]).first()
    try:
        if not saml_response:
            raise Refused("the request carries no SAMLResponse")
        if identity_provider is None:
            raise Refused("it answers no sign-in started from this browser (unsolicited, already "
                          "used, or started more than SAML_REQUEST_SECONDS ago)",
                          issuer_claimed=claimed_issuer(saml_response))
        if not identity_provider.enabled:
            raise Refused("the identity provider is disabled")
        assertion = saml.check_response(
            saml_response=saml_response, metadata_xml=identity_provider.metadata_xml,
            idp_entity_id=identity_provider.entity_id, entity_id=entity_id, acs_url=acs_url,
            request_id=pending["request_id"],
        )
        remember_for = int(assertion.not_on_or_after - time.time()) + settings.SAML_CLOCK_SKEW_SECONDS
        if not cache.add(_SEEN.format(identity_provider.pk, _digest(assertion.id)), 1,
                         timeout=max(remember_for, 1)):
            raise Refused("the assertion was used before (replayed)")
        user, federation_id, created = _account_for(identity_provider, assertion)
    except Refused as refusal:
        _log_refusal(refusal, identity_provider)
        raise
    return SignIn(
        user=user, identity_provider=identity_provider, federation_id=federation_id,
        multi_factor=assertion.authn_context in identity_provider.mfa_context_refs,
        created=created, next_url=pending.get("next") or "",
    )


def _log_refusal(refusal, identity_provider):
    account = refusal.detail.pop("account", None)
    agency = refusal.detail.pop("agency", None) or getattr(account, "agency", None)
    log_access(
        action=AccessLog.Action.LOGIN_FAILED, actor=None, agency=agency, obj=account,
        detail={"outcome": "failure", "username": account.username if account else "",
                "identity_provider": identity_provider.name if identity_provider else "",
                "reason": refusal.reason, **refusal.detail},
    )


def _first(assertion, name):
    values = assertion.attributes.get(GFIPM[name]) or [""]
    return values[0].strip()


def _indicator(text):
    """A GFIPM Boolean: true or false (1 or 0); anything else, or nothing, is not asserted."""
    return {"true": True, "1": True, "false": False, "0": False}.get(text.lower())


def _new_username(federation_id, email):
    """From the user part of the FederationId ("...:USER:jdoe@agency.gov"), else the e-mail; a
    name that is or ever was taken gets a number (usernames are never reused, CJIS IA-4)."""
    local = federation_id.rsplit(":USER:", 1)[-1] if ":USER:" in federation_id else (email or "")
    base = re.sub(r"[^\w.@+-]+", "-", local).strip("-.")[:USERNAME_MAX] or "federated"
    candidate, number = base, 1
    while username_taken(candidate):
        number += 1
        candidate = f"{base}-{number}"
    return candidate


@transaction.atomic
def _account_for(identity_provider, assertion):
    federation_id = _first(assertion, "federation_id")[:512]
    if not federation_id:
        raise Refused("the assertion carries no GFIPM FederationId")
    ori = _first(assertion, "employer_ori").upper()
    if not ori:
        raise Refused("the assertion carries no GFIPM EmployerORI", federation_id=federation_id)
    agency = Agency.objects.filter(ori=ori).first()
    if agency is None:
        raise Refused("no agency with the asserted EmployerORI is registered", ori=ori[:20],
                      federation_id=federation_id)
    if not identity_provider.trusted_agencies.filter(pk=agency.pk).exists():
        raise Refused("the identity provider is not trusted for the asserted agency", ori=ori,
                      federation_id=federation_id, agency=agency)
    names = {"first_name": _first(assertion, "given_name")[:150],
             "last_name": _first(assertion, "sur_name")[:150],
             "email": _first(assertion, "email")[:254]}
    indicators = {"sworn_officer": _indicator(_first(assertion, "sworn_officer")),
                  "cfr28_certified": _indicator(_first(assertion, "cfr28_certified"))}
    now = timezone.now()
    link = (FederatedIdentity.objects.select_for_update().select_related("user")
            .filter(identity_provider=identity_provider, federation_id=federation_id).first())
    if link is not None:
        user = link.user
        if user.agency_id != agency.pk:
            raise Refused("the account belongs to another agency than the asserted EmployerORI",
                          ori=ori, federation_id=federation_id, account=user, agency=agency)
        if not user.is_active:
            raise Refused("the account is deactivated", federation_id=federation_id, account=user)
        if user.locked_at is not None:
            raise Refused("the account is locked", federation_id=federation_id, account=user)
        if user.has_expired():
            raise Refused("the temporary account has expired", federation_id=federation_id,
                          account=user)
        changed = [field for field, value in names.items() if value and getattr(user, field) != value]
        for field in changed:
            setattr(user, field, names[field])
        if changed:
            user.save(update_fields=changed)
        for field, value in indicators.items():
            setattr(link, field, value)
        link.last_sign_in_at = now
        link.save(update_fields=[*indicators, "last_sign_in_at"])
        return user, federation_id, False
    user = User(username=_new_username(federation_id, names["email"]), agency=agency,
                role=User.Role.ANALYST, **names)
    user.set_unusable_password()
    user.save()
    FederatedIdentity.objects.create(user=user, identity_provider=identity_provider,
                                     federation_id=federation_id, created_at=now,
                                     last_sign_in_at=now, **indicators)
    log_access(action=AccessLog.Action.ADMIN, actor=None, agency=agency, obj=user, detail={
        "operation": "federated_account_create", "reason": "",
        "identity_provider": identity_provider.name, "federation_id": federation_id,
        "before": None, "after": {"username": user.username, "role": user.role,
                                  "agency_id": agency.pk, **indicators},
    })
    return user, federation_id, True
