"""Delivering an alert: what it says for each handling marking, once whatever happens
(a task run twice, a claim that expired), e-mail to the center admins, signed webhooks
retried with backoff, and the sweep."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies.models import CenterAdmin, Membership, User
from cases import services as case_services
from cases.services import share_grant
from core.handling import TLP, Level
from notifications import tasks, webhooks
from notifications.delivery import event_deliver
from notifications.models import (
    EmailDelivery,
    Notification,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
)
from notifications.selectors import queue_stats
from notifications.tasks import sweep as outbox_sweep
from sharing.models import Share
from sharing.permissions import cases_visible_to, network_group
from tests.base import HttpsClient
from tests.conftest import PASSWORD, fresh
from tests.sharing.query_counts import QUERY_COUNTS
from tests.sharing.webhook_receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def http_webhooks_allowed(settings):
    settings.WEBHOOK_ALLOW_HTTP = True  # the local receiver speaks plain HTTP


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    """The tasks a task starts run at once, in this process, with Redis configured or not (the
    real worker is tests/integration's business)."""
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


@pytest.fixture
def admin_la_safe(la_safe, lsp):
    user = User.objects.create_user(
        username="admin_lasafe", password=PASSWORD, agency=lsp, role=User.Role.AGENCY_ADMIN,
        email="admin_lasafe@example.gov",
    )
    CenterAdmin.objects.create(user=user, center=la_safe)
    return user


@pytest.fixture
def nopd_webhook(nopd_admin, receiver):
    endpoint = webhooks.endpoint_register(by=nopd_admin, url=receiver.url, description="NOPD RMS")
    receiver.secret = endpoint.secret
    return endpoint


def la_alert(case):
    return OutboxEvent.objects.get(case=case, center__short_name="LA-SAFE")


def la_notification(case):
    return Notification.objects.get(event__case=case, center__short_name="LA-SAFE")


def texts(notification):
    return " | ".join(f"{label}: {value}" for label, value in notification.lines)


# What the alert says ------------------------------------------------------------------------------


def test_an_alert_to_a_center_that_does_not_see_the_case_is_a_pointer(
    la_safe, stac, trafficking_case
):
    """The number, the owner agency and its point of contact, the states: the only thing an
    alert carries for a reader who may not see the case (DESIGN.md, "Pointers, not content")."""
    tasks.deliver_event(la_alert(trafficking_case).pk)
    note = la_notification(trafficking_case)
    said = note.title + " | " + texts(note)
    assert "MBI-2015-0042" in said
    assert "Metropolitan Bureau of Investigation (FL0480400)" in said
    assert "Duty officer, Metropolitan Bureau of Investigation" in said  # point of contact
    assert "duty@fl0480400.example.gov" in said
    assert "States: CA, FL, LA" in said
    # Not shared with LA-SAFE: no title, lead center or marking; never the summary.
    assert trafficking_case.title not in said
    assert "Lead center" not in said and "TLP:AMBER" not in said
    assert "Orlando" not in said


def test_a_green_case_title_is_not_told_to_a_center_it_was_not_shared_with(
    la_safe, admin_la_safe, make_case, analyst_fl, analyst_la, nopd_webhook, receiver
):
    """TLP:GREEN says how far the owner may share, not that it has: the alert to LA-SAFE,
    its e-mail to LA-SAFE's admin and the webhook of a member agency hold no title."""
    case = make_case(analyst_fl, states=("FL", "LA"), tlp=TLP.GREEN, title="Stolen plates ring")
    tasks.deliver_event(la_alert(case).pk)
    note = la_notification(case)
    assert "Stolen plates ring" not in note.title + texts(note)
    assert [m.to for m in mail.outbox] == [["admin_lasafe@example.gov"]]
    assert "Stolen plates ring" not in mail.outbox[0].subject + mail.outbox[0].body
    assert receiver.processed
    assert "Stolen plates ring" not in json.dumps(list(receiver.processed.values()))
    client = HttpsClient()
    client.force_login(fresh(analyst_la))
    page = client.get(reverse("notification-inbox")).content.decode()
    assert "Stolen plates ring" not in page and case.number in page


def test_subjects_are_never_told(la_safe, admin_la_safe, make_case, analyst_fl, nopd_webhook,
                                 receiver):
    case = make_case(analyst_fl, states=("FL",), tlp=TLP.GREEN)
    case_services.entity_link(by=analyst_fl, kind="phone", label="+1 407 555 0199", case=case,
                              number="+14075550199")
    case_services.jurisdiction_add(case=case, by=analyst_fl, state="LA")
    tasks.deliver_event(la_alert(case).pk)
    [message] = mail.outbox
    [document] = receiver.processed.values()
    everything = texts(la_notification(case)) + message.body + json.dumps(document)
    assert "Metropolitan Bureau of Investigation" in everything  # the alert itself went out
    # The number in any of its forms (not bare digits: ids and times may contain "555").
    for form in ("407 555 0199", "4075550199", "555 0199", "555-0199", "5550199"):
        assert form not in everything


def test_the_owner_may_give_involved_centers_view_access(la_safe, stac, make_case, analyst_fl,
                                                         analyst_la):
    case = make_case(analyst_fl, states=("FL", "LA"), share_with_involved_centers=True,
                     title="Shared on purpose")
    share_row = Share.objects.get(case=case, target_center=la_safe)
    assert share_row.level == Level.VIEW
    assert cases_visible_to(fresh(analyst_la)).filter(pk=case.pk).exists()
    tasks.deliver_event(la_alert(case).pk)
    said = texts(la_notification(case))
    assert "LA-SAFE may view the case" in said
    # The title is told where LA-SAFE sees the case: in the e-mail, and on the inbox page of
    # its analysts, at the moment they read it.
    client = HttpsClient()
    client.force_login(fresh(analyst_la))
    assert "Shared on purpose" in client.get(reverse("notification-inbox")).content.decode()
    # The automatic share is part of the alert, not a second notification.
    assert not OutboxEvent.objects.filter(kind=OutboxEvent.Kind.SHARED).exists()


def test_red_is_never_shared_automatically(la_safe, make_case, analyst_fl, analyst_la):
    case = make_case(analyst_fl, states=("FL", "LA"), share_with_involved_centers=True,
                     tlp=TLP.RED, title="Named agencies only")
    assert not Share.objects.filter(case=case).exists()
    assert not cases_visible_to(fresh(analyst_la)).filter(pk=case.pk).exists()
    tasks.deliver_event(la_alert(case).pk)
    assert "Named agencies only" not in texts(la_notification(case))


def test_an_automatic_share_never_lowers_a_share_the_center_holds(la_safe, make_case, analyst_fl):
    case = make_case(analyst_fl, states=("FL",), share_with_involved_centers=True)
    share_grant(obj=case, by=analyst_fl, level=Level.EDIT, target=Share.Target.CENTER, center=la_safe)
    case_services.jurisdiction_add(case=case, by=analyst_fl, state="LA")
    assert Share.objects.get(case=case, target_center=la_safe).level == Level.EDIT


# Once, whatever happens ---------------------------------------------------------------------------


def test_the_task_run_twice_delivers_once(la_safe, admin_la_safe, trafficking_case,
                                          nopd_webhook, receiver):
    event = la_alert(trafficking_case)
    tasks.deliver_event(event.pk)
    tasks.deliver_event(event.pk)
    assert Notification.objects.filter(event=event).count() == 1
    assert [m.to for m in mail.outbox] == [["admin_lasafe@example.gov"]]
    assert len(receiver.requests) == 1
    assert len(receiver.processed) == 1
    event.refresh_from_db()
    assert event.status == "delivered" and event.attempts == 1


def test_a_claim_held_by_a_live_task_is_left_alone(la_safe, trafficking_case):
    event = la_alert(trafficking_case)
    OutboxEvent.objects.filter(pk=event.pk).update(status="delivering", claimed_at=timezone.now())
    assert event_deliver(event_id=event.pk) is None
    assert not Notification.objects.filter(event=event).exists()


def test_a_claim_whose_task_died_is_taken_over_without_sending_twice(
    la_safe, admin_la_safe, trafficking_case
):
    event = la_alert(trafficking_case)
    tasks.deliver_event(event.pk)
    assert len(mail.outbox) == 1
    # As if a worker died after the e-mail went out but before it marked the event delivered.
    long_ago = timezone.now() - timedelta(minutes=5)
    OutboxEvent.objects.filter(pk=event.pk).update(status="delivering", claimed_at=long_ago)
    tasks.deliver_event(event.pk)
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(event=event).count() == 1
    event.refresh_from_db()
    assert event.status == "delivered" and event.attempts == 2


def test_the_center_admins_get_the_e_mail(la_safe, admin_la_safe, admin_cfix, trafficking_case):
    tasks.deliver_event(la_alert(trafficking_case).pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin_lasafe@example.gov"]
    assert "MBI-2015-0042" in message.subject
    assert "Point of contact" in message.body and "States: CA, FL, LA" in message.body
    # A pointer: LA-SAFE does not see the case.
    assert trafficking_case.title not in message.body and "TLP:AMBER" not in message.body
    assert EmailDelivery.objects.get().status == "delivered"


def test_no_e_mail_to_an_admin_whose_agency_is_no_active_member(
    la_safe, admin_la_safe, lsp, trafficking_case
):
    """LA-SAFE's admin works for the Louisiana State Police; with LSP's membership suspended,
    what LA-SAFE is told no longer reaches that admin's mailbox."""
    Membership.objects.filter(agency=lsp, center=la_safe).update(status=Membership.Status.SUSPENDED)
    tasks.deliver_event(la_alert(trafficking_case).pk)
    assert mail.outbox == []


# Webhooks -----------------------------------------------------------------------------------------


def test_a_webhook_is_signed_and_verifies(la_safe, trafficking_case, nopd_webhook, receiver):
    tasks.deliver_event(la_alert(trafficking_case).pk)
    headers, body, _ = receiver.requests[0]
    webhooks.verify_signature(
        secret=nopd_webhook.secret, timestamp=headers["X-FusionPortal-Timestamp"],
        signature=headers["X-FusionPortal-Signature"], body=body,
    )
    document = json.loads(body)
    assert document["event"] == "case.spans_state_lines"
    assert document["case"]["number"] == "MBI-2015-0042"
    assert document["case"]["title"] is None
    assert document["delivery_id"] == headers["X-FusionPortal-Delivery"]
    with pytest.raises(webhooks.SignatureInvalid):
        webhooks.verify_signature(
            secret=nopd_webhook.secret, timestamp=headers["X-FusionPortal-Timestamp"],
            signature=headers["X-FusionPortal-Signature"], body=body.replace(b"MBI", b"XXX"),
        )
    with pytest.raises(webhooks.SignatureInvalid, match="too far"):
        webhooks.verify_signature(
            secret=nopd_webhook.secret, timestamp=headers["X-FusionPortal-Timestamp"],
            signature=headers["X-FusionPortal-Signature"], body=body,
            now=int(headers["X-FusionPortal-Timestamp"]) + 301,
        )


def test_a_failed_webhook_is_retried_with_backoff_and_logged(
    la_safe, trafficking_case, nopd_webhook, receiver, monkeypatch
):
    scheduled = []
    monkeypatch.setattr(tasks, "_schedule_retry", lambda pk, wait: scheduled.append(wait))
    receiver.statuses = [500, 503]
    tasks.deliver_event(la_alert(trafficking_case).pk)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and scheduled == [30]
    assert tasks.deliver_webhook(delivery.pk) is None  # not due yet: nothing is sent
    assert scheduled == [30]
    later = timezone.now() + timedelta(seconds=31)
    # The attempt says when the next one is due; the task schedules it (as above).
    assert webhooks.delivery_attempt(delivery_id=delivery.pk, now=later).retry_in == 60
    final = webhooks.delivery_attempt(delivery_id=delivery.pk, now=later + timedelta(seconds=61))
    assert final.retry_in is None
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 3
    log = list(WebhookAttempt.objects.filter(delivery=delivery).order_by("number"))
    assert [attempt.status_code for attempt in log] == [500, 503, 200]
    assert len(receiver.processed) == 1


def test_a_webhook_failing_for_24_hours_is_given_up(la_safe, trafficking_case, nopd_webhook,
                                                    receiver, monkeypatch):
    monkeypatch.setattr(tasks, "_schedule_retry", lambda pk, wait: None)
    receiver.statuses = [500, 500]
    tasks.deliver_event(la_alert(trafficking_case).pk)
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=24)
    )
    webhooks.delivery_attempt(delivery_id=delivery.pk, now=timezone.now() + timedelta(minutes=1))
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_backoff_doubles_up_to_four_hours():
    assert [webhooks.backoff(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert webhooks.backoff(20) == 4 * 60 * 60


def test_a_webhook_url_must_be_https_in_production(nopd_admin, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    with pytest.raises(Exception, match="https://"):
        webhooks.endpoint_register(by=nopd_admin, url="http://partner.example.gov/hook")
    endpoint = webhooks.endpoint_register(by=nopd_admin, url="https://partner.example.gov/hook")
    assert endpoint.secret.startswith("whsec_")


def test_only_an_agency_admin_registers_webhooks(analyst_la):
    with pytest.raises(Exception, match="agency admin"):
        webhooks.endpoint_register(by=analyst_la, url="https://partner.example.gov/hook")


# The sweep and the queue --------------------------------------------------------------------------


def test_the_sweep_hands_over_what_was_not_delivered_after_a_minute(
    la_safe, stac, trafficking_case, monkeypatch
):
    handed = []
    monkeypatch.setattr(tasks.deliver_event, "delay", lambda pk: handed.append(pk))
    la, ca = la_alert(trafficking_case), OutboxEvent.objects.get(center=stac)
    OutboxEvent.objects.filter(pk=la.pk).update(created_at=timezone.now() - timedelta(seconds=61))
    events, _ = outbox_sweep()
    assert events == handed == [la.pk]  # CA's event is fresh: its own task is still due
    assert ca.pk not in handed


def test_the_queue_counts_by_status_and_ages_the_oldest_pending(la_safe, stac, trafficking_case):
    tasks.deliver_event(la_alert(trafficking_case).pk)
    stats = queue_stats(now=timezone.now() + timedelta(seconds=90))
    assert stats["events"]["pending"] == 1
    assert stats["events"]["delivered"] == 1
    assert stats["events"]["oldest_pending_age"] >= 90


def test_the_queue_command_shows_pending_delivered_failed_and_the_oldest_age(
    la_safe, stac, trafficking_case
):
    from io import StringIO

    from django.core.management import call_command

    tasks.deliver_event(la_alert(trafficking_case).pk)
    OutboxEvent.objects.filter(status="pending").update(
        created_at=timezone.now() - timedelta(minutes=3)
    )
    out = StringIO()
    call_command("notification_queue", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["pending", "delivering", "delivered", "failed", "oldest", "pending"]
    events = next(line for line in lines if line.startswith("Events"))
    assert events.split()[-6:] == ["1", "0", "1", "0", "3", "min"]


# Throughput: the fan-out in one statement, deliveries in batches on their own queue ---------------


@pytest.fixture
def partner_endpoints(nopd_admin):
    """make(n): n webhooks of NOPD (a member of LA-SAFE) at one partner server that keeps its
    connections open."""
    with Receiver(keep_alive=True) as running:
        def make(count):
            for number in range(count):
                webhooks.endpoint_register(by=nopd_admin, url=f"{running.url}/{number}")
            return running
        yield make


@pytest.fixture
def handed_over(monkeypatch):
    """What the event task hands to the webhook workers (each message's delivery ids and options),
    instead of running it."""
    sent = []
    monkeypatch.setattr(tasks.deliver_webhooks, "apply_async",
                        lambda args, **options: sent.append((args[0], options)))
    return sent


@pytest.mark.parametrize("endpoints", [1, 12])
def test_an_event_costs_the_same_queries_whatever_the_number_of_its_webhooks(
    la_safe, admin_la_safe, trafficking_case, partner_endpoints, handed_over, endpoints,
    django_assert_num_queries,
):
    partner_endpoints(endpoints)
    event = la_alert(trafficking_case)
    network_group()  # made once in the life of a database, not by each event
    with django_assert_num_queries(QUERY_COUNTS["event delivery (webhooks, e-mail)"]):
        tasks.deliver_event(event.pk)
    [(ids, _)] = handed_over
    assert sorted(ids) == sorted(WebhookDelivery.objects.values_list("pk", flat=True))
    assert len(ids) == endpoints
    assert Notification.objects.filter(event=event).count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("endpoints", [1, 12])
def test_one_task_attempts_a_batch_of_deliveries_in_the_same_queries_over_one_connection(
    la_safe, trafficking_case, partner_endpoints, handed_over, endpoints,
    django_assert_num_queries,
):
    partner = partner_endpoints(endpoints)
    tasks.deliver_event(la_alert(trafficking_case).pk)
    [(ids, _)] = handed_over
    with django_assert_num_queries(QUERY_COUNTS["webhook batch"]):
        assert tasks.deliver_webhooks(ids) == endpoints
    assert len(partner.processed) == endpoints
    assert partner.connections == 1
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    log = WebhookAttempt.objects.all()
    assert [(attempt.number, attempt.status_code) for attempt in log] == [(1, 200)] * endpoints
    assert all(attempt.duration_ms is not None for attempt in log)


def test_webhook_deliveries_go_to_their_own_queue_in_batches(
    la_safe, trafficking_case, partner_endpoints, handed_over, monkeypatch, settings,
):
    monkeypatch.setattr(tasks, "WEBHOOK_BATCH", 2)
    partner_endpoints(3)
    tasks.deliver_event(la_alert(trafficking_case).pk)
    assert [len(ids) for ids, _ in handed_over] == [2, 1]
    assert {options["queue"] for _, options in handed_over} == {settings.NOTIFICATION_WEBHOOK_QUEUE}
    assert settings.NOTIFICATION_WEBHOOK_QUEUE != app_default_queue()


def app_default_queue():
    from fusionportal.celery import app

    return app.conf.task_default_queue


def test_a_worker_started_without_queues_takes_both_the_events_and_the_webhooks():
    """A worker started plainly (the tests', a developer's) takes both queues."""
    from fusionportal.celery import app

    assert {queue.name for queue in app.conf.task_queues} == {"celery", "webhooks"}


def test_production_runs_a_worker_for_each_queue_and_none_takes_both():
    """docker-compose.yml: the events' worker and the webhooks' worker, so that a slow partner
    never holds up an alert's inbox row."""
    import yaml
    from django.conf import settings as django_settings

    compose = yaml.safe_load((django_settings.BASE_DIR / "docker-compose.yml").read_text())
    taken = {}
    for name, service in compose["services"].items():
        command = service.get("command") or []
        if command[:4] == ["celery", "--app", "fusionportal", "worker"]:
            assert "--queues" in command, f"{name} takes whatever queues a plain worker takes"
            taken[name] = command[command.index("--queues") + 1]
    assert taken == {"worker": "celery", "webhook-worker": "webhooks"}


def test_the_failed_deliveries_of_a_batch_are_retried_together(
    la_safe, trafficking_case, partner_endpoints, monkeypatch,
):
    scheduled = []
    monkeypatch.setattr(tasks, "_schedule_retry", lambda ids, wait: scheduled.append((ids, wait)))
    partner = partner_endpoints(3)
    partner.statuses = [500, 200, 503]
    tasks.deliver_event(la_alert(trafficking_case).pk)
    failed = sorted(WebhookDelivery.objects.filter(status="pending").values_list("pk", flat=True))
    assert len(failed) == 2
    assert [(sorted(ids), wait) for ids, wait in scheduled] == [(failed, 30)]
    assert WebhookDelivery.objects.filter(status="delivered").count() == 1


def test_a_batch_task_also_takes_the_deliveries_that_queued_up_behind_it(
    la_safe, trafficking_case, make_case, analyst_fl, partner_endpoints, handed_over,
    django_assert_num_queries,
):
    """One webhook per alert, many alerts: the first task carries every due delivery (up to a
    batch), and the tasks handed the others find nothing left to do."""
    partner = partner_endpoints(1)
    cases = [trafficking_case] + [make_case(analyst_fl, states=("FL", "LA")) for _ in range(3)]
    for case in cases:
        tasks.deliver_event(la_alert(case).pk)
    later = WebhookDelivery.objects.get(event__case=cases[-1])
    WebhookDelivery.objects.filter(pk=later.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5))  # a retry not due yet
    [first, *others] = [ids for ids, _ in handed_over]
    with django_assert_num_queries(QUERY_COUNTS["webhook batch"]):
        assert tasks.deliver_webhooks(first) == 3
    assert len(partner.processed) == 3
    for ids in others:
        assert tasks.deliver_webhooks(ids) == 0
    assert len(partner.processed) == 3
    assert list(WebhookDelivery.objects.exclude(status="delivered")
                .values_list("pk", "status")) == [(later.pk, "pending")]
    assert partner.connections == 1
