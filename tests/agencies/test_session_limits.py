"""Session limits (CJIS AC-11, AC-12): locked after SESSION_IDLE_SECONDS without activity, ended
SESSION_ABSOLUTE_SECONDS after sign-in; a background refresh is not activity; every session of a
user ends at a password change and at deactivation."""

import time

import pytest
from django.urls import reverse

from agencies.sessions import ACTIVE_AT, ACTIVITY_WRITE_EVERY, SIGNED_IN_AT
from audit.models import AccessLog
from tests.base import HttpsClient
from tests.conftest import PASSWORD


@pytest.fixture
def signed_in(analyst_fl):
    client = HttpsClient()
    assert client.login(username=analyst_fl.username, password=PASSWORD)
    return client


def age(client, **seconds_ago):
    """Move the session's clocks into the past."""
    session = client.session
    now = time.time()
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_a_sign_in_starts_both_clocks(signed_in):
    session = signed_in.session
    assert abs(session[SIGNED_IN_AT] - time.time()) < 5
    assert session[ACTIVE_AT] == session[SIGNED_IN_AT]


def test_an_idle_session_is_locked_and_says_why(signed_in, analyst_fl, settings):
    age(signed_in, active_at=settings.SESSION_IDLE_SECONDS + 1, signed_in_at=3600)
    response = signed_in.get(reverse("case-list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    page = signed_in.get(response["Location"]).content.decode()
    assert "locked after 30 minutes without activity" in page
    row = AccessLog.objects.filter(action=AccessLog.Action.LOGOUT, actor=analyst_fl).get()
    assert row.detail == {"outcome": "success", "reason": "idle"}
    # Signed out for good: the next page asks to log in again.
    assert signed_in.get(reverse("case-list")).status_code == 302


def test_a_session_ends_at_its_limit_whatever_the_activity(signed_in, analyst_fl, settings):
    age(signed_in, active_at=1, signed_in_at=settings.SESSION_ABSOLUTE_SECONDS + 1)
    response = signed_in.get(reverse("case-list"))
    assert response.status_code == 302
    assert "reached its limit of 12 hours" in signed_in.get(response["Location"]).content.decode()
    row = AccessLog.objects.filter(action=AccessLog.Action.LOGOUT, actor=analyst_fl).get()
    assert row.detail["reason"] == "limit"


def test_an_htmx_request_of_a_locked_session_loads_the_login_page(signed_in, settings):
    """The log-in page leads back to the page the request was made from, not to the fragment."""
    age(signed_in, active_at=settings.SESSION_IDLE_SECONDS + 1)
    response = signed_in.get(reverse("notification-count"), HTTP_HX_REQUEST="true",
                             HTTP_HX_CURRENT_URL="https://testserver/cases/?sort=title")
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("login") + "?next=/cases/%3Fsort%3Dtitle"


def test_a_form_sent_to_a_locked_session_leads_back_to_no_form(signed_in, settings):
    """A POST cannot be repeated after logging in again: the log-in page leads home."""
    age(signed_in, active_at=settings.SESSION_IDLE_SECONDS + 1)
    response = signed_in.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")


def test_a_page_is_activity_and_the_background_refresh_is_not(signed_in, settings):
    idle = settings.SESSION_IDLE_SECONDS
    age(signed_in, active_at=idle - 10)
    before = signed_in.session[ACTIVE_AT]
    for _ in range(3):
        assert signed_in.get(reverse("notification-count")).status_code == 200
    assert signed_in.session[ACTIVE_AT] == before  # polling keeps nothing open
    assert signed_in.get(reverse("case-list")).status_code == 200
    assert time.time() - signed_in.session[ACTIVE_AT] < 5  # a page is activity


def test_activity_is_written_at_most_once_a_minute(signed_in):
    age(signed_in, active_at=ACTIVITY_WRITE_EVERY - 20)
    before = signed_in.session[ACTIVE_AT]
    assert signed_in.get(reverse("case-list")).status_code == 200
    assert signed_in.session[ACTIVE_AT] == before


def test_stay_signed_in_starts_the_idle_clock_again(signed_in, settings):
    age(signed_in, active_at=settings.SESSION_IDLE_SECONDS - 30)
    assert signed_in.get(reverse("session-keepalive")).status_code == 405
    assert signed_in.post(reverse("session-keepalive")).status_code == 204
    assert time.time() - signed_in.session[ACTIVE_AT] < 5
    anonymous = HttpsClient()
    assert anonymous.post(reverse("session-keepalive")).status_code == 302


def test_the_page_tells_the_warning_how_long_is_left(signed_in, settings):
    age(signed_in, active_at=45)
    page = signed_in.get(reverse("case-list")).content.decode()
    left = settings.SESSION_IDLE_SECONDS - 45
    assert f'data-idle-seconds="{settings.SESSION_IDLE_SECONDS}"' in page
    assert any(f'data-idle-left="{n}"' in page for n in (left, left - 1))
    assert 'id="idle-warning"' in page and "js/session.js" in page
    assert 'id="idle-warning"' not in HttpsClient().get(reverse("login")).content.decode()


def test_a_password_change_ends_every_other_session(signed_in, analyst_fl):
    other = HttpsClient()
    assert other.login(username=analyst_fl.username, password=PASSWORD)
    analyst_fl.set_password("another long passphrase 9")
    analyst_fl.save()
    assert signed_in.get(reverse("case-list")).status_code == 302
    assert other.get(reverse("case-list")).status_code == 302


def test_deactivation_ends_every_session(signed_in, analyst_fl):
    analyst_fl.is_active = False
    analyst_fl.save(update_fields=["is_active"])
    assert signed_in.get(reverse("case-list")).status_code == 302


def test_a_request_tells_the_page_the_seconds_left_and_a_background_refresh_does_not(
    signed_in, settings
):
    age(signed_in, active_at=30)
    left = int(signed_in.get(reverse("case-list"))["X-Session-Idle-Left"])
    assert settings.SESSION_IDLE_SECONDS - 32 <= left <= settings.SESSION_IDLE_SECONDS - 30
    assert "X-Session-Idle-Left" not in signed_in.get(reverse("notification-count"))
