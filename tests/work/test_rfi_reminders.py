"""Reminders before an RFI is due and escalation once overdue, at a frozen clock: each sent
once, to the right people only; and the notices of an RFI addressed and answered."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core import mail

from agencies.models import User
from cases import services as case_services
from notifications.models import EmailDelivery, Notification, OutboxEvent
from tests.base import deliver_all
from tests.conftest import _user, cfr23_labels
from work.services import rfi_address, rfi_close, rfi_reopen, rfi_take
from work.tasks import remind_and_escalate

pytestmark = pytest.mark.django_db

TITLE = "Who rents the Gulf Breeze storage unit?"


def at(day, hour=12):
    return time_machine.travel(datetime(2030, 1, day, hour, tzinfo=UTC), tick=False)


@pytest.fixture
def request_to_nopd(make_item, analyst_fl, nopd):
    with at(1):
        rfi = make_item(analyst_fl, kind="rfi", title=TITLE)
        return rfi_address(rfi=rfi, by=analyst_fl, agency=nopd, due_date=date(2030, 1, 5))


def told(kind):
    """The e-mail addresses and in-app audiences told of `kind`, delivered."""
    deliver_all()
    emails = sorted(EmailDelivery.objects.filter(event__kind=kind)
                    .values_list("address", flat=True))
    return emails


def test_the_addressee_is_told_with_the_title_it_sees(make_item, analyst_fl, agency_admin_fl,
                                                      nopd):
    admin_nopd = _user("admin_nopd", nopd, User.Role.AGENCY_ADMIN)
    rfi = make_item(analyst_fl, kind="rfi", title=TITLE)
    rfi_address(rfi=rfi, by=analyst_fl, agency=nopd, due_date=date(2099, 1, 5))
    # In the addressed agency's inbox, and by e-mail to its admins (as every agency notice).
    assert told("rfi_addressed") == [admin_nopd.email]
    notice = Notification.objects.get(kind="rfi_addressed")
    assert notice.agency_id == nopd.pk
    assert TITLE not in notice.title
    sent = [m for m in mail.outbox if admin_nopd.email in m.to][0]
    assert TITLE in sent.body and TITLE not in sent.subject


def test_a_reminder_the_day_before_once_then_the_taker_alone(request_to_nopd, analyst_la,
                                                            analyst_la2, nopd):
    analyst_nopd2 = _user("analyst_nopd2", nopd)
    with at(3):
        assert remind_and_escalate() == (0, 0)
    with at(4):
        rfi_take(request=request_to_nopd, by=analyst_la)
        assert remind_and_escalate() == (1, 0)
        assert remind_and_escalate() == (0, 0)
    assert told("rfi_reminder") == [analyst_la.email]
    assert OutboxEvent.objects.filter(kind="rfi_reminder").count() == 1
    assert analyst_nopd2.email not in told("rfi_reminder")


def test_overdue_escalates_once_to_the_admins_of_both_sides(request_to_nopd, analyst_fl,
                                                             agency_admin_fl, analyst_la,
                                                             nopd, lsp, outsider):
    admin_nopd = _user("admin_nopd", nopd, User.Role.AGENCY_ADMIN)
    admin_lsp = _user("admin_lsp", lsp, User.Role.AGENCY_ADMIN)
    with at(5, 23):
        assert remind_and_escalate()[1] == 0  # due today: not overdue yet
    with at(6):
        assert remind_and_escalate()[1] == 1
        assert remind_and_escalate() == (0, 0)
    assert told("rfi_overdue") == sorted([agency_admin_fl.email, admin_nopd.email])
    assert admin_lsp.email not in told("rfi_overdue")
    notices = Notification.objects.filter(kind="rfi_overdue")
    assert sorted(notices.values_list("user_id", flat=True)) == sorted(
        [agency_admin_fl.pk, admin_nopd.pk])
    assert all(TITLE not in notice.title for notice in notices)


def test_a_center_request_escalates_to_the_center_admins(make_item, analyst_fl, cfix,
                                                        admin_cfix, agency_admin_fl):
    with at(1):
        rfi = make_item(analyst_fl, kind="rfi", title=TITLE)
        rfi_address(rfi=rfi, by=analyst_fl, center=cfix, due_date=date(2030, 1, 2))
    with at(3):
        assert remind_and_escalate() == (0, 1)
    assert told("rfi_overdue") == sorted([admin_cfix.email, agency_admin_fl.email])


def test_answered_or_closed_is_neither_reminded_nor_escalated_and_reopened_is_anew(
        request_to_nopd, analyst_fl, agency_admin_fl):
    with at(2):
        rfi_close(request=request_to_nopd, by=analyst_fl)
    with at(6):
        assert remind_and_escalate() == (0, 0)
        request = rfi_reopen(request=request_to_nopd, by=analyst_fl, due_date=date(2030, 1, 6))
        assert remind_and_escalate() == (1, 0)
    with at(8):
        assert remind_and_escalate() == (0, 1)
        assert remind_and_escalate() == (0, 0)
    assert request.cycle == 1
    assert told("rfi_overdue") == [agency_admin_fl.email]


def test_the_asker_is_told_of_the_answer(request_to_nopd, analyst_la, agency_admin_fl):
    with at(2):
        case_services.item_create(by=analyst_la, kind="rfi_response", title="Re: unit",
                                  in_response_to=request_to_nopd.rfi, **cfr23_labels(analyst_la))
    assert told("rfi_answered") == [agency_admin_fl.email]
    assert Notification.objects.get(kind="rfi_answered").agency_id == request_to_nopd.rfi.owner_id
