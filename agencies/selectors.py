"""What the admin pages read: the centers a person administers, their member agencies, the
users of an agency, and the center's access log. Every function that takes a person answers
with a 404 for what they may not administer, as if it did not exist."""


from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from cases.selectors import decode_cursor, encode_cursor
from sharing.models import AccessLog

from .models import Agency, CenterAdmin, FusionCenter, Invitation, Membership, User
from .services import may_manage_users_of

LOG_PAGE_SIZE = 50


def centers_administered_by(user):
    if not user.is_authenticated or not user.is_active:
        return FusionCenter.objects.none()
    return FusionCenter.objects.filter(admin_roles__user=user).order_by("state", "name")


def center_for_admin_or_404(user, center_id):
    center = centers_administered_by(user).filter(pk=center_id).first()
    if center is None:
        raise Http404("No fusion center found.")
    return center


def membership_or_404(center, agency_id):
    membership = (
        Membership.objects.select_related("agency", "center")
        .filter(center=center, agency_id=agency_id)
        .first()
    )
    if membership is None:
        raise Http404("No member agency found.")
    return membership


def agency_for_user_admin_or_404(user, agency_id, center=None):
    """The agency whose users `user` may manage: through `center` (of which it must be a
    member) for a center admin, or their own agency for an agency admin."""
    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None or not may_manage_users_of(user, agency, center):
        raise Http404("No agency found.")
    return agency


def member_agencies(center):
    """The center's memberships with the agency, its number of active users and the time of
    its last access-log entry: one query whatever the number of agencies."""
    users = (
        User.objects.filter(agency=OuterRef("agency"), is_active=True, api_key__isnull=True)
        .order_by()
        .values("agency")
        .annotate(n=Count("id"))
        .values("n")
    )
    last = AccessLog.objects.filter(agency=OuterRef("agency")).order_by("-at").values("at")[:1]
    return (
        Membership.objects.filter(center=center)
        .select_related("agency")
        .annotate(active_users=Subquery(users), last_activity=Subquery(last))
        .order_by("agency__name", "agency_id")
    )


def agency_users(agency):
    """The people of an agency (not its API keys' service accounts), with whether a link is
    waiting for them: one query."""
    pending = Invitation.objects.filter(
        user=OuterRef("pk"), used_at__isnull=True, revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    return (
        User.objects.filter(agency=agency, api_key__isnull=True)
        .annotate(
            has_pending_link=Exists(pending),
            is_center_admin=Exists(CenterAdmin.objects.filter(user=OuterRef("pk"))),
        )
        .order_by("username")
    )


def user_status(user):
    """In the admins' words, from a user row of `agency_users`."""
    if user.is_active:
        return "Reset pending" if user.has_pending_link else "Active"
    return "Invited" if user.has_pending_link else "Deactivated"


def agency_user_or_404(agency, user_id):
    user = agency_users(agency).filter(pk=user_id).first()
    if user is None:
        raise Http404("No user found.")
    return user


def center_access_log(center):
    """What the center's admins review: every row of its member agencies (active or
    suspended), and the rows of admin actions taken for the center."""
    member_ids = Membership.objects.filter(center=center).values("agency_id")
    return AccessLog.objects.filter(Q(agency_id__in=member_ids) | Q(detail__center_id=center.id))


def access_log_page(queryset, cursor=None, size=LOG_PAGE_SIZE):
    """One page, newest first, keyset on (at, id): no OFFSET, no COUNT(*)."""
    queryset = queryset.select_related("actor", "agency").order_by("-at", "-id")
    if cursor:
        at, pk = decode_cursor(cursor)
        queryset = queryset.filter(Q(at__lt=at) | Q(at=at, id__lt=pk))
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(rows[-1].at, rows[-1].pk)
    return rows, next_cursor
