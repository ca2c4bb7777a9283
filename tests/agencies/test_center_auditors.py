"""The auditor role of a center (28 CFR Part 23): its admins grant and revoke it on the center's
pages, each with its reason in the access log (and a superuser in Django admin, logged alike);
an auditor reads the center's access log (and the compliance reports, tests/cases/
test_compliance.py) and nothing else of the admin pages. Whoever does not administer the center
gets the 404 of a missing one."""

import pytest
from django.urls import reverse

from agencies import services
from agencies.models import CenterAuditor, User
from audit.models import AccessLog
from tests.base import HttpsClient
from tests.conftest import _user

from .admin_actors import *  # noqa: F403 (the fixtures)


@pytest.fixture
def client_for():
    def make(user):
        client = HttpsClient()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def auditor_cfix(cfix, ocso):
    user = _user("auditor_cfix", ocso)
    CenterAuditor.objects.create(user=user, center=cfix)
    return user


def auditors_url(center):
    return reverse("center-auditors", args=[center.pk])


def revoke_url(center, user):
    return reverse("center-auditor-revoke", args=[center.pk, user.pk])


def test_a_center_admin_grants_and_revokes_the_role_with_reasons_in_the_log(
        client_for, admin_cfix, analyst_fl, cfix, mbi_in_cfix):
    client = client_for(admin_cfix)
    response = client.post(auditors_url(cfix), {"username": "analyst_fl",
                                                 "reason": "State audit 2026"})
    assert response.status_code == 302
    assert CenterAuditor.objects.filter(user=analyst_fl, center=cfix).exists()
    page = client.get(auditors_url(cfix)).content.decode()
    assert "analyst_fl" in page and revoke_url(cfix, analyst_fl) in page
    assert client.post(revoke_url(cfix, analyst_fl), {"reason": "Audit done"}).status_code == 302
    assert not CenterAuditor.objects.filter(user=analyst_fl).exists()
    rows = AccessLog.objects.filter(action="admin", object_id=analyst_fl.pk).order_by("id")
    assert [(row.actor_id, row.detail["operation"], row.detail["reason"], row.detail["center_id"])
            for row in rows] == [
        (admin_cfix.pk, "center_auditor_grant", "State audit 2026", cfix.pk),
        (admin_cfix.pk, "center_auditor_revoke", "Audit done", cfix.pk),
    ]
    # Both are in the center's log, which its admins review.
    log = client.get(reverse("center-access-log", args=[cfix.pk]), {"action": "admin"})
    assert {row.detail["operation"] for row in log.context["rows"]} >= {
        "center_auditor_grant", "center_auditor_revoke"}


@pytest.mark.parametrize(("username", "reason", "message"), [
    ("analyst_tx", "Audit", "No active person of a member agency of CFIX has that username."),
    ("no_such_user", "Audit", "No active person of a member agency of CFIX has that username."),
    ("analyst_fl", "", "Give the reason for this action"),
    ("admin_cfix", "Audit", "You cannot grant yourself a role"),
    ("auditor_cfix", "Audit", "auditor_cfix is an auditor of CFIX already."),
])
def test_a_grant_that_cannot_be_made_is_a_400_naming_why(client_for, admin_cfix, auditor_cfix,
                                                         analyst_fl, outsider, cfix, mbi_in_cfix,
                                                         username, reason, message):
    response = client_for(admin_cfix).post(auditors_url(cfix), {"username": username,
                                                                "reason": reason})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert CenterAuditor.objects.filter(center=cfix).count() == 1


def test_a_deactivated_user_is_not_made_an_auditor(admin_cfix, analyst_fl, cfix, mbi_in_cfix):
    analyst_fl.is_active = False
    analyst_fl.save(update_fields=["is_active"])
    with pytest.raises(services.ValidationError):
        services.center_auditor_grant(center=cfix, user=analyst_fl, by=admin_cfix, reason="x")


