"""The account life cycle (CJIS AC-2(3), agencies/lifecycle.py): the daily check disables the
accounts of people unused for ACCOUNT_INACTIVE_DAYS and temporary accounts past their expiry,
logs each, tells the agency's admins once; an expired account is refused at log-in as a wrong
password is; an admin re-enables an account with a reason, logged; and the pages that do it."""

import csv
import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies import services
from agencies.api_keys import api_key_create
from agencies.forms import LOGIN_REFUSED
from agencies.lifecycle import accounts_disable_unused
from agencies.models import Invitation, User
from agencies.tasks import disable_unused_accounts
from audit.models import AccessLog
from fusionportal.celery import app
from notifications.models import EmailDelivery, Notification, OutboxEvent
from tests.base import HttpsClient
from tests.conftest import PASSWORD, _user

from .admin_actors import *  # noqa: F403 (the fixtures)
from .test_admin_pages import AgencyUserPageTests, CenterUserPageTests, UserActionTests

# The clock of the check, fixed when the tests are collected: every account's dates are placed
# relative to it, and accounts the fixtures make are younger than it.
NOW = timezone.now()


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    """The deliveries the check enqueues run at once, in this process, with Redis configured or
    not (a real worker is tests/integration's business)."""
    monkeypatch.setitem(app.conf, "task_always_eager", True)
    monkeypatch.setitem(app.conf, "task_eager_propagates", True)


def days_ago(days):
    return NOW - timedelta(days=days)


def place(user, *, last_login=None, enabled=None, **fields):
    """Set the dates the check reads, straight in the database (as time would)."""
    User.objects.filter(pk=user.pk).update(
        last_login=last_login, enabled_at=enabled if enabled is not None else days_ago(400),
        **fields)
    user.refresh_from_db()
    return user


def check(now=NOW, **kwargs):
    return accounts_disable_unused(now=now, **kwargs)


def log_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password,
                                          "acknowledge": "on"})


# The daily check ------------------------------------------------------------------------------


def test_an_account_unused_for_91_days_is_disabled_and_one_used_89_days_ago_is_not(
        analyst_fl, analyst_fl2):
    place(analyst_fl, last_login=days_ago(91))
    place(analyst_fl2, last_login=days_ago(89))
    report = check()
    assert report.inactive == 1 and report.expired == 0
    analyst_fl.refresh_from_db()
    analyst_fl2.refresh_from_db()
    assert not analyst_fl.is_active
    assert analyst_fl.disabled_reason == "inactive" and analyst_fl.disabled_at == NOW
    assert analyst_fl2.is_active and analyst_fl2.disabled_reason == ""
    [row] = AccessLog.objects.filter(action=AccessLog.Action.ACCOUNT_DISABLED)
    assert row.at == NOW and row.actor == analyst_fl and row.object_id == analyst_fl.pk
    assert row.agency == analyst_fl.agency and row.object_type == "user"
    assert row.detail == {"outcome": "disabled", "by": "daily check", "reason": "inactive",
                          "inactive_days": 90, "last_login": days_ago(91).isoformat()}


def test_an_account_never_signed_in_counts_from_its_creation(analyst_fl, analyst_fl2):
    place(analyst_fl, enabled=days_ago(91))
    place(analyst_fl2, enabled=days_ago(89))
    check()
    analyst_fl.refresh_from_db()
    analyst_fl2.refresh_from_db()
    assert not analyst_fl.is_active and analyst_fl2.is_active


def test_an_account_re_enabled_lately_is_not_disabled_for_its_old_log_in(analyst_fl):
    place(analyst_fl, last_login=days_ago(200), enabled=days_ago(10))
    assert check().inactive == 0


def test_the_number_of_days_is_the_setting(settings, analyst_fl):
    settings.ACCOUNT_INACTIVE_DAYS = 30
    place(analyst_fl, last_login=days_ago(31))
    assert check().inactive == 1


