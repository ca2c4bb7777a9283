"""A tip's intake and triage: taken down with its subjects and hints, assigned, reviewed,
accepted on a case, referred, closed; each refusal; the deadline at a frozen clock; the
recognisers of subjects in a tip's text."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from cases.entities import recognise_subjects, vin_check_digit_holds
from cases.models import ItemEntity, TimelineEvent
from core.errors import InsufficientLevel, NotVisible, StaleVersion
from core.handling import TLP, Level
from sharing.permissions import level_of
from work import tip_selectors
from work.models import TipTriage, TriageDeadline
from work.tip_services import (
    TipRefused,
    tip_accept,
    tip_assign,
    tip_close,
    tip_mark_referred,
    tip_start_review,
    tip_take_down,
    tips_assign,
)

pytestmark = pytest.mark.django_db

Status = TipTriage.Status
PHONE = {"kind": "phone", "value": "(407) 555-0148"}


@pytest.fixture
def tip(analyst_fl, cfix):
    return tip_take_down(by=analyst_fl, what="Caller saw a minor taken into a van, 407-555-0148",
                         subjects=[PHONE], where="Orlando, FL")


def codes(refusal):
    error = refusal.value
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {error.code}


# Recognisers

@pytest.mark.parametrize("written", ["(407) 555-0148", "407-555-0148", "407.555.0148",
                                     "+1 407 555 0148", "1 (407) 555 0148", "4075550148"])
def test_a_phone_is_recognised_however_it_is_written(written):
    found = recognise_subjects(f"the caller gave {written} as a callback")
    assert [(s["kind"], s["key"]) for s in found] == [("phone", "+14075550148")]


def test_e_mails_plates_and_vins_are_recognised_each_once():
    text = ("Mail J.Doe@Example.com or j.doe@example.com. FL plate LKR-7Q2, later tag # ABC1234 "
            "(GA). VIN 1M8GDM9AXKP042788 and a bad one 1M8GDM9A1KP042788.")
    found = [(s["kind"], s["key"]) for s in recognise_subjects(text)]
    assert found == [("email", "j.doe@example.com"), ("vehicle", "FL:LKR7Q2"),
                     ("vehicle", "GA:ABC1234"), ("vin", "1M8GDM9AXKP042788")]


def test_the_vin_check_digit():
    assert vin_check_digit_holds("1M8GDM9AXKP042788")
    assert vin_check_digit_holds("11111111111111111")
    assert not vin_check_digit_holds("1M8GDM9A1KP042788")
    assert not vin_check_digit_holds("1M8GDM9AXKP04278")   # 16 characters
    assert not vin_check_digit_holds("IM8GDM9AXKP042788")  # I is never in a VIN


@pytest.mark.parametrize("written,key", [
    ("FL plate ABC 123 VIN 1M8GDM9AXKP042788", "FL:ABC123"),  # the VIN is not part of it
    ("tag 7ABC123 CA", "CA:7ABC123"),
    ("FL tag number QWK4471 seen", "FL:QWK4471"),
    ("plate LKR 7Q2 (FL)", "FL:LKR7Q2"),
])
def test_a_plate_is_read_beside_its_state(written, key):
    assert [s["key"] for s in recognise_subjects(written) if s["kind"] == "vehicle"] == [key]


def test_a_plate_without_its_state_is_no_subject():
    assert recognise_subjects("plate LKR-7Q2 seen twice") == []


# Intake

def test_a_tip_is_taken_down_with_its_subjects_and_row(tip, analyst_fl, cfix):
    assert tip.status == Status.NEW and tip.center == cfix and tip.agency == analyst_fl.agency
    assert tip.tip.kind == "tip" and tip.tip.intelligence_status == "pending"
    assert ItemEntity.objects.filter(item=tip.tip, entity__key="+14075550148").exists()
    assert tip.due_at - tip.created_at == timedelta(hours=TriageDeadline.DEFAULT_HOURS)
    assert tip.place == "Orlando, FL" and tip.occurred_at is not None


def test_intake_refusals_write_nothing(analyst_fl, cfix, la_safe):
    with pytest.raises(TipRefused) as refused:
        tip_take_down(by=analyst_fl, what="  ")
    assert codes(refused) == {"tip_what_missing"}
    with pytest.raises(TipRefused) as refused:
        tip_take_down(by=analyst_fl, what="x", anonymous=True, caller_name="Ann")
    assert codes(refused) == {"tip_anonymous_named"}
    with pytest.raises(TipRefused) as refused:
        tip_take_down(by=analyst_fl, what="x", center=la_safe)
    assert codes(refused) == {"tip_center_not_ours"}
    with pytest.raises(ValidationError):
        tip_take_down(by=analyst_fl, what="x", subjects=[{"kind": "phone", "value": "12"}])
    assert not TipTriage.objects.exists()
    assert not ItemEntity.objects.exists()


def test_the_center_deadline_sets_the_due_time(analyst_fl, cfix):
    TriageDeadline.objects.create(center=cfix, hours=4)
    with time_machine.travel(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), tick=False):
        triage = tip_take_down(by=analyst_fl, what="A tip")
    assert triage.due_at == datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    with time_machine.travel(datetime(2026, 3, 2, 17, 59, tzinfo=UTC), tick=False):
        assert not triage.is_overdue()
    with time_machine.travel(datetime(2026, 3, 2, 18, 1, tzinfo=UTC), tick=False):
        assert triage.is_overdue()
        closed = tip_close(triage=triage, by=analyst_fl, reason="Crank call")
        assert not closed.is_overdue()


# Hints

def test_a_second_tip_on_the_same_phone_names_the_first(tip, analyst_fl, analyst_fl2):
    second = tip_take_down(by=analyst_fl, what="Same van again", subjects=[PHONE])
    assert second.hints == [{"type": "item", "id": tip.tip_id, "subject": "(407) 555-0148"}]
    [hint] = tip_selectors.hints_shown(analyst_fl, second.hints)
    assert hint["visible"] and hint["number"] == f"T-{tip.tip_id}"


def test_a_tip_held_elsewhere_pending_review_is_not_told(tip, analyst_la):
    # NOPD takes a tip on the same phone: MBI's tip is information pending review, never told.
    other = tip_take_down(by=analyst_la, what="A caller about a van", subjects=[PHONE])
    assert other.hints and tip_selectors.hints_shown(analyst_la, other.hints) == []


def test_a_case_held_elsewhere_is_told_by_pointer(tip, analyst_la, analyst_fl, make_case,
                                                  nopd):
    from cases.services import entity_link

    case = make_case(analyst_fl, title="Secret van case")
    entity_link(by=analyst_fl, kind="phone", case=case, number="407 555 0148")
    nopd.contact_name, nopd.contact_phone = "Sgt. Boudreaux", "504-555-0100"
    other = tip_take_down(by=analyst_la, what="A caller about a van", subjects=[PHONE])
    [hint] = tip_selectors.hints_shown(analyst_la, other.hints)
    assert not hint["visible"] and hint["agency"] == "Metropolitan Bureau of Investigation"
    assert "title" not in hint and "number" not in hint and "id" not in hint


def test_a_red_case_held_elsewhere_is_not_told(analyst_la, analyst_fl, make_case):
    from cases.services import entity_link

    case = make_case(analyst_fl, tlp=TLP.RED)
    entity_link(by=analyst_fl, kind="phone", case=case, number="407 555 0148")
    other = tip_take_down(by=analyst_la, what="A caller about a van", subjects=[PHONE])
    assert other.hints and tip_selectors.hints_shown(analyst_la, other.hints) == []


# Triage

def test_new_assigned_in_review_accepted_on_a_new_case(tip, analyst_fl, agency_admin_fl, cfix):
    assigned = tip_assign(triage=tip, by=agency_admin_fl, assignee=analyst_fl, version=1)
    assert (assigned.status, assigned.assignee, assigned.version) == (Status.ASSIGNED,
                                                                      analyst_fl, 2)
    reviewing = tip_start_review(triage=assigned, by=analyst_fl, version=2)
    assert reviewing.status == Status.IN_REVIEW and reviewing.review_started_at
    accepted = tip_accept(triage=reviewing, by=analyst_fl, version=3, new_case={
        "number": "MBI-T-1", "title": "Van on Colonial Drive", "lead_center": cfix,
        "jurisdictions": [{"state": "FL"}]})
    assert accepted.status == Status.ACCEPTED and accepted.decided_by == analyst_fl
    case = accepted.accepted_case
    assert case.number == "MBI-T-1" and accepted.tip.case == case
    event = TimelineEvent.objects.filter(case=case, kind=TimelineEvent.Kind.ITEM).get()
    assert f"T-{tip.tip_id}" in event.summary and tip.tip.title not in event.summary


def test_accepted_on_an_existing_case_the_triager_may_edit(tip, analyst_fl, make_case,
                                                           analyst_la):
    reviewing = tip_start_review(triage=tip, by=analyst_fl)
    assert reviewing.assignee == analyst_fl
    elsewhere = make_case(analyst_la, states=("LA",))
    with pytest.raises(NotVisible):
        tip_accept(triage=reviewing, by=analyst_fl, case=elsewhere)
    mine = make_case(analyst_fl)
    accepted = tip_accept(triage=reviewing, by=analyst_fl, case=mine)
    assert accepted.accepted_case == mine


def test_refusals_of_the_state(tip, analyst_fl, agency_admin_fl, make_case):
    with pytest.raises(TipRefused) as refused:
        tip_accept(triage=tip, by=analyst_fl, case=make_case(analyst_fl))
    assert codes(refused) == {"tip_not_in_review"}
    with pytest.raises(TipRefused) as refused:
        tip_close(triage=tip, by=analyst_fl, reason="  ")
    assert codes(refused) == {"tip_close_reason_missing"}
    assigned = tip_assign(triage=tip, by=analyst_fl, assignee=agency_admin_fl)
    with pytest.raises(TipRefused) as refused:
        tip_start_review(triage=assigned, by=analyst_fl)
    assert codes(refused) == {"tip_not_assignee"}
    reviewing = tip_start_review(triage=assigned, by=agency_admin_fl)
    with pytest.raises(TipRefused) as refused:
        tip_start_review(triage=reviewing, by=agency_admin_fl)
    assert codes(refused) == {"tip_not_reviewable"}
    with pytest.raises(TipRefused) as refused:
        tip_accept(triage=reviewing, by=agency_admin_fl)
    assert codes(refused) == {"tip_case_missing"}
    closed = tip_close(triage=reviewing, by=analyst_fl, reason="Duplicate of an older call")
    assert closed.status == Status.CLOSED and closed.close_reason == "Duplicate of an older call"
    for action in (lambda: tip_assign(triage=closed, by=analyst_fl, assignee=analyst_fl),
                   lambda: tip_close(triage=closed, by=analyst_fl, reason="again"),
                   lambda: tip_mark_referred(tip=closed.tip, by=analyst_fl)):
        with pytest.raises(TipRefused) as refused:
            action()
        assert codes(refused) == {"tip_decided"}


def test_refusals_of_the_side_and_the_version(tip, analyst_fl, analyst_fl2, outsider):
    with pytest.raises(NotVisible):
        tip_assign(triage=tip, by=outsider, assignee=outsider)
    with pytest.raises(TipRefused) as refused:
        tip_assign(triage=tip, by=analyst_fl, assignee=analyst_fl2)
    assert codes(refused) == {"tip_assignee_not_on_queue"}
    with pytest.raises(StaleVersion):
        tip_assign(triage=tip, by=analyst_fl, assignee=analyst_fl, version=7)
    tip.refresh_from_db()
    assert (tip.status, tip.version) == (Status.NEW, 1)


def test_a_viewer_of_a_shared_tip_does_not_triage_it(analyst_fl, analyst_la, nopd, make_item):
    from cases.services import share_grant

    triage = tip_take_down(by=analyst_fl, what="A tip")
    # A tip made criminal intelligence may be shared; its viewers still do not triage it.
    item = make_item(analyst_fl)
    TipTriage.objects.filter(pk=triage.pk).update(tip=item)
    triage.refresh_from_db()
    share_grant(obj=item, by=analyst_fl, level=Level.VIEW, agency=nopd,
                reason="The van was seen in New Orleans.")
    assert level_of(analyst_la, item) == Level.VIEW
    with pytest.raises(InsufficientLevel):
        tip_close(triage=triage, by=analyst_la, reason="no")


def test_referred_by_the_referral_code(tip, analyst_fl):
    referred = tip_mark_referred(tip=tip.tip, by=analyst_fl, referral=None)
    assert referred.status == Status.REFERRED and referred.decided_at is not None


def test_bulk_assign_is_all_or_nothing(analyst_fl, agency_admin_fl):
    first = tip_take_down(by=analyst_fl, what="One")
    second = tip_take_down(by=analyst_fl, what="Two")
    tip_close(triage=second, by=analyst_fl, reason="Crank call")
    with pytest.raises(TipRefused) as refused:
        tips_assign(triages=[first, second], by=analyst_fl, assignee=agency_admin_fl)
    assert f"T-{second.tip_id}" in refused.value.messages[0]
    first.refresh_from_db()
    assert (first.status, first.assignee) == (Status.NEW, None)
    third = tip_take_down(by=analyst_fl, what="Three")
    done = tips_assign(triages=[first, third], by=analyst_fl, assignee=agency_admin_fl,
                       versions={first.pk: 1, third.pk: 1})
    assert {row.status for row in done} == {Status.ASSIGNED}


def test_a_tip_written_on_the_item_form_is_a_hint_to_its_item_page(make_item, analyst_fl):
    from cases.services import entity_link

    written = make_item(analyst_fl, kind="tip", title="A tip of the item form")
    entity_link(by=analyst_fl, kind="phone", item=written, number="(407) 555-0148")
    taken = tip_take_down(by=analyst_fl, what="Again", subjects=[PHONE])
    [hint] = tip_selectors.hints_shown(analyst_fl, taken.hints)
    assert hint["visible"] and not hint["triaged"] and hint["id"] == written.pk
    assert [h["triaged"] for h in tip_selectors.hints_shown(
        analyst_fl, tip_take_down(by=analyst_fl, what="Third", subjects=[PHONE]).hints)] \
        == [True, False]
