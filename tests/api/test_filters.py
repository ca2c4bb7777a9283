"""A filter of an API list answers as if what the caller's agency may not see did not exist:
naming an invisible case is naming a missing one, and a condition on a related case holds only
through the cases the agency may see.

The story: MBI's case (FL, LA, CA) with a tip on it. The tip alone is shared with NOPD, so NOPD
sees the tip and not its case.
"""

import pytest

from cases import services as case_services
from cases.models import Case
from core.handling import Level
from sharing.services import share
from tests.conftest import cfr23_labels

pytestmark = pytest.mark.django_db


@pytest.fixture
def tip_without_its_case(story, analyst_fl, nopd):
    share(obj=story.item, by=analyst_fl, level=Level.VIEW, agency=nopd)
    return story.item


def missing_case_id():
    return (Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


def ids(api, url, params):
    response = api.get(url, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_items_of_an_invisible_case_are_the_items_of_a_missing_one(
    api, story, tip_without_its_case, partner_key_la
):
    api.as_key(partner_key_la)
    assert ids(api, "/api/v1/items/", {}) == [story.item.id]
    invisible = api.get("/api/v1/items/", {"case": story.case.id})
    missing = api.get("/api/v1/items/", {"case": missing_case_id()})
    assert invisible.status_code == missing.status_code == 200
    assert invisible.json() == missing.json()
    assert invisible.json()["results"] == []


def test_the_state_of_an_items_case_counts_only_when_the_case_is_visible(
    api, story, tip_without_its_case, partner_key_la, analyst_fl, nopd, make_case
):
    api.as_key(partner_key_la)
    # The tip's case has a jurisdiction in CA, but NOPD does not see the case.
    assert ids(api, "/api/v1/items/", {"state": "CA"}) == []
    assert ids(api, "/api/v1/items/", {"state": "CA"}) == ids(api, "/api/v1/items/",
                                                              {"state": "WY"})
    # Once NOPD sees a case in CA, the items on it that NOPD sees match.
    seen = make_case(analyst_fl, states=("CA",))
    share(obj=seen, by=analyst_fl, level=Level.VIEW, agency=nopd)
    on_seen = case_services.item_create(by=analyst_fl, kind="tip", title="On a seen case",
                                        case=seen, **cfr23_labels(analyst_fl))
    share(obj=on_seen, by=analyst_fl, level=Level.VIEW, agency=nopd)
    assert ids(api, "/api/v1/items/", {"state": "CA"}) == [on_seen.id]


def test_the_owner_filters_as_before(api, story, partner_key_fl):
    """The case and state filters still find the items of a case the caller sees."""
    api.as_key(partner_key_fl)
    assert ids(api, "/api/v1/items/", {"case": story.case.id}) == [story.item.id]
    assert ids(api, "/api/v1/items/", {"state": "CA"}) == [story.item.id]
    assert ids(api, "/api/v1/items/", {"state": "WY"}) == []


def test_annotations_of_an_invisible_case_are_those_of_a_missing_one(
    api, story, tip_without_its_case, analyst_fl, partner_key_la
):
    on_tip = case_services.annotation_add(by=analyst_fl, item=story.item, body="Seen at 2 a.m.")
    api.as_key(partner_key_la)
    assert ids(api, "/api/v1/annotations/", {}) == [on_tip.id]
    invisible = api.get("/api/v1/annotations/", {"case": story.case.id})
    missing = api.get("/api/v1/annotations/", {"case": missing_case_id()})
    assert invisible.json() == missing.json()
    assert invisible.json()["results"] == []
    assert ids(api, "/api/v1/annotations/", {"item": story.item.id}) == [on_tip.id]


@pytest.mark.parametrize(
    ("resource", "params"),
    [
        # Each filter of the case list names the case's own data, which the caller sees.
        ("cases", {"status": "open"}),
        ("cases", {"handling": "AMBER"}),
        ("cases", {"les": "true"}),
        ("cases", {"state": "CA"}),
        ("cases", {"owner_ori": "FL0480400"}),
        ("cases", {"entity_key": "recruiter.example@mail.example"}),
        ("items", {"kind": "tip"}),
        ("items", {"handling": "AMBER"}),
        ("items", {"entity_key": "recruiter.example@mail.example"}),
        ("items", {"owner_ori": "FL0480400"}),
        ("entities", {"key": "recruiter.example@mail.example"}),
        ("entities", {"kind": "email"}),
    ],
)
def test_no_filter_reaches_what_an_outsider_may_not_see(api, story, outsider_key, resource,
                                                        params):
    assert ids(api.as_key(outsider_key), f"/api/v1/{resource}/", params) == []
