"""The admin services: what they change, what they refuse, and the access-log row each writes."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from agencies import services
from agencies.gate import NotAdministrable
from agencies.models import Agency, Invitation, Membership, RetiredUsername, User
from audit.models import AccessLog
from sharing.permissions import cases_visible_to
from tests.conftest import PASSWORD, fresh

from .admin_actors import *  # noqa: F403 (the fixtures)


def last_admin_row():
    return AccessLog.objects.filter(action="admin").order_by("-id").first()


# Memberships ---------------------------------------------------------------------------------


def test_admit_makes_an_active_member_and_logs_why(cfix, houston, admin_cfix):
    membership = services.membership_admit(center=cfix, agency=houston, by=admin_cfix,
                                           reason="Joint task force on I-10 trafficking")
    assert membership.status == Membership.Status.ACTIVE
    row = last_admin_row()
    assert (row.actor, row.object_type, row.object_id) == (admin_cfix, "agency", houston.id)
    assert row.detail["operation"] == "membership_admit"
    assert row.detail["reason"] == "Joint task force on I-10 trafficking"
    assert row.detail["before"] is None and row.detail["after"]["status"] == "active"
    assert row.detail["center_id"] == cfix.id


def test_admit_needs_a_reason_an_admin_of_the_center_and_a_non_member(
        cfix, houston, mbi, admin_cfix, admin_la, agency_admin_fl):
    with pytest.raises(ValidationError) as error:
        services.membership_admit(center=cfix, agency=houston, by=admin_cfix, reason="  ")
    assert "reason" in error.value.message_dict
    for stranger in (admin_la, agency_admin_fl):
        with pytest.raises(NotAdministrable):
            services.membership_admit(center=cfix, agency=houston, by=stranger, reason="r")
    with pytest.raises(ValidationError, match="member of CFIX already"):
        services.membership_admit(center=cfix, agency=mbi, by=admin_cfix, reason="r")
    assert not Membership.objects.filter(agency=houston, center=cfix).exists()


def test_suspending_removes_the_center_wide_shares_at_once_and_reinstating_restores_them(
        cfix_wide_case, ocso_in_cfix, admin_cfix, analyst_fl2, analyst_fl):
    assert list(cases_visible_to(fresh(analyst_fl2))) == [cfix_wide_case]

    services.membership_suspend(membership=ocso_in_cfix, by=admin_cfix, reason="Audit finding")
    assert list(cases_visible_to(fresh(analyst_fl2))) == []
    # The owner's own case stays its own.
    assert list(cases_visible_to(fresh(analyst_fl))) == [cfix_wide_case]
    row = last_admin_row()
    assert row.detail["before"]["status"] == "active"
    assert row.detail["after"]["status"] == "suspended"

    services.membership_reinstate(membership=ocso_in_cfix, by=admin_cfix, reason="Resolved")
    assert list(cases_visible_to(fresh(analyst_fl2))) == [cfix_wide_case]
    assert last_admin_row().detail["after"]["status"] == "active"


def test_a_suspended_agency_keeps_its_own_cases(make_case, analyst_fl2, ocso_in_cfix, admin_cfix):
    own = make_case(analyst_fl2, number="OCSO-1")
    services.membership_suspend(membership=ocso_in_cfix, by=admin_cfix, reason="Audit")
    assert list(cases_visible_to(fresh(analyst_fl2))) == [own]


def test_suspend_twice_and_reinstate_an_active_member_are_refused(ocso_in_cfix, admin_cfix):
    with pytest.raises(ValidationError, match="active already"):
        services.membership_reinstate(membership=ocso_in_cfix, by=admin_cfix, reason="r")
    services.membership_suspend(membership=ocso_in_cfix, by=admin_cfix, reason="r")
    with pytest.raises(ValidationError, match="suspended already"):
        services.membership_suspend(membership=ocso_in_cfix, by=admin_cfix, reason="r")


def test_removing_ends_the_membership_and_its_center_wide_shares(
        cfix_wide_case, ocso_in_cfix, admin_cfix, analyst_fl2, ocso):
    services.membership_remove(membership=ocso_in_cfix, by=admin_cfix, reason="Left the region")
    assert not Membership.objects.filter(pk=ocso_in_cfix.pk).exists()
    assert list(cases_visible_to(fresh(analyst_fl2))) == []
    assert Agency.objects.filter(pk=ocso.pk).exists()
    row = last_admin_row()
    assert (row.detail["before"]["status"], row.detail["after"]) == ("active", None)


def test_another_centers_admin_cannot_touch_the_membership(ocso_in_cfix, admin_la):
    for service in (services.membership_suspend, services.membership_remove):
        with pytest.raises(NotAdministrable):
            service(membership=ocso_in_cfix, by=admin_la, reason="r")
    ocso_in_cfix.refresh_from_db()
    assert ocso_in_cfix.status == Membership.Status.ACTIVE


def test_agency_create_registers_and_admits(cfix, admin_cfix):
    agency = services.agency_create(center=cfix, by=admin_cfix, reason="New member",
                                    name="Tampa Police Department", ori="fl0290100",
                                    level="local", home_state="fl")
    assert agency.ori == "FL0290100" and agency.home_state == "FL"
    assert Membership.objects.get(agency=agency, center=cfix).status == "active"
    operations = list(AccessLog.objects.filter(action="admin", object_id=agency.id)
                      .order_by("id").values_list("detail__operation", flat=True))
    assert operations == ["agency_create", "membership_admit"]


@pytest.mark.parametrize("ori, message", [("ZZ1234567", "ZZ is none"), ("FL048", "9 characters"),
                                          ("FL0480400", "already exists")])
def test_agency_create_refuses_a_bad_or_taken_ori(cfix, admin_cfix, mbi, ori, message):
    with pytest.raises(ValidationError) as error:
        services.agency_create(center=cfix, by=admin_cfix, reason="r", name="X", ori=ori,
                               level="local", home_state="FL")
    assert message in " ".join(error.value.message_dict["ori"])


# Users ---------------------------------------------------------------------------------------


def invite(by, agency, username="new_analyst", center=None, role=User.Role.ANALYST, **extra):
    return services.user_invite(agency=agency, by=by, center=center, username=username,
                                email=f"{username}@example.gov", role=role,
                                reason="Joined the task force", **extra)


def test_invite_creates_an_inactive_account_and_mails_a_hashed_single_use_link(
        mbi, agency_admin_fl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user, token = invite(agency_admin_fl, mbi)
    assert (user.is_active, user.has_usable_password(), user.agency) == (False, False, mbi)
    invitation = Invitation.objects.get(user=user)
    assert token not in invitation.token_hash and len(invitation.token_hash) == 64
    assert (invitation.expires_at - invitation.created_at).total_seconds() == 72 * 3600
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new_analyst@example.gov"]
    assert f"/invitations/{token}/" in mail.outbox[0].body
    row = last_admin_row()
    assert row.detail["operation"] == "user_invite" and row.detail["after"]["role"] == "analyst"


def test_no_mail_leaves_when_the_invitation_is_rolled_back(mbi, agency_admin_fl,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invite(agency_admin_fl, mbi)
    assert len(callbacks) == 1 and mail.outbox == []


@pytest.mark.parametrize("username", ["analyst_fl", "ANALYST_FL", "Analyst_Fl"])
def test_a_username_in_use_is_refused_whatever_its_case(mbi, agency_admin_fl, analyst_fl,
                                                        username):
    with pytest.raises(ValidationError) as error:
        invite(agency_admin_fl, mbi, username=username)
    assert "is or was in use" in error.value.message_dict["username"][0]


def test_the_username_of_a_deleted_account_is_never_given_again(mbi, agency_admin_fl):
    gone = User.objects.create_user(username="Former_Analyst", agency=mbi)
    gone.delete()
    assert RetiredUsername.objects.filter(username="former_analyst").exists()
    with pytest.raises(ValidationError, match="is or was in use"):
        invite(agency_admin_fl, mbi, username="former_analyst")


def test_an_agency_admin_manages_only_its_own_agency(ocso, mbi, agency_admin_fl, analyst_fl2):
    with pytest.raises(NotAdministrable):
        invite(agency_admin_fl, ocso)
    with pytest.raises(NotAdministrable):
        services.user_deactivate(user=analyst_fl2, by=agency_admin_fl, reason="r")


def test_a_center_admin_manages_only_the_users_of_its_members(
        cfix, la_safe, houston, nopd, admin_cfix, admin_la, analyst_fl, outsider):
    with pytest.raises(NotAdministrable):  # Houston is no member of CFIX
        invite(admin_cfix, houston, center=cfix)
    with pytest.raises(NotAdministrable):  # MBI is no member of LA-SAFE
        services.user_deactivate(user=analyst_fl, by=admin_la, center=la_safe, reason="r")
    with pytest.raises(NotAdministrable):  # acting for a center it does not administer
        services.user_deactivate(user=analyst_fl, by=admin_la, center=cfix, reason="r")
    user, _ = invite(admin_cfix, analyst_fl.agency, center=cfix, role=User.Role.AGENCY_ADMIN)
    assert user.role == User.Role.AGENCY_ADMIN


def test_an_analyst_manages_nobody(mbi, analyst_fl, agency_admin_fl):
    with pytest.raises(NotAdministrable):
        invite(analyst_fl, mbi)
    with pytest.raises(NotAdministrable):
        services.user_change_role(user=agency_admin_fl, by=analyst_fl, role="analyst", reason="r")


def test_nobody_manages_an_account_above_their_own_or_their_own(
        agency_admin_ocso, admin_cfix, analyst_fl2):
    # admin_cfix is an agency admin of OCSO by role, and a center admin above that.
    for service, extra in ((services.user_deactivate, {}),
                           (services.user_force_password_reset, {}),
                           (services.user_change_role, {"role": "analyst"})):
        with pytest.raises(services.NotAllowed, match="higher role"):
            service(user=admin_cfix, by=agency_admin_ocso, reason="r", **extra)
    with pytest.raises(services.NotAllowed, match="your own account"):
        services.user_change_role(user=agency_admin_ocso, by=agency_admin_ocso, role="analyst",
                                  reason="r")
    services.user_change_role(user=analyst_fl2, by=agency_admin_ocso, role="agency_admin",
                              reason="Second admin for nights")
    assert fresh(analyst_fl2).role == "agency_admin"
    row = last_admin_row()
    assert (row.detail["before"]["role"], row.detail["after"]["role"]) == (
        "analyst", "agency_admin")


def test_an_invitation_never_grants_a_role_above_the_inviter(mbi, agency_admin_fl, monkeypatch):
    # An agency admin holds the highest role it can grant; should it be ranked lower (its
    # rank read as analyst), the same invitation of an agency admin is refused.
    monkeypatch.setattr(services, "rank_of", lambda user: services.ANALYST)
    with pytest.raises(services.NotAllowed, match="above your own"):
        invite(agency_admin_fl, mbi, role=User.Role.AGENCY_ADMIN)
    assert not User.objects.filter(username="new_analyst").exists()


def test_deactivate_stops_log_in_and_revokes_pending_links_reactivate_restores(
        client, mbi, agency_admin_fl, analyst_fl):
    pending, _ = invite(agency_admin_fl, mbi)
    services.user_deactivate(user=analyst_fl, by=agency_admin_fl, reason="Left the agency")
    assert not client.login(username="analyst_fl", password=PASSWORD)
    assert last_admin_row().detail["after"] == {"role": "analyst", "is_active": False}
    with pytest.raises(ValidationError, match="deactivated already"):
        services.user_deactivate(user=analyst_fl, by=agency_admin_fl, reason="r")

    services.user_deactivate(user=pending, by=agency_admin_fl, reason="Never started")
    assert not services.pending_links(pending).exists()

    services.user_reactivate(user=analyst_fl, by=agency_admin_fl, reason="Came back")
    assert client.login(username="analyst_fl", password=PASSWORD)


def test_force_password_reset_stops_the_password_and_mails_a_link(
        client, agency_admin_fl, analyst_fl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        token = services.user_force_password_reset(user=analyst_fl, by=agency_admin_fl,
                                                   reason="Password seen on a sticky note")
    assert not client.login(username="analyst_fl", password=PASSWORD)
    assert f"/invitations/{token}/" in mail.outbox[0].body
    services.invitation_accept(token=token, password="a-new-and-long-passphrase")
    assert client.login(username="analyst_fl", password="a-new-and-long-passphrase")


def test_a_deactivated_account_gets_no_reset_link(agency_admin_fl, analyst_fl):
    services.user_deactivate(user=analyst_fl, by=agency_admin_fl, reason="Left")
    with pytest.raises(ValidationError, match="reactivate"):
        services.user_force_password_reset(user=analyst_fl, by=agency_admin_fl, reason="r")
    assert not Invitation.objects.filter(user=analyst_fl).exists()


def test_a_center_admin_never_acts_on_the_admin_of_another_center(
        cfix, nopd, admin_cfix, admin_la):
    """NOPD is a member of CFIX too; LA-SAFE's admin works for NOPD. CFIX's admin reaches NOPD's
    users, but not a peer: deactivation, a forced reset and a role change are all refused."""
    Membership.objects.create(center=cfix, agency=nopd)
    for service, extra in ((services.user_deactivate, {}),
                           (services.user_force_password_reset, {}),
                           (services.user_change_role, {"role": "agency_admin"})):
        with pytest.raises(services.NotAllowed, match="equal or higher role"):
            service(user=admin_la, by=admin_cfix, center=cfix, reason="r", **extra)
    admin_la.refresh_from_db()
    assert admin_la.is_active and admin_la.role == "analyst"
