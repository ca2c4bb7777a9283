"""Notifications through the real parts: a case opened over HTTP on the portal's web server, a
Celery worker on Redis delivering to the inbox, to e-mail files and to a webhook receiver on
127.0.0.1; a worker killed with SIGKILL mid-delivery; Redis down at commit."""

import threading

import pytest

from agencies.models import CenterAdmin, FusionCenter, User
from notifications import webhooks
from notifications.models import (
    EmailDelivery,
    Notification,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
)
from tests.conftest import PASSWORD
from tests.integration.conftest import HttpBrowser, wait_until
from tests.sharing.webhook_receiver import Receiver


@pytest.fixture(autouse=True)
def http_webhooks_allowed(settings):
    settings.WEBHOOK_ALLOW_HTTP = True


@pytest.fixture
def la_safe_admin(la_safe, lsp):
    user = User.objects.create_user(
        username="admin_lasafe", password=PASSWORD, agency=lsp, role=User.Role.AGENCY_ADMIN,
        email="admin_lasafe@example.gov",
    )
    CenterAdmin.objects.create(user=user, center=la_safe)
    return user


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def nopd_webhook(nopd, receiver):
    admin = User.objects.create_user(username="admin_nopd", password=PASSWORD, agency=nopd,
                                     role=User.Role.AGENCY_ADMIN)
    endpoint = webhooks.endpoint_register(by=admin, url=receiver.url, description="NOPD RMS")
    receiver.secret = endpoint.secret
    return endpoint


def open_case_over_http(portal, user, *, number, states):
    browser = HttpBrowser(portal.url)
    browser.login(user.username, PASSWORD)
    browser.get("/cases/new/")
    cfix = FusionCenter.objects.get(short_name="CFIX")
    status, headers, body = browser.post("/cases/new/", {
        "number": number, "title": "Runaway minor trafficked FL → LA", "summary": "Orlando",
        "lead_center": cfix.pk, "states": ", ".join(states), "tlp": "AMBER", "les": "on",
    })
    assert status == 302, body[:3000]
    return browser


def test_a_multi_state_case_opened_over_http_reaches_inbox_mail_and_a_signed_webhook(
    portal_on, redis_url, la_safe, stac, analyst_fl, analyst_la, la_safe_admin, nopd_webhook,
    receiver,
):
    portal = portal_on(redis_url)
    open_case_over_http(portal, analyst_fl, number="MBI-2015-0042", states=["FL", "LA", "CA"])
    wait_until(lambda: Notification.objects.count() == 2 and receiver.processed,
               what="the worker's deliveries")
    assert sorted(Notification.objects.values_list("center__short_name", flat=True)) == [
        "LA-SAFE", "STAC"]
    wait_until(lambda: portal.emails(), what="the e-mail file")
    [mail] = portal.emails()
    assert "To: admin_lasafe@example.gov" in mail and "MBI-2015-0042" in mail
    assert "Runaway minor" not in mail and "Orlando" not in mail  # AMBER, not shared: no title
    [(headers, body, _)] = receiver.requests
    webhooks.verify_signature(
        secret=nopd_webhook.secret, timestamp=headers["X-FusionPortal-Timestamp"],
        signature=headers["X-FusionPortal-Signature"], body=body,
    )
    [document] = receiver.processed.values()
    assert document["case"]["number"] == "MBI-2015-0042" and document["state"] == "LA"
    # The Louisiana analyst sees it over HTTP too.
    browser = HttpBrowser(portal.url)
    browser.login(analyst_la.username, PASSWORD)
    status, _, page = browser.get("/notifications/")
    assert status == 200 and "MBI-2015-0042 now spans state lines into LA" in page
    assert "(1)" in browser.get("/notifications/count/")[2]


def test_a_worker_killed_mid_delivery_and_restarted_delivers_exactly_once(
    portal_on, redis_url, la_safe, analyst_fl, la_safe_admin, nopd_webhook, receiver,
):
    portal = portal_on(redis_url)
    receiver.hold = held = threading.Event()
    open_case_over_http(portal, analyst_fl, number="MBI-KILL-1", states=["FL", "LA"])
    # The worker has written the notification and sent the e-mail, and now waits in the POST.
    assert receiver.arrived.wait(20), portal.logs()
    portal.worker.kill()
    held.set()  # the partner answers a sender that is gone
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivering"
    portal.start_worker()
    wait_until(lambda: WebhookDelivery.objects.filter(status="delivered").exists(),
               timeout=30, what="the sweep to take the dead worker's delivery over")
    assert Notification.objects.count() == 1
    assert EmailDelivery.objects.get().status == "delivered"
    assert len(portal.emails()) == 1
    # Sent twice (the first answer never reached the portal), processed once by its id.
    assert len(receiver.requests) == 2
    assert len(receiver.processed) == 1
    ids = {headers["X-FusionPortal-Delivery"] for headers, _, _ in receiver.requests}
    assert ids == {str(delivery.delivery_id)}
    log = list(WebhookAttempt.objects.order_by("number"))
    assert [(a.number, a.duration_ms is None, a.status_code) for a in log] == [
        (1, True, None), (2, False, 200)]
    assert OutboxEvent.objects.get().status == "delivered"


def test_redis_down_at_commit_then_back_the_sweep_delivers(
    portal_on, own_redis, la_safe, analyst_fl, analyst_la, la_safe_admin,
):
    portal = portal_on(own_redis.url)
    own_redis.stop()
    # The change commits although the broker is unreachable; the outbox row waits.
    open_case_over_http(portal, analyst_fl, number="MBI-REDIS-1", states=["FL", "LA"])
    event = OutboxEvent.objects.get()
    assert event.status == "pending"
    assert not Notification.objects.exists()
    own_redis.start()
    wait_until(lambda: Notification.objects.exists(), timeout=40,
               what="the sweep after Redis came back")
    # The inbox rows commit before the e-mails go out and the event is marked delivered.
    wait_until(lambda: OutboxEvent.objects.filter(pk=event.pk, status="delivered").exists(),
               what="the event to be marked delivered")
    wait_until(lambda: portal.emails(), what="the e-mail file")
    assert len(portal.emails()) == 1
