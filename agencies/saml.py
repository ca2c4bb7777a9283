"""SAML 2.0 for federated sign-in, through pysaml2: the portal's service-provider configuration
for one identity provider, the request that sends a person there (HTTP-Redirect, signed), and
the check of the answer the identity provider posts back (HTTP-POST).

What pysaml2 checks here, with xmlsec1: the assertion is signed, by a key of the identity
provider's metadata and no other (`only_use_keys_in_metadata`); the response answers the one
request this browser has outstanding (InResponseTo; no unsolicited response is taken); the
audience is the portal's entity id; the destination and the subject confirmation's recipient are
the portal's assertion consumer service; NotBefore / NotOnOrAfter hold within
SAML_CLOCK_SKEW_SECONDS. And here: no SHA-1 or MD5 in the signature. Every failure is a
`Refused` with a reason in words for the access log. What the assertion means for an account is
agencies.federation's business.
"""

import base64
import calendar
import hashlib
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.response import IncorrectlySigned, StatusError, UnsolicitedResponse
from saml2.sigver import MissingKey, SignatureError, SigverError, XmlsecError
from saml2.time_util import str_to_time
from saml2.validate import ResponseLifetimeExceed, ToEarly

logger = logging.getLogger(__name__)


class Refused(Exception):
    """A sign-in through an identity provider that the portal does not accept; `reason` says why
    (for the access log and the admin, never for the browser)."""

    def __init__(self, reason, **detail):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def enabled():
    """Federated sign-in needs the portal's own key and certificate (settings)."""
    return bool(settings.SAML_SP_KEY_FILE and settings.SAML_SP_CERT_FILE)


def _config(*, entity_id, acs_url, metadata_xml=None):
    config = {
        "entityid": entity_id,
        "xmlsec_binary": settings.SAML_XMLSEC_BINARY,
        "key_file": settings.SAML_SP_KEY_FILE,
        "cert_file": settings.SAML_SP_CERT_FILE,
        "accepted_time_diff": settings.SAML_CLOCK_SKEW_SECONDS,
        # GFIPM attributes are read by their formal names (agencies.federation.GFIPM), whatever
        # their NameFormat: pysaml2 keeps them as named.
        "allow_unknown_attributes": True,
        "delete_tmpfiles": True,
        "service": {
            "sp": {
                "name": "FusionPortal",
                "endpoints": {"assertion_consumer_service": [(acs_url, BINDING_HTTP_POST)]},
                "allow_unsolicited": False,
                "authn_requests_signed": True,
                "want_assertions_signed": True,
                "want_response_signed": False,
                "only_use_keys_in_metadata": True,
            },
        },
    }
    if metadata_xml is not None:
        config["metadata"] = {"inline": [metadata_xml]}
    sp_config = SPConfig()
    sp_config.load(config)
    return sp_config


def sp_metadata(*, entity_id, acs_url):
    """The portal's own SAML metadata (for the identity provider's administrator)."""
    return create_metadata_string(None, config=_config(entity_id=entity_id, acs_url=acs_url),
                                  valid=None, sign=False)


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    sso_url: str
    signing_certificates: list = field(default_factory=list)  # SHA-256 fingerprints

    @property
    def fingerprints(self):
        return ", ".join(self.signing_certificates)


def read_idp_metadata(metadata_xml):
    """What the portal needs of an identity provider's metadata, or ValueError saying what is
    missing: one IdP entity, an HTTP-Redirect single sign-on service, a signing certificate."""
    try:
        config = _config(entity_id="urn:fusionportal:metadata-check", acs_url="https://invalid/",
                         metadata_xml=metadata_xml)
    except Exception as error:  # pysaml2 raises many kinds for XML it cannot read
        raise ValueError(f"The metadata cannot be read as SAML metadata: {error}") from None
    store = config.metadata
    providers = store.identity_providers()
    if len(providers) != 1:
        raise ValueError(f"The metadata must describe one identity provider (an EntityDescriptor "
                         f"with an IDPSSODescriptor); it describes {len(providers)}.")
    entity_id = providers[0]
    try:
        sso = store.single_sign_on_service(entity_id, BINDING_HTTP_REDIRECT)
    except Exception:
        sso = []
    if not sso:
        raise ValueError("The identity provider offers no SingleSignOnService with the "
                         "HTTP-Redirect binding, which the portal uses.")
    certificates = store.certs(entity_id, "idpsso", use="signing")
    if not certificates:
        raise ValueError("The metadata holds no signing certificate of the identity provider "
                         "(KeyDescriptor use=\"signing\", or without use).")
    fingerprints = []
    for _, pem_body in certificates:
        der = _der_of(pem_body)
        fingerprints.append(":".join(f"{b:02X}" for b in hashlib.sha256(der).digest()))
    return IdpMetadata(entity_id=entity_id, sso_url=sso[0]["location"],
                       signing_certificates=sorted(set(fingerprints)))


def _der_of(pem_body):
    return base64.b64decode("".join(pem_body.split()))


