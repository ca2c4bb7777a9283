"""The inbox, its unread count in the navigation, following a case, and the webhook pages:
each shows only what the user's agency and centers may see; anything else is a 404."""

import pytest
from django.urls import reverse

from agencies.models import Membership, User
from cases import services as case_services
from cases.models import Case
from sharing import tasks, webhooks
from sharing.handling import Level
from sharing.models import (
    Follow,
    Notification,
    NotificationRead,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from sharing.notifications import inbox_queryset, unread_count
from sharing.services import share
from tests.base import LOGIN_URL, HttpsClient, ObjectActionTests
from tests.conftest import PASSWORD, fresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_process(monkeypatch, settings):
    from fusionportal.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)
    settings.WEBHOOK_ALLOW_HTTP = True


@pytest.fixture
def client():
    return HttpsClient()


def deliver_all():
    for pk in OutboxEvent.objects.filter(status="pending").values_list("pk", flat=True):
        tasks.deliver_event(pk)


@pytest.fixture
def la_alerted(la_safe, stac, trafficking_case):
    deliver_all()
    return Notification.objects.get(center=la_safe)


# The inbox ----------------------------------------------------------------------------------------


def test_the_louisiana_centers_analysts_see_the_alert_and_no_one_else(
    client, la_alerted, analyst_la, analyst_la2, analyst_fl, analyst_ca, outsider
):
    for user in (analyst_la, analyst_la2):
        client.force_login(user)
        page = client.get(reverse("notification-inbox")).content.decode()
        assert "MBI-2015-0042 now spans state lines into LA" in page
        nav = client.get(reverse("notification-count")).content.decode()
        assert 'aria-label="1 unread">(1)</span>' in nav
    for user in (analyst_fl, analyst_ca, outsider):  # CFIX leads it; Anaheim is in OCIAC only
        client.force_login(user)
        page = client.get(reverse("notification-inbox")).content.decode()
        assert "MBI-2015-0042" not in page
        assert unread_count(user) == 0


def test_anonymous_is_sent_to_login(client, la_alerted):
    for url in (reverse("notification-inbox"), reverse("webhook-list")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN_URL)


def test_a_suspended_membership_hides_the_centers_alerts(la_alerted, analyst_la, nopd, la_safe):
    assert unread_count(analyst_la) == 1
    Membership.objects.filter(agency=nopd, center=la_safe).update(status="suspended")
    assert unread_count(analyst_la) == 0
    assert not inbox_queryset(analyst_la).exists()


