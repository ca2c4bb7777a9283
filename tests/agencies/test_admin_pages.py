"""The admin pages over HTTP: who reaches them, who gets the 404 of a missing page, what each
one changes, and what each costs.

Every page inherits AdminPageTests (after tests/base.py): anonymous is sent to the log-in
page; each outsider (the admin of another center, an agency admin or analyst who does not
administer it) gets the same 404 as for a center or agency that does not exist, and nothing
changes; the rightful admin succeeds. Lists and detail pages cost their exact baseline of
tests/agencies/query_counts.py.
"""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from agencies import services
from agencies.models import Agency, Invitation, Membership, User
from audit.models import AccessLog
from tests.base import HttpsClient, MemberPageTests, QueryCountTests, database_state, messages_of
from tests.conftest import PASSWORD, log_in_fully

from .admin_actors import *  # noqa: F403 (the fixtures)

MISSING = 10**9


class AdminPageTests(MemberPageTests):
    """A page of the center (`center-*`, its URL starts with the center id) or of one agency's
    users (`agency-*`, its URL starts with the agency id)."""

    model = Membership
    member_fixture = "admin_cfix"
    outsiders = ("admin_la", "agency_admin_fl", "analyst_fl2", "outsider")

    @pytest.fixture
    def subject(self, mbi_in_cfix):
        return mbi_in_cfix

    def args(self, subject):
        """The URL's arguments after the center (or agency) id."""
        return []

    def scope_id(self, subject):
        return subject.center_id

    def url(self, subject, scope_id=None):
        scope = self.scope_id(subject) if scope_id is None else scope_id
        return reverse(self.url_name, args=[scope, *self.args(subject)])

    def missing_url(self, subject):
        """The same page of a center (or agency) that does not exist."""
        return self.url(subject, MISSING)


class AgencyUserPageTests(AdminPageTests):
    """A page of one agency's users, reached by its own agency admin (MBI's)."""

    model = User
    member_fixture = "agency_admin_fl"
    # LA-SAFE's admin, OCSO's and Houston's agency admins, an analyst of MBI itself; and
    # CFIX's admin, who reaches MBI's users through the CFIX pages, not these.
    outsiders = ("admin_la", "agency_admin_ocso", "agency_admin_tx", "analyst_fl2", "admin_cfix")

    @pytest.fixture
    def subject(self, analyst_fl):
        return analyst_fl

    def scope_id(self, subject):
        return subject.agency_id


class CenterUserPageTests(AgencyUserPageTests):
    """The same pages of MBI's users, reached by CFIX's admin through the center."""

    member_fixture = "admin_cfix"
    outsiders = ("admin_la", "agency_admin_fl", "agency_admin_tx", "analyst_fl2")

    def scope_id(self, subject):
        return subject.agency.memberships.get().center_id

    def args(self, subject):
        return [subject.agency_id, *self.user_args(subject)]

    def user_args(self, subject):
        return []


# The start page and the member agencies ------------------------------------------------------


def test_admin_home_lists_what_the_person_administers(client, admin_cfix, agency_admin_fl,
                                                      analyst_fl, cfix):
    client.force_login(admin_cfix)
    page = client.get(reverse("admin-home")).content.decode()
    assert reverse("center-agencies", args=[cfix.pk]) in page
    client.force_login(agency_admin_fl)
    page = client.get(reverse("admin-home")).content.decode()
    assert reverse("agency-users", args=[agency_admin_fl.agency_id]) in page
    assert reverse("center-agencies", args=[cfix.pk]) not in page
    client.force_login(analyst_fl)
    assert client.get(reverse("admin-home")).status_code == 404


