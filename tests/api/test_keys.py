"""API keys: shown once, stored only as an HMAC, bound to an agency; expiry, networks, revoke."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from agencies.api_keys import api_key_create, api_key_revoke
from agencies.models import ApiKey
from tests.api.query_counts import QUERY_COUNTS
from tests.base import HttpsClient, ListPageTests

from .conftest import key_for

pytestmark = pytest.mark.django_db

KEY_PAGE = "/agency/api-keys/"


def every_stored_value():
    """Every value of every row of every table, as text."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                yield from (str(value) for value in row if value is not None)


def test_the_plaintext_is_nowhere_in_the_database(admin_mbi, api, trafficking_case):
    created = api_key_create(by=admin_mbi, name="MBI RMS", scope=ApiKey.Scope.WRITE)
    plaintext = created.plaintext
    api.as_key(plaintext).get("/api/v1/cases/")  # a use writes last_used and the access log
    secret_part = plaintext[len(created.key.prefix) + 1 :]
    values = list(every_stored_value())
    assert not any(plaintext in value or secret_part in value for value in values)
    assert not any(hashlib.sha256(plaintext.encode()).hexdigest() in value for value in values)
    assert any(created.key.prefix in value for value in values)  # the visible prefix is kept


def test_the_digest_needs_the_server_secret(api, partner_key_fl, trafficking_case):
    assert api.as_key(partner_key_fl).get("/api/v1/cases/").status_code == 200
    with override_settings(API_KEY_HMAC_SECRET="another-secret-" + "z" * 40):
        response = api.as_key(partner_key_fl).get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["code"] == "key_invalid"


def test_an_expired_key_gets_401(api, admin_mbi):
    plaintext = key_for(admin_mbi, expires_at=timezone.now() + timedelta(days=1))
    assert api.as_key(plaintext).get("/api/v1/cases/").status_code == 200
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = api.as_key(plaintext).get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["code"] == "key_expired"


