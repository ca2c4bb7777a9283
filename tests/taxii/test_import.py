"""POST of objects: a write key's reports become items of its agency with their markings kept,
all or none, once per STIX id; a read key, an unknown marking and a read-only collection are
refused, and the status says why."""

import json
import uuid

import pytest
import requests

from cases.models import IntelligenceItem
from core.handling import TLP
from taxii import stix
from taxii.models import ImportedObject
from taxii.selectors import EVERYTHING, PRODUCTS, case_collection_id

from .conftest import TAXII, assert_valid


def report(name="Imported bulletin", *, markings=(stix.TLP2_MARKING_IDS[TLP.GREEN],), **extra):
    return {
        "type": "report", "spec_version": "2.1", "id": f"report--{uuid.uuid4()}",
        "created": "2026-11-01T10:00:00.000Z", "modified": "2026-11-02T10:00:00.000Z",
        "name": name, "description": "Two vehicles seen at the port.",
        "published": "2026-11-01T10:00:00.000Z",
        "object_refs": [f"identity--{uuid.uuid4()}"], "object_marking_refs": list(markings),
        **extra,
    }


def collection_of(taxii_server, key, collection_id):
    return next(c for c in taxii_server(key).api_roots[0].collections if c.id == collection_id)


def test_a_report_round_trips_as_an_item_of_the_key_agency_with_its_markings(
        taxii_server, partner_writer_fl, mbi):
    sent = report(markings=[stix.TLP2_MARKING_IDS[TLP.AMBER_STRICT], stix.LES_MARKING_ID])
    coll = collection_of(taxii_server, partner_writer_fl, EVERYTHING.id)
    status = coll.add_objects({"objects": [sent, stix.tlp_marking(TLP.AMBER_STRICT)]})
    assert (status.status, status.success_count, status.failure_count) == ("complete", 2, 0)
    item = IntelligenceItem.objects.get(pk=ImportedObject.objects.get(stix_id=sent["id"]).item_id)
    assert (item.owner, item.kind, item.title, item.body) == (
        mbi, "report", sent["name"], sent["description"])
    assert (item.tlp, item.les) == (TLP.AMBER_STRICT, True)
    # And back: the item is served as a report with the same markings.
    back = coll.get_object(stix.item_object_id(item.pk))["objects"]
    assert_valid(back)
    assert back[0]["name"] == sent["name"]
    assert set(back[0]["object_marking_refs"]) == set(sent["object_marking_refs"])


def test_the_same_report_twice_is_imported_once(taxii_server, partner_writer_fl):
    sent = report()
    coll = collection_of(taxii_server, partner_writer_fl, EVERYTHING.id)
    coll.add_objects({"objects": [sent]})
    again = coll.add_objects({"objects": [sent, sent]})
    assert (again.success_count, again.failure_count) == (2, 0)
    assert "Imported already" in again.successes[0]["message"]
    assert IntelligenceItem.objects.filter(title=sent["name"]).count() == 1


@pytest.mark.parametrize(("refused", "reason"), [
    (report(markings=["marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"]), "Unknown marking"),
    (report(markings=[]), "exactly one TLP 2.0"),
    (report(markings=list(stix.TLP2_MARKING_IDS.values())[:2]), "exactly one TLP 2.0"),
    ({"type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.uuid4()}"}, "Not valid STIX"),
    ({**report(), "id": "report--not-a-uuid"}, "Not valid STIX"),
    ({"type": "malware", "spec_version": "2.1", "id": f"malware--{uuid.uuid4()}",
      "created": "2026-11-01T10:00:00.000Z", "modified": "2026-11-01T10:00:00.000Z",
      "name": "x", "is_family": False}, "Only reports are imported"),
    ({"type": "marking-definition", "spec_version": "2.1", "id": f"marking-definition--{uuid.uuid4()}",
      "created": "2026-11-01T10:00:00.000Z", "definition_type": "statement",
      "definition": {"statement": "PAP:RED"}}, "Unknown marking definition"),
    (report(name="x" * 201), "at most 200"),
])
def test_one_refused_object_refuses_the_envelope_and_writes_nothing(
        taxii_server, partner_writer_fl, refused, reason):
    good = report(name="Would be imported")
    status = collection_of(taxii_server, partner_writer_fl, EVERYTHING.id).add_objects(
        {"objects": [good, refused]})
    assert (status.success_count, status.failure_count) == (0, 2)
    messages = {f["id"]: f["message"] for f in status.failures}
    assert reason in messages[refused["id"]]
    assert "another object of this envelope was refused" in messages[good["id"]]
    assert not IntelligenceItem.objects.filter(title="Would be imported").exists()
    assert not ImportedObject.objects.exists()


