"""The TAXII 2.1 server as a partner's OASIS client (taxii2-client) reads it: discovery, the API
root, the collections its key may read, objects and their pages, filters, manifest, versions;
every object checked by the OASIS validator; what an outsider, a foreign partner, a bad key and a
wrong Accept get."""

import json
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taxii2client.v21 import as_pages

from agencies.models import User
from audit.models import AccessLog
from cases import services as case_services
from cases.models import IntelligenceItem
from core.cursors import encode_cursor
from core.handling import TLP
from products import services as product_services
from taxii import stix
from taxii.selectors import EVERYTHING, PRODUCTS, case_collection_id
from tests.conftest import _agency, _user

from .conftest import API_ROOT, TAXII, assert_valid, key_for
from .query_counts import QUERIES

OPEN = "openportiontoken"
LES = "lesportiontoken"
RED = "redportiontoken"


@pytest.fixture
def tip(analyst_fl, trafficking_case):
    item = case_services.item_create(
        by=analyst_fl, kind="bulletin", title="Motel on Airline Highway", body="Seen twice.",
        case=trafficking_case,
    )
    case_services.entity_link(
        by=analyst_fl, kind="email", label="Recruiter", item=item,
        address="recruiter.o'neil@mail.example", role="suspect",
    )
    item.refresh_from_db()
    return item


@pytest.fixture
def europol(cfix):
    agency = _agency("EUROPOL", "DCEUROPOL", "federal", "DC")
    agency.foreign_partner = True
    agency.save()
    return agency


@pytest.fixture
def europol_key(europol):
    return key_for(_user("admin_eu", europol, User.Role.AGENCY_ADMIN), name="EUROPOL feed")


@pytest.fixture
def bulletin(analyst_fl, europol):
    """A product with an open portion released to EUROPOL, an LES one and a RED one, published
    to EUROPOL."""
    item = product_services.product_create(by=analyst_fl, type="bulletin", title="Smuggling", portions=[
        {"heading": "Summary", "text": f"Routes {OPEN}", "tlp": TLP.GREEN, "rel_to": [europol]},
        {"heading": "Sources", "text": f"Informant {LES}", "tlp": TLP.AMBER, "les": True},
        {"heading": "Targets", "text": f"Names {RED}", "tlp": TLP.RED},
    ]).item
    product_services.publish(product=item.product, by=analyst_fl, agencies=[europol])
    return item


def collection(server, collection_id):
    for found in server.api_roots[0].collections:
        if found.id == collection_id:
            return found
    return None


def every_object(coll, **filters):
    objects = []
    for envelope in as_pages(coll.get_objects, per_request=500, **filters):
        objects += envelope.get("objects", [])
    return objects


def raw(transport, key, path, accept=TAXII):
    return transport.client.get(path, headers={"Authorization": f"Bearer {key}", "Accept": accept})


# Discovery, the API root, the collections -----------------------------------------------------


def test_discovery_names_the_api_root_and_it_speaks_taxii_2_1(taxii_server, partner_key_fl):
    server = taxii_server(partner_key_fl)
    assert server.title == "FusionPortal TAXII 2.1"
    assert server.default.url == API_ROOT
    assert server.api_roots[0].versions == [TAXII]


def test_the_member_sees_everything_the_products_and_its_case(
        taxii_server, partner_key_fl, trafficking_case):
    collections = {c.id: c for c in taxii_server(partner_key_fl).api_roots[0].collections}
    assert set(collections) == {EVERYTHING.id, PRODUCTS.id, case_collection_id(trafficking_case.pk)}
    assert collections[case_collection_id(trafficking_case.pk)].title.startswith(
        f"Case {trafficking_case.number}")
    assert all(c.can_read and not c.can_write for c in collections.values())  # a read key


def test_a_write_key_may_write_to_everything_and_its_case_never_to_the_products(
        taxii_server, partner_writer_fl, trafficking_case):
    collections = {c.id: c for c in taxii_server(partner_writer_fl).api_roots[0].collections}
    assert collections[EVERYTHING.id].can_write
    assert collections[case_collection_id(trafficking_case.pk)].can_write
    assert not collections[PRODUCTS.id].can_write


@pytest.mark.parametrize("suffix", ["", "objects/", "manifest/", "objects/{report}/",
                                    "objects/{report}/versions/"])