def test_api_key_accounts_and_superusers_are_not_people_to_disable(agency_admin_fl):
    key = api_key_create(by=agency_admin_fl, name="MBI RMS")
    root = User.objects.create_superuser(username="root", password=PASSWORD)
    place(agency_admin_fl, last_login=NOW)
    for account in (key.key.user, root):
        place(account, last_login=days_ago(365))
    assert check().inactive == 0
    key.key.user.refresh_from_db()
    root.refresh_from_db()
    assert key.key.user.is_active and root.is_active


def test_an_expired_temporary_account_is_disabled_for_its_expiry(analyst_fl, analyst_fl2):
    place(analyst_fl, last_login=days_ago(1), expires_at=days_ago(0))
    place(analyst_fl2, last_login=days_ago(1), expires_at=NOW + timedelta(seconds=1))
    report = check()
    assert report.expired == 1 and report.inactive == 0
    analyst_fl.refresh_from_db()
    assert not analyst_fl.is_active and analyst_fl.disabled_reason == "expired"
    [row] = AccessLog.objects.filter(action=AccessLog.Action.ACCOUNT_EXPIRED)
    assert row.actor == analyst_fl and row.detail["expires_at"] == NOW.isoformat()


def test_an_account_deactivated_by_an_admin_is_left_as_it_was(analyst_fl, agency_admin_fl):
    services.user_deactivate(user=analyst_fl, by=agency_admin_fl, reason="Left the agency")
    place(analyst_fl, last_login=days_ago(400))
    assert check().inactive == 0
    analyst_fl.refresh_from_db()
    assert analyst_fl.disabled_reason == "" and analyst_fl.disabled_at is None


def test_pending_links_of_a_disabled_account_are_revoked(analyst_fl, agency_admin_fl):
    services.user_force_password_reset(user=analyst_fl, by=agency_admin_fl, reason="Lost it")
    place(analyst_fl, last_login=days_ago(100))
    check()
    assert not services.pending_links(analyst_fl).exists()
    assert Invitation.objects.get(user=analyst_fl).revoked_at == NOW


def test_the_check_is_one_update_whatever_the_number_of_accounts(
        mbi, django_assert_num_queries):
    for n in range(30):
        place(_user(f"idle_{n}", mbi), last_login=days_ago(120))
    # Queries: the check's savepoint, expired UPDATE, inactive UPDATE, the links' UPDATE, the
    # disabled accounts read back, the agency's notification (a savepoint, the outbox INSERT,
    # its release), one INSERT of the log rows, the release: for 30 accounts as for one.
    with django_assert_num_queries(10):
        assert check().inactive == 30
    assert AccessLog.objects.filter(action="account_disabled").count() == 30


# Telling the admins ---------------------------------------------------------------------------


