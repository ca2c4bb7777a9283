"""The TAXII server over real HTTP, as a partner's taxii2-client reaches it: the live server, HTTP
Basic with the key as the password, a whole feed read and a report added and read back."""

import uuid

import pytest
from django.test import override_settings
from taxii2client.v21 import Server, as_pages

from cases import services as case_services
from core.handling import TLP
from taxii import stix
from taxii.models import ImportedObject
from taxii.selectors import EVERYTHING

from .conftest import assert_valid


@pytest.fixture(scope="session")
def plain_http():
    """The live server speaks plain HTTP on localhost (as in tests/api/test_schema.py).
    Session-scoped, as live_server is: it must be on before the server starts."""
    override = override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0)
    override.enable()
    yield
    override.disable()


@pytest.mark.django_db(transaction=True)
def test_a_partner_client_reads_the_feed_and_adds_a_report_over_http(
        plain_http, live_server, partner_writer_fl, analyst_fl, trafficking_case):
    item = case_services.item_create(by=analyst_fl, kind="bulletin", title="Port watch",
                                     body="Two trucks.", case=trafficking_case)
    server = Server(f"{live_server.url}/taxii2/", user="mbi-case-tool", password=partner_writer_fl)
    root = server.api_roots[0]
    everything = next(c for c in root.collections if c.id == EVERYTHING.id)
    objects = [o for page in as_pages(everything.get_objects, per_request=20)
               for o in page.get("objects", [])]
    assert_valid(objects)
    assert stix.item_object_id(item.pk) in {o["id"] for o in objects}

    sent = {
        "type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
        "created": "2026-11-01T10:00:00.000Z", "modified": "2026-11-01T10:00:00.000Z",
        "name": "From the partner", "published": "2026-11-01T10:00:00.000Z",
        "object_refs": [f"identity--{uuid.uuid4()}"],
        "object_marking_refs": [stix.TLP2_MARKING_IDS[TLP.GREEN]],
    }
    status = everything.add_objects({"objects": [sent]})
    assert (status.status, status.success_count) == ("complete", 1)
    imported = ImportedObject.objects.get(stix_id=sent["id"]).item_id
    back = everything.get_object(stix.item_object_id(imported))["objects"]
    assert_valid(back)
    assert back[0]["name"] == "From the partner"
