"""Federated sign-in in a real browser (issue 12, item 7).

MBI's analyst chooses "Sign in through Florida Law Enforcement IdP" on the log-in page; Chromium
follows the portal's signed AuthnRequest to a real identity provider (pysaml2, on a port of its
own), whose page posts the signed answer back to the portal; the analyst lands on the home page,
signed in to a new account of MBI. A second browser brings an answer from an agency the provider
is not trusted for and gets the plain refusal. Every step is photographed to test-artifacts/.
"""

import re

from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from agencies import mfa
from agencies.models import IdentityProvider, User
from audit.models import AccessLog
from tests.agencies.saml_idp import MFA_CONTEXT

FEDERATION_ID = "NIEF:IDP:FLORIDA-IDP:USER:jane.doe@mbi.example.gov"


def test_an_analyst_signs_in_through_the_agency_identity_provider(
    portal, open_page, screenshot, saml_idp_server, mbi, ocso
):
    idp = saml_idp_server(portal)
    idp.attributes = {
        "gfipm:2.0:user:FederationId": FEDERATION_ID,
        "gfipm:2.0:user:EmployerORI": mbi.ori,
        "gfipm:2.0:user:GivenName": "Jane",
        "gfipm:2.0:user:SurName": "Doe",
        "gfipm:2.0:user:EmailAddressText": "jane.doe@mbi.example.gov",
        "gfipm:2.0:user:SwornLawEnforcementOfficerIndicator": "true",
    }
    idp.authn_context = MFA_CONTEXT
    provider = IdentityProvider.objects.create(
        name="Florida Law Enforcement IdP", entity_id=idp.entity_id, metadata_xml=idp.metadata_xml,
        mfa_contexts=MFA_CONTEXT,
    )
    provider.trusted_agencies.add(mbi)

    page = open_page()
    page.goto("/login/")
    choice = page.get_by_role("link", name="Sign in through Florida Law Enforcement IdP")
    expect(choice).to_be_visible()
    screenshot(page, "log-in-page")
    choice.click()

    page.wait_for_url(f"{portal}/")
    expect(page.locator(".who-name")).to_have_text("Jane Doe")
    screenshot(page, "signed-in")
    user = User.objects.get(federated_identity__federation_id=FEDERATION_ID)
    assert user.agency == mbi
    [login] = AccessLog.objects.filter(action=AccessLog.Action.LOGIN)
    assert login.actor == user and login.detail["identity_provider"] == provider.name
    assert login.detail["multi_factor"] is True
    # The MFA marker is in the browser's session (its cookie names it).
    session_key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    assert SessionStore(session_key)[mfa.SECOND_FACTOR] == "idp"

    # An answer for an agency the provider is not trusted for: the one plain refusal.
    idp.attributes = {**idp.attributes, "gfipm:2.0:user:EmployerORI": ocso.ori,
                      "gfipm:2.0:user:FederationId": "NIEF:IDP:FLORIDA-IDP:USER:someone"}
    other = open_page()
    other.allow_console_error(r"status of 403")
    other.goto("/login/")
    other.get_by_role("link", name="Sign in through Florida Law Enforcement IdP").click()
    other.wait_for_url(re.compile(r"/saml/acs/$"))
    expect(other.get_by_role("heading", name="Sign-in refused")).to_be_visible()
    screenshot(other, "refused")
    [refused] = AccessLog.objects.filter(action=AccessLog.Action.LOGIN_FAILED)
    assert refused.agency == ocso and "not trusted" in refused.detail["reason"]
