"""The contract every API endpoint keeps (NetBox-style generic test classes).

Each endpoint class names its URL and what to read or write; it inherits the checks: anonymous
and a bad key get 401, an outsider agency gets 404 (and an empty list), a member gets 200 with
the object, a read-only key cannot write. Errors always have the one JSON shape.
"""

from types import SimpleNamespace

import pytest

from audit.models import AccessLog
from cases import services as case_services
from cases.models import Annotation, Case, IntelligenceItem

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(trafficking_case, analyst_fl, cfix):
    """MBI's case with an item, a subject and a note; nothing is shared with anyone."""
    item = case_services.item_create(
        by=analyst_fl,
        kind="tip",
        title="Tip: minor seen at a Baton Rouge motel",
        case=trafficking_case,
    )
    entity = case_services.entity_link(
        by=analyst_fl,
        kind="email",
        label="Recruiter's e-mail",
        case=trafficking_case,
        address="Recruiter.Example@Mail.example",
        role="suspect",
    )
    case_services.entity_link(
        by=analyst_fl,
        kind="email",
        label="Recruiter's e-mail",
        item=item,
        address="recruiter.example@mail.example",
    )
    note = case_services.annotation_add(
        by=analyst_fl, case=trafficking_case, body="Phone dump pending."
    )
    trafficking_case.refresh_from_db()
    return SimpleNamespace(case=trafficking_case, item=item, entity=entity, note=note, center=cfix)


def assert_error_shape(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) >= {"code", "message", "fields"}, body
    assert body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body


class ApiContract:
    resource = ""
    private = True  # outsiders must not see the object

    def object_id(self, story):
        raise NotImplementedError

    def writes(self, story):
        """(method, url, body) of each write this endpoint accepts."""
        return []

    def writes_on_the_story(self, story):
        """The writes that touch the story's objects (an outsider may still open its own case)."""
        return [w for w in self.writes(story) if w[0] != "post" or self.resource != "cases"]

    @property
    def list_url(self):
        return f"/api/v1/{self.resource}/"

    def detail_url(self, story):
        return f"{self.list_url}{self.object_id(story)}/"

    def test_anonymous_gets_401(self, api, story):
        for url in (self.list_url, self.detail_url(story)):
            response = api.get(url)
            assert_error_shape(response, 401, "not_authenticated")
            assert response["WWW-Authenticate"].startswith("Bearer")

    def test_a_bad_key_gets_401(self, api, story, partner_key_fl):
        for bad in ("fpk_00000000_not-a-key", partner_key_fl[:-1] + "x", "nonsense", "Basic abc"):
            response = api.as_key(bad).get(self.list_url)
            assert_error_shape(response, 401)

    def test_outsider_gets_404_and_an_empty_list(self, api, story, outsider_key):
        if not self.private:
            # The network directory (agencies, centers) is readable by every member agency.
            assert api.as_key(outsider_key).get(self.detail_url(story)).status_code == 200
            return
        response = api.as_key(outsider_key).get(self.detail_url(story))
        body = assert_error_shape(response, 404, "not_found")
        assert str(self.object_id(story)) not in body["message"]
        listed = api.as_key(outsider_key).get(self.list_url).json()["results"]
        assert self.object_id(story) not in [row["id"] for row in listed]

    def test_unknown_and_malformed_ids_get_404(self, api, story, partner_key_fl):
        for pk in ("999999999", "99999999999999999999999", "abc", "-1"):
            response = api.as_key(partner_key_fl).get(f"{self.list_url}{pk}/")
            assert_error_shape(response, 404)

    def test_member_gets_200_and_the_same_row_in_list_and_detail(self, api, story, partner_key_fl):
        api.as_key(partner_key_fl)
        listed = api.get(self.list_url)
        assert listed.status_code == 200, listed.content
        rows = {row["id"]: row for row in listed.json()["results"]}
        assert self.object_id(story) in rows
        detail = api.get(self.detail_url(story))
        assert detail.status_code == 200, detail.content
        assert detail.json() == rows[self.object_id(story)]

    def test_read_only_key_cannot_write(self, api, story, partner_key_fl):
        before = AccessLog.objects.exclude(action__in=["read", "list"]).count()
        for method, url, body in self.writes(story) or [("post", self.list_url, {})]:
            response = getattr(api.as_key(partner_key_fl), method)(url, body, format="json")
            assert_error_shape(response, 403, "missing_scope")
        assert AccessLog.objects.exclude(action__in=["read", "list"]).count() == before

    def test_outsider_with_write_scope_cannot_write(self, api, story, outsider_key):
        for method, url, body in self.writes_on_the_story(story):
            response = getattr(api.as_key(outsider_key), method)(url, body, format="json")
            assert response.status_code in (400, 404), response.content
            body = response.json()
            # Said the way a missing object is said: "No case found."
            assert "found" in (body["message"] + str(body["fields"])).lower(), body


class TestCases(ApiContract):
    resource = "cases"

    def object_id(self, story):
        return story.case.id

    def writes(self, story):
        return [
            (
                "post",
                self.list_url,
                {"number": "X-1", "title": "New", "lead_center_id": story.center.id},
            ),
            ("patch", self.detail_url(story), {"title": "Renamed", "version": story.case.version}),
        ]


class TestItems(ApiContract):
    resource = "items"

    def object_id(self, story):
        return story.item.id

    def writes(self, story):
        return [("post", self.list_url, {"kind": "tip", "title": "x", "case_id": story.case.id})]


