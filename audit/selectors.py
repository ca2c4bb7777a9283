"""What the access-log pages read: a center's log, a page at a time."""

from django.core.exceptions import ValidationError
from django.db.models import Q

from agencies.models import Membership
from core.cursors import InvalidCursor, decode_cursor, encode_cursor

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