def test_the_unread_count_is_one_query(la_alerted, analyst_la, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert unread_count(analyst_la) == 1


def test_pages_pay_no_query_for_the_count_it_arrives_by_htmx(client, la_alerted, analyst_la):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(analyst_la)
    with CaptureQueriesContext(connection) as page:
        html = client.get(reverse("case-list")).content.decode()
    assert 'hx-get="/notifications/count/"' in html
    assert not any("sharing_notification" in q["sql"] for q in page.captured_queries)
    with CaptureQueriesContext(connection) as count:
        client.get(reverse("notification-count"))
    assert sum("sharing_notification" in q["sql"] for q in count.captured_queries) == 1


def test_the_link_to_the_case_shows_only_where_the_case_is_visible(
    client, la_alerted, analyst_la, trafficking_case, mbi, nopd, analyst_fl
):
    client.force_login(analyst_la)
    case_url = reverse("case-detail", args=[trafficking_case.pk])
    assert case_url not in client.get(reverse("notification-inbox")).content.decode()
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    assert case_url in client.get(reverse("notification-inbox")).content.decode()


def test_the_inbox_costs_the_same_queries_for_few_and_many(
    client, la_safe, make_case, analyst_fl, analyst_la, django_assert_max_num_queries
):
    def inbox_with(n):
        for _ in range(n):
            make_case(analyst_fl, states=("FL", "LA"))
        deliver_all()
        client.force_login(analyst_la)
        # session, user, the page, its reads, the visible cases, the unread count, the user's
        # agency and centers in the header, and the nav's admin check: at most 10.
        with django_assert_max_num_queries(10):
            response = client.get(reverse("notification-inbox"))
        assert response.status_code == 200
        return response

    assert inbox_with(2).content.decode().count('id="notification-') == 2
    assert inbox_with(58).content.decode().count('id="notification-') == 50  # one page


def test_a_bad_page_link_is_a_clear_400(client, la_alerted, analyst_la):
    client.force_login(analyst_la)
    response = client.get(reverse("notification-inbox") + "?before=abc")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


def test_marking_read(client, la_alerted, analyst_la, analyst_la2):
    client.force_login(analyst_la)
    response = client.post(reverse("notification-read", args=[la_alerted.pk]))
    assert response.status_code == 302
    assert unread_count(analyst_la) == 0
    assert unread_count(analyst_la2) == 1  # read is per person


def test_marking_all_read(client, la_safe, make_case, analyst_fl, analyst_la):
    make_case(analyst_fl, states=("FL", "LA"))
    make_case(analyst_fl, states=("FL", "LA"))
    deliver_all()
    assert unread_count(analyst_la) == 2
    client.force_login(analyst_la)
    client.post(reverse("notification-read-all"))
    assert unread_count(analyst_la) == 0


def test_someone_elses_notification_does_not_exist(client, la_alerted, outsider, analyst_fl):
    for user in (outsider, analyst_fl):
        client.force_login(user)
        existing = client.post(reverse("notification-read", args=[la_alerted.pk]))
        missing = client.post(reverse("notification-read", args=[la_alerted.pk + 1000]))
        assert existing.status_code == missing.status_code == 404
    assert not NotificationRead.objects.exists()


# Shares and annotations ---------------------------------------------------------------------------


def test_an_agency_is_told_what_was_shared_with_it(
    trafficking_case, analyst_fl, nopd, analyst_la, analyst_la2
):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    deliver_all()
    [note] = inbox_queryset(analyst_la)
    assert note.kind == "shared" and note.agency == nopd
    assert "shared case MBI-2015-0042 with New Orleans Police Department (annotate)" in note.title
    assert not inbox_queryset(analyst_la2).exists()  # LSP was not given it
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)  # lowered
    assert OutboxEvent.objects.filter(kind="shared").count() == 1


def test_followers_are_told_of_a_new_annotation(
    trafficking_case, analyst_fl, nopd, analyst_la, outsider
):
    share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    deliver_all()
    # analyst_fl opened the case and follows it; analyst_la annotates.
    case_services.annotation_add(by=fresh(analyst_la), body="Seen in Shreveport",
                                 case=trafficking_case)
    deliver_all()
    notes = list(inbox_queryset(analyst_fl).filter(kind="annotated"))
    assert [n.user for n in notes] == [analyst_fl]
    assert "New annotation on case MBI-2015-0042" in notes[0].title
    assert not inbox_queryset(analyst_la).filter(kind="annotated").exists()  # the author