def test_an_outsider_has_no_collection_of_the_case_and_gets_the_404_of_a_missing_one(
        taxii_server, transport, outsider_key, tip, trafficking_case, suffix):
    ids = {c.id for c in taxii_server(outsider_key).api_roots[0].collections}
    assert ids == {EVERYTHING.id, PRODUCTS.id}
    report = stix.item_object_id(tip.pk)
    path = "/taxii2/api1/collections/{}/" + suffix.format(report=report)
    hidden = raw(transport, outsider_key, path.format(case_collection_id(trafficking_case.pk)))
    missing = raw(transport, outsider_key, path.format(case_collection_id(10**9)))
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden["Content-Type"] == TAXII
    assert set(json.loads(hidden.content)) >= {"title", "description", "http_status"}


def test_an_outsider_reads_nothing_of_the_item_in_everything(transport, outsider_key, tip):
    answer = raw(transport, outsider_key, f"/taxii2/api1/collections/{EVERYTHING.id}/objects/?limit=500")
    assert answer.status_code == 200
    assert tip.title not in answer.content.decode()
    assert stix.item_object_id(tip.pk) not in answer.content.decode()
    one = raw(transport, outsider_key,
              f"/taxii2/api1/collections/{EVERYTHING.id}/objects/{stix.item_object_id(tip.pk)}/")
    assert one.status_code == 404


# Objects -------------------------------------------------------------------------------------


def test_every_object_of_every_collection_is_valid_stix(taxii_server, partner_key_fl, tip, bulletin):
    server = taxii_server(partner_key_fl)
    for coll in server.api_roots[0].collections:
        objects = every_object(coll)
        assert_valid(objects)
    everything = {o["id"]: o for o in every_object(collection(server, EVERYTHING.id))}
    report = everything[stix.item_object_id(tip.pk)]
    assert report["type"] == "report" and report["name"] == tip.title
    assert report["object_marking_refs"] == [stix.TLP2_MARKING_IDS[TLP.AMBER]]
    assert report["created_by_ref"] == stix.agency_identity_id(tip.owner_id)
    assert report["created_by_ref"] in everything  # the agency's identity is served too
    for ref in report["object_refs"]:
        assert ref in everything, ref
    indicator = next(o for o in everything.values() if o["type"] == "indicator")
    assert indicator["pattern"] == "[email-addr:value = 'recruiter.o\\'neil@mail.example']"
    assert stix.LES_MARKING_ID in everything and stix.HANDLING_EXTENSION in everything


def test_a_product_is_one_report_with_its_portions_and_its_les_marking_for_the_owner(
        taxii_server, partner_key_fl, bulletin):
    products = every_object(collection(taxii_server(partner_key_fl), PRODUCTS.id))
    assert_valid(products)
    reports = [o for o in products if o["type"] == "report"]
    assert [r["id"] for r in reports] == [stix.item_object_id(bulletin.pk)]
    assert RED in reports[0]["description"] and LES in reports[0]["description"]
    assert set(reports[0]["object_marking_refs"]) == {stix.TLP2_MARKING_IDS[TLP.RED], stix.LES_MARKING_ID}
    portions = reports[0]["extensions"][stix.HANDLING_EXTENSION]["portions"]
    assert [p["withheld"] for p in portions] == [False, False, False]


def test_a_foreign_partner_never_gets_a_withheld_portion_in_any_object(
        taxii_server, europol_key, bulletin, tip):
    server = taxii_server(europol_key)
    seen = []
    for coll in server.api_roots[0].collections:
        objects = every_object(coll)
        assert_valid(objects)
        seen += objects
    text = json.dumps(seen)
    assert OPEN in text
    assert LES not in text and RED not in text
    assert tip.title not in text  # an item never shared with it
    report = next(o for o in seen if o["id"] == stix.item_object_id(bulletin.pk))
    # Its version's marking: the portions it holds (GREEN, no LES).
    assert report["object_marking_refs"] == [stix.TLP2_MARKING_IDS[TLP.GREEN]]
    portions = report["extensions"][stix.HANDLING_EXTENSION]["portions"]
    assert [p["withheld"] for p in portions] == [False, True, True]
    assert portions[1]["text"].startswith("Portion withheld") and portions[1]["heading"] == ""


