"""The contract every API endpoint keeps (tests/api/base.py, after NetBox's generic API test
classes), and what each endpoint adds to it.

Each endpoint class names its resource, model, writes and how to make one more row of its list;
it inherits the checks: anonymous and a bad key get 401, an outsider agency gets the 404 of a
missing object (and no row in the list), a member gets 200 with the object, a read-only key
cannot write, an outsider's write key cannot either, a level too low is refused, and the list
and detail cost their baselines of tests/api/query_counts.py. Errors always have the one JSON
shape.
"""

import pytest

from agencies.models import Agency, FusionCenter, Membership
from audit.models import AccessLog
from cases import services as case_services
from cases.api import serializers as s
from cases.models import Annotation, Case, Entity, IntelligenceItem
from core.handling import Level
from core.states import STATE_CODES
from sharing.models import Tombstone
from sharing.services import share
from tests.api.base import EndpointTests, ListEndpointTests, Write, assert_error_shape
from tests.conftest import cfr23_labels

pytestmark = pytest.mark.django_db


class TestCases(EndpointTests):
    resource = "cases"
    model = Case
    required_level = Level.EDIT
    rows_already = 1  # the story's case

    def object_id(self, story):
        return story.case.id

    def writes(self, story):
        return [
            Write("post", self.list_url,
                  {"number": "X-1", "title": "New", "lead_center_id": story.center.id}),
            Write("patch", self.detail_url(story),
                  {"title": "Renamed", "version": story.case.version}, Level.EDIT),
        ]

    @pytest.fixture
    def make_row(self, make_case, analyst_fl):
        """A case of MBI in two states, with a subject."""

        def make(n):
            case = make_case(analyst_fl, states=("FL", "LA"))
            case_services.entity_link(by=analyst_fl, kind="email", label="Courier's e-mail",
                                      case=case, address=f"courier{n}@mail.example",
                                      role="suspect")

        return make


class TestItems(EndpointTests):
    resource = "items"
    model = IntelligenceItem
    required_level = Level.ANNOTATE
    rows_already = 2  # the story's tip, and the RFI that make_row's responses answer

    def object_id(self, story):
        return story.item.id

    def writes(self, story):
        return [Write("post", self.list_url,
                      {"kind": "tip", "title": "x", "case_id": story.case.id}, Level.ANNOTATE)]

    @pytest.fixture
    def make_row(self, story, analyst_fl):
        """An item of MBI with a subject: alone, on the story's case, or answering an RFI (a
        page reads the linked cases and the RFIs in one query each)."""
        rfi = case_services.item_create(by=analyst_fl, kind="rfi", title="Who owns the van?")

        def make(n):
            links = [{}, {"case": story.case}, {"kind": "rfi_response", "in_response_to": rfi}]
            fields = {"kind": "tip", **links[n % 3]}
            item = case_services.item_create(by=analyst_fl, title=f"Item {n}", **fields,
                                             **cfr23_labels(analyst_fl))
            case_services.entity_link(by=analyst_fl, kind="email", label="Courier's e-mail",
                                      item=item, address=f"courier{n}@mail.example")

        return make

    def test_a_page_without_linked_cases_or_rfis_reads_neither(self, api, story, partner_key_fl,
                                                               django_assert_num_queries):
        IntelligenceItem.objects.filter(pk=story.item.pk).update(case=None)
        page = self.assert_costs(api.as_key(partner_key_fl), f"{self.list_url}?limit=500",
                                 "items without linked cases or RFIs", django_assert_num_queries,
                                 "the story's tip alone")
        assert [row["id"] for row in page["results"]] == [story.item.id]