class TestCenterAgencies(AdminPageTests, QueryCountTests):
    url_name = "center-agencies"
    rows_shown = "memberships"
    rows_already = 2  # MBI and OCSO

    def assert_changed(self, subject, user, response):
        page = response.content.decode()
        assert "Metropolitan Bureau of Investigation" in page and "FL0480400" in page

    @pytest.fixture
    def make_row(self, cfix):
        """A member agency of CFIX with one user."""

        def make(n):
            agency = Agency.objects.create(name=f"Agency {n}", ori=f"FL{n:07d}", level="local",
                                           home_state="FL")
            Membership.objects.create(center=cfix, agency=agency)
            User.objects.create_user(username=f"user{n}", agency=agency)

        return make

    def test_status_users_and_last_activity(self, client, admin_cfix, analyst_fl, mbi_in_cfix,
                                            ocso_in_cfix):
        from agencies import services

        services.membership_suspend(membership=ocso_in_cfix, by=admin_cfix, reason="Audit")
        client.force_login(admin_cfix)
        memberships = client.get(self.url(mbi_in_cfix)).context["memberships"]
        by_ori = {m.agency.ori: m for m in memberships}
        assert by_ori["FL0480000"].status == "suspended"
        assert by_ori["FL0480400"].active_users == 1  # analyst_fl
        # admin_cfix (of OCSO) wrote the suspension: OCSO's last activity, none yet for MBI.
        assert by_ori["FL0480000"].last_activity is not None
        assert by_ori["FL0480400"].last_activity is None


class TestAdmitForm(AdminPageTests):
    url_name = "center-agency-admit"


class TestAdmitExistingAgency(AdminPageTests):
    url_name = "center-agency-admit"
    method = "post"
    success_status = 302

    def data(self, subject):
        return {"ori": "txhpd0000", "reason": "I-10 corridor task force"}

    model = Agency

    @pytest.fixture
    def subject(self, mbi_in_cfix, houston):
        return houston

    def scope_id(self, subject):
        return Membership.objects.get(agency__ori="FL0480400").center_id

    def assert_changed(self, subject, user, response):
        membership = Membership.objects.get(agency=subject, center__short_name="CFIX")
        assert membership.status == "active"
        assert response["Location"] == reverse("center-membership",
                                               args=[membership.center_id, subject.pk])


class TestAdmitNewAgency(TestAdmitExistingAgency):
    def data(self, subject):
        return {"ori": "FL0290100", "name": "Tampa Police Department", "level": "local",
                "home_state": "FL", "reason": "New member"}

    def assert_changed(self, subject, user, response):
        agency = Agency.objects.get(ori="FL0290100")
        assert agency.memberships.get().center.short_name == "CFIX"

    @pytest.mark.parametrize("data, field, message", [
        ({"ori": "FL0290100", "reason": "r"}, "name", "No agency has the ORI FL0290100 yet"),
        ({"ori": "ZZ0290100", "reason": "r"}, "ori", "ZZ is none"),
        ({"ori": "FL0290100", "name": "T", "level": "mayor", "home_state": "FL", "reason": "r"},
         "level", "Select a valid choice"),
        ({"ori": "FL0480400", "reason": "r"}, None, "member of CFIX already"),
        ({"ori": "FL0290100", "name": "T", "level": "local", "home_state": "FL"}, "reason",
         "Give the reason"),
    ])
    def test_bad_input_gets_a_clear_error(self, client, admin_cfix, subject, mbi, data, field,
                                          message):
        client.force_login(admin_cfix)
        response = client.post(self.url(subject), data)
        assert response.status_code == 400
        errors = response.context["form"].errors.get(field or "__all__")
        assert errors and message in " ".join(errors)
        assert not Agency.objects.filter(ori="FL0290100").exists()


class TestMembershipPage(AdminPageTests, QueryCountTests):
    url_name = "center-membership"
    row_counts = (0,)  # one membership

    def args(self, subject):
        return [subject.agency_id]

    def test_another_centers_agency_is_a_404_too(self, client, admin_cfix, cfix, houston):
        client.force_login(admin_cfix)
        response = client.get(reverse(self.url_name, args=[cfix.pk, houston.pk]))
        assert response.status_code == 404


class MembershipActionTests(AdminPageTests):
    url_name = "center-membership-action"
    method = "post"
    success_status = 302
    action = ""

    def args(self, subject):
        return [subject.agency_id, self.action]

    def data(self, subject):
        # Suspend and remove act on the confirmation page's "Yes" (confirmed=1).
        return {"reason": f"{self.action} for the test", "confirmed": "1"}

    def test_a_reason_is_required(self, client, admin_cfix, subject):
        client.force_login(admin_cfix)
        before = database_state(subject)
        response = client.post(self.url(subject), {"reason": " "})
        assert response.status_code == 400
        assert "Give the reason" in response.content.decode()
        assert database_state(subject) == before

    def test_get_is_not_allowed(self, client, admin_cfix, subject):
        client.force_login(admin_cfix)
        assert client.get(self.url(subject)).status_code == 405


