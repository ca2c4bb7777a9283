"""The life cycle of an RFI's request: addressed, taken, answered, closed, reopened; each
refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases import services as case_services
from core.errors import InsufficientLevel, NotVisible
from core.handling import Level
from sharing.permissions import level_of
from work.models import RfiRequest
from work.services import RfiRefused, rfi_address, rfi_close, rfi_reopen, rfi_take

pytestmark = pytest.mark.django_db


def tomorrow():
    return timezone.localdate() + timedelta(days=1)


@pytest.fixture
def rfi(make_item, analyst_fl):
    return make_item(analyst_fl, kind="rfi", title="Who rents the Gulf Breeze storage unit?")


@pytest.fixture
def to_nopd(rfi, analyst_fl, nopd):
    return rfi_address(rfi=rfi, by=analyst_fl, agency=nopd, due_date=tomorrow())


def test_addressing_shares_the_rfi_with_the_addressee(rfi, to_nopd, analyst_la):
    assert to_nopd.status == RfiRequest.Status.OPEN
    assert level_of(analyst_la, rfi) == Level.VIEW


def test_addressing_to_a_center_reaches_its_member_analysts(rfi, analyst_fl, cfix, analyst_fl2):
    request = rfi_address(rfi=rfi, by=analyst_fl, center=cfix, due_date=tomorrow())
    assert level_of(analyst_fl2, rfi) == Level.VIEW
    taken = rfi_take(request=request, by=analyst_fl2)
    assert (taken.status, taken.taken_by) == (RfiRequest.Status.ACKNOWLEDGED, analyst_fl2)


def test_addressing_refusals(rfi, analyst_fl, analyst_la, mbi, nopd, make_item):
    with pytest.raises(RfiRefused) as refused:
        rfi_address(rfi=rfi, by=analyst_fl, agency=nopd, due_date=timezone.localdate() - timedelta(days=1))
    assert refused.value.error_dict["due_date"][0].code == "rfi_due_in_past"
    with pytest.raises(RfiRefused):
        rfi_address(rfi=rfi, by=analyst_fl, agency=mbi, due_date=tomorrow())
    with pytest.raises(RfiRefused):
        rfi_address(rfi=rfi, by=analyst_fl, due_date=tomorrow())
    with pytest.raises(NotVisible):
        rfi_address(rfi=rfi, by=analyst_la, agency=nopd, due_date=tomorrow())
    tip = make_item(analyst_fl, kind="tip")
    with pytest.raises(RfiRefused):
        rfi_address(rfi=tip, by=analyst_fl, agency=nopd, due_date=tomorrow())
    rfi_address(rfi=rfi, by=analyst_fl, agency=nopd, due_date=tomorrow())
    with pytest.raises(RfiRefused) as refused:
        rfi_address(rfi=rfi, by=analyst_fl, agency=nopd, due_date=tomorrow())
    assert refused.value.code == "rfi_addressed_already"
    assert RfiRequest.objects.count() == 1


def test_only_the_addressed_side_takes_it_once(to_nopd, analyst_la, analyst_la2, analyst_fl,
                                               outsider):
    with pytest.raises(NotVisible):
        rfi_take(request=to_nopd, by=outsider)
    with pytest.raises(InsufficientLevel):
        rfi_take(request=to_nopd, by=analyst_fl)
    taken = rfi_take(request=to_nopd, by=analyst_la)
    assert taken.acknowledged_at is not None and taken.version == 2
    with pytest.raises(RfiRefused):
        rfi_take(request=taken, by=analyst_la)


def test_a_response_answers_the_request_and_goes_back_to_the_asker(rfi, to_nopd, analyst_la,
                                                                   analyst_fl):
    response = case_services.item_create(by=analyst_la, kind="rfi_response", title="Re: unit",
                                         in_response_to=rfi, **_labels(analyst_la))
    to_nopd.refresh_from_db()
    assert to_nopd.status == RfiRequest.Status.ANSWERED
    assert to_nopd.taken_by == analyst_la and to_nopd.answered_at is not None
    assert level_of(analyst_fl, response) == Level.VIEW


def _labels(by):
    from tests.conftest import cfr23_labels

    return cfr23_labels(by)


def test_the_asker_closes_and_reopens(rfi, to_nopd, analyst_fl, analyst_la):
    with pytest.raises(InsufficientLevel):
        rfi_close(request=to_nopd, by=analyst_la)
    with pytest.raises(RfiRefused):
        rfi_reopen(request=to_nopd, by=analyst_fl)
    closed = rfi_close(request=to_nopd, by=analyst_fl)
    assert closed.status == RfiRequest.Status.CLOSED and closed.closed_at is not None
    with pytest.raises(RfiRefused):
        rfi_close(request=closed, by=analyst_fl)
    with pytest.raises(InsufficientLevel):
        rfi_reopen(request=closed, by=analyst_la)
    reopened = rfi_reopen(request=closed, by=analyst_fl, due_date=tomorrow() + timedelta(days=3))
    assert reopened.status == RfiRequest.Status.OPEN and reopened.closed_at is None
    assert reopened.due_date == tomorrow() + timedelta(days=3)
