"""The one admin gate: who may administer which center, agency and account.

Every page, endpoint and service that administers something asks here, and the answer for
someone who may not is always the same: a 404 (`NotAdministrable`), as if the thing did not
exist. A deactivated person administers nothing. Rules about one account within a scope the
person does administer (their own account, a higher rank) are the services' (a 403 there).
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from .models import Agency, CenterAdmin, CenterAuditor, FusionCenter, Membership, User


class NotAdministrable(Http404):
    """Not yours to administer; said as a missing page is."""


def is_center_admin(user, center):
    return bool(
        user.is_authenticated and user.is_active
        and CenterAdmin.objects.filter(user=user, center=center).exists()
    )


def is_agency_admin(user):
    """An active agency admin of an agency (API keys' service accounts never are)."""
    return bool(
        user.is_authenticated and user.is_active and user.agency_id is not None
        and user.role == User.Role.AGENCY_ADMIN
    )


def centers_administered_by(user):
    if not user.is_authenticated or not user.is_active:
        return FusionCenter.objects.none()
    return FusionCenter.objects.filter(admin_roles__user=user).order_by("state", "name")


def require_center_admin(user, center):
    if not is_center_admin(user, center):
        raise NotAdministrable("No fusion center found.")


def center_for_admin_or_404(user, center_id):
    center = centers_administered_by(user).filter(pk=center_id).first()
    if center is None:
        raise NotAdministrable("No fusion center found.")
    return center


def is_center_auditor(user, center):
    return bool(
        user.is_authenticated and user.is_active
        and CenterAuditor.objects.filter(user=user, center=center).exists()
    )


def centers_audited_by(user):
    """The centers whose compliance reports and access log the person reads as an auditor."""
    if not user.is_authenticated or not user.is_active:
        return FusionCenter.objects.none()
    return FusionCenter.objects.filter(auditor_roles__user=user).order_by("state", "name")


def center_for_log_reader_or_404(user, center_id):
    """The center whose access log the person reads: its admins and its auditors. One query;
    the center's `read_as_admin` says which of the two the person is."""
    if not user.is_authenticated or not user.is_active:
        raise NotAdministrable("No fusion center found.")
    center = (
        FusionCenter.objects.filter(pk=center_id)
        .annotate(
            read_as_admin=Exists(CenterAdmin.objects.filter(center=OuterRef("pk"), user=user)),
            read_as_auditor=Exists(CenterAuditor.objects.filter(center=OuterRef("pk"), user=user)),
        )
        .filter(Q(read_as_admin=True) | Q(read_as_auditor=True)).first()
    )
    if center is None:
        raise NotAdministrable("No fusion center found.")
    return center


def may_audit(user, agency):
    """Who reads an agency's 28 CFR Part 23 compliance report: its own agency admins and
    criminal intelligence reviewers, and the admins and auditors of a center of which it is an
    active member. Reading the report grants nothing on the records themselves."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.agency_id == agency.id and (
        user.role == User.Role.AGENCY_ADMIN or user.intelligence_reviewer
    ):
        return True
    return Membership.objects.filter(
        Q(center__admin_roles__user=user) | Q(center__auditor_roles__user=user),
        agency=agency, status=Membership.Status.ACTIVE,
    ).exists()


def agency_for_auditor_or_404(user, agency_id):
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None or not may_audit(user, agency):
        raise NotAdministrable("No agency found.")
    return agency


def agencies_audited_by(user):
    """The agencies whose report the person reads through a center role (active members of a
    center they administer or audit), by name."""
    if not user.is_authenticated or not user.is_active:
        return Agency.objects.none()
    centers = FusionCenter.objects.filter(
        Q(admin_roles__user=user) | Q(auditor_roles__user=user)).values("pk")
    return Agency.objects.filter(
        memberships__center__in=centers, memberships__status=Membership.Status.ACTIVE,
    ).distinct().order_by("name")


def require_agency_admin(user):
    """The pages of an agency admin's own agency (API keys, webhooks)."""
    if not is_agency_admin(user):
        raise NotAdministrable("No page found.")


def may_manage_users_of(user, agency, center=None):
    """A center admin (acting for `center`, of which the agency is a member) or the agency's
    own agency admin."""
    if center is not None:
        return (
            is_center_admin(user, center)
            and Membership.objects.filter(center=center, agency=agency).exists()
        )
    return is_agency_admin(user) and user.agency_id == agency.id


def may_release_lock_of(user, agency, center=None):
    """Who may manage the agency's users, and for a center admin only while the agency is an
    active member: a suspended member's locked accounts wait for their own agency admin."""
    if center is not None and not Membership.objects.filter(
        center=center, agency=agency, status=Membership.Status.ACTIVE
    ).exists():
        return False
    return may_manage_users_of(user, agency, center)


def require_lock_release_admin(user, agency, center=None):
    if not may_release_lock_of(user, agency, center):
        raise NotAdministrable("No agency found.")


def require_user_admin(user, agency, center=None):
    if not may_manage_users_of(user, agency, center):
        raise NotAdministrable("No agency found.")
