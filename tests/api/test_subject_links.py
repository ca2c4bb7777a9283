"""Linking subjects over the API: POST /api/v1/cases/<id>/subjects/ and /api/v1/items/<id>/subjects/,
and `subjects` in the body that opens a case or submits an item. Each link is the page's
(cases.services.entity_link): edit level, blind deconfliction, watchers; a value that cannot be
normalised is a field error and, on a new record, nothing is written."""

import pytest

from cases import services
from cases.models import Case, CaseEntity, Entity, IntelligenceItem, ItemEntity, SubjectMatch
from core.handling import Level
from notifications.models import Notification
from sharing.services import share
from tests.api.conftest import api_labels, key_for
from tests.base import deliver_all

pytestmark = pytest.mark.django_db

PHONE = {"kind": "phone", "value": "(407) 555-0148", "role": "recruiter's phone"}
SECRET = "Orlando motel ring, the secret one"


@pytest.fixture
def writer(api, partner_writer_fl):
    return api.as_key(partner_writer_fl)


def keyed(api, key):
    """A client of its own for `key` (the `api` fixture's is one client)."""
    return type(api)().as_key(key)


@pytest.fixture
def houston_api(api, outsider_key):
    return keyed(api, outsider_key)


@pytest.fixture
def orlando(make_case, analyst_fl):
    """MBI's case holding the recruiter's phone; nobody else sees it."""
    case = make_case(analyst_fl, title=SECRET)
    services.entity_link(by=analyst_fl, case=case, kind="phone", label="Recruiter (407) 555-0148",
                         number="407-555-0148")
    return case


def test_a_subject_links_to_a_case_once(writer, trafficking_case):
    url = f"/api/v1/cases/{trafficking_case.pk}/subjects/"
    made = writer.post(url, PHONE)
    assert made.status_code == 201, made.content
    entities = made.json()["entities"]
    assert [(e["kind"], e["key"], e["label"], e["role"]) for e in entities] == [
        ("phone", "+14075550148", "(407) 555-0148", "recruiter's phone")]
    assert made["ETag"] == f'"case-{trafficking_case.pk}-v1"'
    again = writer.post(url, {**PHONE, "value": "407.555.0148"})
    assert again.status_code == 200, again.content
    assert CaseEntity.objects.filter(case=trafficking_case).count() == 1


def test_each_kind_as_it_is_typed_and_the_label_given(writer, make_item, analyst_fl):
    item = make_item(analyst_fl)
    url = f"/api/v1/items/{item.pk}/subjects/"
    bodies = [
        {"kind": "vehicle", "value": "lkr-7q2", "state": "FL"},
        {"kind": "person", "value": "Dwayne Halvorsen-Pike", "dob": "1988-11-27",
         "label": "D. Halvorsen-Pike (the driver)"},
        {"kind": "account", "value": "@bigd_nola", "platform": "Instagram"},
    ]
    for body in bodies:
        answer = writer.post(url, body)
        assert answer.status_code == 201, answer.content
    rows = {e["kind"]: e for e in answer.json()["entities"]}
    assert rows["vehicle"]["key"] == "FL:LKR7Q2" and rows["vehicle"]["label"] == "lkr-7q2 (FL)"
    assert rows["person"]["label"] == "D. Halvorsen-Pike (the driver)"
    assert rows["account"]["label"] == "Instagram: @bigd_nola"
    assert ItemEntity.objects.filter(item=item).count() == 3


@pytest.mark.parametrize("body, field", [
    ({"kind": "phone", "value": "not a number"}, "value"),
    ({"kind": "vehicle", "value": "ABC123"}, "state"),  # no issuing state
    ({"kind": "vehicle", "value": "ABC123", "state": "ZZ"}, "state"),
    ({"kind": "person", "value": "Dwayne", "dob": "27/11/1988"}, "dob"),
    ({"kind": "account", "value": "bigd"}, "platform"),
    ({"kind": "spaceship", "value": "x"}, "kind"),
    ({"kind": "phone"}, "value"),
])
def test_a_value_that_cannot_be_a_subject_is_a_field_error(writer, trafficking_case, body, field):
    answer = writer.post(f"/api/v1/cases/{trafficking_case.pk}/subjects/", body)
    assert answer.status_code == 400, answer.content
    assert list(answer.json()["fields"]) == [field], answer.json()
    assert not CaseEntity.objects.filter(case=trafficking_case).exists()


