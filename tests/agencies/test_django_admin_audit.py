"""What a superuser grants in Django admin reaches the access log with what changed, as the
portal's own admin actions do (CJIS AC-2(4), AU-2): a role or an account's flags, and the
center-admin role."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.admin import PortalUserAdmin
from agencies.models import CenterAdmin, User
from audit.models import AccessLog
from tests.base import HttpsClient
from tests.conftest import authenticator_of

from .admin_actors import *  # noqa: F403 (the fixtures)


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="platform_root", password="x-long-passphrase-1",
                                         email="root@example.gov")


def test_a_role_change_in_django_admin_is_logged_with_before_and_after(superuser, analyst_fl):
    request = RequestFactory().post("/admin/")
    request.user = superuser
    analyst_fl.role = User.Role.AGENCY_ADMIN
    PortalUserAdmin(User, admin.site).save_model(request, analyst_fl, form=None, change=True)
    row = AccessLog.objects.get(action="admin")
    assert row.actor == superuser and row.agency == analyst_fl.agency
    assert row.detail["operation"] == "django_admin_user_change"
    assert (row.detail["before"]["role"], row.detail["after"]["role"]) == ("analyst",
                                                                           "agency_admin")


def test_a_save_that_changes_no_grant_writes_nothing(superuser, analyst_fl):
    request = RequestFactory().post("/admin/")
    request.user = superuser
    analyst_fl.first_name = "Dana"
    PortalUserAdmin(User, admin.site).save_model(request, analyst_fl, form=None, change=True)
    assert not AccessLog.objects.filter(action="admin").exists()


def test_granting_and_revoking_a_center_admin_role_is_in_the_centers_log(
        client, superuser, analyst_fl, cfix, admin_cfix):
    client.force_login(superuser)
    response = client.post(reverse("admin:agencies_centeradmin_add"),
                           {"user": analyst_fl.pk, "center": cfix.pk, "since_0": "2026-12-01",
                            "since_1": "10:00:00"})
    assert response.status_code == 302
    grant = CenterAdmin.objects.get(user=analyst_fl)
    client.post(reverse("admin:agencies_centeradmin_delete", args=[grant.pk]), {"post": "yes"})
    assert not CenterAdmin.objects.filter(user=analyst_fl).exists()
    client.force_login(admin_cfix)
    rows = client.get(reverse("center-access-log", args=[cfix.pk]),
                      {"action": "admin"}).context["rows"]
    assert [(row.detail["operation"], row.detail["after"]) for row in rows] == [
        ("center_admin_revoke", None),
        ("center_admin_grant", {"user_id": analyst_fl.pk, "center_id": cfix.pk}),
    ]


def test_a_password_set_on_django_admins_password_page_is_logged(superuser, analyst_fl):
    client = HttpsClient()
    client.force_login(superuser)
    url = reverse("admin:auth_user_password_change", args=[analyst_fl.pk])
    # A refused form changes nothing and logs nothing.
    refused = client.post(url, {"password1": "short", "password2": "other",
                                "usable_password": "true"})
    assert refused.status_code == 200
    assert not AccessLog.objects.filter(action="password_change").exists()
    response = client.post(url, {"password1": "a long new passphrase 42",
                                 "password2": "a long new passphrase 42",
                                 "usable_password": "true", "set-password": ""})
    assert response.status_code == 302
    row = AccessLog.objects.get(action="password_change")
    assert row.actor == superuser and row.object_id == analyst_fl.pk
    assert row.agency == analyst_fl.agency
    assert row.detail["operation"] == "django_admin_password_set"
    assert "passphrase" not in str(row.detail)


def test_deleting_an_authenticator_app_in_django_admin_is_a_removed_second_factor(
        client, superuser, analyst_fl, cfix, admin_cfix):
    device = authenticator_of(analyst_fl)
    client.force_login(superuser)
    page = client.get(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]))
    assert page.status_code == 200
    response = client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]),
                           {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    # The sessions the app verified end at their next request, as at an admin's reset.
    analyst_fl.refresh_from_db()
    assert analyst_fl.mfa_reset_at is not None
    [row] = AccessLog.objects.filter(action=AccessLog.Action.MFA_REMOVE)
    assert row.actor == superuser and row.agency == analyst_fl.agency
    assert row.object_id == analyst_fl.pk and row.object_type == "user"
    assert row.detail == {"outcome": "success", "factor": "totp", "name": "Authenticator app",
                          "confirmed": True, "by": "django admin"}
    client.force_login(admin_cfix)
    rows = client.get(reverse("center-access-log", args=[cfix.pk]),
                      {"action": "mfa_remove"}).context["rows"]
    assert [r.pk for r in rows] == [row.pk]


def test_deleting_several_authenticator_apps_at_once_writes_a_row_for_each(
        client, superuser, analyst_fl, analyst_la):
    devices = [authenticator_of(analyst_fl), authenticator_of(analyst_la)]
    client.force_login(superuser)
    response = client.post(reverse("admin:otp_totp_totpdevice_changelist"), {
        "action": "delete_selected", "_selected_action": [d.pk for d in devices], "post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk__in=[d.pk for d in devices]).exists()
    rows = AccessLog.objects.filter(action=AccessLog.Action.MFA_REMOVE)
    assert sorted((r.object_id, r.agency_id) for r in rows) == sorted(
        (u.pk, u.agency_id) for u in (analyst_fl, analyst_la))
    assert {r.actor_id for r in rows} == {superuser.pk}