def test_a_key_works_only_from_its_networks(api, admin_mbi):
    plaintext = key_for(admin_mbi, allowed_networks=["10.20.0.0/16", "2001:db8::/32"])
    api.as_key(plaintext)
    assert api.get("/api/v1/cases/", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert api.get("/api/v1/cases/", REMOTE_ADDR="2001:db8::7").status_code == 200
    refused = api.get("/api/v1/cases/", REMOTE_ADDR="10.21.0.1")
    assert refused.status_code == 403
    assert refused.json()["code"] == "ip_not_allowed"


def test_a_bad_network_is_refused_naming_the_field(admin_mbi):
    with pytest.raises(ValidationError) as refused:
        api_key_create(by=admin_mbi, name="x", allowed_networks=["10.0.0.0/33"])
    assert "allowed_networks" in refused.value.message_dict


def test_a_revoked_key_gets_401_at_once(api, admin_mbi):
    created = api_key_create(by=admin_mbi, name="Old feed")
    assert api.as_key(created.plaintext).get("/api/v1/cases/").status_code == 200
    api_key_revoke(key=created.key, by=admin_mbi)
    response = api.as_key(created.plaintext).get("/api/v1/cases/")
    assert response.status_code == 401
    assert response.json()["code"] == "key_revoked"
    created.key.user.refresh_from_db()
    assert not created.key.user.is_active


def test_only_an_agency_admin_creates_or_revokes(analyst_fl, admin_houston, admin_mbi):
    with pytest.raises(ValidationError):
        api_key_create(by=analyst_fl, name="Mine")
    created = api_key_create(by=admin_mbi, name="MBI")
    with pytest.raises(ValidationError):
        api_key_revoke(key=created.key, by=admin_houston)


def test_last_used_is_written_at_most_once_a_minute(api, partner_key_fl, django_assert_num_queries):
    api.as_key(partner_key_fl)
    api.get("/api/v1/fusion-centers/")
    first = ApiKey.objects.get().last_used_at
    assert first is not None
    # What the directory costs (tests/api/query_counts.py): no UPDATE of last_used_at.
    with django_assert_num_queries(QUERY_COUNTS["fusion-centers"]):
        api.get("/api/v1/fusion-centers/")
    assert ApiKey.objects.get().last_used_at == first
    ApiKey.objects.update(last_used_at=first - timedelta(minutes=2))
    api.get("/api/v1/fusion-centers/")
    assert ApiKey.objects.get().last_used_at > first


def test_a_key_acts_for_its_agency_only(api, trafficking_case, outsider_key, partner_key_fl):
    assert (
        api.as_key(partner_key_fl).get(f"/api/v1/cases/{trafficking_case.id}/").status_code == 200
    )
    assert api.as_key(outsider_key).get(f"/api/v1/cases/{trafficking_case.id}/").status_code == 404


def test_the_portal_session_works_too(trafficking_case, analyst_fl, outsider):
    client = HttpsClient()
    client.force_login(analyst_fl)
    assert client.get(f"/api/v1/cases/{trafficking_case.id}/").status_code == 200
    client.force_login(outsider)
    assert client.get(f"/api/v1/cases/{trafficking_case.id}/").status_code == 404


class TestKeyPage(ListPageTests):
    """The agency's keys, for its agency admin: Houston's admin sees the page without MBI's."""

    url_name = "api-keys"
    member_fixture = "admin_mbi"
    outsiders = ("admin_houston",)
    rows_shown = "keys"
    rows_already = 1

    @pytest.fixture
    def subject(self, admin_mbi):
        return api_key_create(by=admin_mbi, name="MBI records system").key

    def row_text(self, subject):
        return subject.prefix

    @pytest.fixture
    def make_row(self, admin_mbi):
        return lambda n: api_key_create(by=admin_mbi, name=f"Partner system {n}")

    def test_an_analyst_may_not_manage_keys(self, client, analyst_fl):
        # The one admin gate's answer: the page does not exist for them.
        client.force_login(analyst_fl)
        assert client.get(KEY_PAGE).status_code == 404
        assert client.post(KEY_PAGE, {"name": "x", "scope": "read"}).status_code == 404
        assert not ApiKey.objects.exists()

    def test_the_key_is_shown_once(self, client, admin_mbi, api):
        client.force_login(admin_mbi)
        response = client.post(
            KEY_PAGE,
            {
                "name": "MBI records system",
                "scope": "write",
                "expires_on": "",
                "allowed_networks": "203.0.113.0/24\n198.51.100.7",
            },
        )
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        key = ApiKey.objects.get()
        assert key.allowed_networks == ["203.0.113.0/24", "198.51.100.7/32"]
        shown = response.content.decode()
        start = shown.index(key.prefix + "_")
        plaintext = shown[start : shown.index('"', start)]
        assert f'id="new-key" type="text" readonly value="{plaintext}"' in shown
        assert '<button type="button" class="copy" data-copy="new-key" hidden>Copy</button>' in shown
        assert (
            api.as_key(plaintext).get("/api/v1/cases/", REMOTE_ADDR="203.0.113.9").status_code
            == 200
        )
        again = client.get(KEY_PAGE).content.decode()
        assert key.prefix in again and plaintext not in again

    def test_a_bad_network_is_a_form_error(self, client, admin_mbi):
        client.force_login(admin_mbi)
        response = client.post(KEY_PAGE, {"name": "x", "scope": "read", "allowed_networks": "nope"})
        assert response.status_code == 200
        assert "is not an IP network" in response.content.decode()
        assert not ApiKey.objects.exists()

    def test_each_key_says_its_status_and_only_a_live_one_offers_revoke(self, client, admin_mbi):
        live = api_key_create(by=admin_mbi, name="Live system").key
        gone = api_key_create(by=admin_mbi, name="Old system").key
        api_key_revoke(key=gone, by=admin_mbi)
        late = api_key_create(by=admin_mbi, name="Late system",
                              expires_at=timezone.now() + timedelta(days=1)).key
        ApiKey.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(days=1))
        client.force_login(admin_mbi)
        page = client.get(KEY_PAGE).content.decode()
        rows = {key: page[page.index(f"<code>{key.prefix}"):].split("</tr>")[0]
                for key in (live, gone, late)}
        assert ">Active</span>" in rows[live] and 'class="danger"' in rows[live]
        assert ">Revoked</span>" in rows[gone] and "Revoke</button>" not in rows[gone]
        assert ">Expired</span>" in rows[late] and "Revoke</button>" not in rows[late]
        assert '<form class="card form-page" method="post"' in page  # the layout of every form

    def test_the_admin_pages_lead_to_the_keys(self, client, admin_mbi):
        client.force_login(admin_mbi)
        for page in (reverse("admin-home"), reverse("webhook-list")):
            assert f'href="{KEY_PAGE}"' in client.get(page).content.decode()

    def test_revoke_and_another_agency_cannot(self, client, admin_mbi, admin_houston):
        created = api_key_create(by=admin_mbi, name="MBI")
        client.force_login(admin_houston)
        assert client.post(f"{KEY_PAGE}{created.key.pk}/revoke/").status_code == 404
        client.force_login(admin_mbi)
        assert client.post(f"{KEY_PAGE}{created.key.pk}/revoke/").status_code == 302
        assert ApiKey.objects.get().revoked_at is not None
