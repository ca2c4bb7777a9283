"""What the admin pages read: the centers a person administers, their member agencies, the
users of an agency, and the center's access log. Every function that takes a person answers
with a 404 for what they may not administer, as if it did not exist. And the directory as the
filter menus of the lists offer it (agency_menu)."""


from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone

from audit.models import AccessLog

from .gate import require_user_admin
from .models import Agency, CenterAdmin, CenterAuditor, Invitation, Membership, User

LOG_PAGE_SIZE = 50


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
    if agency is None:
        raise Http404("No agency found.")
    require_user_admin(user, agency, center)
    return agency


def center_auditors(center):
    """The center's auditors with their agency, by username (one query)."""
    return list(
        CenterAuditor.objects.filter(center=center).select_related("user__agency")
        .order_by("user__username", "id")
    )


def auditor_candidate(center, username):
    """The active person of a member agency of `center` with this username, or None."""
    return (
        User.objects.filter(
            username=username, is_active=True, api_key__isnull=True,
            agency__memberships__center=center,
        ).select_related("agency").first()
    )


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


def user_status(user, now=None):
    """In the admins' words, from a user row of `agency_users`."""
    if user.is_active:
        if user.has_expired(now):
            return "Expired"
        return "Reset pending" if user.has_pending_link else "Active"
    if user.disabled_reason == User.DisabledReason.INACTIVE:
        return "Disabled: unused"
    if user.disabled_reason == User.DisabledReason.EXPIRED:
        return "Disabled: expired"
    return "Invited" if user.has_pending_link else "Deactivated"


def control_officials(agency):
    """The people of the agency who may answer for a criminal intelligence record (28 CFR
    23.20(c)): its active users, not its partner systems' accounts."""
    return User.objects.filter(agency=agency, is_active=True, api_key__isnull=True).order_by(
        "last_name", "first_name", "username"
    )


def agency_user_or_404(agency, user_id):
    user = agency_users(agency).filter(pk=user_id).first()
    if user is None:
        raise Http404("No user found.")
    return user


# The directory as the filter menus offer it ------------------------------------------------------

# How many agencies a type-to-search answers with at most: a person looking for one agency types
# more letters rather than scrolls.
LOOKUP_LIMIT = 20
LOOKUP_MIN_CHARS = 2


def agencies_near(user):
    """The agencies a filter menu offers first: the user's own and the active members of the
    centers where the user's agency is an active member, by name. One query over the directory
    tables, whatever the number of cases or items: what an agency owns has no say in whether it
    is offered."""
    agency_id = getattr(user, "agency_id", None)
    if agency_id is None:
        return []
    own_centers = Membership.objects.filter(
        agency_id=agency_id, status=Membership.Status.ACTIVE
    ).values("center_id")
    members = Membership.objects.filter(
        center_id__in=own_centers, status=Membership.Status.ACTIVE
    ).values("agency_id")
    return list(
        Agency.objects.filter(Q(pk=agency_id) | Q(pk__in=members))
        .only("id", "name", "ori", "home_state")
        .order_by("name", "id")
    )


def agencies_matching(text, *, limit=LOOKUP_LIMIT):
    """The agencies of the directory whose name contains `text` or whose ORI starts with it, by
    name, at most `limit`: the directory facts every member agency may read (the API's
    `agencies/` endpoint), nothing about what they own. Shorter than LOOKUP_MIN_CHARS: none."""
    text = " ".join((text or "").split())
    if len(text) < LOOKUP_MIN_CHARS:
        return []
    return list(
        Agency.objects.filter(Q(name__icontains=text) | Q(ori__startswith=text.upper()))
        .only("id", "name", "ori", "level", "home_state")
        .order_by("name", "id")[:limit]
    )


def agency_menu(user, *, chosen=None, text=""):
    """The option groups of an agency filter menu, as (label, agencies): the agencies near the
    user (agencies_near), the one already `chosen` if it is not among them, and the directory's
    answer to `text` (agencies_matching). One query, two with a text; none for what is visible."""
    near = agencies_near(user)
    offered = {agency.pk for agency in near}
    groups = [("Your agency and your centers' members", near)]
    if chosen is not None and chosen.pk not in offered:
        groups.append(("Chosen", [chosen]))
        offered.add(chosen.pk)
    text = " ".join((text or "").split())
    if text:
        found = [agency for agency in agencies_matching(text) if agency.pk not in offered]
        groups.append((f"Found for \u201c{text}\u201d", found))
    return [(label, agencies) for label, agencies in groups if agencies]