class TestSuspend(MembershipActionTests):
    action = "suspend"

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.status == "suspended"
        row = AccessLog.objects.filter(action="admin").latest("id")
        assert (row.actor, row.detail["reason"]) == (user, "suspend for the test")

    def test_suspending_over_http_hides_the_center_wide_case_and_reinstating_shows_it(
            self, client, admin_cfix, analyst_fl2, cfix_wide_case, ocso_in_cfix):
        case_url = reverse("case-detail", args=[cfix_wide_case.pk])
        client.force_login(analyst_fl2)
        assert client.get(case_url).status_code == 200

        client.force_login(admin_cfix)
        response = client.post(reverse(self.url_name, args=[ocso_in_cfix.center_id,
                                                            ocso_in_cfix.agency_id, "suspend"]),
                               {"reason": "Audit finding", "confirmed": "1"})
        assert response.status_code == 302
        assert "no longer receive" in messages_of(response)[0]

        client.force_login(analyst_fl2)
        assert client.get(case_url).status_code == 404

        client.force_login(admin_cfix)
        client.post(reverse(self.url_name, args=[ocso_in_cfix.center_id, ocso_in_cfix.agency_id,
                                                 "reinstate"]), {"reason": "Resolved"})
        client.force_login(analyst_fl2)
        assert client.get(case_url).status_code == 200


class TestReinstate(MembershipActionTests):
    action = "reinstate"

    @pytest.fixture
    def subject(self, mbi_in_cfix):
        mbi_in_cfix.status = Membership.Status.SUSPENDED
        mbi_in_cfix.save()
        return mbi_in_cfix

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.status == "active"


class TestRemove(MembershipActionTests):
    action = "remove"

    def assert_changed(self, subject, user, response):
        assert not Membership.objects.filter(pk=subject.pk).exists()
        assert response["Location"] == reverse("center-agencies", args=[subject.center_id])


@pytest.mark.parametrize("action", ["suspend", "remove"])
def test_suspend_and_remove_ask_first_and_act_only_on_yes(client, admin_cfix, ocso_in_cfix, action):
    client.force_login(admin_cfix)
    url = reverse("center-membership-action",
                  args=[ocso_in_cfix.center_id, ocso_in_cfix.agency_id, action])
    before = database_state(ocso_in_cfix)
    asked = client.post(url, {"reason": "Audit finding"})
    assert asked.status_code == 200
    page = asked.content.decode()
    assert database_state(ocso_in_cfix) == before  # nothing done yet
    assert f"{action.capitalize()} Orange County Sheriff" in page and "at once" in page
    assert 'name="confirmed" value="1"' in page and 'value="Audit finding"' in page
    assert reverse("center-membership", args=[ocso_in_cfix.center_id, ocso_in_cfix.agency_id]) in page
    done = client.post(url, {"reason": "Audit finding", "confirmed": "1"})
    assert done.status_code == 302
    after = Membership.objects.filter(pk=ocso_in_cfix.pk).values_list("status", flat=True)
    assert list(after) == ([] if action == "remove" else ["suspended"])


def test_reinstating_needs_no_confirmation(client, admin_cfix, ocso_in_cfix):
    ocso_in_cfix.status = Membership.Status.SUSPENDED
    ocso_in_cfix.save()
    client.force_login(admin_cfix)
    url = reverse("center-membership-action",
                  args=[ocso_in_cfix.center_id, ocso_in_cfix.agency_id, "reinstate"])
    assert client.post(url, {"reason": "Resolved"}).status_code == 302
    ocso_in_cfix.refresh_from_db()
    assert ocso_in_cfix.status == "active"


def test_an_unknown_membership_action_is_a_404(client, admin_cfix, mbi_in_cfix):
    client.force_login(admin_cfix)
    url = f"/manage/centers/{mbi_in_cfix.center_id}/agencies/{mbi_in_cfix.agency_id}/explode/"
    assert client.post(url, {"reason": "r"}).status_code == 404