@pytest.mark.parametrize("reader", ["auditor_cfix", "admin_la", "agency_admin_fl", "analyst_fl2",
                                    "outsider"])
def test_anyone_but_the_centers_admins_gets_a_404_on_the_auditor_pages(
        request, client_for, auditor_cfix, cfix, reader):
    client = client_for(request.getfixturevalue(reader))
    assert client.get(auditors_url(cfix)).status_code == 404
    assert client.post(auditors_url(cfix), {"username": "analyst_fl2",
                                            "reason": "x"}).status_code == 404
    assert client.post(revoke_url(cfix, auditor_cfix), {"reason": "x"}).status_code == 404
    assert CenterAuditor.objects.filter(center=cfix).count() == 1
    assert not AccessLog.objects.filter(detail__operation__startswith="center_auditor").exists()


def test_revoking_someone_who_is_not_an_auditor_is_a_404(client_for, admin_cfix, analyst_fl,
                                                        cfix):
    assert client_for(admin_cfix).post(revoke_url(cfix, analyst_fl),
                                       {"reason": "x"}).status_code == 404


def test_a_revoke_without_a_reason_is_a_400(client_for, admin_cfix, auditor_cfix, cfix):
    response = client_for(admin_cfix).post(revoke_url(cfix, auditor_cfix), {"reason": ""})
    assert response.status_code == 400
    assert "Give the reason for this action" in response.content.decode()
    assert CenterAuditor.objects.filter(user=auditor_cfix).exists()


def test_an_auditor_reads_the_centers_access_log_and_no_admin_page(client_for, auditor_cfix, cfix,
                                                                   la_safe, mbi_in_cfix):
    client = client_for(auditor_cfix)
    log = client.get(reverse("center-access-log", args=[cfix.pk]))
    assert log.status_code == 200
    # The admin tabs are the admins': an auditor is told what they read instead.
    assert reverse("center-agency-admit", args=[cfix.pk]) not in log.content.decode()
    assert "as an auditor of CFIX" in log.content.decode()
    assert client.get(reverse("center-access-log-csv", args=[cfix.pk])).status_code == 200
    for name in ("center-agencies", "center-agency-admit"):
        assert client.get(reverse(name, args=[cfix.pk])).status_code == 404
    assert client.get(reverse("center-membership", args=[cfix.pk, mbi_in_cfix.agency_id])
                      ).status_code == 404
    assert client.get(reverse("center-users", args=[cfix.pk, mbi_in_cfix.agency_id])
                      ).status_code == 404
    assert client.get(reverse("center-access-log", args=[la_safe.pk])).status_code == 404


def test_a_revoked_auditor_reads_the_log_no_more(client_for, admin_cfix, auditor_cfix, cfix):
    services.center_auditor_revoke(center=cfix, user=auditor_cfix, by=admin_cfix, reason="Done")
    assert client_for(auditor_cfix).get(
        reverse("center-access-log", args=[cfix.pk])).status_code == 404


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser(username="root", password="x" * 20, email="root@x.gov")


def test_a_grant_and_revoke_in_django_admin_are_logged(superuser, analyst_fl, cfix, admin_cfix):
    client = HttpsClient()
    client.force_login(superuser)
    response = client.post(reverse("admin:agencies_centerauditor_add"),
                           {"user": analyst_fl.pk, "center": cfix.pk, "since_0": "2026-12-01",
                            "since_1": "10:00:00"})
    assert response.status_code == 302
    grant = CenterAuditor.objects.get(user=analyst_fl)
    client.post(reverse("admin:agencies_centerauditor_delete", args=[grant.pk]), {"post": "yes"})
    assert not CenterAuditor.objects.filter(user=analyst_fl).exists()
    rows = AccessLog.objects.filter(action="admin", actor=superuser).order_by("id")
    assert [(row.detail["operation"], row.detail["center_id"]) for row in rows] == [
        ("center_auditor_grant", cfix.pk), ("center_auditor_revoke", cfix.pk)]