def test_a_wrong_accept_is_406_and_answers_carry_the_taxii_media_type(transport, partner_key_fl):
    for accept in ("application/json", "text/html", "application/taxii+json;version=2.0",
                   "application/stix+json;version=2.1"):
        answer = raw(transport, partner_key_fl, "/taxii2/api1/collections/", accept=accept)
        assert answer.status_code == 406, accept
        assert answer["Content-Type"] == TAXII
    for accept in (TAXII, "application/taxii+json", "*/*"):
        answer = raw(transport, partner_key_fl, "/taxii2/api1/collections/", accept=accept)
        assert answer.status_code == 200, accept
        assert answer["Content-Type"] == TAXII


def test_a_bad_key_is_401_and_no_key_is_401(taxii_server, transport, partner_key_fl):
    with pytest.raises(requests.HTTPError) as refused:
        taxii_server("fpk_00000000_not-a-key").api_roots  # noqa: B018
    assert refused.value.response.status_code == 401
    answer = transport.client.get("/taxii2/", headers={"Accept": TAXII})
    assert answer.status_code == 401
    assert answer["WWW-Authenticate"] == 'Basic realm="taxii"'
    assert json.loads(answer.content)["http_status"] == "401"


def test_http_basic_with_the_key_as_password_and_the_rest_apis_bearer_header_work(
        taxii_server, transport, partner_key_fl, trafficking_case):
    server = taxii_server(partner_key_fl, basic=True)
    assert collection(server, case_collection_id(trafficking_case.pk)) is not None
    assert raw(transport, partner_key_fl, "/taxii2/api1/").status_code == 200


# Pages and filters -----------------------------------------------------------------------------


@pytest.fixture
def many_items(analyst_fl, trafficking_case):
    def make(n):
        return [
            case_services.item_create(by=analyst_fl, kind="report", title=f"Report {i}",
                                      case=trafficking_case)
            for i in range(n)
        ]

    return make