def test_a_follower_who_lost_access_is_not_told(trafficking_case, analyst_fl, nopd, analyst_la):
    record = share(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    Follow.objects.create(user=analyst_la, case=trafficking_case)
    from sharing.services import unshare

    unshare(share_record=record, by=analyst_fl)
    case_services.annotation_add(by=analyst_fl, body="Moved to Baton Rouge", case=trafficking_case)
    deliver_all()
    assert not inbox_queryset(analyst_la).filter(kind="annotated").exists()


class TestCaseFollow(ObjectActionTests):
    url_name = "case-follow"
    model = Case
    required_level = Level.VIEW
    # No level below view: an agency that holds none is an outsider (the 404 above).
    test_holder_of_less_changes_nothing = None

    def data(self, subject):
        return {"following": "1"}

    def assert_changed(self, subject, user, response):
        assert Follow.objects.filter(user=user, case=subject).exists()


def test_unfollowing(client, trafficking_case, analyst_fl):
    client.force_login(analyst_fl)
    client.post(reverse("case-follow", args=[trafficking_case.pk]), {"following": "0"})
    assert not Follow.objects.filter(user=analyst_fl, case=trafficking_case).exists()


# Webhook pages ------------------------------------------------------------------------------------


def _admin(username, agency):
    return User.objects.create_user(username=username, password=PASSWORD, agency=agency,
                                    role=User.Role.AGENCY_ADMIN, email=f"{username}@example.gov")


@pytest.fixture
def nopd_admin(nopd):
    return _admin("admin_nopd", nopd)


@pytest.fixture
def houston_admin(houston):
    return _admin("admin_hpd", houston)


def test_an_agency_admin_registers_a_webhook_and_sees_its_secret_once(client, nopd_admin):
    client.force_login(nopd_admin)
    response = client.post(reverse("webhook-list"),
                           {"url": "https://rms.nopd.example.gov/hooks", "description": "RMS"})
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.agency == nopd_admin.agency
    assert endpoint.secret in response.content.decode()
    assert endpoint.secret not in client.get(reverse("webhook-list")).content.decode()


def test_a_bad_webhook_url_is_a_clear_400(client, nopd_admin, settings):
    settings.WEBHOOK_ALLOW_HTTP = False
    client.force_login(nopd_admin)
    response = client.post(reverse("webhook-list"), {"url": "http://rms.example.gov/hooks"})
    assert response.status_code == 400
    assert "https://" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_webhook_pages_do_not_exist_for_analysts_and_other_agencies(
    client, nopd_admin, houston_admin, analyst_la
):
    endpoint = webhooks.endpoint_register(by=nopd_admin, url="https://rms.example.gov/h")
    secret = endpoint.secret
    for user in (analyst_la, houston_admin):
        client.force_login(user)
        if user == analyst_la:
            assert client.get(reverse("webhook-list")).status_code == 404
        existing = client.get(reverse("webhook-detail", args=[endpoint.pk]))
        missing = client.get(reverse("webhook-detail", args=[endpoint.pk + 1000]))
        assert existing.status_code == missing.status_code == 404
        assert existing.content == missing.content
        rotate = client.post(reverse("webhook-action", args=[endpoint.pk, "rotate"]))
        assert rotate.status_code == 404
    client.force_login(houston_admin)
    assert "rms.example.gov" not in client.get(reverse("webhook-list")).content.decode()
    endpoint.refresh_from_db()
    assert endpoint.secret == secret


def test_rotating_the_secret_shows_the_new_one(client, nopd_admin):
    endpoint = webhooks.endpoint_register(by=nopd_admin, url="https://rms.example.gov/h")
    old = endpoint.secret
    client.force_login(nopd_admin)
    response = client.post(reverse("webhook-action", args=[endpoint.pk, "rotate"]), follow=True)
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()


def test_the_delivery_log_shows_every_attempt_in_constant_queries(
    client, nopd_admin, la_safe, make_case, analyst_fl, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr(webhooks, "post", lambda endpoint, delivery: (502, "HTTP 502 Bad Gateway"))
    monkeypatch.setattr(webhooks, "_schedule_retry", lambda pk, wait: None)
    endpoint = webhooks.endpoint_register(by=nopd_admin, url="https://rms.example.gov/h")
    client.force_login(nopd_admin)

    def log_page(n):
        for _ in range(n):
            make_case(analyst_fl, states=("FL", "LA"))
        deliver_all()
        # session, user, endpoint, deliveries, their attempts, unread count, header centers,
        # and the nav's admin check: at most 10, whatever the log holds.
        with django_assert_max_num_queries(10):
            response = client.get(reverse("webhook-detail", args=[endpoint.pk]))
        return response.content.decode()

    assert log_page(1).count("Bad Gateway") == 1
    assert log_page(30).count("Bad Gateway") == 31
    assert WebhookAttempt.objects.count() == WebhookDelivery.objects.count() == 31