class TestAnnotations(EndpointTests):
    resource = "annotations"
    model = Annotation
    required_level = Level.ANNOTATE
    rows_already = 1  # the story's note

    def object_id(self, story):
        return story.note.id

    def writes(self, story):
        return [
            Write("post", self.list_url, {"case_id": story.case.id, "body": "Seen."},
                  Level.ANNOTATE),
            # Only its author edits a note, whatever level: tests/api/test_writes.py.
            Write("patch", self.detail_url(story), {"body": "Edited", "version": 1}),
        ]

    @pytest.fixture
    def make_row(self, story, analyst_fl):
        """A note of MBI's analyst on the story's case or on its tip, in turn."""

        def make(n):
            target = {"case": story.case} if n % 2 else {"item": story.item}
            case_services.annotation_add(by=analyst_fl, body=f"Note {n}", **target)

        return make


class TestEntities(EndpointTests):
    resource = "entities"
    model = Entity
    rows_already = 1  # the recruiter's e-mail, on the story's case and its tip
    # Entities are not written through the API: the outsider's 405s above, and no level to hold.
    test_holder_of_less_cannot_write = None
    test_holder_of_the_level_writes = None

    def object_id(self, story):
        return story.entity.id

    @pytest.fixture
    def make_row(self, story, analyst_fl):
        return lambda n: case_services.entity_link(
            by=analyst_fl, kind="email", label="Courier's e-mail", case=story.case,
            address=f"courier{n}@mail.example", role="associate")


class DirectoryEndpoint(EndpointTests):
    """The network's directory: read by every member agency, written by none over the API."""

    private = False
    test_holder_of_less_cannot_write = None
    test_holder_of_the_level_writes = None


class TestAgencies(DirectoryEndpoint):
    resource = "agencies"
    model = Agency
    rows_already = 2  # MBI (the story's owner) and Houston PD (the outsider's)

    def object_id(self, story):
        return story.case.owner_id

    @pytest.fixture
    def make_row(self, cfix, outsider_key):
        """An agency, a member of CFIX (a row lists its centers)."""

        def make(n):
            agency = Agency.objects.create(name=f"Agency {n}", ori=f"FL{n:07d}", level="local",
                                           home_state="FL")
            Membership.objects.create(center=cfix, agency=agency)

        return make


class TestFusionCenters(DirectoryEndpoint):
    resource = "fusion-centers"
    model = FusionCenter
    rows_already = 2  # CFIX and TxFC (the outsider's)

    def object_id(self, story):
        return story.center.id

    @pytest.fixture
    def make_row(self, outsider_key):
        states = sorted(STATE_CODES)
        return lambda n: FusionCenter.objects.create(
            name=f"Urban area center {n}", short_name=f"UA{n}", state=states[n % len(states)],
            kind="recognized")


class TestChanges(ListEndpointTests):
    """What stopped being visible to NOPD: its tombstones, a page at a time."""

    resource = "changes"
    member_key = "partner_key_la"

    @pytest.fixture
    def make_row(self, nopd):
        """A tombstone of NOPD, of each type in turn (a page checks, once per type on it,
        whether any became visible again)."""
        types = list(Tombstone.Type)
        return lambda n: Tombstone.objects.create(agency=nopd, object_type=types[n % len(types)],
                                                  object_id=10**9 + n, reason="unshared")

    def test_an_outsider_gets_none_of_them(self, api, make_row, outsider):
        make_row(0)
        assert api.as_key(outsider).get(self.list_url).json()["results"] == []


def test_unknown_api_path_answers_in_the_error_shape(api, db):
    assert_error_shape(api.get("/api/v1/nothing-here/"), 404, "not_found")


def test_member_row_shapes_match_the_documented_serializers(api, story, partner_key_fl):
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
    phone = case_services.entity_link(
        by=analyst_fl, kind="phone", label="Motel desk", item=story.item, role="called",
        number="+12255550123",
    )
    bare = case_services.item_create(by=analyst_fl, kind="tip", title="Nothing linked")
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
        "/api/v1/items/", {"kind": "sar", "title": "Cash structuring", "case_id": story.case.id,
                           "behaviours": ["recruiting_financing"]}
    )
    assert item.status_code == 201, item.content
    assert item.json()["case_id"] == story.case.id
