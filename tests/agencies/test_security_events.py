"""Security events in the access log (CJIS AU-2, AU-3): log-on, refused log-on, log-off, password
set through a link, API keys; each with its time, the client's address, the outcome and the
identity, in the center's log and its CSV for the center's member agencies only."""

import csv
import io

import orjson
import pytest
from django.urls import reverse
from django.utils import timezone

from agencies import services
from agencies.api_keys import api_key_create, api_key_revoke
from audit.models import AccessLog
from tests.conftest import PASSWORD

from .admin_actors import *  # noqa: F403 (the fixtures)

WRONG = "not-the-password-at-all"


def log_in(client, username, password=PASSWORD, **headers):
    return client.post(reverse("login"), {"username": username, "password": password,
                                          "acknowledge": "on"}, **headers)


def rows_of(action):
    return list(AccessLog.objects.filter(action=action).order_by("id"))


def test_a_log_on_is_written_with_time_address_outcome_and_identity(client, analyst_fl):
    before = timezone.now()
    response = log_in(client, "analyst_fl")
    assert response.status_code == 302
    [row] = rows_of(AccessLog.Action.LOGIN)
    assert row.actor == analyst_fl and row.agency == analyst_fl.agency
    assert row.at >= before and row.at.utcoffset().total_seconds() == 0
    assert row.ip_address == "127.0.0.1"
    # The password's step; its second factor writes a row of its own (tests/agencies/test_mfa.py).
    assert row.detail == {"outcome": "success", "step": "password"}


def test_a_refused_log_on_names_the_typed_username_and_never_the_password(client, analyst_fl):
    response = log_in(client, "analyst_fl", WRONG)
    assert response.status_code == 200
    [row] = rows_of(AccessLog.Action.LOGIN_FAILED)
    assert row.actor == analyst_fl and row.agency == analyst_fl.agency
    assert row.detail == {"outcome": "failure", "username": "analyst_fl"}
    assert row.ip_address == "127.0.0.1"
    assert WRONG not in str(row.detail) and not rows_of(AccessLog.Action.LOGIN)


def test_an_unknown_username_is_written_without_an_agency(client, analyst_fl):
    log_in(client, "nobody_here", WRONG)
    [row] = rows_of(AccessLog.Action.LOGIN_FAILED)
    assert row.actor is None and row.agency is None
    assert row.detail == {"outcome": "failure", "username": "nobody_here"}


def test_the_address_behind_the_trusted_proxy_is_the_clients(client, analyst_fl, settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    log_in(client, "analyst_fl", WRONG, HTTP_X_FORWARDED_FOR="198.51.100.7")
    log_in(client, "analyst_fl", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert rows_of(AccessLog.Action.LOGIN_FAILED)[0].ip_address == "198.51.100.7"
    assert rows_of(AccessLog.Action.LOGIN)[0].ip_address == "198.51.100.8"


def test_a_forwarded_address_from_an_untrusted_sender_is_not_believed(client, analyst_fl,
                                                                       settings):
    settings.FORWARDED_ALLOW_IPS = ["10.9.9.9"]
    log_in(client, "analyst_fl", WRONG, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert rows_of(AccessLog.Action.LOGIN_FAILED)[0].ip_address == "127.0.0.1"


def test_a_log_off_is_written(client, analyst_fl):
    log_in(client, "analyst_fl")
    client.post(reverse("logout"))
    [row] = rows_of(AccessLog.Action.LOGOUT)
    assert row.actor == analyst_fl and row.detail == {"outcome": "success", "reason": "signed out"}
    assert row.ip_address == "127.0.0.1"


def test_a_password_set_through_a_reset_link_is_written(analyst_fl, agency_admin_fl):
    token = services.user_force_password_reset(user=analyst_fl, by=agency_admin_fl,
                                               reason="Lost it")
    services.invitation_accept(token=token, password="a-new-long-passphrase-42")
    [reset] = rows_of(AccessLog.Action.PASSWORD_RESET)
    assert reset.detail["operation"] == "user_force_password_reset"
    assert reset.actor == agency_admin_fl and reset.object_id == analyst_fl.pk
    assert reset.detail["after"] == {"password_usable": False}
    [accepted] = rows_of(AccessLog.Action.PASSWORD_CHANGE)
    assert accepted.detail["operation"] == "reset_accept" and accepted.actor == analyst_fl
    assert "passphrase" not in str(accepted.detail)


def test_api_key_creation_and_revocation_say_what_changed(agency_admin_fl):
    created = api_key_create(by=agency_admin_fl, name="MBI RMS")
    api_key_revoke(key=created.key, by=agency_admin_fl)
    made, revoked = AccessLog.objects.filter(action="admin").order_by("id")
    assert made.detail["operation"] == "api_key_create" and made.detail["before"] is None
    assert made.detail["after"]["prefix"] == created.key.prefix
    assert created.plaintext not in str(made.detail)
    assert revoked.detail["operation"] == "api_key_revoke"
    assert (revoked.detail["before"]["revoked"], revoked.detail["after"]["revoked"]) == (False, True)
    assert made.agency == revoked.agency == agency_admin_fl.agency


@pytest.fixture
def security_events(client, analyst_fl, outsider):
    """MBI's analyst (CFIX member) and Houston's (not one) log in, fail and log off."""
    for username in ("analyst_fl", "analyst_tx"):
        log_in(client, username, WRONG)
        log_in(client, username)
        client.post(reverse("logout"))
    log_in(client, "nobody_here", WRONG)


def test_the_center_admin_sees_its_members_security_events_and_no_others(
        client, security_events, admin_cfix, cfix):
    client.force_login(admin_cfix)
    for action in ("login", "login_failed", "logout"):
        response = client.get(reverse("center-access-log", args=[cfix.pk]), {"action": action})
        assert response.status_code == 200
        users = {row.actor.username for row in response.context["rows"]}
        assert "analyst_fl" in users and "analyst_tx" not in users, action
    page = client.get(reverse("center-access-log", args=[cfix.pk]),
                      {"action": "login_failed"}).content.decode()
    assert "Log-in refused" in page and "nobody_here" not in page and "analyst_tx" not in page


def test_the_action_filter_offers_the_security_events(client, admin_cfix, cfix):
    client.force_login(admin_cfix)
    page = client.get(reverse("center-access-log", args=[cfix.pk])).content.decode()
    for value, label in (("login", "Logged in"), ("login_failed", "Log-in refused"),
                         ("logout", "Logged out")):
        assert f'<option value="{value}">{label}</option>' in page


def test_the_csv_holds_the_members_security_events_only(client, security_events, admin_cfix,
                                                        cfix):
    client.force_login(admin_cfix)
    response = client.get(reverse("center-access-log-csv", args=[cfix.pk]),
                          {"action": "login_failed"})
    lines = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(line["user"], line["IP address"]) for line in lines] == [("analyst_fl", "127.0.0.1")]
    assert orjson.loads(lines[0]["detail"]) == {"outcome": "failure", "username": "analyst_fl"}
    assert WRONG not in lines[0]["detail"]
