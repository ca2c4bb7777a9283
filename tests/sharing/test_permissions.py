"""The permission matrix at service level: who sees, annotates, edits and shares what.

One story: MBI (analyst_fl, CFIX) owns a case or an intelligence item and grants levels on it.
Every row of MATRIX is one way of holding (or not holding) access; every test runs one action
for every row, through the same services the views, the API and the tasks call.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from agencies.models import Membership, User
from cases import services as case_services
from cases.models import Annotation, Case, CaseEntity, IntelligenceItem, ItemEntity, Jurisdiction
from core.errors import InsufficientLevel, NotVisible
from core.handling import TLP, Level
from sharing.models import Share
from sharing.permissions import (
    ShareRefused,
    cases_visible_to,
    get_visible_or_404,
    items_visible_to,
    level_of,
    newest_visible,
)
from sharing.services import share
from tests.conftest import fresh


@dataclass(frozen=True)
class Holding:
    """How an actor comes to hold access, and what that access allows."""

    name: str
    level: Level | None
    tlp: str = TLP.AMBER

    @property
    def sees(self):
        return self.level is not None

    def may(self, needed):
        return self.level is not None and self.level >= needed


MATRIX = [
    Holding("owner", Level.OWNER),
    Holding("agency-view", Level.VIEW),
    Holding("agency-annotate", Level.ANNOTATE),
    Holding("agency-edit", Level.EDIT),
    Holding("agency-manage", Level.MANAGE),
    Holding("center-wide-annotate", Level.ANNOTATE),
    Holding("network-clear-view", Level.VIEW, TLP.CLEAR),
    Holding("outsider", None),
    Holding("anonymous", None),
    Holding("superuser-without-agency", None),
]


@pytest.fixture(params=["case", "item"])
def kind(request):
    return request.param


@pytest.fixture(params=MATRIX, ids=lambda holding: holding.name)
def holding(request):
    return request.param


@pytest.fixture
def setup(request, kind, holding, make_case, make_item, analyst_fl, nopd, cfix, lsp):
    """Build the subject and the actor of one row of the matrix: (subject, actor)."""
    owner = analyst_fl
    if kind == "case":
        subject = make_case(owner, states=("FL", "LA"), tlp=holding.tlp)
    else:
        subject = make_item(owner, tlp=holding.tlp)
    get = request.getfixturevalue
    match holding.name:
        case "owner":
            actor = owner
        case name if name.startswith("agency-"):
            share(obj=subject, by=owner, agency=nopd, level=holding.level)
            actor = get("analyst_la")
        case "center-wide-annotate":
            # A share with every member agency of CFIX reaches the Orange County Sheriff.
            share(obj=subject, by=owner, target=Share.Target.CENTER, center=cfix,
                  level=holding.level)
            actor = get("analyst_fl2")
        case "network-clear-view":
            share(obj=subject, by=owner, target=Share.Target.NETWORK, level=holding.level)
            actor = get("outsider")
        case "outsider":
            actor = get("outsider")
        case "anonymous":
            actor = AnonymousUser()
        case "superuser-without-agency":
            actor = User.objects.create_superuser(
                username="platform_operator", password="x" * 16, agency=None
            )
    if actor.is_authenticated:
        actor = fresh(actor)
    return subject, actor


def _reload(obj):
    return type(obj).objects.get(pk=obj.pk)


def _refusal(holding):
    """What a refused action raises: the 404 of a missing object when the actor cannot see it,
    a 403 when it sees the object but holds too little."""
    return InsufficientLevel if holding.sees else NotVisible


def test_visibility(setup, holding, kind):
    subject, actor = setup
    model = type(subject)
    visible = cases_visible_to(actor) if kind == "case" else items_visible_to(actor)
    assert (subject in visible) is holding.sees
    assert level_of(actor, subject) == holding.level
    if holding.sees:
        assert get_visible_or_404(actor, model, subject.pk) == subject
    else:
        with pytest.raises(NotVisible) as refused:
            get_visible_or_404(actor, model, subject.pk)
        # The same words as for an id that does not exist at all.
        with pytest.raises(NotVisible) as missing:
            get_visible_or_404(actor, model, subject.pk + 10_000)
        assert str(refused.value) == str(missing.value)


def test_annotate(setup, holding, kind):
    subject, actor = setup
    target = {kind: subject}
    if holding.may(Level.ANNOTATE):
        note = case_services.annotation_add(by=actor, body="Seen in Baton Rouge", **target)
        assert note.agency == actor.agency
        assert list(Annotation.objects.filter(**target)) == [note]
    else:
        with pytest.raises(_refusal(holding)):
            case_services.annotation_add(by=actor, body="Seen in Baton Rouge", **target)
        assert not Annotation.objects.filter(**target).exists()


def test_edit(setup, holding, kind):
    subject, actor = setup
    if kind == "case":
        if holding.may(Level.EDIT):
            updated = case_services.case_update(
                case=subject, by=actor, version=subject.version, title="Renamed"
            )
            assert (updated.title, updated.version) == ("Renamed", subject.version + 1)
        else:
            with pytest.raises(_refusal(holding)):
                case_services.case_update(
                    case=subject, by=actor, version=subject.version, title="Renamed"
                )
            after = _reload(subject)
            assert (after.title, after.version) == (subject.title, subject.version)
    else:
        # An item is edited by changing its fields or linking its subjects.
        link = {"kind": "phone", "number": "(504) 555-0142", "item": subject}
        if holding.may(Level.EDIT):
            updated = case_services.item_update(
                item=subject, by=actor, version=subject.version, title="Renamed"
            )
            assert (updated.title, updated.version) == ("Renamed", subject.version + 1)
            case_services.entity_link(by=actor, **link)
            assert ItemEntity.objects.filter(item=subject).count() == 1
        else:
            with pytest.raises(_refusal(holding)):
                case_services.item_update(
                    item=subject, by=actor, version=subject.version, title="Renamed"
                )
            with pytest.raises(_refusal(holding)):
                case_services.entity_link(by=actor, **link)
            after = _reload(subject)
            assert (after.title, after.version) == (subject.title, subject.version)
            assert not ItemEntity.objects.filter(item=subject).exists()


@pytest.mark.parametrize("kind", ["case"])
def test_add_jurisdiction_and_link_subject_to_case(setup, holding):
    subject, actor = setup
    if holding.may(Level.EDIT):
        place, new_state = case_services.jurisdiction_add(case=subject, by=actor, state="CA")
        assert new_state is True
        assert _reload(subject).states == ["CA", "FL", "LA"]
        case_services.entity_link(
            by=actor, case=subject, kind="vehicle", plate="abc 1234", state="FL"
        )
        assert CaseEntity.objects.filter(case=subject).count() == 1
    else:
        with pytest.raises(_refusal(holding)):
            case_services.jurisdiction_add(case=subject, by=actor, state="CA")
        with pytest.raises(_refusal(holding)):
            case_services.entity_link(
                by=actor, case=subject, kind="vehicle", plate="abc 1234", state="FL"
            )
        states = Jurisdiction.objects.filter(case=subject).values_list("state", flat=True)
        assert sorted(states) == ["FL", "LA"]
        assert not CaseEntity.objects.filter(case=subject).exists()


def test_share_onward(setup, holding, lsp, analyst_la2):
    """Sharing on with the Louisiana State Police (LA-SAFE, like NOPD): owner and manage only."""
    subject, actor = setup
    shares_before = set(Share.objects.values_list("id", "level"))
    lsp_level_before = level_of(fresh(analyst_la2), subject)
    if holding.may(Level.MANAGE):
        record = share(obj=subject, by=actor, agency=lsp, level=Level.VIEW)
        assert record.granted_by_agency == actor.agency
        assert level_of(fresh(analyst_la2), subject) == Level.VIEW
    else:
        expected = ShareRefused if holding.sees else NotVisible
        with pytest.raises(expected) as refused:
            share(obj=subject, by=actor, agency=lsp, level=Level.VIEW)
        if holding.sees:
            assert refused.value.code == "sharer_level"
        assert set(Share.objects.values_list("id", "level")) == shares_before
        assert level_of(fresh(analyst_la2), subject) == lsp_level_before


# A center-wide share follows the membership ---------------------------------------------------


@pytest.mark.parametrize("kind", ["case", "item"])
def test_center_wide_share_stops_at_suspension_and_returns_at_reinstatement(
    kind, make_case, make_item, analyst_fl, analyst_fl2, cfix, ocso
):
    subject = make_case(analyst_fl) if kind == "case" else make_item(analyst_fl)
    visible = cases_visible_to if kind == "case" else items_visible_to
    share(obj=subject, by=analyst_fl, target=Share.Target.CENTER, center=cfix, level=Level.ANNOTATE)
    assert subject in visible(fresh(analyst_fl2))
    assert level_of(fresh(analyst_fl2), subject) == Level.ANNOTATE

    Membership.objects.filter(agency=ocso, center=cfix).update(status=Membership.Status.SUSPENDED)
    suspended = fresh(analyst_fl2)
    assert subject not in visible(suspended)
    assert level_of(suspended, subject) is None
    with pytest.raises(NotVisible):
        get_visible_or_404(suspended, type(subject), subject.pk)
    with pytest.raises(NotVisible):
        case_services.annotation_add(by=suspended, body="Still here?", **{kind: subject})

    Membership.objects.filter(agency=ocso, center=cfix).update(status=Membership.Status.ACTIVE)
    reinstated = fresh(analyst_fl2)
    assert subject in visible(reinstated)
    assert level_of(reinstated, subject) == Level.ANNOTATE


def test_suspension_does_not_touch_the_owner_or_agency_shares(
    trafficking_case, analyst_fl, mbi, cfix, ocso, analyst_fl2
):
    """The owner keeps its own case, and a share naming the agency survives a suspension."""
    share(obj=trafficking_case, by=analyst_fl, agency=ocso, level=Level.VIEW)
    Membership.objects.filter(center=cfix).update(status=Membership.Status.SUSPENDED)
    assert level_of(fresh(analyst_fl), trafficking_case) == Level.OWNER
    assert level_of(fresh(analyst_fl2), trafficking_case) == Level.VIEW


def test_highest_of_several_grants_counts(trafficking_case, analyst_fl, ocso, cfix, analyst_fl2):
    """OCSO holds view by name and edit through CFIX: it may edit."""
    share(obj=trafficking_case, by=analyst_fl, agency=ocso, level=Level.VIEW)
    share(obj=trafficking_case, by=analyst_fl, target=Share.Target.CENTER, center=cfix,
          level=Level.EDIT)
    assert level_of(fresh(analyst_fl2), trafficking_case) == Level.EDIT
    # One case in the list, not one per grant.
    assert list(cases_visible_to(fresh(analyst_fl2))) == [trafficking_case]


def test_an_agency_principal_sees_what_its_users_see(trafficking_case, make_item, analyst_fl, mbi,
                                                      houston):
    item = make_item(analyst_fl)
    assert list(cases_visible_to(mbi)) == [trafficking_case]
    assert list(items_visible_to(mbi)) == [item]
    assert level_of(mbi, trafficking_case) == Level.OWNER
    assert list(cases_visible_to(houston)) == []
    assert list(items_visible_to(houston)) == []


def test_bad_ids_are_the_same_404(trafficking_case, analyst_fl):
    for bad in ("not-a-number", None, -1):
        with pytest.raises(NotVisible):
            get_visible_or_404(analyst_fl, Case, bad)
    with pytest.raises(NotVisible):
        get_visible_or_404(analyst_fl, IntelligenceItem, "x")


def test_only_a_member_of_an_agency_opens_a_case_or_an_item(cfix):
    platform = User.objects.create_superuser(username="platform_operator", password="x" * 16,
                                             agency=None)
    with pytest.raises(ValidationError, match="member of an agency"):
        case_services.case_create(by=platform, number="P-1", title="No owner", lead_center=cfix)
    with pytest.raises(ValidationError, match="member of an agency"):
        case_services.item_create(by=platform, kind="tip", title="No source")
    assert not Case.objects.exists() and not IntelligenceItem.objects.exists()


def test_newest_visible_keeps_the_newest_matches_of_what_the_agency_sees(
    analyst_fl, analyst_la, nopd, make_case
):
    """The newest `limit` cases the agency sees whose own row meets a condition (search gives
    its vector match): owned or shared, never another agency's, however well it matches."""
    older, own, shared = [make_case(analyst_fl, summary="a courier at the port") for _ in range(3)]
    make_case(analyst_fl, summary="nothing to see")
    make_case(analyst_la, summary="a courier, a courier")
    share(obj=shared, by=analyst_fl, agency=nopd, level=Level.VIEW)
    courier = ("obj.summary LIKE %s", ["%courier%"])
    newest = newest_visible(Case, analyst_fl, limit=2, matching=courier)
    assert sorted(newest.values_list("pk", flat=True)) == sorted([own.pk, shared.pk])
    assert list(newest_visible(Case, fresh(analyst_la), limit=5, matching=courier).order_by(
        "-updated_at")) == [shared, Case.objects.get(owner=nopd)]
    assert list(newest_visible(Case, analyst_fl, limit=5, matching=("obj.id < %s", [0]))) == []