# Users of an agency --------------------------------------------------------------------------


class TestAgencyUsers(AgencyUserPageTests, QueryCountTests):
    url_name = "agency-users"
    rows_shown = "users"
    rows_already = 2  # analyst_fl and MBI's agency admin

    def assert_changed(self, subject, user, response):
        page = response.content.decode()
        assert subject.username in page and "admin_mbi" in page
        assert "analyst_fl2" not in page  # OCSO's

    @pytest.fixture
    def make_row(self, mbi):
        return lambda n: User.objects.create_user(username=f"mbi{n}", agency=mbi)


class TestCenterUsers(CenterUserPageTests, QueryCountTests):
    url_name = "center-users"
    rows_shown = "users"
    rows_already = 1  # analyst_fl

    def assert_changed(self, subject, user, response):
        assert subject.username in response.content.decode()

    @pytest.fixture
    def make_row(self, mbi):
        return lambda n: User.objects.create_user(username=f"mbi{n}", agency=mbi)


class TestAgencyUserInviteForm(AgencyUserPageTests):
    url_name = "agency-user-invite"


class InviteTests:
    method = "post"
    success_status = 302

    def data(self, subject):
        return {"username": "new_analyst", "email": "new.analyst@example.gov",
                "first_name": "Nia", "last_name": "Reyes", "role": "analyst",
                "reason": "Joined the task force"}

    def assert_changed(self, subject, user, response):
        invited = User.objects.get(username="new_analyst")
        assert (invited.agency_id, invited.is_active) == (subject.agency_id, False)
        assert Invitation.objects.filter(user=invited, used_at__isnull=True).exists()


class TestAgencyUserInvite(InviteTests, AgencyUserPageTests):
    url_name = "agency-user-invite"

    def test_the_mail_carries_a_working_link(self, client, agency_admin_fl, mbi,
                                             django_capture_on_commit_callbacks):
        client.force_login(agency_admin_fl)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse(self.url_name, args=[mbi.pk]), self.data(None))
        link = re.search(r"https://testserver(/invitations/[^/\s]+/)", mail.outbox[0].body)
        assert link, mail.outbox[0].body
        client.logout()
        assert client.get(link.group(1)).status_code == 200

    @pytest.mark.parametrize("change, field, message", [
        ({"username": "analyst_fl"}, "username", "is or was in use"),
        ({"username": "ANALYST_FL"}, "username", "is or was in use"),
        ({"username": "bad name!"}, "username", "Enter a valid username"),
        ({"email": "not-an-address"}, "email", "Enter a valid email address"),
        ({"role": "superuser"}, "role", "Select a valid choice"),
        ({"reason": ""}, "reason", "Give the reason"),
    ])
    def test_bad_input_gets_a_clear_error(self, client, agency_admin_fl, analyst_fl, change,
                                          field, message):
        client.force_login(agency_admin_fl)
        response = client.post(reverse(self.url_name, args=[analyst_fl.agency_id]),
                               {**self.data(None), **change})
        assert response.status_code == 400
        assert message in " ".join(response.context["form"].errors[field])
        assert not User.objects.filter(email="new.analyst@example.gov").exists()


class TestCenterUserInvite(InviteTests, CenterUserPageTests):
    url_name = "center-user-invite"


class TestAgencyUserDetail(AgencyUserPageTests, QueryCountTests):
    url_name = "agency-user-detail"
    row_counts = (0,)  # one user

    def args(self, subject):
        return [subject.pk]

    def test_a_user_of_another_agency_is_a_404(self, client, agency_admin_fl, analyst_fl2, mbi):
        client.force_login(agency_admin_fl)
        response = client.get(reverse(self.url_name, args=[mbi.pk, analyst_fl2.pk]))
        assert response.status_code == 404

    def test_own_account_offers_no_action(self, client, agency_admin_fl):
        client.force_login(agency_admin_fl)
        page = client.get(reverse(self.url_name, args=[agency_admin_fl.agency_id,
                                                       agency_admin_fl.pk])).content.decode()
        assert "another admin changes it" in page and "Deactivate" not in page


