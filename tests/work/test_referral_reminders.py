"""A referral's notices: the addressee told with the title it sees, the referrer told of each
change, a reminder the day before and an escalation once overdue, each once, at a frozen
clock."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import mail

from agencies.models import Agency, CenterAdmin, User
from notifications.models import EmailDelivery, Notification, OutboxEvent
from sharing.services import unshare
from tests.base import deliver_all
from tests.conftest import _user
from work.services import refer, referral_acknowledge, referral_close, referral_withdraw
from work.tasks import remind_and_escalate, remind_and_escalate_referrals

pytestmark = pytest.mark.django_db

TITLE = "Caller names the driver of the white van on I-4"


def at(day, hour=12):
    return time_machine.travel(datetime(2030, 1, day, hour, tzinfo=UTC), tick=False)


def told(kind):
    deliver_all()
    return sorted(EmailDelivery.objects.filter(event__kind=kind).values_list("address", flat=True))


@pytest.fixture
def admin_nopd(nopd):
    return _user("admin_nopd", nopd, User.Role.AGENCY_ADMIN)


@pytest.fixture
def referral(make_item, analyst_fl, nopd, cfix, admin_nopd):
    CenterAdmin.objects.create(user=analyst_fl, center=cfix)
    with at(1):
        tip = make_item(analyst_fl, kind="tip", title=TITLE)
        return refer(obj=tip, by=analyst_fl, agency=nopd, center=cfix, due_date=date(2030, 1, 5),
                     instructions="Interview the caller at the Kenner address.")


def test_the_addressee_is_told_with_the_title_it_sees(referral, admin_nopd):
    assert told("referred") == [admin_nopd.email]
    notice = Notification.objects.get(kind="referred")
    assert notice.agency_id == referral.to_agency_id
    assert TITLE not in notice.title and "Kenner" not in str(notice.lines)
    sent = [m for m in mail.outbox if admin_nopd.email in m.to and "Referral" in m.subject][0]
    assert TITLE in sent.body and "Kenner" in sent.body and TITLE not in sent.subject


def test_the_referrer_is_told_of_each_change_by_the_addressee(referral, analyst_la, analyst_fl,
                                                             admin_nopd):
    referral_acknowledge(referral=referral, by=analyst_la)
    referral_close(referral=referral, by=analyst_la, outcome="action_taken",
                   outcome_text="Caller interviewed; driver identified.")
    assert told("referral_acked") == sorted([admin_nopd.email, analyst_fl.email])
    to_referrer = Notification.objects.get(kind="referral_closed", user=analyst_fl)
    assert "closed by New Orleans Police Department" in to_referrer.title
    assert ["Outcome", "Action taken"] in to_referrer.lines
    body = [m for m in mail.outbox if analyst_fl.email in m.to][-1].body
    assert "driver identified" in body and TITLE in body


def test_one_who_no_longer_sees_it_reads_the_pointer_only(referral, analyst_fl, admin_nopd):
    unshare(share_record=referral.item.shares.get(target_agency=referral.to_agency),
            by=analyst_fl)
    referral_withdraw(referral=referral, by=analyst_fl)
    told("referral_withdrawn")
    body = [m for m in mail.outbox if m.to == [admin_nopd.email]][-1].body
    assert TITLE not in body and "Kenner" not in body and "contact the referring agency" in body


def test_a_reminder_the_day_before_once(referral, admin_nopd):
    with at(3):
        assert remind_and_escalate_referrals() == (0, 0)
    with at(4):
        assert remind_and_escalate_referrals() == (1, 0)
        assert remind_and_escalate_referrals() == (0, 0)
    assert told("referral_reminder") == [admin_nopd.email]
    assert OutboxEvent.objects.filter(kind="referral_reminder").count() == 1


def test_overdue_escalates_once_to_the_admins_of_both_sides_and_the_center(
        referral, agency_admin_fl, admin_nopd, analyst_fl, lsp):
    admin_lsp = _user("admin_lsp", lsp, User.Role.AGENCY_ADMIN)
    with at(5, 23):
        assert remind_and_escalate_referrals()[1] == 0  # due today: not overdue yet
    with at(6):
        assert remind_and_escalate_referrals()[1] == 1
        assert remind_and_escalate_referrals() == (0, 0)
    # analyst_fl administers CFIX, the center it referred for.
    assert told("referral_overdue") == sorted(
        [agency_admin_fl.email, admin_nopd.email, analyst_fl.email])
    assert admin_lsp.email not in told("referral_overdue")
    assert all(TITLE not in n.title for n in Notification.objects.filter(kind="referral_overdue"))


def test_a_center_admin_who_does_not_see_it_reads_no_title(make_item, analyst_fl, nopd,
                                                           admin_nopd):
    tampa = Agency.objects.create(name="Tampa Police Department", ori="FL0290100",
                                  level="local", home_state="FL")
    admin_tampa = _user("admin_tampa", tampa)
    cfix = CenterAdmin.objects.create(user=admin_tampa, center=analyst_fl.agency.memberships
                                      .get().center).center
    CenterAdmin.objects.create(user=analyst_fl, center=cfix)
    with at(1):
        tip = make_item(analyst_fl, kind="tip", title=TITLE)
        refer(obj=tip, by=analyst_fl, agency=nopd, center=cfix, due_date=date(2030, 1, 2),
              instructions="Interview the caller at the Kenner address.")
    with at(4):
        assert remind_and_escalate_referrals() == (0, 1)
    assert admin_tampa.email in told("referral_overdue")
    body = [m for m in mail.outbox if m.to == [admin_tampa.email]][0].body
    assert TITLE not in body and "Kenner" not in body


def test_closed_or_withdrawn_is_neither_reminded_nor_escalated(referral, analyst_la, analyst_fl,
                                                              make_item, lsp):
    with at(2):
        referral_close(referral=referral, by=analyst_la, outcome="no_action",
                       outcome_text="Already known to us.")
        other = refer(obj=make_item(analyst_fl, kind="tip"), by=analyst_fl, agency=lsp,
                      due_date=date(2030, 1, 5), instructions="x")
        referral_withdraw(referral=other, by=analyst_fl)
    with at(9):
        assert remind_and_escalate_referrals() == (0, 0)


def test_the_beat_task_runs_both_sweeps(referral):
    from work.tasks import remind_and_escalate_task

    with at(9):
        remind_and_escalate_task()
    referral.refresh_from_db()
    assert referral.escalated_at is not None
    assert remind_and_escalate() == (0, 0)  # the RFIs' sweep is unchanged by referrals