def test_who_may_not_link(api, trafficking_case, partner_key_fl, houston_api, admin_nopd, nopd,
                          analyst_fl):
    url = f"/api/v1/cases/{trafficking_case.pk}/subjects/"
    # A read key: 403, whatever the body.
    assert keyed(api, partner_key_fl).post(url, PHONE).status_code == 403
    # An agency that does not see the case: the 404 of a missing one.
    hidden = houston_api.post(url, PHONE)
    missing = houston_api.post("/api/v1/cases/987654321/subjects/", PHONE)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    # An agency that may annotate the case but not edit it: 403, naming the level.
    share(obj=trafficking_case, by=analyst_fl, level=Level.ANNOTATE, agency=nopd)
    answer = keyed(api, key_for(admin_nopd, name="NOPD tool", scope="write")).post(url, PHONE)
    assert answer.status_code == 403 and answer.json()["code"] == "insufficient_level"
    assert not CaseEntity.objects.filter(case=trafficking_case).exists()


def test_a_new_case_with_subjects_is_written_whole_or_not_at_all(writer, cfix):
    body = {"number": "MBI-2026-0100", "title": "Card skimmers on the I-4", "lead_center_id": cfix.pk,
            "subjects": [PHONE, {"kind": "vin", "value": "not a vin"}]}
    refused = writer.post("/api/v1/cases/", body)
    assert refused.status_code == 400, refused.content
    assert list(refused.json()["fields"]) == ["subjects[1].value"]
    assert not Case.objects.filter(number="MBI-2026-0100").exists()
    assert not Entity.objects.exists()
    body["subjects"][1] = {"kind": "vin", "value": "1HGCM82633A004352", "role": "vehicle used"}
    made = writer.post("/api/v1/cases/", body)
    assert made.status_code == 201, made.content
    assert sorted(e["kind"] for e in made.json()["entities"]) == ["phone", "vin"]


def test_more_subjects_than_one_request_takes_is_refused(writer, cfix):
    body = {"number": "MBI-2026-0101", "title": "Too many", "lead_center_id": cfix.pk,
            "subjects": [{"kind": "phone", "value": f"407555{n:04d}"} for n in range(51)]}
    refused = writer.post("/api/v1/cases/", body)
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"subjects": ["Ensure this field has no more than 50 elements."]}
    assert not Case.objects.filter(number="MBI-2026-0101").exists()


def test_an_item_submitted_with_subjects(writer, analyst_fl):
    body = {"kind": "tip", "title": "Caller saw the van", "subjects": [PHONE],
            **api_labels(analyst_fl)}
    made = writer.post("/api/v1/items/", body)
    assert made.status_code == 201, made.content
    item = IntelligenceItem.objects.get(pk=made.json()["id"])
    assert [link.entity.key for link in ItemEntity.objects.filter(item=item)] == ["+14075550148"]


@pytest.mark.parametrize("path", ["link", "new case", "new item"])
def test_every_api_path_deconflicts(path, houston_api, orlando, outsider, txfc, make_case,
                                    django_capture_on_commit_callbacks):
    """Houston links, by the API, the phone that MBI's case holds and Houston may not see:
    both agencies are told, Houston only whom to contact."""
    with django_capture_on_commit_callbacks(execute=True):
        if path == "link":
            own = make_case(outsider, states=("TX",), title="Port crew smuggling")
            answer = houston_api.post(f"/api/v1/cases/{own.pk}/subjects/", PHONE)
        elif path == "new case":
            answer = houston_api.post("/api/v1/cases/", {
                "number": "HPD-I-1040", "title": "Port crew smuggling", "lead_center_id": txfc.pk,
                "subjects": [PHONE]})
        else:
            answer = houston_api.post("/api/v1/items/", {
                "kind": "tip", "title": "Crew member's phone", "subjects": [PHONE],
                **api_labels(outsider)})
    assert answer.status_code in (200, 201), answer.content
    assert SECRET not in answer.content.decode()
    match = SubjectMatch.objects.get()
    assert (match.held_case, match.new_agency_id) == (orlando, outsider.agency_id)
    deliver_all()
    told = {note.agency_id: note for note in Notification.objects.filter(kind="deconfliction")}
    assert set(told) == {orlando.owner_id, outsider.agency_id}
    linker = told[outsider.agency_id]
    assert "Another agency holds a record" in linker.title
    assert SECRET not in linker.title + str(linker.lines)