class TestCenterUserDetail(CenterUserPageTests, QueryCountTests):
    url_name = "center-user-detail"
    row_counts = (0,)  # one user

    def user_args(self, subject):
        return [subject.pk]


class UserActionTests:
    method = "post"
    success_status = 302
    action = ""

    def data(self, subject):
        return {"reason": f"{self.action} for the test", "role": "agency_admin"}


class TestAgencyUserDeactivate(UserActionTests, AgencyUserPageTests):
    url_name = "agency-user-action"
    action = "deactivate"

    def args(self, subject):
        return [subject.pk, self.action]

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert not subject.is_active

    def test_a_deactivated_user_is_logged_out_at_the_next_request(
            self, client, agency_admin_fl, analyst_fl):
        analyst = HttpsClient()
        analyst.force_login(analyst_fl)
        assert analyst.get(reverse("home")).status_code == 200
        client.force_login(agency_admin_fl)
        client.post(self.url(analyst_fl), self.data(analyst_fl))
        assert analyst.get(reverse("home")).status_code == 302

    def test_an_agency_admin_cannot_deactivate_a_center_admin(self, client, agency_admin_ocso,
                                                              admin_cfix):
        client.force_login(agency_admin_ocso)
        response = client.post(reverse(self.url_name, args=[admin_cfix.agency_id, admin_cfix.pk,
                                                            "deactivate"]), {"reason": "r"})
        assert response.status_code == 403
        assert "higher role" in response.content.decode()
        admin_cfix.refresh_from_db()
        assert admin_cfix.is_active


class TestCenterUserRole(UserActionTests, CenterUserPageTests):
    url_name = "center-user-action"
    action = "role"

    def user_args(self, subject):
        return [subject.pk, self.action]

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.role == "agency_admin"
        row = AccessLog.objects.filter(action="admin").latest("id")
        assert row.detail["before"]["role"] == "analyst"
        assert row.detail["center_id"] == self.scope_id(subject)


class TestAgencyUserRole(UserActionTests, AgencyUserPageTests):
    url_name = "agency-user-action"
    action = "role"

    def args(self, subject):
        return [subject.pk, self.action]

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.role == "agency_admin"

    def test_no_role_outside_the_choices(self, client, agency_admin_fl, analyst_fl):
        client.force_login(agency_admin_fl)
        response = client.post(self.url(analyst_fl), {"reason": "r", "role": "center_admin"})
        assert response.status_code == 400
        analyst_fl.refresh_from_db()
        assert analyst_fl.role == "analyst"


class TestAgencyUserReset(UserActionTests, AgencyUserPageTests):
    url_name = "agency-user-action"
    action = "reset"

    def args(self, subject):
        return [subject.pk, self.action]

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert not subject.has_usable_password()
        assert Invitation.objects.filter(user=subject, purpose="reset").exists()


class TestCenterUserReactivate(UserActionTests, CenterUserPageTests):
    url_name = "center-user-action"
    action = "reactivate"

    @pytest.fixture
    def subject(self, analyst_fl):
        analyst_fl.is_active = False
        analyst_fl.save()
        return analyst_fl

    def user_args(self, subject):
        return [subject.pk, self.action]

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.is_active


# Navigation and Django admin -----------------------------------------------------------------


def log_in(client, username):
    """Through the form, the password and the authenticator's code."""
    return log_in_fully(client, User.objects.get(username=username))


@pytest.mark.parametrize("actor, shows", [("admin_cfix", True), ("agency_admin_fl", True),
                                          ("admin_la", True), ("analyst_fl", False)])
def test_the_admin_link_is_in_the_navigation_of_admins_only(client, request, actor, shows):
    user = request.getfixturevalue(actor)
    log_in(client, user.username)
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("admin-home")}"' in page) is shows


