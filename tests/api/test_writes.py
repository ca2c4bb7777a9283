"""Writes: ETag and If-Match (the version is the optimistic lock), clear errors, never a 500."""

import pytest

from agencies.models import ApiKey
from cases import services as case_services
from cases.models import Annotation, Case, IntelligenceItem
from core.handling import TLP, Level
from notifications.models import OutboxEvent
from sharing.permissions import items_visible_to, level_of
from sharing.services import share
from tests.api.conftest import api_labels, key_for
from tests.conftest import fresh

pytestmark = pytest.mark.django_db


@pytest.fixture
def writer(api, partner_writer_fl):
    return api.as_key(partner_writer_fl)


def test_etag_and_if_match_guard_a_case(writer, trafficking_case):
    url = f"/api/v1/cases/{trafficking_case.id}/"
    read = writer.get(url)
    etag = read["ETag"]
    assert etag == f'"case-{trafficking_case.id}-v1"'
    changed = writer.patch(url, {"title": "Three suspects identified"}, HTTP_IF_MATCH=etag)
    assert changed.status_code == 200, changed.content
    assert changed.json()["version"] == 2
    assert changed["ETag"] == f'"case-{trafficking_case.id}-v2"'

    stale = writer.patch(url, {"title": "Overwritten?"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    assert Case.objects.get(pk=trafficking_case.pk).title == "Three suspects identified"

    stale_body = writer.patch(url, {"title": "Overwritten?", "version": 1})
    assert stale_body.status_code == 412
    assert stale_body.json()["current_version"] == 2
    assert stale_body["ETag"] == f'"case-{trafficking_case.id}-v2"'


def test_a_write_must_name_the_version_it_read(writer, trafficking_case):
    response = writer.patch(f"/api/v1/cases/{trafficking_case.id}/", {"title": "x"})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["version"]


def test_an_etag_of_another_object_does_not_match(writer, make_case, analyst_fl, trafficking_case):
    other = make_case(analyst_fl)
    response = writer.patch(
        f"/api/v1/cases/{trafficking_case.id}/",
        {"title": "x"},
        HTTP_IF_MATCH=f'"case-{other.id}-v1"',
    )
    assert response.status_code == 412


def test_edit_needs_the_edit_level(api, trafficking_case, analyst_fl, anaheim, partner_key_ca):
    share(obj=trafficking_case, by=analyst_fl, level=Level.ANNOTATE, agency=anaheim)
    response = api.as_key(partner_key_ca).patch(
        f"/api/v1/cases/{trafficking_case.id}/", {"title": "x", "version": 1}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_level"
    note = api.post(
        "/api/v1/annotations/", {"case_id": trafficking_case.id, "body": "OCIAC: seen."}
    )
    assert note.status_code == 201


def test_annotation_edit_keeps_history_and_honours_if_match(writer, trafficking_case):
    created = writer.post(
        "/api/v1/annotations/", {"case_id": trafficking_case.id, "body": "First."}
    )
    url = f"/api/v1/annotations/{created.json()['id']}/"
    edited = writer.patch(url, {"body": "Second."}, HTTP_IF_MATCH=created["ETag"])
    assert edited.status_code == 200, edited.content
    assert edited.json()["edited"] is True
    assert writer.patch(url, {"body": "Third."}, HTTP_IF_MATCH=created["ETag"]).status_code == 412
    note = Annotation.objects.get(pk=created.json()["id"])
    assert note.body == "Second."
    assert list(note.revisions.values_list("body", flat=True)) == ["First."]


def test_only_the_author_edits_an_annotation(api, trafficking_case, partner_writer_fl, analyst_fl):
    from cases.services import annotation_add

    note = annotation_add(by=analyst_fl, case=trafficking_case, body="Analyst's own note")
    response = api.as_key(partner_writer_fl).patch(
        f"/api/v1/annotations/{note.id}/", {"body": "Changed by a key", "version": 1}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "not_author"


def test_field_errors_name_each_field(writer, cfix):
    response = writer.post("/api/v1/cases/", {"title": "", "jurisdictions": [{"state": "ZZ"}]})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["fields"]) == {"number", "title", "lead_center_id", "jurisdictions[0].state"}
    assert "number" in body["message"]


def test_a_taken_case_number_is_a_clear_400(writer, trafficking_case, cfix):
    response = writer.post(
        "/api/v1/cases/",
        {
            "number": trafficking_case.number,
            "title": "Again",
            "lead_center_id": cfix.id,
        },
    )
    assert response.status_code == 400, response.content
    assert response.json()["message"]


def test_an_invisible_case_in_a_body_reads_as_missing(api, trafficking_case, outsider_key):
    response = api.as_key(outsider_key).post(
        "/api/v1/annotations/", {"case_id": trafficking_case.id, "body": "Hello"}
    )
    missing = api.post("/api/v1/annotations/", {"case_id": 987654321, "body": "Hello"})
    assert response.status_code == missing.status_code == 400
    assert response.json() == missing.json()


BAD_BODIES = [
    b"{not json",
    b"[]",
    b"null",
    b'"text"',
    b'{"case_id": "abc", "body": 5}',
    b'{"case_id": 99999999999999999999999999, "body": "x"}',
    b'{"case_id": -1, "body": "x"}',
    b'{"case_id": 1, "item_id": 1, "body": "x"}',
    b'{"body": "x"}',
    b'{"case_id": true, "body": "x"}',
    b'{"case_id": 1, "body": "' + b"x" * 30000 + b'"}',
    b'{"case_id": 1, "body": "\\u0000"}',
]


@pytest.mark.parametrize("raw", BAD_BODIES)
def test_bad_bodies_never_give_a_500(writer, trafficking_case, raw):
    for url, method in [
        ("/api/v1/annotations/", "post"),
        ("/api/v1/cases/", "post"),
        ("/api/v1/items/", "post"),
        (f"/api/v1/cases/{trafficking_case.id}/", "patch"),
    ]:
        response = getattr(writer, method)(url, raw, content_type="application/json")
        assert 400 <= response.status_code < 500, (url, response.content)
        assert set(response.json()) >= {"code", "message", "fields"}


@pytest.mark.parametrize("version", ["1", True, -3, 1.5, None, "99999999999999999999999"])
def test_bad_versions_are_400(writer, trafficking_case, version):
    response = writer.patch(
        f"/api/v1/cases/{trafficking_case.id}/", {"title": "x", "version": version}
    )
    assert response.status_code == 400, response.content
    assert "version" in response.json()["fields"]


def test_a_wrong_content_type_is_415(writer, trafficking_case):
    response = writer.post("/api/v1/annotations/", "body=x", content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_a_method_not_offered_is_405(writer, trafficking_case):
    response = writer.delete(f"/api/v1/cases/{trafficking_case.id}/")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_an_rfi_answered_over_the_api_goes_back_to_the_agency_that_asked(
    api, admin_nopd, analyst_fl, nopd, mbi
):
    """The share-back is the service's rule (cases.services.item_create), not a page's: a
    partner system answering an RFI reaches the asker as the browser does, and MBI is told."""
    rfi = case_services.item_create(
        by=analyst_fl, kind="rfi", title="Who rents room 12?", tlp=TLP.GREEN
    )
    share(obj=rfi, by=analyst_fl, agency=nopd, level=Level.VIEW)
    writer_nopd = key_for(admin_nopd, scope=ApiKey.Scope.WRITE, name="NOPD case tool")
    response = api.as_key(writer_nopd).post("/api/v1/items/", {
        "kind": "rfi_response", "title": "Re: room 12", "body": "A man named D. Price.",
        "tlp": "GREEN", "in_response_to_id": rfi.pk, **api_labels(admin_nopd),
    }, format="json")
    assert response.status_code == 201, response.content
    answer = IntelligenceItem.objects.get(in_response_to=rfi)
    assert answer.owner == nopd
    assert items_visible_to(fresh(analyst_fl)).filter(pk=answer.pk).exists()
    assert level_of(mbi, answer) == Level.VIEW
    assert OutboxEvent.objects.filter(kind=OutboxEvent.Kind.SHARED, item=answer, agency=mbi).exists()
