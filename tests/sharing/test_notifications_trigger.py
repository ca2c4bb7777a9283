"""When a case comes to span state lines, each newly involved state's primary center is alerted,
once per (case, state), other than the lead center; the outbox row is written in the same
transaction and its delivery enqueued only after commit."""

import pytest
from django.db import transaction

from agencies.models import FusionCenter
from cases import services as case_services
from notifications import tasks
from notifications.models import CaseAlert, OutboxEvent

pytestmark = pytest.mark.django_db


def alerted(case):
    return sorted(
        OutboxEvent.objects.filter(case=case, kind=OutboxEvent.Kind.STATE_LINES)
        .values_list("center__short_name", flat=True)
    )


def test_a_case_opened_in_three_states_alerts_the_two_other_states_primary_centers(
    la_safe, stac, ociac, trafficking_case
):
    # Led by CFIX (FL's primary): LA-SAFE and STAC are told; OCIAC is CA's recognized center.
    assert alerted(trafficking_case) == ["LA-SAFE", "STAC"]
    assert sorted(CaseAlert.objects.filter(case=trafficking_case).values_list("state", flat=True)) \
        == ["CA", "FL", "LA"]
    assert CaseAlert.objects.get(case=trafficking_case, state="FL").center is None


def test_a_single_state_case_alerts_nobody(make_case, analyst_fl, la_safe):
    case = make_case(analyst_fl, states=("FL",))
    assert alerted(case) == []
    assert not CaseAlert.objects.filter(case=case).exists()


def test_a_second_place_in_the_same_state_alerts_nobody(make_case, analyst_fl, la_safe):
    case = make_case(analyst_fl, states=("FL",))
    case_services.jurisdiction_add(case=case, by=analyst_fl, state="FL", city="Tampa")
    assert alerted(case) == []


def test_adding_a_state_alerts_that_states_center(make_case, analyst_fl, la_safe, stac):
    case = make_case(analyst_fl, states=("FL",))
    place, new_state = case_services.jurisdiction_add(
        case=case, by=analyst_fl, state="LA", city="Shreveport"
    )
    assert new_state
    assert alerted(case) == ["LA-SAFE"]
    case_services.jurisdiction_add(case=case, by=analyst_fl, state="CA", city="Anaheim")
    assert alerted(case) == ["LA-SAFE", "STAC"]


def test_a_state_removed_and_added_again_is_not_alerted_twice(make_case, analyst_fl, la_safe):
    case = make_case(analyst_fl, states=("FL",))
    place, _ = case_services.jurisdiction_add(case=case, by=analyst_fl, state="LA")
    case_services.jurisdiction_remove(jurisdiction=place, by=analyst_fl)
    _, new_state = case_services.jurisdiction_add(case=case, by=analyst_fl, state="LA")
    assert new_state  # LA is new to the case's places again...
    assert alerted(case) == ["LA-SAFE"]  # ...but its center heard of the case already
    assert OutboxEvent.objects.filter(case=case).count() == 1


def test_the_lead_center_is_not_alerted_about_its_own_case(make_case, analyst_fl, la_safe, cfix):
    case = make_case(analyst_fl, states=("FL", "LA"), lead_center=la_safe)
    assert alerted(case) == ["CFIX"]


def test_a_state_without_a_primary_center_is_recorded_and_alerts_nobody(
    make_case, analyst_fl, la_safe
):
    case = make_case(analyst_fl, states=("FL", "NV"))
    assert alerted(case) == []
    assert CaseAlert.objects.get(case=case, state="NV").center is None


def test_a_recognized_center_is_not_the_states_primary(make_case, analyst_fl, ociac):
    # California has only OCIAC (recognized) here: the alert goes to a primary center only.
    case = make_case(analyst_fl, states=("FL", "CA"))
    assert alerted(case) == []
    assert FusionCenter.objects.filter(state="CA", kind="primary").count() == 0


def test_the_alert_is_written_in_the_transaction_of_the_change(make_case, analyst_fl, la_safe):
    case = make_case(analyst_fl, states=("FL",))
    with pytest.raises(RuntimeError), transaction.atomic():
        case_services.jurisdiction_add(case=case, by=analyst_fl, state="LA")
        assert alerted(case) == ["LA-SAFE"]
        raise RuntimeError("the change fails after the alert was written")
    assert alerted(case) == []
    assert not CaseAlert.objects.filter(case=case).exists()


def test_delivery_is_enqueued_only_after_commit(
    make_case, analyst_fl, la_safe, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(
        tasks.deliver_event, "apply_async", lambda args, **options: sent.append(args[0])
    )
    case = make_case(analyst_fl, states=("FL",))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        case_services.jurisdiction_add(case=case, by=analyst_fl, state="LA")
        assert sent == []  # nothing leaves before the transaction commits
    event = OutboxEvent.objects.get(case=case)
    assert sent == [event.pk]
    assert len(callbacks) == 1


def test_a_broker_that_is_down_at_commit_leaves_the_event_pending_for_the_sweep(
    make_case, analyst_fl, la_safe, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("Redis is down")

    monkeypatch.setattr(tasks.deliver_event, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        case = make_case(analyst_fl, states=("FL", "LA"))  # the change itself succeeds
    event = OutboxEvent.objects.get(case=case)
    assert event.status == "pending"
