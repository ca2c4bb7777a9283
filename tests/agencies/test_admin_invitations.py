"""The invitee's side of an invitation: a single-use link that expires after 72 hours, a clear
message for a used, replaced, expired or unknown link, the portal's password validators, and
a log-in with the new password."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies import services
from agencies.models import Invitation, User
from audit.models import AccessLog

from .admin_actors import *  # noqa: F403 (the fixtures)

NEW_PASSWORD = "seven-bridges-of-shreveport"


@pytest.fixture
def invited(mbi, agency_admin_fl):
    """(user, token) of an analyst invited to MBI by its agency admin."""
    return services.user_invite(agency=mbi, by=agency_admin_fl, username="new_analyst",
                                email="new.analyst@example.gov", role=User.Role.ANALYST,
                                reason="Joined the task force")


def accept_url(token):
    return reverse("invitation-accept", args=[token])


def set_password(client, token, password=NEW_PASSWORD, again=None):
    return client.post(accept_url(token), {"new_password1": password,
                                           "new_password2": again or password})


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password,
                                          "acknowledge": "on"})


def test_the_invitee_sets_a_password_and_logs_in(client, invited):
    user, token = invited
    page = client.get(accept_url(token))
    assert page.status_code == 200
    assert "new_analyst" in page.content.decode() and "Metropolitan Bureau" in page.content.decode()

    response = set_password(client, token)
    assert response.status_code == 302 and response["Location"] == reverse("login")
    user.refresh_from_db()
    assert user.is_active and user.check_password(NEW_PASSWORD)
    row = AccessLog.objects.filter(action="password_change", actor=user).get()
    assert row.detail["operation"] == "invite_accept"

    response = log_in(client, "new_analyst", NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa-verify") + "?next=%2F"
    # A new account sets up its second factor before anything else (tests/agencies/test_mfa.py).
    assert client.get(response["Location"])["Location"].startswith(reverse("mfa-enrol"))
    assert client.get(reverse("home")).status_code == 302


def test_a_link_works_once(client, invited):
    user, token = invited
    set_password(client, token)
    again = set_password(client, token, "another-one-ok-9")
    for response in (client.get(accept_url(token)), again):
        assert response.status_code == 410
        assert "This link has been used already" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


def test_a_link_expires_after_72_hours(client, invited):
    user, token = invited
    invitation = Invitation.objects.get(user=user)
    assert invitation.expires_at - invitation.created_at == timedelta(hours=72)
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - timedelta(hours=73),
        expires_at=timezone.now() - timedelta(hours=1),
    )
    for response in (client.get(accept_url(token)), set_password(client, token)):
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active and not user.has_usable_password()


def test_a_newer_link_replaces_the_older_one(client, invited, agency_admin_fl):
    user, old_token = invited
    new_token = services.user_force_password_reset(user=user, by=agency_admin_fl,
                                                   reason="First mail went to spam")
    response = client.get(accept_url(old_token))
    assert response.status_code == 410 and "replaced or withdrawn" in response.content.decode()
    assert set_password(client, new_token).status_code == 302
    user.refresh_from_db()
    assert user.is_active


@pytest.mark.parametrize("token", ["nonsense", "x" * 43, "%00"])
def test_an_unknown_link_gets_a_clear_404(client, db, token):
    response = client.get(accept_url(token))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


@pytest.mark.parametrize("password, again, message", [
    ("short", None, "too short"),
    ("123456789012345", None, "entirely numeric"),
    ("password1234", None, "too common"),
    ("new_analyst_2026", None, "too similar"),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "didn’t match"),
])
def test_the_password_validators_apply(client, invited, password, again, message):
    user, token = invited
    response = set_password(client, token, password, again)
    assert response.status_code == 400
    assert message in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    # The link was not spent on a refused password.
    assert set_password(client, token).status_code == 302


def test_a_deactivated_invitee_cannot_use_the_link(client, invited, agency_admin_fl):
    user, token = invited
    services.user_deactivate(user=user, by=agency_admin_fl, reason="Offer withdrawn")
    response = client.get(accept_url(token))
    assert response.status_code == 410
    user.refresh_from_db()
    assert not user.is_active