def test_limit_and_next_walk_every_object_exactly_once(taxii_server, partner_key_fl, many_items, tip):
    many_items(12)
    coll = collection(taxii_server(partner_key_fl), EVERYTHING.id)
    whole = coll.get_objects(limit=500)
    assert whole["more"] is False and "next" not in whole
    pages = list(as_pages(coll.get_objects, per_request=7))
    assert all(len(page["objects"]) == 7 for page in pages[:-1])
    walked = [o["id"] for page in pages for o in page["objects"]]
    assert len(walked) == len(set(walked))
    assert walked == [o["id"] for o in whole["objects"]]
    assert len(pages) == -(-len(walked) // 7)


def test_limit_is_bounded_and_next_is_opaque(transport, partner_key_fl):
    base = f"/taxii2/api1/collections/{EVERYTHING.id}/objects/"
    naive = encode_cursor("2/2026-01-01T00:00:00/0", 1, sort="taxii")
    for query in ("limit=0", "limit=-1", "limit=ten", "next=not-a-cursor", "next=MTIzfDQ1",
                  f"next={naive}",
                  "added_after=yesterday", "match[version]=sometime"):
        answer = raw(transport, partner_key_fl, f"{base}?{query}")
        assert answer.status_code == 400, query
        assert json.loads(answer.content)["http_status"] == "400"
    big = json.loads(raw(transport, partner_key_fl, f"{base}?limit=100000").content)
    assert len(big["objects"]) <= 500


def test_added_after_gives_what_was_added_later(taxii_server, partner_key_fl, many_items):
    first, second = many_items(2)
    IntelligenceItem.objects.filter(pk=first.pk).update(updated_at=timezone.now() - timedelta(hours=2))
    coll = collection(taxii_server(partner_key_fl), EVERYTHING.id)
    envelope = coll.get_objects(added_after=timezone.now() - timedelta(hours=1))
    assert [o["id"] for o in envelope["objects"]] == [stix.item_object_id(second.pk)]


def test_added_after_and_the_date_headers_follow_date_added(transport, partner_key_fl, many_items):
    many_items(3)
    answer = raw(transport, partner_key_fl, f"/taxii2/api1/collections/{EVERYTHING.id}/objects/?limit=500")
    assert answer["X-TAXII-Date-Added-First"] == stix.REFERENCE_STAMP.replace(".000Z", ".000000Z")
    last = answer["X-TAXII-Date-Added-Last"]
    later = raw(transport, partner_key_fl,
                f"/taxii2/api1/collections/{EVERYTHING.id}/objects/?added_after={last}")
    assert json.loads(later.content)["objects"] == []
    assert "X-TAXII-Date-Added-First" not in later


def test_match_type_id_and_version(taxii_server, partner_key_fl, tip, many_items):
    many_items(2)
    coll = collection(taxii_server(partner_key_fl), EVERYTHING.id)
    reports = coll.get_objects(type="report")["objects"]
    assert reports and {o["type"] for o in reports} == {"report"}
    kinds = {o["type"] for o in coll.get_objects(type=["indicator", "identity"])["objects"]}
    assert kinds == {"indicator", "identity"}
    report_id = stix.item_object_id(tip.pk)
    found = coll.get_objects(id=report_id)["objects"]
    assert [o["id"] for o in found] == [report_id]
    modified = found[0]["modified"]
    assert coll.get_objects(id=report_id, version=modified)["objects"] == found
    assert coll.get_objects(id=report_id, version="2020-01-01T00:00:00.000Z")["objects"] == []
    for word in ("last", "first", "all"):
        assert coll.get_objects(id=report_id, version=word)["objects"] == found


def test_object_manifest_and_versions(taxii_server, partner_key_fl, tip):
    coll = collection(taxii_server(partner_key_fl), EVERYTHING.id)
    report_id = stix.item_object_id(tip.pk)
    one = coll.get_object(report_id)
    assert [o["id"] for o in one["objects"]] == [report_id]
    assert_valid(one["objects"])
    versions = coll.object_versions(report_id)
    assert versions["versions"] == [one["objects"][0]["modified"]]
    manifest = coll.get_manifest(limit=500)["objects"]
    objects = coll.get_objects(limit=500)["objects"]
    assert [m["id"] for m in manifest] == [o["id"] for o in objects]
    record = next(m for m in manifest if m["id"] == report_id)
    assert record["version"] == one["objects"][0]["modified"]
    assert record["media_type"] == "application/stix+json;version=2.1"


def test_a_case_collection_holds_the_case_items_only(
        taxii_server, partner_key_fl, analyst_fl, tip, trafficking_case):
    loose = case_services.item_create(by=analyst_fl, kind="report", title="Not on the case")
    coll = collection(taxii_server(partner_key_fl), case_collection_id(trafficking_case.pk))
    ids = {o["id"] for o in every_object(coll)}
    assert stix.item_object_id(tip.pk) in ids
    assert stix.item_object_id(loose.pk) not in ids


# Query counts ----------------------------------------------------------------------------------


def page_queries(transport, key, path):
    raw(transport, key, path)  # the key's first use of the minute is recorded once
    with CaptureQueriesContext(connection) as queries:
        answer = raw(transport, key, path)
    return json.loads(answer.content)["objects"], queries


@pytest.mark.parametrize("rows", [10, 200])
def test_a_page_costs_the_same_for_10_and_200_items(transport, partner_key_fl, many_items, tip,
                                                    bulletin, rows):
    many_items(rows)
    objects, queries = page_queries(
        transport, partner_key_fl, f"/taxii2/api1/collections/{EVERYTHING.id}/objects/?limit=500")
    assert len([o for o in objects if o["type"] == "report"]) == rows + 2
    assert len(queries) == QUERIES["taxii objects"], "\n".join(q["sql"] for q in queries)


@pytest.mark.parametrize("rows", [10, 200])
def test_a_recipients_page_of_products_costs_the_same_for_10_and_200(
        transport, europol_key, analyst_fl, europol, rows):
    for n in range(rows):
        item = product_services.product_create(by=analyst_fl, type="report", title=f"P{n}", portions=[
            {"text": f"Open {n}", "tlp": TLP.GREEN, "rel_to": [europol]},
            {"text": f"Informant {LES}", "tlp": TLP.AMBER, "les": True},
        ]).item
        product_services.publish(product=item.product, by=analyst_fl, agencies=[europol])
    objects, queries = page_queries(
        transport, europol_key, f"/taxii2/api1/collections/{PRODUCTS.id}/objects/?limit=500")
    assert len([o for o in objects if o["type"] == "report"]) == rows
    assert LES not in json.dumps(objects)
    assert len(queries) == QUERIES["taxii products (recipient)"], "\n".join(q["sql"] for q in queries)


def test_a_page_is_written_to_the_access_log_with_the_items_it_disclosed(
        transport, partner_key_fl, tip):
    raw(transport, partner_key_fl, f"/taxii2/api1/collections/{EVERYTHING.id}/objects/?limit=500")
    entry = AccessLog.objects.filter(action="list").latest("id")
    assert entry.object_ids == [tip.pk]
    assert entry.detail["api_key"] == partner_key_fl[:12]


def test_a_response_to_an_rfi_is_a_note_on_the_rfis_report(taxii_server, partner_key_fl, analyst_fl):
    rfi = case_services.item_create(by=analyst_fl, kind="rfi", title="Who rents unit 4?",
                                    body="Need the lessee.")
    answer = case_services.item_create(by=analyst_fl, kind="rfi_response", title="The lessee",
                                       body="A shell company.", in_response_to=rfi)
    coll = collection(taxii_server(partner_key_fl), EVERYTHING.id)
    note = coll.get_object(stix.item_object_id(answer.pk, note=True))["objects"]
    assert_valid(note)
    assert note[0]["type"] == "note" and note[0]["content"] == "A shell company."
    assert note[0]["object_refs"][0] == stix.item_object_id(rfi.pk)


# Ids read back ---------------------------------------------------------------------------------


def test_a_records_id_is_read_back_to_it_and_nothing_else_is():
    for tag in (stix.REPORT, stix.NOTE, stix.INDICATOR, stix.CASE_COLLECTION):
        for pk in (1, 4711, 2**48 - 1):
            assert stix.record_pk(stix.record_uuid(tag, pk), tag) == pk
    assert stix.item_pk_of(stix.item_object_id(42)) == 42
    assert stix.item_pk_of(stix.item_object_id(42, note=True)) == 42
    assert stix.subject_link_pk_of(stix.subject_indicator_id(7)) == 7
    # Another tag, another producer's id, a name-based id of the portal, not an id at all.
    assert stix.record_pk(stix.record_uuid(stix.NOTE, 42), stix.REPORT) is None
    assert stix.item_pk_of("report--9c4e97f8-4e2a-41bf-9cfb-6070105b3a5d") is None
    assert stix.item_pk_of(stix.PORTAL_IDENTITY_ID) is None
    assert stix.item_pk_of("report--not-a-uuid") is None and stix.record_pk("", stix.REPORT) is None
    assert stix.item_pk_of(f"indicator--{stix.record_uuid(stix.REPORT, 42)}") is None
    assert EVERYTHING.id != case_collection_id(1) and stix.record_pk(EVERYTHING.id, 4) is None


@pytest.mark.parametrize("cases", [10, 200])
def test_a_case_collection_and_an_object_by_id_cost_the_same_for_10_and_200_cases(
        transport, partner_key_fl, make_case, analyst_fl, tip, cases):
    """A case's collection and an object asked for by id are found by the id they carry (one
    lookup through the permission service), never by a walk over what the agency sees."""
    made = [make_case(analyst_fl, states=("FL",)) for _ in range(cases)]
    for case in made[: cases // 2]:
        case_services.item_create(by=analyst_fl, kind="report", title=f"On {case.number}",
                                  case=case)
    counts = []
    for path in (f"/taxii2/api1/collections/{case_collection_id(made[-1].pk)}/",
                 f"/taxii2/api1/collections/{EVERYTHING.id}/objects/{stix.item_object_id(tip.pk)}/",
                 f"/taxii2/api1/collections/{EVERYTHING.id}/objects/"
                 f"?match[id]={stix.item_object_id(tip.pk)}"):
        raw(transport, partner_key_fl, path)  # the key's first use of the minute is recorded once
        with CaptureQueriesContext(connection) as queries:
            answer = raw(transport, partner_key_fl, path)
        assert answer.status_code == 200, answer.content
        counts.append(len(queries))
        if not counts[1:]:  # the case's collection: its case read by its id, one row at most
            case_reads = [q["sql"] for q in queries if 'FROM "cases_case"' in q["sql"]]
            assert len(case_reads) == 1 and "LIMIT 1" in case_reads[0], case_reads
            assert f'"cases_case"."id" = {made[-1].pk}' in case_reads[0], case_reads
    assert counts == QUERIES["taxii case collection, object by id, match[id]"]
