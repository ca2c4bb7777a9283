"""Federated sign-in through an agency's SAML identity provider, end to end: the portal's
AuthnRequest goes to a real identity provider (pysaml2's Server, tests/agencies/saml_idp.py, on
its own port), whose signed answer is posted to the portal's assertion consumer service.

What is accepted: a signed assertion for the portal, in time, answering this browser's request,
whose EmployerORI is a registered agency the identity provider is trusted for. What is refused,
with one plain 403 page and a refused log-on with its reason in the access log: everything
else."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from saml2.xmldsig import DIGEST_SHA1, SIG_RSA_SHA1

from agencies import federation, mfa
from agencies.models import FederatedIdentity, IdentityProvider, RetiredUsername, User
from audit.models import AccessLog
from tests.agencies.saml_idp import MFA_CONTEXT, answer_of
from tests.base import HttpsClient

from .admin_actors import *  # noqa: F403 (the fixtures, the HTTPS client)

REFUSED_TEXT = "Sign-in through your agency's identity provider was refused; ask your agency admin."
FEDERATION_ID = "NIEF:IDP:FLORIDA-IDP:USER:jane.doe@mbi.example.gov"


def gfipm(**overrides):
    attributes = {
        "gfipm:2.0:user:FederationId": FEDERATION_ID,
        "gfipm:2.0:user:EmployerORI": "FL0480400",
        "gfipm:2.0:user:GivenName": "Jane",
        "gfipm:2.0:user:SurName": "Doe",
        "gfipm:2.0:user:EmailAddressText": "jane.doe@mbi.example.gov",
        "gfipm:2.0:user:SwornLawEnforcementOfficerIndicator": "true",
        "gfipm:2.0:user:28CFRCertificationIndicator": "false",
    }
    attributes.update(overrides)
    return {name: value for name, value in attributes.items() if value is not None}


@pytest.fixture
def idp(saml_idp_server):
    server = saml_idp_server()
    server.attributes = gfipm()
    return server


@pytest.fixture
def provider(idp, mbi, ocso):
    """The identity provider as a superuser connects it: trusted for MBI, not for OCSO."""
    row = IdentityProvider.objects.create(
        name="Florida Law Enforcement IdP", entity_id=idp.entity_id, metadata_xml=idp.metadata_xml,
        mfa_contexts=f"{MFA_CONTEXT}\nurn:example:mfa",
    )
    row.trusted_agencies.add(mbi)
    return row


def start(client, provider, **query):
    response = client.get(reverse("saml-login", args=[provider.pk]), query)
    assert response.status_code == 302, response.content
    return response["Location"]


def sign_in(client, provider, **query):
    """Start at the portal, get the identity provider's answer, post it: (ACS answer, the posted
    SAMLResponse)."""
    action, saml_response = answer_of(start(client, provider, **query))
    assert action == "https://testserver/saml/acs/"
    return client.post(reverse("saml-acs"), {"SAMLResponse": saml_response}), saml_response


def refusals():
    return list(AccessLog.objects.filter(action=AccessLog.Action.LOGIN_FAILED).order_by("id"))


def assert_refused(response, client, reason_part, logins=0):
    assert response.status_code == 403
    text = response.content.decode()
    assert REFUSED_TEXT in text
    assert "Traceback" not in text
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "_auth_user_id" not in client.session
    [row] = refusals()
    assert reason_part in row.detail["reason"], row.detail
    assert row.detail["outcome"] == "failure"
    # No log-on beyond those of earlier sign-ins of the test.
    assert AccessLog.objects.filter(action=AccessLog.Action.LOGIN).count() == logins
    return row


# Success --------------------------------------------------------------------------------------


def test_the_start_ties_the_request_to_this_browser_with_a_cookie_for_the_consumer_service(
        client, idp, provider):
    location = start(client, provider)

    assert location.startswith(f"{idp.base}/sso/redirect?SAMLRequest=")
    assert "&Signature=" in location  # a signed AuthnRequest
    cookie = client.cookies[federation.REQUEST_COOKIE]
    # Sent with the identity provider's cross-site POST, to the ACS only, never to scripts.
    assert (cookie["samesite"], cookie["secure"], cookie["httponly"], cookie["path"]) == (
        "None", True, True, "/saml/")


def test_metadata_that_no_longer_works_is_refused_at_the_start_and_logged(client, idp, provider):
    IdentityProvider.objects.filter(pk=provider.pk).update(metadata_xml="<broken")

    response = client.get(reverse("saml-login", args=[provider.pk]))

    assert response.status_code == 403 and REFUSED_TEXT in response.content.decode()
    [row] = refusals()
    assert "no request could be made" in row.detail["reason"]


def test_first_sign_in_creates_the_account_in_the_asserted_agency_and_logs_it(
        client, idp, provider, mbi):
    response, _ = sign_in(client, provider)

    assert response.status_code == 302 and response["Location"] == reverse("home")
    user = User.objects.get(federated_identity__federation_id=FEDERATION_ID)
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user.agency == mbi and user.role == User.Role.ANALYST
    assert not user.has_usable_password() and user.is_active
    assert (user.first_name, user.last_name, user.email) == ("Jane", "Doe", "jane.doe@mbi.example.gov")
    assert user.username == "jane.doe@mbi.example.gov"
    link = user.federated_identity
    assert link.identity_provider == provider
    assert link.sworn_officer is True and link.cfr28_certified is False
    [login] = AccessLog.objects.filter(action=AccessLog.Action.LOGIN)
    assert login.actor == user and login.agency == mbi
    assert login.detail == {"outcome": "success", "step": "identity provider",
                            "identity_provider": provider.name,
                            "federation_id": FEDERATION_ID, "multi_factor": False,
                            "account_created": True}
    [created] = AccessLog.objects.filter(action=AccessLog.Action.ADMIN)
    assert created.detail["operation"] == "federated_account_create"
    assert created.object_id == user.pk and created.agency == mbi
    # A password sign-in's context: the portal will ask its own second factor.
    assert mfa.SECOND_FACTOR not in client.session
    # The signed AuthnRequest reached the identity provider, for the portal's ACS.
    [request] = idp.requests
    assert request.assertion_consumer_service_url == "https://testserver/saml/acs/"
    # The session is an ordinary one: the session limits apply to it.
    assert "signed_in_at" in client.session
    # ... and the portal's second factor comes next (a first one: enrolment).
    assert client.get(reverse("home"))["Location"].startswith(reverse("mfa-verify"))


def test_an_asserted_multi_factor_context_tells_the_portal_not_to_ask_again(client, idp, provider):
    idp.authn_context = MFA_CONTEXT

    response, _ = sign_in(client, provider)

    assert response.status_code == 302
    assert client.session[mfa.SECOND_FACTOR] == "idp"
    [login] = AccessLog.objects.filter(action=AccessLog.Action.LOGIN)
    assert login.detail["multi_factor"] is True


def test_the_center_access_log_says_whether_the_provider_asserted_multi_factor(
        client, idp, provider, admin_cfix, cfix):
    idp.authn_context = MFA_CONTEXT
    sign_in(client, provider)
    idp.authn_context = "https://refeds.org/profile/sfa"
    idp.attributes = gfipm(**{"gfipm:2.0:user:FederationId": "NIEF:IDP:FL:USER:other"})
    sign_in(HttpsClient(), provider)
    admin = HttpsClient()
    admin.force_login(admin_cfix)
    page = admin.get(reverse("center-access-log", args=[cfix.pk]), {"action": "login"})
    text = page.content.decode()
    assert "success through Florida Law Enforcement IdP, multi-factor asserted by it" in text
    assert "success through Florida Law Enforcement IdP, no multi-factor asserted" in text


def test_a_context_the_provider_is_not_accepted_for_sets_no_marker(client, idp, provider):
    idp.authn_context = "https://refeds.org/profile/sfa"

    response, _ = sign_in(client, provider)

    assert response.status_code == 302
    assert mfa.SECOND_FACTOR not in client.session


def test_the_second_sign_in_finds_the_same_account_and_takes_the_new_attributes(
        client, idp, provider):
    sign_in(client, provider)
    first = User.objects.get(federated_identity__federation_id=FEDERATION_ID)
    client.logout()
    idp.attributes = gfipm(**{"gfipm:2.0:user:SurName": "Doe-Smith",
                              "gfipm:2.0:user:28CFRCertificationIndicator": "true"})

    response, _ = sign_in(client, provider, next="/cases/")

    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert User.objects.filter(federated_identity__isnull=False).count() == 1
    assert int(client.session["_auth_user_id"]) == first.pk
    first.refresh_from_db()
    assert first.last_name == "Doe-Smith" and first.federated_identity.cfr28_certified is True
    assert AccessLog.objects.filter(action=AccessLog.Action.LOGIN).count() == 2


def test_a_username_taken_or_retired_is_never_given_again(client, idp, provider, analyst_fl):
    RetiredUsername.objects.create(username="jane.doe@mbi.example.gov")

    sign_in(client, provider)

    user = User.objects.get(federated_identity__federation_id=FEDERATION_ID)
    assert user.username == "jane.doe@mbi.example.gov-2"


def test_an_outside_next_is_not_followed(client, idp, provider):
    response, _ = sign_in(client, provider, next="https://evil.example/")

    assert response.status_code == 302 and response["Location"] == reverse("home")


# Refusals: the assertion --------------------------------------------------------------------


def test_an_unsigned_assertion_is_refused(client, idp, provider):
    idp.sign_with = "none"

    response, _ = sign_in(client, provider)

    assert_refused(response, client, "not signed")
    assert not User.objects.filter(federated_identity__isnull=False).exists()


def test_an_assertion_tampered_with_after_signing_is_refused(client, idp, provider):
    idp.attributes = gfipm(**{"gfipm:2.0:user:EmployerORI": "FL0480000"})
    # Signed for OCSO (which the provider is not trusted for), then changed to MBI.
    idp.tamper = (">FL0480000<", ">FL0480400<")

    response, _ = sign_in(client, provider)

    assert_refused(response, client, "not signed, or not by the identity provider's key")
    assert not User.objects.filter(federated_identity__isnull=False).exists()


def test_an_assertion_signed_by_another_key_is_refused(client, idp, provider):
    idp.sign_with = "other"

    response, _ = sign_in(client, provider)

    assert_refused(response, client, "not signed, or not by the identity provider's key")


def test_an_assertion_signed_with_sha1_is_refused_though_the_signature_holds(
        client, idp, provider):
    idp.sign_alg, idp.digest_alg = SIG_RSA_SHA1, DIGEST_SHA1

    response, _ = sign_in(client, provider)

    row = assert_refused(response, client, "weak algorithm")
    assert row.detail["algorithms"] == sorted([DIGEST_SHA1, SIG_RSA_SHA1])


def test_an_assertion_for_another_audience_is_refused(client, idp, provider):
    idp.audience = "https://another-portal.example.gov/saml/metadata/"

    response, _ = sign_in(client, provider)

    assert_refused(response, client, "another service (audience)")


def test_an_expired_assertion_is_refused(client, idp, provider):
    idp.expired = True

    response, _ = sign_in(client, provider)

    assert_refused(response, client, "expired")


def test_the_same_response_posted_twice_is_refused_the_second_time(client, idp, provider):
    response, saml_response = sign_in(client, provider)
    assert response.status_code == 302
    client.logout()

    replay = client.post(reverse("saml-acs"), {"SAMLResponse": saml_response})

    row = assert_refused(replay, client, "answers no sign-in started from this browser", logins=1)
    assert row.detail["issuer_claimed"] == idp.entity_id


def test_an_assertion_id_seen_before_is_refused_in_answer_to_a_new_request(client, idp, provider):
    idp.assertion_id = "_the-same-assertion-id-0001"
    sign_in(client, provider)
    client.logout()

    response, _ = sign_in(client, provider)

    assert_refused(response, client, "replayed", logins=1)


def test_a_response_nobody_asked_for_is_refused(client, idp, provider):
    action, saml_response = answer_of(start(client, provider))
    stranger = type(client)()  # another browser, which started no sign-in

    response = stranger.post(reverse("saml-acs"), {"SAMLResponse": saml_response})

    assert_refused(response, stranger, "answers no sign-in started from this browser")


def test_a_post_without_a_response_is_refused(client, idp, provider):
    start(client, provider)

    response = client.post(reverse("saml-acs"), {})

    assert_refused(response, client, "no SAMLResponse")


def test_garbage_is_refused_without_a_500(client, idp, provider):
    start(client, provider)

    response = client.post(reverse("saml-acs"), {"SAMLResponse": "bm90IGEgU0FNTCByZXNwb25zZQ=="})

    assert_refused(response, client, "not a valid SAML response")


# Refusals: the agency and the provider ------------------------------------------------------


def test_an_ori_no_agency_has_is_refused(client, idp, provider):
    idp.attributes = gfipm(**{"gfipm:2.0:user:EmployerORI": "GA0000000"})

    response, _ = sign_in(client, provider)

    row = assert_refused(response, client, "no agency with the asserted EmployerORI")
    assert row.agency is None and row.detail["ori"] == "GA0000000"
    assert not User.objects.filter(federated_identity__isnull=False).exists()


def test_a_registered_agency_the_provider_is_not_trusted_for_is_refused(
        client, idp, provider, ocso):
    idp.attributes = gfipm(**{"gfipm:2.0:user:EmployerORI": "FL0480000"})

    response, _ = sign_in(client, provider)

    row = assert_refused(response, client, "not trusted for the asserted agency")
    # The admins of that agency's centers see the refusal in their log.
    assert row.agency == ocso and row.detail["identity_provider"] == provider.name
    assert not User.objects.filter(federated_identity__isnull=False).exists()


def test_the_centers_admin_reads_the_refusal_and_its_reason_in_the_access_log(
        client, idp, provider, ocso, admin_cfix, cfix):
    idp.attributes = gfipm(**{"gfipm:2.0:user:EmployerORI": ocso.ori})
    sign_in(client, provider)
    client.force_login(admin_cfix)

    page = client.get(reverse("center-access-log", args=[cfix.pk]),
                      {"action": "login_failed"}).content.decode()

    assert (f"failure through {provider.name}: the identity provider is not trusted for the "
            "asserted agency") in page


def test_an_assertion_without_an_employer_ori_is_refused(client, idp, provider):
    idp.attributes = gfipm(**{"gfipm:2.0:user:EmployerORI": None})

    response, _ = sign_in(client, provider)

    assert_refused(response, client, "no GFIPM EmployerORI")


def test_a_provider_disabled_meanwhile_is_refused(client, idp, provider):
    location = start(client, provider)
    IdentityProvider.objects.filter(pk=provider.pk).update(enabled=False)
    _, saml_response = answer_of(location)

    response = client.post(reverse("saml-acs"), {"SAMLResponse": saml_response})

    assert_refused(response, client, "disabled")
    # And a disabled provider is no longer offered, nor can a sign-in through it start.
    assert client.get(reverse("saml-login", args=[provider.pk])).status_code == 404
    assert provider.name not in client.get(reverse("login")).content.decode()


def test_a_deactivated_account_is_refused(client, idp, provider):
    sign_in(client, provider)
    client.logout()
    User.objects.filter(federated_identity__isnull=False).update(is_active=False)

    response, _ = sign_in(client, provider)

    row = assert_refused(response, client, "deactivated", logins=1)
    assert row.object_id == User.objects.get(federated_identity__isnull=False).pk


def test_an_expired_temporary_account_is_refused(client, idp, provider):
    sign_in(client, provider)
    client.logout()
    User.objects.filter(federated_identity__isnull=False).update(
        expires_at=timezone.now() - timedelta(minutes=1))

    response, _ = sign_in(client, provider)

    row = assert_refused(response, client, "expired", logins=1)
    assert row.object_id == User.objects.get(federated_identity__isnull=False).pk


def test_an_account_of_another_agency_is_not_moved_by_an_assertion(client, idp, provider, ocso):
    sign_in(client, provider)
    client.logout()
    provider.trusted_agencies.add(ocso)
    idp.attributes = gfipm(**{"gfipm:2.0:user:EmployerORI": "FL0480000"})

    response, _ = sign_in(client, provider)

    assert_refused(response, client, "belongs to another agency", logins=1)
    assert FederatedIdentity.objects.get().user.agency.ori == "FL0480400"


# The pages around it ------------------------------------------------------------------------


def test_the_log_in_page_offers_each_enabled_provider(client, provider):
    IdentityProvider.objects.create(name="Switched off IdP", entity_id="urn:off",
                                    metadata_xml="<x/>", enabled=False)

    page = client.get(reverse("login")).content.decode()

    assert f"Sign in through {provider.name}" in page
    assert reverse("saml-login", args=[provider.pk]) in page
    assert "Switched off IdP" not in page
    assert 'name="password"' in page  # the password stays


def test_the_metadata_names_the_portal_and_its_consumer_service(client, db):
    response = client.get(reverse("saml-metadata"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/samlmetadata+xml"
    text = response.content.decode()
    assert 'entityID="https://testserver/saml/metadata/"' in text
    assert 'Location="https://testserver/saml/acs/"' in text
    assert "X509Certificate" in text


def test_an_unknown_provider_is_a_404(client, db):
    assert client.get(reverse("saml-login", args=[999999])).status_code == 404


def test_the_consumer_service_takes_only_post(client, db):
    assert client.get(reverse("saml-acs")).status_code == 405
