"""The API's suspicious-activity reports carry their ISE-SAR behaviours (cases/sar.py): every item
row names them (empty for the other kinds), a SAR is submitted with at least one and another
kind with none (a 400 naming `behaviours` otherwise), and the items list filters by them at the
same cost for 10 reports as for 500."""

import pytest

from cases import services as case_services
from cases.models import IntelligenceItem
from core.handling import Level
from sharing.services import share
from tests.api.query_counts import QUERY_COUNTS
from tests.conftest import cfr23_labels

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(analyst_fl):
    return case_services.item_create(
        by=analyst_fl, kind="sar", title="Drone over the water treatment plant",
        behaviours=["observation_surveillance", "aviation_activity"], **cfr23_labels(analyst_fl),
    )


def test_rows_name_the_behaviours_in_the_list_and_the_detail(api, story, report,
                                                            partner_key_fl):
    api.as_key(partner_key_fl)
    listed = {row["id"]: row for row in api.get("/api/v1/items/").json()["results"]}
    detail = api.get(f"/api/v1/items/{report.pk}/").json()
    for row in (listed[report.pk], detail):
        assert row["behaviours"] == ["aviation_activity", "observation_surveillance"]
    assert listed[story.item.pk]["behaviours"] == []  # a tip


def test_a_sar_is_submitted_with_its_behaviours(api, partner_writer_fl):
    created = api.as_key(partner_writer_fl).post("/api/v1/items/", {
        "kind": "sar", "title": "Man photographing the pier's gates",
        "behaviours": ["photography", "breach", "photography"],
    })
    assert created.status_code == 201, created.content
    assert created.json()["behaviours"] == ["breach", "photography"]


@pytest.mark.parametrize("body, message", [
    ({"kind": "sar", "title": "No behaviour"}, "at least one behaviour"),
    ({"kind": "sar", "title": "Empty", "behaviours": []}, "at least one behaviour"),
    ({"kind": "tip", "title": "A tip", "behaviours": ["photography"]},
     "Only a suspicious-activity report"),
])
def test_a_refusal_is_a_400_naming_the_field(api, partner_writer_fl, body, message):
    response = api.as_key(partner_writer_fl).post("/api/v1/items/", body)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert set(answer) == {"code", "message", "fields"}
    assert list(answer["fields"]) == ["behaviours"]
    assert message in answer["fields"]["behaviours"][0]
    assert not IntelligenceItem.objects.exists()


def test_a_behaviour_outside_the_standard_is_refused_by_its_place(api, partner_writer_fl):
    response = api.as_key(partner_writer_fl).post("/api/v1/items/", {
        "kind": "sar", "title": "x", "behaviours": ["photography", "loitering"]})
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["behaviours[1]"]


def test_the_list_filters_by_behaviour_within_what_the_agency_sees(
    api, story, report, analyst_fl, partner_key_fl, partner_key_la, nopd
):
    api.as_key(partner_key_fl)
    ids = [row["id"] for row in api.get("/api/v1/items/", {"behaviour": "aviation_activity"})
           .json()["results"]]
    assert ids == [report.pk]
    assert api.get("/api/v1/items/", {"behaviour": "cyberattack"}).json()["results"] == []
    unknown = api.get("/api/v1/items/", {"behaviour": "loitering"})
    assert unknown.status_code == 400 and list(unknown.json()["fields"]) == ["behaviour"]
    # NOPD sees the report only once it is shared with it.
    api.as_key(partner_key_la)
    assert api.get("/api/v1/items/", {"behaviour": "aviation_activity"}).json()["results"] == []
    share(obj=report, by=analyst_fl, agency=nopd, level=Level.VIEW)
    ids = [row["id"] for row in api.get("/api/v1/items/", {"behaviour": "aviation_activity"})
           .json()["results"]]
    assert ids == [report.pk]


@pytest.mark.parametrize("reports", [10, 500])
def test_the_filtered_list_costs_the_same_for_10_and_500_reports(
    api, story, analyst_fl, partner_key_fl, reports, django_assert_num_queries
):
    for n in range(reports):
        case_services.item_create(
            by=analyst_fl, kind="sar", title=f"SAR {n}", case=story.case if n % 2 else None,
            behaviours=["photography"] if n % 3 else ["photography", "weapons_collection_discovery"],
            **cfr23_labels(analyst_fl))
    case_services.item_create(by=analyst_fl, kind="sar", title="Not listed",
                              behaviours=["cyberattack"], **cfr23_labels(analyst_fl))
    api.as_key(partner_key_fl)
    url = "/api/v1/items/?behaviour=photography&limit=500"
    assert api.get(url).status_code == 200  # the key's last_used_at, written once a minute
    with django_assert_num_queries(QUERY_COUNTS["items by ISE-SAR behaviour"],
                                   info=f"{reports} reports"):
        response = api.get(url)
    rows = response.json()["results"]
    assert len(rows) == reports
    assert all("photography" in row["behaviours"] for row in rows)
