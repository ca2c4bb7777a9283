"""A referral's life cycle: made (shared within the handling rules), acknowledged, closed with an
outcome, withdrawn; each refusal, and that a refusal writes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import Agency, CenterAdmin
from audit.models import AccessLog
from cases.models import IntelligenceItem
from cases.services import item_review
from core.errors import InsufficientLevel, NotVisible, StaleVersion
from core.handling import TLP, Level
from notifications.models import OutboxEvent
from sharing.models import Share
from sharing.permissions import ShareRefused, level_of
from sharing.services import share
from tests.conftest import _user, cfr23_labels
from work import services as work_services
from work.models import Referral, TipTriage
from work.services import (
    ReferralRefused,
    refer,
    referral_acknowledge,
    referral_close,
    referral_withdraw,
)
from work.tip_services import tip_close, tip_take_down

pytestmark = pytest.mark.django_db

TITLE = "Caller names the driver of the white van on I-4"


def soon(days=2):
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def tip(make_item, analyst_fl):
    return make_item(analyst_fl, kind="tip", title=TITLE)


@pytest.fixture
def to_nopd(tip, analyst_fl, nopd):
    return refer(obj=tip, by=analyst_fl, agency=nopd, due_date=soon(),
                 instructions="Interview the caller.")


def nothing_written(obj):
    return (not Referral.objects.exists()
            and not Share.objects.filter(item=obj).exists()
            and not OutboxEvent.objects.filter(kind="referred").exists())


def test_a_referral_shares_the_tip_with_view_and_tells_the_addressee(tip, to_nopd, analyst_la,
                                                                    analyst_fl, mbi):
    assert (to_nopd.status, to_nopd.from_agency, to_nopd.referred_by) == (
        Referral.Status.OPEN, mbi, analyst_fl)
    assert to_nopd.referred == tip and to_nopd.version == 1
    assert level_of(analyst_la, tip) == Level.VIEW
    event = OutboxEvent.objects.get(kind="referred")
    assert event.agency_id == to_nopd.to_agency_id and event.item_id == tip.pk


def test_a_case_is_referred_too(trafficking_case, analyst_fl, lsp, analyst_la2):
    referral = refer(obj=trafficking_case, by=analyst_fl, agency=lsp, due_date=soon(),
                     instructions="Check the motels on Airline Drive.")
    assert referral.case == trafficking_case and referral.item is None
    assert level_of(analyst_la2, trafficking_case) == Level.VIEW


def test_a_share_held_already_is_never_lowered(tip, analyst_fl, nopd, analyst_la):
    share(obj=tip, by=analyst_fl, agency=nopd, level=Level.EDIT)
    refer(obj=tip, by=analyst_fl, agency=nopd, due_date=soon(), instructions="Act on it.")
    assert level_of(analyst_la, tip) == Level.EDIT


def test_the_referrer_must_be_able_to_share_it(tip, analyst_fl, analyst_la, nopd, lsp, outsider):
    with pytest.raises(NotVisible):
        refer(obj=tip, by=outsider, agency=lsp, due_date=soon(), instructions="x")
    share(obj=tip, by=analyst_fl, agency=nopd, level=Level.EDIT)
    with pytest.raises(InsufficientLevel) as refused:
        refer(obj=tip, by=analyst_la, agency=lsp, due_date=soon(), instructions="x")
    assert "manage" in str(refused.value)
    share(obj=tip, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    made = refer(obj=tip, by=analyst_la, agency=lsp, due_date=soon(), instructions="x")
    assert made.from_agency == nopd


def test_refusals_of_its_own_rules_name_them(tip, analyst_fl, nopd, mbi, cfix):
    cases = [
        ({"agency": nopd, "due_date": soon(-1)}, "referral_due_in_past"),
        ({"agency": mbi}, "referral_to_self"),
        ({"agency": None}, "referral_agency_missing"),
        ({"agency": nopd, "instructions": "  "}, "referral_instructions_missing"),
        ({"agency": nopd, "center": cfix}, "referral_center_not_yours"),
    ]
    for arguments, code in cases:
        given = {"due_date": soon(), "instructions": "Act on it.", **arguments}
        with pytest.raises(ReferralRefused) as refused:
            refer(obj=tip, by=analyst_fl, **given)
        assert [e.code for errors in refused.value.error_dict.values() for e in errors] == [code]
    assert nothing_written(tip)


def test_a_second_open_referral_to_the_same_agency_is_refused(tip, to_nopd, analyst_fl, nopd,
                                                             analyst_la):
    with pytest.raises(ReferralRefused) as refused:
        refer(obj=tip, by=analyst_fl, agency=nopd, due_date=soon(), instructions="Again.")
    assert refused.value.code == "referral_pending_already"
    assert Referral.objects.count() == 1
    referral_close(referral=to_nopd, by=analyst_la, outcome="no_action", outcome_text="Known.")
    again = refer(obj=tip, by=analyst_fl, agency=nopd, due_date=soon(), instructions="Again.")
    assert again.status == Referral.Status.OPEN and Referral.objects.count() == 2


def test_les_to_a_foreign_partner_gets_nothing_and_names_the_rule(make_item, analyst_fl,
                                                                  trafficking_case):
    europol = Agency.objects.create(name="EUROPOL", ori="DCEUROPOL", level="federal",
                                    home_state="DC", foreign_partner=True)
    analyst_eu = _user("analyst_eu", europol)
    tip = make_item(analyst_fl, kind="tip", title=TITLE, les=True)
    for obj in (tip, trafficking_case):  # the case is LES as well
        with pytest.raises(ShareRefused) as refused:
            refer(obj=obj, by=analyst_fl, agency=europol, due_date=soon(), instructions="x")
        assert refused.value.code == "foreign_partner_les"
        assert "LES never reaches a foreign partner" in refused.value.messages[0]
        assert level_of(analyst_eu, obj) is None
    assert nothing_written(tip) and not Share.objects.filter(case=trafficking_case).exists()


def test_amber_is_referred_on_only_within_the_referrers_centers(tip, analyst_fl, nopd,
                                                                analyst_la, houston, outsider):
    share(obj=tip, by=analyst_fl, agency=nopd, level=Level.MANAGE)
    with pytest.raises(ShareRefused) as refused:
        refer(obj=tip, by=analyst_la, agency=houston, due_date=soon(), instructions="x")
    assert refused.value.code == "amber_own_centers_only"
    assert level_of(outsider, tip) is None and not Referral.objects.exists()


def test_red_is_referred_by_its_owner_to_a_named_agency(make_item, analyst_fl, nopd, analyst_la):
    red = make_item(analyst_fl, kind="tip", tlp=TLP.RED)
    referral = refer(obj=red, by=analyst_fl, agency=nopd, due_date=soon(), instructions="x")
    assert referral.pk and level_of(analyst_la, red) == Level.VIEW


def test_a_center_admin_refers_for_the_center(tip, analyst_fl, cfix, nopd):
    CenterAdmin.objects.create(user=analyst_fl, center=cfix)
    referral = refer(obj=tip, by=analyst_fl, agency=nopd, center=cfix, due_date=soon(),
                     instructions="x")
    assert referral.referring_center == cfix


def test_only_the_addressee_acknowledges_an_open_one_once(to_nopd, analyst_la, analyst_fl,
                                                         outsider):
    with pytest.raises(NotVisible):
        referral_acknowledge(referral=to_nopd, by=outsider)
    with pytest.raises(InsufficientLevel):
        referral_acknowledge(referral=to_nopd, by=analyst_fl)
    with pytest.raises(StaleVersion):
        referral_acknowledge(referral=to_nopd, by=analyst_la, version=7)
    done = referral_acknowledge(referral=to_nopd, by=analyst_la, version=1)
    assert (done.status, done.acknowledged_by, done.version) == (
        Referral.Status.ACKNOWLEDGED, analyst_la, 2)
    assert done.acknowledged_at is not None
    with pytest.raises(ReferralRefused) as refused:
        referral_acknowledge(referral=done, by=analyst_la)
    assert refused.value.code == "referral_not_open"
    # The referrer is told, as the addressed agency is.
    told = OutboxEvent.objects.filter(kind="referral_acked")
    assert sorted(told.values_list("key", flat=True)) == [
        f"referral-acknowledged:{to_nopd.pk}", f"referral-acknowledged:{to_nopd.pk}:referrer"]


def test_the_addressee_closes_with_an_outcome_acknowledged_or_not(to_nopd, analyst_la,
                                                                 analyst_fl):
    with pytest.raises(InsufficientLevel):
        referral_close(referral=to_nopd, by=analyst_fl, outcome="declined", outcome_text="x")
    with pytest.raises(ReferralRefused) as refused:
        referral_close(referral=to_nopd, by=analyst_la, outcome="", outcome_text="x")
    assert refused.value.error_dict["outcome"][0].code == "referral_outcome_missing"
    with pytest.raises(ReferralRefused) as refused:
        referral_close(referral=to_nopd, by=analyst_la, outcome="declined", outcome_text=" ")
    assert refused.value.error_dict["outcome_text"][0].code == "referral_outcome_text_missing"
    closed = referral_close(referral=to_nopd, by=analyst_la, outcome="declined",
                            outcome_text="Outside our jurisdiction.")
    assert (closed.status, closed.outcome, closed.closed_by) == (
        Referral.Status.CLOSED, "declined", analyst_la)
    assert closed.acknowledged_at is None and closed.closed_at is not None
    with pytest.raises(ReferralRefused) as refused:
        referral_close(referral=closed, by=analyst_la, outcome="declined", outcome_text="x")
    assert refused.value.code == "referral_not_pending"
    with pytest.raises(ReferralRefused):
        referral_withdraw(referral=closed, by=analyst_fl)


def test_the_referrer_withdraws_a_pending_one_and_the_share_stays(tip, to_nopd, analyst_la,
                                                                  analyst_fl):
    referral_acknowledge(referral=to_nopd, by=analyst_la)
    with pytest.raises(InsufficientLevel):
        referral_withdraw(referral=to_nopd, by=analyst_la)
    withdrawn = referral_withdraw(referral=to_nopd, by=analyst_fl, version=2)
    assert withdrawn.status == Referral.Status.WITHDRAWN and withdrawn.withdrawn_at
    assert level_of(analyst_la, tip) == Level.VIEW
    with pytest.raises(ReferralRefused):
        referral_close(referral=withdrawn, by=analyst_la, outcome="declined", outcome_text="x")
    # The referrer made the change: only the addressee is told.
    assert OutboxEvent.objects.filter(kind="referral_withdrawn").count() == 1


# A tip in its agency's triage queue -------------------------------------------------------------


@pytest.fixture
def queued_tip(analyst_fl, reviewer_fl, cfix):
    """A tip taken down into MBI's triage queue, accepted as criminal intelligence by MBI's
    reviewer (information pending review is never shared, so never referred)."""
    triage = tip_take_down(by=analyst_fl, what="Caller saw a minor taken into a van on I-4",
                           where="Orlando, FL")
    item_review(item=triage.tip, by=reviewer_fl, decision="accept",
                reason="Predicate stated by the call-taker.",
                **cfr23_labels(reviewer_fl, control_official=analyst_fl))
    triage.refresh_from_db()
    return triage


def test_a_tip_referred_from_its_queue_leaves_it_as_referred(queued_tip, analyst_fl, nopd):
    referral = refer(obj=queued_tip.tip, by=analyst_fl, agency=nopd, due_date=soon(),
                     instructions="Interview the caller.")
    queued_tip.refresh_from_db()
    assert queued_tip.status == TipTriage.Status.REFERRED
    assert AccessLog.objects.filter(
        object_id=queued_tip.tip_id, detail__referral_id=referral.pk,
        detail__tip="referred").exists()


def test_a_refused_referral_leaves_the_tip_in_its_queue(queued_tip, analyst_fl):
    europol = Agency.objects.create(name="EUROPOL", ori="DCEUROPOL", level="federal",
                                    home_state="DC", foreign_partner=True)
    IntelligenceItem.objects.filter(pk=queued_tip.tip_id).update(les=True)
    with pytest.raises(ShareRefused):
        refer(obj=queued_tip.tip, by=analyst_fl, agency=europol, due_date=soon(),
              instructions="Check your files.")
    queued_tip.refresh_from_db()
    assert queued_tip.status == TipTriage.Status.NEW and not Referral.objects.exists()


def test_a_tip_decided_already_stays_as_it_was(queued_tip, analyst_fl, nopd):
    tip_close(triage=queued_tip, by=analyst_fl, reason="Known to the case team.")
    refer(obj=queued_tip.tip, by=analyst_fl, agency=nopd, due_date=soon(),
          instructions="For your files.")
    queued_tip.refresh_from_db()
    assert queued_tip.status == TipTriage.Status.CLOSED


def test_two_referrals_made_at_once_are_one_and_a_refusal(tip, analyst_fl, nopd, monkeypatch):
    """The partial unique index stops the second of two referrals whose checks ran at the same
    moment (each saw no pending one): it is refused as the check refuses it, never a 500. The
    other one is written here between this referral's check and its insert."""
    shares = work_services._share_for_referral

    def the_other_referral_lands(obj, by, agency, instructions):
        shared = shares(obj, by, agency, instructions)
        Referral.objects.create(item=obj, from_agency_id=by.agency_id, referred_by=by,
                                to_agency=agency, due_date=soon(), instructions="At once.")
        return shared

    monkeypatch.setattr(work_services, "_share_for_referral", the_other_referral_lands)
    with pytest.raises(ReferralRefused) as refused:
        refer(obj=tip, by=analyst_fl, agency=nopd, due_date=soon(), instructions="Second.")
    assert refused.value.code == "referral_pending_already"
