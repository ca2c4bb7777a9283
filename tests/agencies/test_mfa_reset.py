"""The admin reset of a person's second factors (CJIS IA-2, agencies.services.user_mfa_reset): by
their agency's admin or the admin of a center their agency is an active member of, with a reason;
the factors go, every session of theirs ends, the access log says so, and the next sign-in enrols
again. Declared in the generic page classes as the other user actions are (an outsider's 404)."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import mfa, services
from agencies.gate import NotAdministrable
from agencies.models import RecoveryCode, SecurityKey
from audit.models import AccessLog
from tests.base import HttpsClient
from tests.conftest import PASSWORD, authenticator_of

from .admin_actors import *  # noqa: F403 (the fixtures)
from .test_admin_pages import AgencyUserPageTests, CenterUserPageTests, UserActionTests


def with_every_factor(user):
    authenticator_of(user)
    mfa._new_recovery_codes(user)
    SecurityKey.objects.create(user=user, name="YubiKey", credential_id="abc",
                               public_key=b"\x01", sign_count=0)
    return user


class MfaResetTests(UserActionTests):
    action = "mfa-reset"

    @pytest.fixture
    def subject(self, analyst_fl):
        return with_every_factor(analyst_fl)

    def assert_changed(self, subject, user, response):
        assert not TOTPDevice.objects.filter(user=subject).exists()
        assert not RecoveryCode.objects.filter(device__user=subject).exists()
        assert not SecurityKey.objects.filter(user=subject).exists()
        subject.refresh_from_db()
        assert subject.mfa_reset_at is not None
        row = AccessLog.objects.filter(action="mfa_reset").get()
        assert row.actor == user and row.object_id == subject.pk
        assert row.detail["operation"] == "user_mfa_reset"
        assert row.detail["reason"] == "mfa-reset for the test"
        assert row.detail["before"] == {"factors": ["totp", "recovery codes", "security keys"]}
        assert row.detail["after"] == {"factors": []}


class TestAgencyUserMfaReset(MfaResetTests, AgencyUserPageTests):
    url_name = "agency-user-action"

    def args(self, subject):
        return [subject.pk, self.action]

    def test_needs_a_reason(self, client, agency_admin_fl, subject):
        client.force_login(agency_admin_fl)
        assert client.post(self.url(subject), {"reason": " "}).status_code == 400
        assert TOTPDevice.objects.filter(user=subject).exists()
        assert not AccessLog.objects.filter(action="mfa_reset").exists()

    def test_every_session_of_the_person_ends_and_the_next_sign_in_enrols(
            self, client, agency_admin_fl, subject):
        analyst = HttpsClient()
        analyst.force_login(subject)
        elsewhere = HttpsClient()
        elsewhere.force_login(subject)
        assert analyst.get(reverse("home")).status_code == 200
        client.force_login(agency_admin_fl)
        assert client.post(self.url(subject), self.data(subject)).status_code == 302
        for session in (analyst, elsewhere):
            response = session.get(reverse("case-list"))
            assert response.status_code == 302 and response["Location"].startswith(
                reverse("login"))
            assert session.get(reverse("home")).status_code == 302
        ended = AccessLog.objects.filter(action="logout", actor=subject)
        assert [row.detail["reason"] for row in ended] == ["mfa reset", "mfa reset"]
        # The next sign-in sets up an authenticator again.
        response = analyst.post(reverse("login"), {"username": subject.username,
                                                   "password": PASSWORD, "acknowledge": "on"})
        response = analyst.get(response["Location"])
        assert response["Location"].startswith(reverse("mfa-enrol"))
        assert analyst.get(response["Location"]).status_code == 200

    def test_the_form_is_on_the_persons_page(self, client, agency_admin_fl, subject):
        client.force_login(agency_admin_fl)
        page = client.get(reverse("agency-user-detail", args=[subject.agency_id, subject.pk]))
        assert self.url(subject) in page.content.decode()

    def test_nobody_resets_their_own_or_a_higher_account(self, agency_admin_fl, analyst_fl):
        with_every_factor(agency_admin_fl)
        with pytest.raises(services.NotAllowed):
            services.user_mfa_reset(user=agency_admin_fl, by=agency_admin_fl, reason="me")
        with pytest.raises(NotAdministrable):  # an analyst administers nothing: the gate's 404
            services.user_mfa_reset(user=agency_admin_fl, by=analyst_fl, reason="up")
        assert TOTPDevice.objects.filter(user=agency_admin_fl).exists()


class TestCenterUserMfaReset(MfaResetTests, CenterUserPageTests):
    url_name = "center-user-action"

    def user_args(self, subject):
        return [subject.pk, self.action]

    def assert_changed(self, subject, user, response):
        super().assert_changed(subject, user, response)
        row = AccessLog.objects.filter(action="mfa_reset").get()
        assert row.detail["center_id"] == self.scope_id(subject)

    def test_not_while_the_agency_is_a_suspended_member(self, client, admin_cfix, subject):
        membership = subject.agency.memberships.get()
        services.membership_suspend(membership=membership, by=admin_cfix, reason="Audit")
        client.force_login(admin_cfix)
        response = client.post(self.url(subject), self.data(subject))
        assert response.status_code == 404
        assert TOTPDevice.objects.filter(user=subject).exists()
