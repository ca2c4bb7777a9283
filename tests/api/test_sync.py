"""Incremental sync: a partner pulls everything once, then only what changed, and purges what it
may no longer see from the tombstones of /api/v1/changes/."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import CenterAdmin, Membership
from agencies.services import membership_reinstate, membership_remove, membership_suspend
from cases import services as case_services
from core.handling import TLP, Level
from sharing.models import Share, Tombstone
from sharing.services import share, unshare
from tests.conftest import _user

pytestmark = pytest.mark.django_db


def pull_all(api, url, cursor=None, limit=2):
    """Every page from `cursor` on; returns the rows and the cursor to resume from."""
    rows = []
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        response = api.get(url, params)
        assert response.status_code == 200, response.content
        page = response.json()
        rows += page["results"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return rows, cursor


def test_pull_change_unshare_pull_again(api, make_case, analyst_fl, nopd, partner_key_la):
    cases = [make_case(analyst_fl, title=f"Case {n}") for n in range(5)]
    for case in cases:
        share(obj=case, by=analyst_fl, level=Level.VIEW, agency=nopd)
    early = make_case(analyst_fl, title="Withdrawn before the first pull")
    share(obj=early, by=analyst_fl, level=Level.VIEW, agency=nopd)
    unshare(share_record=Share.objects.get(case=early), by=analyst_fl)
    api.as_key(partner_key_la)

    rows, cases_cursor = pull_all(api, "/api/v1/cases/")
    assert sorted(row["id"] for row in rows) == sorted(case.id for case in cases)
    gone, changes_cursor = pull_all(api, "/api/v1/changes/")
    assert [(g["type"], g["id"], g["reason"]) for g in gone] == [("case", early.id, "unshared")]

    changed, withdrawn = cases[1], cases[3]
    case_services.case_update(case=changed, by=analyst_fl, version=1, title="Suspects identified")
    unshare(share_record=Share.objects.get(case=withdrawn), by=analyst_fl)

    rows, _ = pull_all(api, "/api/v1/cases/", cases_cursor)
    assert [(row["id"], row["title"]) for row in rows] == [(changed.id, "Suspects identified")]
    gone, _ = pull_all(api, "/api/v1/changes/", changes_cursor)
    assert [(g["type"], g["id"], g["reason"]) for g in gone] == [("case", withdrawn.id, "unshared")]


def test_a_change_that_commits_late_is_not_skipped(
    api, make_case, analyst_fl, nopd, partner_key_la, settings, monkeypatch
):
    """A change is stamped when it is saved but seen when its transaction commits. Were the
    freshest rows listed at once, a cursor could move past the stamp of a change that a slower
    transaction commits afterwards, and that change would never be pulled. Lists hold back what
    changed within the settle lag, so the cursor stays behind every stamp still in flight."""
    from cases.models import Case

    settings.API_SYNC_SETTLE = timedelta(seconds=10)
    now = timezone.now()

    def shared_case(title, seconds_ago):
        case = make_case(analyst_fl, title=title)
        share(obj=case, by=analyst_fl, level=Level.VIEW, agency=nopd)
        # The permission rows take the new stamp too (database triggers).
        Case.objects.filter(pk=case.pk).update(updated_at=now - timedelta(seconds=seconds_ago))
        return case

    settled = shared_case("Settled", 60)
    fresh = shared_case("Committed a second ago", 1)
    api.as_key(partner_key_la)
    rows, cursor = pull_all(api, "/api/v1/cases/")
    assert [row["id"] for row in rows] == [settled.id]  # `fresh` waits out the lag

    late = shared_case("Stamped before `fresh`, committed after the pull", 3)
    rows, cursor = pull_all(api, "/api/v1/cases/", cursor)
    assert rows == []

    monkeypatch.setattr(timezone, "now", lambda: now + timedelta(seconds=15))
    rows, _ = pull_all(api, "/api/v1/cases/", cursor)
    assert [row["id"] for row in rows] == [late.id, fresh.id]


def test_a_tombstone_is_listed_once_settled(
    api, make_case, analyst_fl, nopd, partner_key_la, settings, monkeypatch
):
    settings.API_SYNC_SETTLE = timedelta(seconds=10)
    case = make_case(analyst_fl)
    share(obj=case, by=analyst_fl, level=Level.VIEW, agency=nopd)
    unshare(share_record=Share.objects.get(case=case), by=analyst_fl)
    api.as_key(partner_key_la)
    assert api.get("/api/v1/changes/").json()["results"] == []
    later = timezone.now() + timedelta(seconds=11)
    monkeypatch.setattr(timezone, "now", lambda: later)
    gone = api.get("/api/v1/changes/").json()["results"]
    assert [(g["type"], g["id"]) for g in gone] == [("case", case.id)]


def test_nothing_new_gives_an_empty_page_and_the_same_cursor(api, trafficking_case, partner_key_fl):
    api.as_key(partner_key_fl)
    first = api.get("/api/v1/cases/").json()
    again = api.get("/api/v1/cases/", {"cursor": first["next_cursor"]}).json()
    assert again == {"results": [], "next_cursor": first["next_cursor"], "has_more": False}


def test_updated_after_returns_only_later_changes(api, make_case, analyst_fl, partner_key_fl):
    old, new = make_case(analyst_fl), make_case(analyst_fl)
    case_services.case_update(case=new, by=analyst_fl, version=1, status="closed")
    new.refresh_from_db()
    old.refresh_from_db()
    api.as_key(partner_key_fl)
    after = old.updated_at.isoformat()
    rows = api.get("/api/v1/cases/", {"updated_after": after}).json()["results"]
    assert [row["id"] for row in rows] == [new.id]


def test_unshare_tombstones_the_annotations_and_subjects_too(
    api, trafficking_case, analyst_fl, analyst_la, nopd, partner_key_la
):
    share(obj=trafficking_case, by=analyst_fl, level=Level.ANNOTATE, agency=nopd)
    note = case_services.annotation_add(by=analyst_la, case=trafficking_case, body="NOPD saw her.")
    entity = case_services.entity_link(
        by=analyst_fl, kind="email", case=trafficking_case, address="x@example.org"
    )
    unshare(share_record=Share.objects.get(case=trafficking_case), by=analyst_fl)
    gone = api.as_key(partner_key_la).get("/api/v1/changes/").json()["results"]
    assert {(g["type"], g["id"]) for g in gone} == {
        ("case", trafficking_case.id),
        ("annotation", note.id),
        ("entity", entity.id),
    }


def test_an_agency_that_still_sees_it_gets_no_tombstone(
    api, trafficking_case, analyst_fl, nopd, la_safe, partner_key_la
):
    share(obj=trafficking_case, by=analyst_fl, level=Level.VIEW, agency=nopd)
    share(
        obj=trafficking_case,
        by=analyst_fl,
        level=Level.VIEW,
        target=Share.Target.CENTER,
        center=la_safe,
    )
    unshare(share_record=Share.objects.get(case=trafficking_case, target="agency"), by=analyst_fl)
    assert api.as_key(partner_key_la).get("/api/v1/changes/").json()["results"] == []


def test_a_share_made_again_hides_the_old_tombstone(
    api, trafficking_case, analyst_fl, nopd, partner_key_la
):
    share(obj=trafficking_case, by=analyst_fl, level=Level.VIEW, agency=nopd)
    unshare(share_record=Share.objects.get(case=trafficking_case), by=analyst_fl)
    share(obj=trafficking_case, by=analyst_fl, level=Level.VIEW, agency=nopd)
    api.as_key(partner_key_la)
    assert api.get("/api/v1/changes/").json()["results"] == []
    assert [r["id"] for r in api.get("/api/v1/cases/").json()["results"]] == [trafficking_case.id]


def test_deletion_tombstones_every_agency_that_saw_it(
    api, trafficking_case, analyst_fl, nopd, partner_key_la, partner_key_fl
):
    share(obj=trafficking_case, by=analyst_fl, level=Level.VIEW, agency=nopd)
    note = case_services.annotation_add(by=analyst_fl, case=trafficking_case, body="Closing.")
    case_id = trafficking_case.id
    trafficking_case.delete()
    for key in (partner_key_la, partner_key_fl):
        gone = api.as_key(key).get("/api/v1/changes/").json()["results"]
        assert sorted((g["type"], g["id"], g["reason"]) for g in gone) == [
            ("annotation", note.id, "deleted"),
            ("case", case_id, "deleted"),
        ]


@pytest.fixture
def admin_lasafe(la_safe, lsp):
    user = _user("admin_lasafe", lsp)
    CenterAdmin.objects.create(user=user, center=la_safe)
    return user


@pytest.mark.parametrize("end", ["suspend", "remove"])
def test_a_lost_membership_tombstones_what_came_through_the_center(
    api, make_case, analyst_fl, la_safe, nopd, admin_lasafe, partner_key_la, end
):
    center_wide = make_case(analyst_fl, tlp=TLP.GREEN, title="Shared with LA-SAFE")
    by_name = make_case(analyst_fl, tlp=TLP.GREEN, title="Shared with NOPD by name")
    for case in (center_wide, by_name):
        share(obj=case, by=analyst_fl, level=Level.VIEW, target=Share.Target.CENTER,
              center=la_safe)
    share(obj=by_name, by=analyst_fl, level=Level.VIEW, agency=nopd)
    membership = Membership.objects.get(agency=nopd, center=la_safe)
    if end == "suspend":
        membership_suspend(membership=membership, by=admin_lasafe, reason="Audit finding")
        reason = "membership_suspended"
    else:
        membership_remove(membership=membership, by=admin_lasafe, reason="Left the center")
        reason = "membership_ended"
    gone = api.as_key(partner_key_la).get("/api/v1/changes/").json()["results"]
    assert [(g["type"], g["id"], g["reason"]) for g in gone] == [("case", center_wide.id, reason)]
    listed = api.get("/api/v1/cases/").json()["results"]
    assert [row["id"] for row in listed] == [by_name.id]


def test_removing_a_suspended_membership_writes_no_second_tombstone(
    make_case, analyst_fl, la_safe, nopd, admin_lasafe
):
    case = make_case(analyst_fl, tlp=TLP.GREEN)
    share(obj=case, by=analyst_fl, level=Level.VIEW, target=Share.Target.CENTER, center=la_safe)
    membership = Membership.objects.get(agency=nopd, center=la_safe)
    membership_suspend(membership=membership, by=admin_lasafe, reason="Audit finding")
    membership_remove(membership=membership, by=admin_lasafe, reason="Left the center")
    assert Tombstone.objects.filter(agency=nopd).count() == 1


@pytest.mark.parametrize(
    "params, field",
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "MjAyNi0wMS0wMVQwMDowMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"}, "cursor"),
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"updated_after": "yesterday"}, "updated_after"),
        ({"updated_after": "0001-01-01T00:00:00+05:00"}, "updated_after"),
        ({"updated_after": "2026-02-30T00:00:00Z"}, "updated_after"),
        ({"status": "lost"}, "status"),
        ({"state": "XX"}, "state"),
        ({"owner": "MBI"}, "owner"),
        ({"owner": "99999999999999999999999"}, "owner"),
        ({"handling": "PURPLE"}, "handling"),
    ],
)
def test_bad_page_parameters_name_the_field(api, trafficking_case, partner_key_fl, params, field):
    response = api.as_key(partner_key_fl).get("/api/v1/cases/", params)
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body["fields"]) == [field], body
    assert field in body["message"]


def test_filters_narrow_what_is_visible(
    api, make_case, analyst_fl, analyst_la, nopd, partner_key_la
):
    mine = make_case(analyst_la, states=("LA",), tlp=TLP.GREEN)
    theirs = make_case(analyst_fl, states=("FL", "CA"), tlp=TLP.AMBER)
    hidden = make_case(analyst_fl, states=("CA",))
    share(obj=theirs, by=analyst_fl, level=Level.VIEW, agency=nopd)
    case_services.entity_link(by=analyst_fl, kind="email", case=theirs, address="A@B.example")
    case_services.entity_link(by=analyst_fl, kind="email", case=hidden, address="a@b.example")
    api.as_key(partner_key_la)

    def ids(**params):
        return [row["id"] for row in api.get("/api/v1/cases/", params).json()["results"]]

    assert ids(state="CA") == [theirs.id]
    assert ids(handling="GREEN") == [mine.id]
    assert ids(owner=analyst_fl.agency_id) == [theirs.id]
    assert ids(owner_ori="fl0480400") == [theirs.id]
    assert ids(entity_key="a@b.example") == [theirs.id]
    assert ids(status="closed") == []


def test_a_reinstated_membership_brings_the_center_shares_back_to_the_partner(
    api, make_case, analyst_fl, la_safe, nopd, admin_lasafe, partner_key_la
):
    case = make_case(analyst_fl, tlp=TLP.GREEN)
    share(obj=case, by=analyst_fl, level=Level.VIEW, target=Share.Target.CENTER, center=la_safe)
    api.as_key(partner_key_la)
    rows, cursor = pull_all(api, "/api/v1/cases/")
    assert [row["id"] for row in rows] == [case.id]
    membership = Membership.objects.get(agency=nopd, center=la_safe)
    membership_suspend(membership=membership, by=admin_lasafe, reason="Audit finding")
    assert pull_all(api, "/api/v1/cases/", cursor)[0] == []
    membership_reinstate(membership=membership, by=admin_lasafe, reason="Resolved")
    rows, _ = pull_all(api, "/api/v1/cases/", cursor)
    assert [row["id"] for row in rows] == [case.id]


def test_the_sort_key_on_the_permission_rows_gives_the_same_pages_as_the_objects(
    make_case, analyst_fl, analyst_la, nopd, la_safe, lsp
):
    from cases.models import Case
    from sharing.permissions import cases_visible_to, visible_page_ids

    def visible_keys_page(model, principal, **page):
        picked = model.objects.filter(id__in=visible_page_ids(model, principal, **page))
        return list(picked.order_by("updated_at", "id").values_list("id", "updated_at"))

    cases = [make_case(analyst_fl, tlp=TLP.GREEN) for _ in range(6)] + [make_case(analyst_la)]
    share(obj=cases[0], by=analyst_fl, level=Level.VIEW, agency=nopd)
    share(obj=cases[0], by=analyst_fl, level=Level.VIEW, target=Share.Target.CENTER, center=la_safe)
    for case in cases[1:4]:
        share(obj=case, by=analyst_fl, level=Level.VIEW, target=Share.Target.CENTER, center=la_safe)
    share(obj=cases[4], by=analyst_fl, level=Level.VIEW, agency=lsp)  # not NOPD's
    case_services.case_update(case=cases[2], by=analyst_fl, version=1, title="Changed last")
    tie = Case.objects.get(pk=cases[1].pk).updated_at
    Case.objects.filter(pk=cases[3].pk).update(updated_at=tie)  # a tie, broken by id

    expected = list(
        cases_visible_to(analyst_la).order_by("updated_at", "id").values_list("id", "updated_at")
    )
    assert len(expected) == 5
    assert visible_keys_page(Case, analyst_la, limit=100) == expected
    assert visible_keys_page(Case, analyst_la, limit=2) == expected[:2]
    assert visible_keys_page(Case, analyst_la, limit=100, cursor=expected[1][::-1]) == expected[2:]
    assert visible_keys_page(Case, analyst_la, limit=100, after=expected[2][1]) == [
        key for key in expected if key[1] > expected[2][1]
    ]