class TestAnnotations(ApiContract):
    resource = "annotations"

    def object_id(self, story):
        return story.note.id

    def writes(self, story):
        return [
            ("post", self.list_url, {"case_id": story.case.id, "body": "Seen."}),
            ("patch", self.detail_url(story), {"body": "Edited", "version": 1}),
        ]


class TestEntities(ApiContract):
    resource = "entities"

    def object_id(self, story):
        return story.entity.id


class TestAgencies(ApiContract):
    resource = "agencies"
    private = False

    def object_id(self, story):
        return story.case.owner_id


class TestFusionCenters(ApiContract):
    resource = "fusion-centers"
    private = False

    def object_id(self, story):
        return story.center.id


def test_changes_needs_a_key(api, db):
    assert_error_shape(api.get("/api/v1/changes/"), 401, "not_authenticated")


def test_unknown_api_path_answers_in_the_error_shape(api, db):
    assert_error_shape(api.get("/api/v1/nothing-here/"), 404, "not_found")


def test_member_row_shapes_match_the_documented_serializers(api, story, partner_key_fl):
    from cases.api import serializers as s

    api.as_key(partner_key_fl)
    for resource, serializer in [
        ("cases", s.CaseRowSerializer),
        ("items", s.ItemRowSerializer),
        ("annotations", s.AnnotationRowSerializer),
        ("entities", s.EntityRowSerializer),
    ]:
        row = api.get(f"/api/v1/{resource}/").json()["results"][0]
        assert set(row) == set(serializer().fields), resource


def test_case_row_says_what_the_case_is(api, story, partner_key_fl):
    row = api.as_key(partner_key_fl).get(f"/api/v1/cases/{story.case.id}/").json()
    assert row["number"] == "MBI-2015-0042"
    assert row["states"] == ["CA", "FL", "LA"]
    assert row["handling"] == "TLP:AMBER · LES"
    assert row["owner_ori"] == "FL0480400"
    assert [(e["kind"], e["key"], e["role"]) for e in row["entities"]] == [
        ("email", "recruiter.example@mail.example", "suspect")
    ]


def test_item_rows_list_their_subjects_in_the_list_and_the_detail(
    api, story, analyst_fl, partner_key_fl
):
    from cases.services import entity_link, item_create

    phone = entity_link(
        by=analyst_fl, kind="phone", label="Motel desk", item=story.item, role="called",
        number="+12255550123",
    )
    bare = item_create(by=analyst_fl, kind="tip", title="Nothing linked")
    api.as_key(partner_key_fl)
    listed = {row["id"]: row for row in api.get("/api/v1/items/", {"limit": 500}).json()["results"]}
    detail = api.get(f"/api/v1/items/{story.item.id}/").json()
    for row in (listed[story.item.id], detail):
        assert [(e["id"], e["kind"], e["role"]) for e in row["entities"]] == [
            (story.entity.id, "email", ""),
            (phone.id, "phone", "called"),
        ]
    assert listed[bare.id]["entities"] == []


def test_item_hides_the_id_of_a_case_the_caller_cannot_see(
    api, story, analyst_fl, nopd, partner_key_la
):
    from sharing.services import share

    share(obj=story.item, by=analyst_fl, level=1, agency=nopd)
    row = api.as_key(partner_key_la).get(f"/api/v1/items/{story.item.id}/").json()
    assert row["case_id"] is None
    assert IntelligenceItem.objects.get(pk=story.item.id).case_id == story.case.id


def test_every_read_is_in_the_access_log_with_every_id(api, story, partner_key_fl):
    api.as_key(partner_key_fl)
    api.get("/api/v1/annotations/")
    api.get(f"/api/v1/cases/{story.case.id}/")
    listed = AccessLog.objects.filter(action="list", object_type="annotation").get()
    assert listed.object_ids == [story.note.id]
    assert listed.actor.api_key.name == "MBI records system"
    assert listed.agency_id == story.case.owner_id
    read = AccessLog.objects.filter(action="read", object_type="case").get()
    assert read.object_id == story.case.id
    assert read.detail["api_key"] == listed.detail["api_key"]


def test_writes_go_through_the_services(api, story, partner_writer_fl):
    api.as_key(partner_writer_fl)
    created = api.post(
        "/api/v1/annotations/", {"case_id": story.case.id, "body": "Motel CCTV requested."}
    )
    assert created.status_code == 201, created.content
    note = Annotation.objects.get(pk=created.json()["id"])
    assert note.author.api_key.name == "MBI case tool"
    assert AccessLog.objects.filter(action="annotate", object_id=story.case.id).count() == 2
    case = api.post(
        "/api/v1/cases/",
        {
            "number": "MBI-2015-0043",
            "title": "Second victim",
            "lead_center_id": story.center.id,
            "tlp": "AMBER+STRICT",
            "jurisdictions": [{"state": "FL"}, {"state": "GA", "city": "Atlanta"}],
        },
    )
    assert case.status_code == 201, case.content
    assert case.json()["states"] == ["FL", "GA"]
    assert case.json()["handling"] == "TLP:AMBER+STRICT"
    assert Case.objects.get(pk=case.json()["id"]).owner_id == story.case.owner_id
    item = api.post(
        "/api/v1/items/", {"kind": "sar", "title": "Cash structuring", "case_id": story.case.id}
    )
    assert item.status_code == 201, item.content
    assert item.json()["case_id"] == story.case.id
