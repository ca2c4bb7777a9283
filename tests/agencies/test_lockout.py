"""Lockout (CJIS AC-7): refused log-ons lock the account until an admin releases it, a flood of
them from one address throttles that address, and the log-in page never tells which part was
wrong or that anything is locked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies import services
from agencies.forms import LOGIN_REFUSED
from agencies.gate import NotAdministrable
from agencies.models import User
from audit.models import AccessLog
from tests.conftest import PASSWORD

from .admin_actors import *  # noqa: F403 (the fixtures)

WRONG = "not-the-password-at-all"


def log_in(client, username, password=PASSWORD, **headers):
    return client.post(reverse("login"), {"username": username, "password": password,
                                          "acknowledge": "on"}, **headers)


def refused_page(response):
    """What the person sees of a refusal: the status and the form's error, nothing else."""
    assert "_auth_user_id" not in response.client.session
    return response.status_code, response.context["form"].non_field_errors()


def fail(client, username, times, **headers):
    for _ in range(times):
        log_in(client, username, WRONG, **headers)


def test_five_refusals_lock_the_account_and_the_right_password_is_then_refused(client, analyst_fl):
    fail(client, "analyst_fl", 5)
    analyst_fl.refresh_from_db()
    assert analyst_fl.locked_at is not None
    status, errors = refused_page(log_in(client, "analyst_fl"))
    assert (status, errors) == (200, [LOGIN_REFUSED])
    [row] = AccessLog.objects.filter(action="lockout")
    assert row.actor == analyst_fl and row.agency == analyst_fl.agency
    assert row.detail == {"outcome": "locked", "failures": 5, "window_minutes": 15}
    assert row.ip_address == "127.0.0.1"
    # The refused right password is itself a refused log-on, and locks nothing twice.
    assert AccessLog.objects.filter(action="login_failed", actor=analyst_fl).count() == 6
    assert AccessLog.objects.filter(action="lockout").count() == 1


def test_four_refusals_lock_nothing(client, analyst_fl):
    fail(client, "analyst_fl", 4)
    assert log_in(client, "analyst_fl").status_code == 302
    analyst_fl.refresh_from_db()
    assert analyst_fl.locked_at is None


def test_refusals_older_than_the_window_do_not_count(client, analyst_fl):
    old = timezone.now() - timedelta(minutes=16)
    AccessLog.objects.bulk_create(
        AccessLog(at=old, action="login_failed", actor=analyst_fl, agency=analyst_fl.agency,
                  detail={"outcome": "failure", "username": "analyst_fl"}) for _ in range(4))
    fail(client, "analyst_fl", 1)
    assert log_in(client, "analyst_fl").status_code == 302


def test_the_limit_and_window_are_settings(client, analyst_fl, settings):
    settings.LOCKOUT_FAILURES = 2
    fail(client, "analyst_fl", 2)
    analyst_fl.refresh_from_db()
    assert analyst_fl.locked_at is not None


def test_unknown_username_wrong_password_and_locked_account_read_the_same(client, analyst_fl,
                                                                          analyst_fl2):
    unknown = refused_page(log_in(client, "nobody_here"))
    wrong = refused_page(log_in(client, "analyst_fl2", WRONG))
    fail(client, "analyst_fl", 5)
    locked = refused_page(log_in(client, "analyst_fl"))
    assert unknown == wrong == locked == (200, [LOGIN_REFUSED])
    page = log_in(client, "analyst_fl").content.decode()
    assert "locked" not in page.replace(LOGIN_REFUSED, "")


def test_a_deactivated_account_reads_the_same(client, analyst_fl):
    User.objects.filter(pk=analyst_fl.pk).update(is_active=False)
    assert refused_page(log_in(client, "analyst_fl")) == (200, [LOGIN_REFUSED])


def test_a_release_lets_the_person_in_and_earlier_refusals_no_longer_count(
        client, analyst_fl, agency_admin_fl):
    fail(client, "analyst_fl", 5)
    analyst_fl.refresh_from_db()
    services.user_release(user=analyst_fl, by=agency_admin_fl, reason="Called the desk")
    fail(client, "analyst_fl", 1)
    assert log_in(client, "analyst_fl").status_code == 302
    analyst_fl.refresh_from_db()
    assert analyst_fl.locked_at is None
    [row] = AccessLog.objects.filter(action="release")
    assert row.detail["reason"] == "Called the desk" and row.actor == agency_admin_fl


def test_nobody_releases_their_own_account_or_a_peer_above_them(analyst_fl, agency_admin_fl,
                                                                 admin_cfix):
    User.objects.filter(pk__in=[analyst_fl.pk, agency_admin_fl.pk]).update(locked_at=timezone.now())
    for user in (analyst_fl, agency_admin_fl):
        user.refresh_from_db()
    with pytest.raises(services.NotAllowed):
        services.user_release(user=agency_admin_fl, by=agency_admin_fl, reason="me")
    with pytest.raises(NotAdministrable):  # an analyst administers nothing: the gate's 404
        services.user_release(user=agency_admin_fl, by=analyst_fl, reason="up")
    assert User.objects.filter(locked_at__isnull=False).count() == 2


def test_a_flood_from_one_address_throttles_it_and_no_other(client, analyst_fl, analyst_fl2,
                                                             settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    settings.ADDRESS_LOCKOUT_FAILURES = 6
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for name in ("guess1", "guess2", "guess3", "guess4", "guess5", "guess6"):
        log_in(client, name, WRONG, **attacker)
    # Even the right password of an account nobody attacked is refused from that address ...
    assert refused_page(log_in(client, "analyst_fl2", **attacker)) == (200, [LOGIN_REFUSED])
    analyst_fl2.refresh_from_db()
    assert analyst_fl2.locked_at is None
    # ... and accepted from another.
    response = log_in(client, "analyst_fl2", HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert response.status_code == 302


def test_the_throttle_ends_with_the_window(client, analyst_fl, settings):
    settings.ADDRESS_LOCKOUT_FAILURES = 5
    old = timezone.now() - timedelta(minutes=16)
    AccessLog.objects.bulk_create(
        AccessLog(at=old, action="login_failed", ip_address="127.0.0.1",
                  detail={"outcome": "failure", "username": "x"}) for _ in range(5))
    assert log_in(client, "analyst_fl").status_code == 302


def test_django_admins_log_in_page_is_locked_too(client, analyst_fl):
    User.objects.filter(pk=analyst_fl.pk).update(is_staff=True, is_superuser=True)
    fail(client, "analyst_fl", 5)
    response = client.post(reverse("admin:login"), {"username": "analyst_fl",
                                                    "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
