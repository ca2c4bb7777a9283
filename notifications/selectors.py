"""What the inbox and the operators read."""

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from agencies.models import Membership
from sharing.permissions import cases_visible_to, items_visible_to

from .models import Delivery, EmailDelivery, Notification, NotificationRead, OutboxEvent, WebhookDelivery


def inbox_queryset(user):
    """The notifications addressed to the user, the user's agency, or a center where the agency
    is an active member. Nothing for a user outside every agency."""
    if getattr(user, "agency_id", None) is None:
        return Notification.objects.none()
    centers = Membership.objects.filter(
        agency_id=user.agency_id, status=Membership.Status.ACTIVE
    ).values("center_id")
    return Notification.objects.filter(
        Q(center_id__in=centers) | Q(agency_id=user.agency_id) | Q(user_id=user.pk)
    )


def unread_count(user):
    """One query."""
    return inbox_queryset(user).exclude(reads__user=user).count()


INBOX_PAGE = 20

# What the inbox may be narrowed to: the kind of notification, and unread ones only.
INBOX_KINDS = dict(Notification._meta.get_field("kind").choices)


def inbox_page(user, *, after=None, size=INBOX_PAGE, kind=None, unread_only=False):
    """A page of the inbox, newest first (keyset on (created_at, id): `after` is the last row's
    pair), with `is_read` on each row, and, where the reader's agency sees the case or item now,
    `object_title`, `object_url` and `access` (whether the reader's agency owns it or was given
    it): what a notification shows is decided when it is read, against visibility at that
    moment (a share withdrawn since, or a center joined later, shows the pointer alone, with the
    access its audience had at delivery). Four queries whatever the page holds: the page, its
    reads, its visible cases, its visible items."""
    rows = (inbox_queryset(user).select_related("center", "agency", "event")
            .order_by("-created_at", "-id"))
    if kind:
        rows = rows.filter(kind=kind)
    if unread_only:
        rows = rows.exclude(reads__user=user)
    if after is not None:
        at, pk = after
        rows = rows.filter(Q(created_at__lt=at) | Q(created_at=at, id__lt=pk))
    rows = list(rows[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    ids = [row.pk for row in rows]
    read = set(
        NotificationRead.objects.filter(user=user, notification_id__in=ids)
        .values_list("notification_id", flat=True)
    ) if ids else set()
    case_ids = {row.case_id for row in rows if row.case_id}
    item_ids = {row.item_id for row in rows if row.item_id}
    cases = {
        pk: (title, owner_id) for pk, title, owner_id in
        cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", "title", "owner_id")
    } if case_ids else {}
    items = {
        pk: (title, owner_id) for pk, title, owner_id in
        items_visible_to(user).filter(pk__in=item_ids).values_list("pk", "title", "owner_id")
    } if item_ids else {}
    for row in rows:
        row.is_read = row.pk in read
        row.object_title = row.object_url = row.access = None
        seen = None
        if row.case_id in cases:
            seen, noun = cases[row.case_id], "case"
            row.object_url = reverse("case-detail", args=[row.case_id])
        elif row.item_id in items:
            seen, noun = items[row.item_id], "item"
            row.object_url = reverse("item-detail", args=[row.item_id])
        if seen is not None:
            row.object_title = seen[0]
            row.access = (
                f"your agency owns the {noun}" if seen[1] == user.agency_id
                else f"your agency sees the {noun}"
            )
        row.case_visible = row.case_id in cases
        # Request access: from a deconfliction notice to the agency that linked the subject,
        # and from a state-lines alert whose case the reader's agency does not see.
        row.request_access_url = None
        if row.kind == OutboxEvent.Kind.DECONFLICTION and row.event.detail.get("side") == "new":
            row.request_access_url = (
                f"{reverse('access-request')}?match={row.event.detail['match_id']}")
        elif row.kind == OutboxEvent.Kind.STATE_LINES and row.case_id and not row.case_visible:
            row.request_access_url = f"{reverse('access-request')}?alert={row.pk}"
        row.answer_url = (reverse("access-requests")
                          if row.kind == OutboxEvent.Kind.ACCESS_REQUESTED else None)
        # The delivery's "Access" line speaks of its audience (a center, an agency) at that
        # time; a reader who sees the object is told its own access instead.
        row.shown_lines = [
            (label, value) for label, value in row.lines
            if not (label == "Access" and row.access)
        ]
    last = rows[-1] if more and rows else None
    return rows, ((last.created_at, last.pk) if last else None)


def queue_stats(*, now=None):
    """Counts by status of events, e-mails and webhook deliveries, and the oldest pending."""
    now = now or timezone.now()
    stats = {}
    for name, model, stamp in (
        ("events", OutboxEvent, "created_at"),
        ("emails", EmailDelivery, "event__created_at"),
        ("webhooks", WebhookDelivery, "created_at"),
    ):
        counts = dict(model.objects.values_list("status").annotate(n=Count("pk")).order_by())
        oldest = model.objects.filter(
            status__in=[Delivery.PENDING, Delivery.DELIVERING]
        ).aggregate(oldest=Min(stamp))["oldest"]
        stats[name] = {
            **{status: counts.get(status, 0) for status in Delivery.values},
            "oldest_pending_age": (now - oldest).total_seconds() if oldest else None,
        }
    return stats