def test_a_report_posted_to_a_case_lands_on_the_case(taxii_server, partner_writer_fl, trafficking_case):
    sent = report()
    collection_of(taxii_server, partner_writer_fl, case_collection_id(trafficking_case.pk)).add_objects(
        {"objects": [sent]})
    assert IntelligenceItem.objects.get(title=sent["name"]).case == trafficking_case


def test_the_status_is_read_by_the_agency_that_posted_only(
        taxii_server, taxii_root, partner_writer_fl, partner_key_fl, outsider_key):
    status = collection_of(taxii_server, partner_writer_fl, EVERYTHING.id).add_objects(
        {"objects": [report()]})
    again = taxii_root(partner_key_fl).get_status(status.id)  # another key of MBI
    assert (again.status, again.success_count) == ("complete", 1)
    with pytest.raises(requests.HTTPError) as refused:
        taxii_root(outsider_key).get_status(status.id)
    assert refused.value.response.status_code == 404


def post(transport, key, collection_id, body, content_type=TAXII):
    return transport.client.post(
        f"/taxii2/api1/collections/{collection_id}/objects/", data=body, content_type=content_type,
        headers={"Authorization": f"Bearer {key}", "Accept": TAXII},
    )


def test_a_read_key_gets_403_and_writes_nothing(transport, partner_key_fl):
    answer = post(transport, partner_key_fl, EVERYTHING.id, json.dumps({"objects": [report()]}))
    assert answer.status_code == 403
    assert json.loads(answer.content)["http_status"] == "403"
    assert not IntelligenceItem.objects.exists()


def test_the_products_collection_and_an_invisible_case_take_nothing(
        transport, partner_writer_fl, outsider_key, trafficking_case):
    body = json.dumps({"objects": [report()]})
    assert post(transport, partner_writer_fl, PRODUCTS.id, body).status_code == 403
    hidden = post(transport, outsider_key, case_collection_id(trafficking_case.pk), body)
    missing = post(transport, outsider_key, case_collection_id(10**9), body)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert not IntelligenceItem.objects.exists()


@pytest.mark.parametrize(("body", "content_type", "code"), [
    (json.dumps({"objects": []}), TAXII, 400),
    (json.dumps([report()]), TAXII, 400),
    ("{not json", TAXII, 400),
    (json.dumps({"objects": [report()]}), "application/json", 415),
    (json.dumps({"objects": [report()]}), "application/taxii+json;version=2.0", 415),
], ids=["no-objects", "not-an-envelope", "not-json", "plain-json", "taxii-2.0"])
def test_a_bad_body_is_refused_clearly(transport, partner_writer_fl, body, content_type, code):
    answer = post(transport, partner_writer_fl, EVERYTHING.id, body, content_type)
    assert answer.status_code == code
    assert json.loads(answer.content)["http_status"] == str(code)
    assert not IntelligenceItem.objects.exists()


def test_a_body_over_the_limit_is_413_and_writes_nothing(transport, partner_writer_fl, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_000
    body = json.dumps({"objects": [report(description="x" * 5_000)]})
    answer = post(transport, partner_writer_fl, EVERYTHING.id, body)
    assert answer.status_code == 413
    assert json.loads(answer.content)["http_status"] == "413"
    assert not IntelligenceItem.objects.exists()
