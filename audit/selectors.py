"""What the access-log pages read: a center's log, a page at a time."""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse

from agencies.models import Membership
from cases.models import Case, IntelligenceItem
from core.cursors import InvalidCursor, decode_cursor, encode_cursor
from sharing.permissions import pointers_of

from .models import AccessLog

LOG_PAGE_SIZE = 50


def center_access_log(center):
    """What the center's admins review: every row of its member agencies (active or
    suspended), and the rows of admin actions taken for the center."""
    member_ids = Membership.objects.filter(center=center).values("agency_id")
    return AccessLog.objects.filter(Q(agency_id__in=member_ids) | Q(detail__center_id=center.id))


def access_log_page(queryset, cursor=None, size=LOG_PAGE_SIZE, *, since=None, until=None):
    """One page, newest first, keyset on (at, id): no OFFSET, no COUNT(*).

    `since` and `until` bound it in time: on PostgreSQL the query then reads only the month
    partitions of that window (the default partition too only when the window reaches past the
    months created), each through its index, newest first."""
    queryset = queryset.select_related("actor", "agency").order_by("-at", "-id")
    if since is not None:
        queryset = queryset.filter(at__gte=since)
    if until is not None:
        queryset = queryset.filter(at__lt=until)
    if cursor:
        try:
            at, pk = decode_cursor(cursor)
        except InvalidCursor as error:
            raise ValidationError(
                "That page link is not valid; start again from the first page."
            ) from error
        # `at <= cursor` stated on its own, so that it bounds the index scan and the partitions.
        queryset = queryset.filter(Q(at__lt=at) | Q(id__lt=pk), at__lte=at)
    rows = list(queryset[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = encode_cursor(rows[-1].at, rows[-1].pk)
    return rows, next_cursor


# What the log's object column calls each kind of object (its object_type is the model's name).
OBJECT_TYPES = {
    "case": "Case", "intelligenceitem": "Intelligence item", "annotation": "Annotation",
    "attachment": "Attachment", "share": "Share", "agency": "Agency", "user": "User",
    "accesslog": "Access log", "casetask": "Task",
}


def with_objects(rows, reader):
    """The rows, each with `shown_object` ({"label", "title", "url"} or None): a case by its
    number and owner, an item by its id and owner, with the title and a link only where the
    reader's agency sees the case or item now; anything else by its kind and id. A center admin
    reads the log of every member agency, and the log names objects its own agency may not
    see: of those, the pointer alone. Two queries whatever the page holds."""
    ids = {model: {row.object_id for row in rows if row.object_type == name and row.object_id}
           for name, model in (("case", Case), ("intelligenceitem", IntelligenceItem))}
    known = {model: pointers_of(reader, model, found) for model, found in ids.items()}
    for row in rows:
        row.shown_object = None
        if not row.object_type:
            continue
        model = {"case": Case, "intelligenceitem": IntelligenceItem}.get(row.object_type)
        pointer = known[model].get(row.object_id) if model else None
        if pointer is None:
            kind = OBJECT_TYPES.get(row.object_type, row.object_type)
            row.shown_object = {"label": f"{kind} #{row.object_id}" if row.object_id else kind,
                                "title": None, "url": None}
            continue
        label = (f"Case {pointer['number']}" if model is Case else f"Item #{row.object_id}")
        row.shown_object = {
            "label": f"{label} of {pointer['owner_ori']}",
            "title": pointer["title"],
            "url": reverse("case-detail" if model is Case else "item-detail", args=[row.object_id])
            if pointer["seen"] else None,
        }
    return rows