def test_the_agencys_admins_are_told_once_even_when_the_check_runs_twice(
        analyst_fl, agency_admin_fl, django_capture_on_commit_callbacks):
    place(agency_admin_fl, last_login=timezone.now())
    place(analyst_fl, last_login=timezone.now() - timedelta(days=120))
    with django_capture_on_commit_callbacks(execute=True):
        assert disable_unused_accounts() == {"inactive": 1, "expired": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert disable_unused_accounts() == {"inactive": 0, "expired": 0}
    [event] = OutboxEvent.objects.filter(kind="accounts_disabled")
    assert event.agency_id == analyst_fl.agency_id and event.status == "delivered"
    [note] = Notification.objects.filter(event=event)
    assert note.user == agency_admin_fl  # the admin's own inbox, not every analyst's
    assert note.title == (
        "1 account of Metropolitan Bureau of Investigation disabled: unused for 90 days")
    assert ["Accounts", "analyst_fl"] in note.lines
    [email] = EmailDelivery.objects.filter(event=event)
    assert email.address == agency_admin_fl.email
    [sent] = [m for m in mail.outbox if "disabled" in m.subject]
    assert sent.to == [agency_admin_fl.email] and "analyst_fl" in sent.body
    assert not event.webhooks.exists()


def test_the_analysts_of_the_agency_are_not_told(client, mbi, analyst_fl, agency_admin_fl,
                                                 django_capture_on_commit_callbacks):
    place(_user("idle_analyst", mbi), last_login=days_ago(120))
    place(analyst_fl, last_login=NOW)
    place(agency_admin_fl, last_login=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        check()
    client.force_login(analyst_fl)
    assert "idle_analyst" not in client.get(reverse("notification-inbox")).content.decode()
    client.force_login(agency_admin_fl)
    assert "idle_analyst" in client.get(reverse("notification-inbox")).content.decode()


def test_an_agency_without_an_agency_admin_has_its_centers_admins_told(
        analyst_fl, admin_cfix, django_capture_on_commit_callbacks):
    # MBI has no agency admin here; CFIX's admin (of OCSO) administers its users.
    assert not User.objects.filter(agency=analyst_fl.agency, role="agency_admin").exists()
    place(admin_cfix, last_login=NOW)
    place(analyst_fl, last_login=days_ago(120))
    with django_capture_on_commit_callbacks(execute=True):
        check()
    [note] = Notification.objects.filter(kind="accounts_disabled")
    assert note.user == admin_cfix and ["Accounts", "analyst_fl"] in note.lines
    assert [m.to for m in mail.outbox if "disabled" in m.subject] == [[admin_cfix.email]]


def test_the_check_runs_daily_from_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["accounts-lifecycle"]
    assert entry["task"] == disable_unused_accounts.name
    assert entry["schedule"] == 24 * 3600


# Log-in of an expired account ------------------------------------------------------------------


def test_an_expired_account_is_refused_with_the_words_of_a_wrong_password(client, analyst_fl):
    wrong = log_in(client, "analyst_fl", "not-the-password")
    User.objects.filter(pk=analyst_fl.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = log_in(client, "analyst_fl")
    assert expired.status_code == wrong.status_code == 200
    assert expired.context["form"].non_field_errors() == [LOGIN_REFUSED]
    assert wrong.context["form"].non_field_errors() == [LOGIN_REFUSED]
    assert "_auth_user_id" not in client.session
    assert AccessLog.objects.filter(action="login_failed", actor=analyst_fl).count() == 2


def test_an_open_session_ends_when_the_account_expires(analyst_fl):
    session = HttpsClient()
    session.force_login(analyst_fl)
    assert session.get(reverse("home")).status_code == 200
    User.objects.filter(pk=analyst_fl.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert session.get(reverse("home")).status_code == 302


def test_an_account_expiring_later_signs_in(client, analyst_fl):
    User.objects.filter(pk=analyst_fl.pk).update(expires_at=timezone.now() + timedelta(days=1))
    assert log_in(client, "analyst_fl").status_code == 302


# Expiry and re-enabling, by an admin ----------------------------------------------------------


def test_an_admin_sets_moves_and_clears_an_expiry_each_logged(analyst_fl, agency_admin_fl):
    later = timezone.now() + timedelta(days=30)
    services.user_set_expiry(user=analyst_fl, by=agency_admin_fl, expires_at=later,
                             reason="Detailed to the task force until June")
    services.user_set_expiry(user=analyst_fl, by=agency_admin_fl, expires_at=None,
                             reason="Hired permanently")
    first, second = AccessLog.objects.filter(action="account_expiry").order_by("id")
    assert first.actor == agency_admin_fl and first.object_id == analyst_fl.pk
    assert first.detail["before"] == {"expires_at": None}
    assert first.detail["after"] == {"expires_at": later.isoformat()}
    assert first.detail["reason"] == "Detailed to the task force until June"
    assert second.detail["after"] == {"expires_at": None}


def test_an_expiry_in_the_past_is_refused(analyst_fl, agency_admin_fl):
    with pytest.raises(services.ValidationError) as error:
        services.user_set_expiry(user=analyst_fl, by=agency_admin_fl, reason="r",
                                 expires_at=timezone.now() - timedelta(hours=1))
    assert "in the future" in error.value.message_dict["expires_at"][0]


def test_re_enabling_an_account_disabled_for_inactivity_is_logged_and_restarts_its_clock(
        analyst_fl, agency_admin_fl):
    place(analyst_fl, last_login=days_ago(120))
    check()
    services.user_reactivate(user=analyst_fl, by=agency_admin_fl, reason="Back from leave")
    analyst_fl.refresh_from_db()
    assert analyst_fl.is_active and analyst_fl.disabled_reason == ""
    [row] = AccessLog.objects.filter(action=AccessLog.Action.ACCOUNT_ENABLED)
    assert row.actor == agency_admin_fl and row.object_id == analyst_fl.pk
    assert row.detail["operation"] == "user_reenable" and row.detail["reason"] == "Back from leave"
    assert row.detail["before"] == {"role": "analyst", "is_active": False, "disabled": "inactive"}
    assert row.detail["after"] == {"role": "analyst", "is_active": True}
    # Its unused days count from now: the next check leaves it.
    assert check(now=timezone.now() + timedelta(days=1)).inactive == 0


def test_an_expired_account_is_re_enabled_only_after_its_expiry_moved(analyst_fl, agency_admin_fl):
    place(analyst_fl, last_login=days_ago(1), expires_at=timezone.now() - timedelta(hours=1))
    check(now=timezone.now())
    with pytest.raises(services.ValidationError, match="set a later expiry"):
        services.user_reactivate(user=analyst_fl, by=agency_admin_fl, reason="Extended")
    services.user_set_expiry(user=analyst_fl, by=agency_admin_fl, reason="Extended",
                             expires_at=timezone.now() + timedelta(days=7))
    services.user_reactivate(user=analyst_fl, by=agency_admin_fl, reason="Extended")
    analyst_fl.refresh_from_db()
    assert analyst_fl.is_active and not analyst_fl.has_expired()


def test_an_invitation_makes_a_temporary_account(mbi, agency_admin_fl):
    until = timezone.now() + timedelta(days=14)
    user, _ = services.user_invite(agency=mbi, by=agency_admin_fl, username="contractor",
                                   email="c@example.gov", role="analyst", reason="Two weeks",
                                   expires_at=until)
    assert user.expires_at == until
    row = AccessLog.objects.filter(action="admin", object_id=user.pk).get()
    assert row.detail["after"]["expires_at"] == until.isoformat()


def test_an_invitation_link_cannot_open_an_account_past_its_expiry(client, mbi, agency_admin_fl):
    user, token = services.user_invite(agency=mbi, by=agency_admin_fl, username="contractor",
                                       email="c@example.gov", role="analyst", reason="A week",
                                       expires_at=timezone.now() + timedelta(days=7))
    User.objects.filter(pk=user.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(reverse("invitation-accept", args=[token]), {
        "new_password1": "seven-bridges-of-shreveport",
        "new_password2": "seven-bridges-of-shreveport"})
    assert response.status_code == 400
    assert "This account has expired" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()


def test_a_disabled_accounts_username_is_never_given_out_again(analyst_fl, agency_admin_fl, mbi):
    place(analyst_fl, last_login=days_ago(120))
    check()
    with pytest.raises(services.ValidationError, match="is or was in use"):
        services.user_invite(agency=mbi, by=agency_admin_fl, username="Analyst_FL",
                             email="x@example.gov", role="analyst", reason="r")


# The pages ------------------------------------------------------------------------------------


class ExpiryActionTests(UserActionTests):
    action = "expiry"

    def data(self, subject):
        return {"reason": "Detailed to the task force", "expires_at": "2099-06-30T17:00"}

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.expires_at.isoformat() == "2099-06-30T17:00:00+00:00"
        assert AccessLog.objects.filter(action="account_expiry", actor=user).exists()


class TestAgencyUserExpiry(ExpiryActionTests, AgencyUserPageTests):
    url_name = "agency-user-action"

    def args(self, subject):
        return [subject.pk, self.action]

    def test_an_expiry_in_the_past_is_a_400_naming_the_field(self, client, agency_admin_fl,
                                                              analyst_fl):
        client.force_login(agency_admin_fl)
        response = client.post(self.url(analyst_fl), {"reason": "r",
                                                      "expires_at": "2001-01-01T00:00"})
        assert response.status_code == 400
        assert "The expiry must be in the future" in response.content.decode()
        analyst_fl.refresh_from_db()
        assert analyst_fl.expires_at is None


class TestCenterUserExpiry(ExpiryActionTests, CenterUserPageTests):
    url_name = "center-user-action"

    def user_args(self, subject):
        return [subject.pk, self.action]


class TestCenterUserReEnable(UserActionTests, CenterUserPageTests):
    url_name = "center-user-action"
    action = "reactivate"

    @pytest.fixture
    def subject(self, analyst_fl):
        place(analyst_fl, last_login=days_ago(120))
        check()
        analyst_fl.refresh_from_db()
        return analyst_fl

    def user_args(self, subject):
        return [subject.pk, self.action]

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.is_active and subject.disabled_reason == ""
        row = AccessLog.objects.get(action="account_enabled")
        assert row.actor == user and row.detail["center_id"] == self.scope_id(subject)


def test_the_pages_show_the_expiry_and_why_an_account_is_disabled(
        client, mbi, agency_admin_fl, analyst_fl):
    User.objects.filter(pk=_user("contractor", mbi).pk).update(
        expires_at=timezone.now().replace(year=2099, month=6, day=30, hour=17, minute=0))
    place(analyst_fl, last_login=days_ago(120))
    check()
    client.force_login(agency_admin_fl)
    users = client.get(reverse("agency-users", args=[analyst_fl.agency_id])).content.decode()
    assert "2099-06-30 17:00" in users and "Disabled: unused" in users
    page = client.get(reverse("agency-user-detail", args=[analyst_fl.agency_id, analyst_fl.pk]))
    text = page.content.decode()
    assert "unused for 90 days" in text and "Re-enable analyst_fl" in text


def test_the_invite_page_makes_a_temporary_account(client, agency_admin_fl, mbi):
    client.force_login(agency_admin_fl)
    response = client.post(reverse("agency-user-invite", args=[mbi.pk]), {
        "username": "contractor", "email": "c@example.gov", "role": "analyst",
        "expires_at": "2099-01-31T12:00", "reason": "A month on the task force"})
    assert response.status_code == 302
    assert User.objects.get(username="contractor").expires_at.isoformat() == (
        "2099-01-31T12:00:00+00:00")


# In the center's access log and its CSV --------------------------------------------------------


def test_the_new_events_are_in_the_centers_access_log_and_its_csv(
        client, admin_cfix, cfix, analyst_fl, analyst_fl2, agency_admin_fl):
    place(analyst_fl, last_login=timezone.now() - timedelta(days=120))
    place(analyst_fl2, last_login=timezone.now(), expires_at=timezone.now())
    place(agency_admin_fl, last_login=timezone.now())
    check(now=timezone.now())
    services.user_reactivate(user=analyst_fl, by=agency_admin_fl, reason="Back from leave")
    services.user_force_password_reset(user=analyst_fl, by=agency_admin_fl, reason="Lost it")
    client.force_login(admin_cfix)
    page = client.get(reverse("center-access-log", args=[cfix.pk]))
    shown = {row.action for row in page.context["rows"]}
    assert {"account_disabled", "account_expired", "account_enabled", "password_reset"} <= shown
    text = page.content.decode()
    assert "Account disabled: unused" in text and "Account re-enabled" in text
    response = client.get(reverse("center-access-log-csv", args=[cfix.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    actions = {row[1] for row in rows[1:]}
    assert {"account_disabled", "account_expired", "account_enabled", "password_reset"} <= actions
    disabled = next(row for row in rows if row[1] == "account_disabled")
    assert disabled[2] == "analyst_fl" and disabled[3] == analyst_fl.agency.ori
    assert '"reason":"inactive"' in disabled[-1]