def authn_request(*, metadata_xml, idp_entity_id, entity_id, acs_url):
    """(request id, the identity provider's URL to send the browser to): a signed AuthnRequest
    over HTTP-Redirect."""
    client = Saml2Client(config=_config(entity_id=entity_id, acs_url=acs_url,
                                        metadata_xml=metadata_xml))
    request_id, info = client.prepare_for_authenticate(
        entityid=idp_entity_id, relay_state="", binding=BINDING_HTTP_REDIRECT, sign=True,
    )
    return request_id, dict(info["headers"])["Location"]


@dataclass(frozen=True)
class Assertion:
    """What a checked response asserts."""

    id: str
    issuer: str
    not_on_or_after: float  # epoch seconds: until when its id must be remembered
    attributes: dict  # formal name -> [values]
    authn_context: str  # the AuthnContextClassRef, "" if none


def _attributes(assertion):
    attributes = {}
    for statement in assertion.attribute_statement:
        for attribute in statement.attribute:
            values = [(value.text or "").strip() for value in attribute.attribute_value]
            attributes.setdefault(attribute.name, []).extend(values)
    return attributes


def _not_on_or_after(assertion):
    moments = []
    if assertion.conditions is not None and assertion.conditions.not_on_or_after:
        moments.append(assertion.conditions.not_on_or_after)
    for confirmation in assertion.subject.subject_confirmation:
        data = confirmation.subject_confirmation_data
        if data is not None and data.not_on_or_after:
            moments.append(data.not_on_or_after)
    if not moments:
        return time.time() + settings.SAML_REQUEST_SECONDS
    return max(calendar.timegm(str_to_time(moment)) for moment in moments)


# Signature and digest algorithms the portal does not accept, however valid the signature:
# SHA-1 and MD5 (NIST SP 800-131A; xmlsec1 would verify them).
WEAK_ALGORITHMS = frozenset({
    "http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1", "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1", "http://www.w3.org/2000/09/xmldsig#sha1",
    "http://www.w3.org/2001/04/xmldsig-more#md5",
})


def _weak_algorithms(signature):
    info = signature.signed_info
    used = [info.signature_method.algorithm if info.signature_method is not None else ""]
    used += [reference.digest_method.algorithm for reference in info.reference
             if reference.digest_method is not None]
    return sorted(set(used) & WEAK_ALGORITHMS)


def check_response(*, saml_response, metadata_xml, idp_entity_id, entity_id, acs_url, request_id):
    """The assertion of a base64 SAMLResponse posted to the assertion consumer service, checked
    (see the module's docstring) against the identity provider's metadata and the one request
    this browser has outstanding (`request_id`, None when there is none); or Refused."""
    client = Saml2Client(config=_config(entity_id=entity_id, acs_url=acs_url,
                                        metadata_xml=metadata_xml))
    outstanding = {request_id: "/"} if request_id else {}
    try:
        response = client.parse_authn_request_response(saml_response, BINDING_HTTP_POST,
                                                       outstanding=outstanding)
    except UnsolicitedResponse:
        raise Refused("it answers no sign-in started from this browser (unsolicited, already "
                      "used, or started more than SAML_REQUEST_SECONDS ago)") from None
    except (IncorrectlySigned, SignatureError, MissingKey, SigverError, XmlsecError) as error:
        raise Refused("the assertion is not signed, or not by the identity provider's key",
                      error=type(error).__name__) from None
    except ResponseLifetimeExceed:
        raise Refused("the assertion has expired (NotOnOrAfter is past)") from None
    except ToEarly:
        raise Refused("the assertion is not yet valid (NotBefore is ahead)") from None
    except StatusError as error:
        raise Refused("the identity provider answered with an error status",
                      status=str(error).splitlines()[-1][:200]) from None
    except Exception as error:  # pysaml2 raises bare Exceptions for some conditions
        text = str(error)
        if "AudienceRestrictions" in text:
            raise Refused("the assertion is meant for another service (audience)") from None
        logger.info("SAML response refused: %s: %s", type(error).__name__, text[:300])
        raise Refused("the response is not a valid SAML response",
                      error=type(error).__name__) from None
    if response is None or response.assertion is None:
        raise Refused("the response is not a valid SAML response for this portal (destination "
                      "or contents)")
    issuer = response.issuer()
    if issuer != idp_entity_id:
        raise Refused("the response comes from another identity provider", issuer=issuer[:300])
    assertion = response.assertion
    if assertion.signature is None:
        # pysaml2 refuses this already (want_assertions_signed); said again so that a change of
        # configuration cannot let it through.
        raise Refused("the assertion is not signed, or not by the identity provider's key")
    weak = _weak_algorithms(assertion.signature)
    if weak:
        raise Refused("the assertion is signed with a weak algorithm", algorithms=weak)
    contexts = [context for context, _, _ in response.authn_info()]
    return Assertion(
        id=assertion.id, issuer=issuer, not_on_or_after=_not_on_or_after(assertion),
        attributes=_attributes(assertion), authn_context=contexts[0] if contexts else "",
    )
