"""28 CFR Part 23 over the API: a partner submits criminal intelligence with its predicate and
labels, or information pending review; the refusals are the browser's; the rows carry the labels
and filter on them; a reviewer's key decides on what is pending."""

import pytest

from agencies.models import ApiKey
from cases import intelligence as cfr23
from cases import services as case_services
from cases.models import IntelligenceItem
from core.handling import Level
from sharing.services import share
from tests.api.conftest import api_labels, key_for
from tests.conftest import cfr23_labels

pytestmark = pytest.mark.django_db

TIP = {"kind": "tip", "title": "Courier at the bus station", "body": "Seen twice.", "tlp": "GREEN"}


@pytest.fixture
def writer(api, partner_writer_fl):
    return api.as_key(partner_writer_fl)


def test_a_tip_without_predicate_is_pending_review_and_seen_by_its_agency_alone(
    writer, api, partner_key_la
):
    response = writer.post("/api/v1/items/", TIP, format="json")
    assert response.status_code == 201, response.content
    row = response.json()
    assert row["intelligence_status"] == "pending" and row["predicate"] == ""
    other = api.as_key(partner_key_la)
    assert other.get(f"/api/v1/items/{row['id']}/").status_code == 404
    assert row["id"] not in [r["id"] for r in other.get("/api/v1/items/").json()["results"]]


def test_a_tip_with_its_predicate_is_criminal_intelligence_and_its_row_carries_the_labels(
    writer, analyst_fl
):
    response = writer.post("/api/v1/items/", {**TIP, **api_labels(analyst_fl)}, format="json")
    assert response.status_code == 201, response.content
    row = response.json()
    assert row["intelligence_status"] == "intelligence"
    assert (row["criminal_activity"], row["sensitivity"]) == ("human_trafficking", "sensitive")
    assert (row["source_reliability"], row["content_validity"]) == ("B", "2")
    assert row["no_protected_activity"] is True and row["predicate_missing"] is False
    assert row["control_official"] == "Analyst FL"
    assert row["submitted_by"]  # the key's account
    assert row["review_by"] and row["validated_at"]
    listed = writer.get("/api/v1/items/", {"intelligence_status": "intelligence",
                                           "source_reliability": "B"}).json()["results"]
    assert [r["id"] for r in listed] == [row["id"]]
    assert writer.get("/api/v1/items/", {"content_validity": "1"}).json()["results"] == []


@pytest.mark.parametrize("missing", ["predicate", "criminal_activity", "no_protected_activity",
                                     "sensitivity", "source_reliability", "content_validity",
                                     "control_official_id"])
def test_half_a_predicate_is_refused_naming_the_field(writer, analyst_fl, missing):
    body = {**TIP, **api_labels(analyst_fl)}
    del body[missing]
    response = writer.post("/api/v1/items/", body, format="json")
    assert response.status_code == 400, response.content
    field = "control_official" if missing == "control_official_id" else missing
    assert field in response.json()["fields"]
    assert not IntelligenceItem.objects.filter(title=TIP["title"]).exists()


def test_a_control_official_of_another_agency_is_a_field_error(writer, analyst_fl, analyst_la):
    body = {**TIP, **api_labels(analyst_fl), "control_official_id": analyst_la.pk}
    response = writer.post("/api/v1/items/", body, format="json")
    assert response.status_code == 400
    assert "control_official_id" in response.json()["fields"]


@pytest.fixture
def reviewer_key(admin_mbi):
    plaintext = key_for(admin_mbi, name="MBI supervisor queue", scope=ApiKey.Scope.WRITE)
    account = ApiKey.objects.get(name="MBI supervisor queue").user
    account.intelligence_reviewer = True
    account.save(update_fields=["intelligence_reviewer"])
    return plaintext


def test_a_reviewers_key_accepts_with_the_predicate(api, analyst_fl, reviewer_key):
    pending = case_services.item_create(by=analyst_fl, kind="sar", title="Photographing a pier",
                                        behaviours=["photography"])
    response = api.as_key(reviewer_key).post(
        f"/api/v1/items/{pending.pk}/review/",
        {"decision": "accept", "reason": "Surveillance of a port facility.",
         **api_labels(analyst_fl)}, format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["intelligence_status"] == "intelligence"
    pending.refresh_from_db()
    assert pending.review_reason == "Surveillance of a port facility."


def test_review_refusals_are_the_browsers(api, analyst_fl, reviewer_key, partner_writer_fl,
                                          partner_key_fl, admin_nopd):
    pending = case_services.item_create(by=analyst_fl, kind="sar", title="Photographing a pier",
                                        behaviours=["photography"])
    url = f"/api/v1/items/{pending.pk}/review/"
    missing_reason = api.as_key(reviewer_key).post(url, {"decision": "reject"}, format="json")
    assert missing_reason.status_code == 400 and "reason" in missing_reason.json()["fields"]
    no_predicate = api.as_key(reviewer_key).post(
        url, {"decision": "accept", "reason": "ok"}, format="json")
    assert no_predicate.status_code == 400 and "predicate" in no_predicate.json()["fields"]
    not_reviewer = api.as_key(partner_writer_fl).post(
        url, {"decision": "reject", "reason": "r"}, format="json")
    assert not_reviewer.status_code == 403
    read_only = api.as_key(partner_key_fl).post(
        url, {"decision": "reject", "reason": "r"}, format="json")
    assert read_only.status_code == 403
    outsider = api.as_key(key_for(admin_nopd, name="NOPD", scope=ApiKey.Scope.WRITE)).post(
        url, {"decision": "reject", "reason": "r"}, format="json")
    missing = api.as_key(key_for(admin_nopd, name="NOPD 2", scope=ApiKey.Scope.WRITE)).post(
        f"/api/v1/items/{pending.pk + 1000}/review/", {"decision": "reject", "reason": "r"},
        format="json")
    assert outsider.status_code == 404
    assert outsider.content == missing.content
    pending.refresh_from_db()
    assert pending.intelligence_status == cfr23.Status.PENDING


def test_a_legacy_record_without_predicate_says_so(writer, analyst_fl, nopd):
    item = case_services.item_create(by=analyst_fl, kind="tip", title="Old tip",
                                     **cfr23_labels(analyst_fl))
    IntelligenceItem.objects.filter(pk=item.pk).update(predicate="")
    share(obj=item, by=analyst_fl, agency=nopd, level=Level.VIEW)
    row = writer.get(f"/api/v1/items/{item.pk}/").json()
    assert row["predicate_missing"] is True
