"""A superuser connects an identity provider in Django admin: its metadata is checked and read
(entity id, HTTP-Redirect sign-on, signing certificate), and every change reaches the access log
with before and after, with a row for each agency that gains or loses the provider's trust."""

import re

import pytest
from django.urls import reverse

from agencies.models import FederatedIdentity, IdentityProvider, User
from audit.models import AccessLog

from .admin_actors import *  # noqa: F403 (the fixtures, the HTTPS client)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="platform_root", password="x-long-passphrase-1",
                                         email="root@example.gov")


@pytest.fixture
def idp(saml_idp_server):
    return saml_idp_server()


def form_data(idp, **overrides):
    data = {"name": "Florida Law Enforcement IdP", "enabled": "on",
            "metadata_xml": idp.metadata_xml, "entity_id": "",
            "mfa_contexts": "https://refeds.org/profile/mfa"}
    data.update(overrides)
    return data


def test_a_superuser_connects_a_provider_and_it_is_logged(client, superuser, idp, mbi):
    client.force_login(superuser)

    response = client.post(reverse("admin:agencies_identityprovider_add"),
                           form_data(idp, trusted_agencies=[mbi.pk]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    provider = IdentityProvider.objects.get()
    assert provider.entity_id == idp.entity_id  # read from the metadata
    assert provider.created_by == superuser and provider.changed_by == superuser
    assert provider.mfa_context_refs == ["https://refeds.org/profile/mfa"]
    added, granted = AccessLog.objects.filter(action="admin").order_by("id")
    assert added.actor == superuser and added.agency is None
    assert added.detail["operation"] == "identity_provider_add"
    assert added.detail["after"]["trusted_oris"] == ["FL0480400"]
    assert granted.agency == mbi and granted.detail["operation"] == "identity_provider_trust_grant"
    page = client.get(reverse("admin:agencies_identityprovider_change", args=[provider.pk]))
    text = page.content.decode()
    assert f"{idp.base}/sso/redirect" in text  # the sign-on address read from the metadata
    assert "SHA-256" in text


def test_disabling_and_untrusting_are_logged_with_before_and_after(client, superuser, idp, mbi):
    client.force_login(superuser)
    client.post(reverse("admin:agencies_identityprovider_add"),
                form_data(idp, trusted_agencies=[mbi.pk]))
    provider = IdentityProvider.objects.get()

    response = client.post(reverse("admin:agencies_identityprovider_change", args=[provider.pk]),
                           form_data(idp, enabled="", entity_id=idp.entity_id))

    assert response.status_code == 302
    changed, revoked = AccessLog.objects.filter(action="admin").order_by("-id")[:2][::-1]
    assert changed.detail["operation"] == "identity_provider_change"
    assert (changed.detail["before"]["enabled"], changed.detail["after"]["enabled"]) == (True, False)
    assert changed.detail["after"]["trusted_oris"] == []
    assert revoked.agency == mbi and revoked.detail["operation"] == "identity_provider_trust_revoke"


@pytest.mark.parametrize("metadata, error", [
    ("<not-metadata", "cannot be read as SAML metadata"),
    ("SWAP_BINDING", "HTTP-Redirect"),
    ("DROP_CERTIFICATE", "no signing certificate"),
])
def test_metadata_the_portal_cannot_use_is_refused_with_the_reason(
        client, superuser, idp, metadata, error):
    if metadata == "SWAP_BINDING":
        metadata = idp.metadata_xml.replace("bindings:HTTP-Redirect", "bindings:HTTP-POST")
    elif metadata == "DROP_CERTIFICATE":
        metadata = re.sub(r"<ns0:KeyDescriptor.*?</ns0:KeyDescriptor>", "", idp.metadata_xml,
                          flags=re.S)
    client.force_login(superuser)

    response = client.post(reverse("admin:agencies_identityprovider_add"),
                           form_data(idp, metadata_xml=metadata))

    assert response.status_code == 200
    assert error in str(response.context["adminform"].form.errors["metadata_xml"])
    assert not IdentityProvider.objects.exists()
    assert not AccessLog.objects.filter(action="admin").exists()


def test_an_entity_id_other_than_the_metadatas_is_refused(client, superuser, idp):
    client.force_login(superuser)

    response = client.post(reverse("admin:agencies_identityprovider_add"),
                           form_data(idp, entity_id="https://someone-else.example/idp"))

    assert response.status_code == 200
    assert idp.entity_id in str(response.context["adminform"].form.errors["entity_id"])


def test_a_center_admin_cannot_open_it(client, admin_cfix, db):
    client.force_login(admin_cfix)

    response = client.get(reverse("admin:agencies_identityprovider_changelist"))

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_provider_is_disabled_never_deleted(client, superuser, idp):
    provider = IdentityProvider.objects.create(name="IdP", entity_id=idp.entity_id,
                                               metadata_xml=idp.metadata_xml)
    client.force_login(superuser)

    response = client.get(reverse("admin:agencies_identityprovider_delete", args=[provider.pk]))

    assert response.status_code == 403
    assert IdentityProvider.objects.filter(pk=provider.pk).exists()


def test_the_user_page_shows_the_federated_identity_and_its_indicators(
        client, superuser, idp, analyst_fl):
    provider = IdentityProvider.objects.create(name="Florida IdP", entity_id=idp.entity_id,
                                               metadata_xml=idp.metadata_xml)
    FederatedIdentity.objects.create(user=analyst_fl, identity_provider=provider,
                                     federation_id="NIEF:IDP:FL:USER:analyst", sworn_officer=True,
                                     cfr28_certified=False)
    client.force_login(superuser)

    text = client.get(reverse("admin:agencies_user_change", args=[analyst_fl.pk])).content.decode()

    assert "NIEF:IDP:FL:USER:analyst" in text
    assert "sworn law-enforcement officer" in text.lower() and "28 CFR Part 23 certified" in text
