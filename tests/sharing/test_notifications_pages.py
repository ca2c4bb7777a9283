"""The inbox, its unread count in the navigation, following a case, and the webhook pages:
each shows only what the user's agency and centers may see; anything else is a 404.

The pages inherit the generic checks of tests/base.py; their exact query counts are in
tests/sharing/query_counts.py.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Membership, User
from cases import services as case_services
from cases.models import Case
from cases.services import share_grant
from core.handling import Level
from notifications import tasks, webhooks
from notifications.models import (
    Follow,
    Notification,
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.selectors import INBOX_PAGE, inbox_queryset, unread_count
from notifications.views import LOG_SIZE
from sharing.services import unshare
from tests.base import (
    HttpsClient,
    ListPageTests,
    MemberPageTests,
    ObjectActionTests,
    QueryCountTests,
    deliver_all,
)
from tests.conftest import PASSWORD, fresh
from tests.sharing.query_counts import QUERY_COUNTS

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


@pytest.fixture
def la_alerted(la_safe, stac, trafficking_case):
    deliver_all()
    return Notification.objects.get(center=la_safe)


# The inbox ----------------------------------------------------------------------------------------


class TestInbox(ListPageTests):
    """LA-SAFE's alert that the story's case spans into Louisiana: NOPD's analyst sees it; the
    analysts of MBI (CFIX leads the case), Anaheim (in OCIAC only) and Houston do not."""

    url_name = "notification-inbox"
    member_fixture = "analyst_la"
    outsiders = ("analyst_fl", "analyst_ca", "outsider")
    page_size = INBOX_PAGE
    rows_already = 1  # the story's alert

    @pytest.fixture
    def subject(self, la_alerted):
        return la_alerted

    def row_text(self, subject):
        return "MBI-2015-0042 now spans state lines into LA"

    @pytest.fixture
    def make_row(self, make_case, analyst_fl):
        """Another FL case that spans into Louisiana: LA-SAFE is alerted once more."""

        def make(n):
            make_case(analyst_fl, states=("FL", "LA"))
            deliver_all()

        return make


def test_every_analyst_of_the_center_is_told_and_no_one_else(
    client, la_alerted, analyst_la, analyst_la2, analyst_fl, analyst_ca, outsider
):
    for user in (analyst_la, analyst_la2):
        client.force_login(user)
        page = client.get(reverse("notification-inbox")).content.decode()
        assert "MBI-2015-0042 now spans state lines into LA" in page
        nav = client.get(reverse("notification-count")).content.decode()
        assert 'aria-label="1 unread">(1)</span>' in nav
    for user in (analyst_fl, analyst_ca, outsider):  # their inbox pages: TestInbox
        assert unread_count(user) == 0


def test_a_suspended_membership_hides_the_centers_alerts(la_alerted, analyst_la, nopd, la_safe):
    assert unread_count(analyst_la) == 1
    Membership.objects.filter(agency=nopd, center=la_safe).update(status="suspended")
    assert unread_count(analyst_la) == 0
    assert not inbox_queryset(analyst_la).exists()


def test_the_unread_count_is_one_query(la_alerted, analyst_la, django_assert_num_queries):
    with django_assert_num_queries(QUERY_COUNTS["unread count"]):
        assert unread_count(analyst_la) == 1


def test_pages_pay_no_query_for_the_count_it_arrives_by_htmx(client, la_alerted, analyst_la):
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
    share_grant(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    assert case_url in client.get(reverse("notification-inbox")).content.decode()


def test_a_bad_page_link_is_a_clear_400(client, la_alerted, analyst_la):
    client.force_login(analyst_la)
    response = client.get(reverse("notification-inbox") + "?cursor=abc")
    assert response.status_code == 400
    assert "not valid" in response.content.decode()


class TestNotificationRead(MemberPageTests):
    """Marking one notification read: for anyone it was not addressed to (Houston's analyst,
    MBI's), it does not exist."""

    url_name = "notification-read"
    model = Notification
    method = "post"
    success_status = 302
    member_fixture = "analyst_la"
    outsiders = ("outsider", "analyst_fl")

    @pytest.fixture
    def subject(self, la_alerted):
        return la_alerted

    def assert_changed(self, subject, user, response):
        assert unread_count(user) == 0
        assert list(subject.reads.values_list("user", flat=True)) == [user.pk]

    def test_read_is_per_person(self, client, subject, member, analyst_la2):
        self.request(client, member, subject)
        assert unread_count(analyst_la2) == 1


def test_marking_all_read(client, la_safe, make_case, analyst_fl, analyst_la):
    make_case(analyst_fl, states=("FL", "LA"))
    make_case(analyst_fl, states=("FL", "LA"))
    deliver_all()
    assert unread_count(analyst_la) == 2
    client.force_login(analyst_la)
    client.post(reverse("notification-read-all"))
    assert unread_count(analyst_la) == 0


# Shares and annotations ---------------------------------------------------------------------------


def test_an_agency_is_told_what_was_shared_with_it(
    trafficking_case, analyst_fl, nopd, analyst_la, analyst_la2
):
    share_grant(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    deliver_all()
    [note] = inbox_queryset(analyst_la)
    assert note.kind == "shared" and note.agency == nopd
    assert "shared case MBI-2015-0042 with New Orleans Police Department (annotate)" in note.title
    assert not inbox_queryset(analyst_la2).exists()  # LSP was not given it
    share_grant(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)  # lowered
    assert OutboxEvent.objects.filter(kind="shared").count() == 1


def test_followers_are_told_of_a_new_annotation(
    trafficking_case, analyst_fl, nopd, analyst_la, outsider
):
    share_grant(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
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
    record = share_grant(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.ANNOTATE)
    Follow.objects.create(user=analyst_la, case=trafficking_case)
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


@pytest.fixture
def endpoint(nopd_admin):
    """NOPD's records system, registered by NOPD's agency admin."""
    return webhooks.endpoint_register(by=nopd_admin, url="https://rms.example.gov/h")


@pytest.fixture
def failing_deliveries(monkeypatch):
    """Every delivery is answered 502, and no retry is scheduled."""
    monkeypatch.setattr(webhooks, "post", lambda endpoint, delivery: (502, "HTTP 502 Bad Gateway"))
    monkeypatch.setattr(tasks, "_schedule_retry", lambda pk, wait: None)


class WebhookPage:
    """A page of NOPD's webhooks: for its agency admin. For an analyst of NOPD and for
    another agency's admin (Houston's), an endpoint of NOPD does not exist."""

    model = WebhookEndpoint
    member_fixture = "nopd_admin"
    outsiders = ("analyst_la", "houston_admin")

    @pytest.fixture
    def subject(self, endpoint):
        return endpoint


class TestWebhookList(WebhookPage, ListPageTests):
    url_name = "webhook-list"
    outsiders = ("houston_admin",)  # an analyst has no such page: below
    rows_shown = "endpoints"
    rows_already = 1

    def row_text(self, subject):
        return subject.url

    @pytest.fixture
    def make_row(self, nopd_admin):
        return lambda n: webhooks.endpoint_register(by=nopd_admin,
                                                    url=f"https://rms{n}.example.gov/h")

    def test_an_analyst_has_no_such_page(self, client, analyst_la):
        client.force_login(analyst_la)
        assert client.get(reverse(self.url_name)).status_code == 404


class TestWebhookDetail(WebhookPage, MemberPageTests, QueryCountTests):
    """One endpoint and its delivery log (the latest deliveries, each with every attempt)."""

    url_name = "webhook-detail"
    rows_shown = "deliveries"
    page_size = LOG_SIZE

    @pytest.fixture
    def make_row(self, make_case, analyst_fl, la_safe, failing_deliveries):
        """A delivery that failed: a case that spans into Louisiana alerts LA-SAFE, of which
        NOPD is a member."""

        def make(n):
            make_case(analyst_fl, states=("FL", "LA"))
            deliver_all()

        return make

    def test_every_attempt_is_shown(self, client, subject, member, make_row):
        client.force_login(member)
        make_row(0)
        assert client.get(self.url(subject)).content.decode().count("Bad Gateway") == 1
        for n in range(1, 31):
            make_row(n)
        assert client.get(self.url(subject)).content.decode().count("Bad Gateway") == 31
        assert WebhookAttempt.objects.count() == WebhookDelivery.objects.count() == 31


class TestWebhookRotate(WebhookPage, MemberPageTests):
    """Rotating answers with the endpoint's page and the new secret on it (no redirect: the
    secret is never kept in the session for a next page)."""

    url_name = "webhook-action"
    method = "post"

    def url(self, subject, pk=None):
        return reverse(self.url_name, args=[subject.pk if pk is None else pk, "rotate"])

    def assert_changed(self, subject, user, response):
        old = subject.secret
        subject.refresh_from_db()
        assert subject.secret != old

    def test_the_new_secret_is_shown_once(self, client, subject, member):
        old = subject.secret
        client.force_login(member)
        response = client.post(self.url(subject))
        subject.refresh_from_db()
        assert subject.secret != old
        assert subject.secret in response.content.decode()
        assert "no-store" in response["Cache-Control"]
        assert subject.secret not in client.get(reverse("webhook-detail",
                                                        args=[subject.pk])).content.decode()


def test_what_a_notification_shows_is_decided_when_it_is_read(
    client, trafficking_case, analyst_fl, analyst_la, nopd
):
    """Told of a share, NOPD reads the case's title while it holds the share; once the share is
    withdrawn the same notification shows the pointer alone (number, owner, contact)."""
    record = share_grant(obj=trafficking_case, by=analyst_fl, agency=nopd, level=Level.VIEW)
    deliver_all()
    client.force_login(fresh(analyst_la))
    inbox = reverse("notification-inbox")
    page = client.get(inbox).content.decode()
    assert trafficking_case.title in page and "Open the case" in page
    unshare(share_record=record, by=analyst_fl)
    page = client.get(inbox).content.decode()
    assert trafficking_case.title not in page and "Open the case" not in page
    assert trafficking_case.number in page and "withheld" in page


def test_a_shared_item_is_linked_from_its_notification(client, make_item, analyst_fl,
                                                       analyst_la, nopd):
    item = make_item(by=analyst_fl, title="Plate seen at the Shreveport motel")
    share_grant(obj=item, by=analyst_fl, agency=nopd, level=Level.VIEW,
                reason="NOPD works the same motel.")
    deliver_all()
    client.force_login(fresh(analyst_la))
    page = client.get(reverse("notification-inbox")).content.decode()
    assert reverse("item-detail", args=[item.pk]) in page
    assert "Plate seen at the Shreveport motel" in page
    note = Notification.objects.get(item=item)
    assert "Shreveport" not in note.title + str(note.lines)  # stored as a pointer
    assert {label for label, _ in note.lines} <= {
        "Kind", "Source agency", "Point of contact", "Shared by", "Access"}
