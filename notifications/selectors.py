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


INBOX_PAGE = 50


def inbox_page(user, *, before=None, size=INBOX_PAGE):
    """A page of the inbox, newest first (keyset on id), with `is_read` on each row, and, where the
    reader's agency sees the case or item now, `object_title` and `object_url`: what a
    notification shows is decided when it is read, against visibility at that moment (a share
    withdrawn since, or a center joined later, shows the pointer alone). Four queries whatever
    the page holds: the page, its reads, its visible cases, its visible items."""
    rows = inbox_queryset(user).select_related("center", "agency").order_by("-id")
    if before is not None:
        rows = rows.filter(id__lt=before)
    rows = list(rows[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    ids = [row.pk for row in rows]
    read = set(
        NotificationRead.objects.filter(user=user, notification_id__in=ids)
        .values_list("notification_id", flat=True)
    )
    case_ids = {row.case_id for row in rows if row.case_id}
    item_ids = {row.item_id for row in rows if row.item_id}
    cases = dict(
        cases_visible_to(user).filter(pk__in=case_ids).values_list("pk", "title")
    ) if case_ids else {}
    items = dict(
        items_visible_to(user).filter(pk__in=item_ids).values_list("pk", "title")
    ) if item_ids else {}
    for row in rows:
        row.is_read = row.pk in read
        row.object_title = row.object_url = None
        if row.case_id in cases:
            row.object_title = cases[row.case_id]
            row.object_url = reverse("case-detail", args=[row.case_id])
        elif row.item_id in items:
            row.object_title = items[row.item_id]
            row.object_url = reverse("item-detail", args=[row.item_id])
        row.case_visible = row.case_id in cases
    return rows, (rows[-1].pk if more and rows else None)


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