def test_django_admin_is_for_superusers_only(client, mbi):
    staff = User.objects.create_user(username="staffer", password=PASSWORD, agency=mbi,
                                     is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.set(Permission.objects.all())
    client.force_login(staff)
    for url in ("/admin/", "/admin/agencies/agency/", "/admin/agencies/user/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    root = User.objects.create_superuser(username="root", password=PASSWORD, email="r@x.gov")
    client.force_login(root)
    assert client.get("/admin/agencies/agency/").status_code == 200
    # Accounts are deactivated, never deleted: not even a superuser deletes one there.
    assert client.get(f"/admin/agencies/user/{staff.pk}/delete/").status_code == 403


class ReleaseTests(UserActionTests):
    """Release a locked account (CJIS AC-7): the same reach as the other user actions."""

    action = "release"

    @pytest.fixture
    def subject(self, analyst_fl):
        User.objects.filter(pk=analyst_fl.pk).update(locked_at=timezone.now())
        analyst_fl.refresh_from_db()
        return analyst_fl

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.locked_at is None and subject.lock_released_at is not None
        row = AccessLog.objects.filter(action="release").get()
        assert row.actor == user and row.object_id == subject.pk
        assert row.detail["operation"] == "user_release"
        assert row.detail["reason"] == "release for the test"
        assert (row.detail["before"]["locked"], row.detail["after"]["locked"]) == (True, False)


class TestAgencyUserRelease(ReleaseTests, AgencyUserPageTests):
    url_name = "agency-user-action"

    def args(self, subject):
        return [subject.pk, self.action]

    def test_needs_a_reason(self, client, agency_admin_fl, subject):
        client.force_login(agency_admin_fl)
        assert client.post(self.url(subject), {"reason": " "}).status_code == 400
        subject.refresh_from_db()
        assert subject.locked_at is not None
        assert not AccessLog.objects.filter(action="release").exists()

    def test_an_account_that_is_not_locked_is_refused(self, client, agency_admin_fl, analyst_fl2,
                                                     analyst_fl):
        client.force_login(agency_admin_fl)
        response = client.post(self.url(analyst_fl), {"reason": "why not"})
        assert response.status_code == 400
        assert "is not locked" in response.content.decode()

    def test_the_button_shows_only_on_a_locked_account(self, client, agency_admin_fl, subject):
        client.force_login(agency_admin_fl)
        detail = reverse("agency-user-detail", args=[subject.agency_id, subject.pk])
        page = client.get(detail).content.decode()
        assert self.url(subject) in page and "locked since" in page
        User.objects.filter(pk=subject.pk).update(locked_at=None)
        page = client.get(detail).content.decode()
        assert self.url(subject) not in page and "locked since" not in page


class TestCenterUserRelease(ReleaseTests, CenterUserPageTests):
    url_name = "center-user-action"

    def user_args(self, subject):
        return [subject.pk, self.action]

    def assert_changed(self, subject, user, response):
        super().assert_changed(subject, user, response)
        row = AccessLog.objects.filter(action="release").get()
        assert row.detail["center_id"] == self.scope_id(subject)

    def test_not_while_the_agency_is_a_suspended_member(self, client, admin_cfix, subject):
        membership = subject.agency.memberships.get()
        services.membership_suspend(membership=membership, by=admin_cfix, reason="Audit")
        client.force_login(admin_cfix)
        response = client.post(self.url(subject), self.data(subject))
        assert response.status_code == 404
        subject.refresh_from_db()
        assert subject.locked_at is not None


class TestAgencyUserReviewer(UserActionTests, AgencyUserPageTests):
    """Granting the 28 CFR Part 23 reviewer role, with a reason in the access log; the same
    action withdraws it."""

    url_name = "agency-user-action"
    action = "reviewer"

    def args(self, subject):
        return [subject.pk, self.action]

    def assert_changed(self, subject, user, response):
        subject.refresh_from_db()
        assert subject.intelligence_reviewer
        row = AccessLog.objects.filter(action="admin").latest("id")
        assert row.detail["operation"] == "user_set_reviewer"
        assert row.detail["after"]["intelligence_reviewer"] is True

    def test_the_same_action_withdraws_it(self, client, agency_admin_fl, analyst_fl):
        client.force_login(agency_admin_fl)
        client.post(self.url(analyst_fl), {"reason": "Named reviewer by the chief."})
        client.post(self.url(analyst_fl), {"reason": "Moved to patrol."})
        analyst_fl.refresh_from_db()
        assert not analyst_fl.intelligence_reviewer
