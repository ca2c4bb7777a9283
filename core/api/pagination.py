"""Keyset pages of the API: rows ascending by (sort field, id), `limit` rows a page,
`{"results", "next_cursor", "has_more"}`; the cursor is core.cursors'."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response

from core.cursors import DATETIME, INT, InvalidCursor, decode_cursor, encode_cursor

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


def _decode_cursor(cursor, sort_is_datetime):
    try:
        return decode_cursor(cursor, kind=DATETIME if sort_is_datetime else INT)
    except InvalidCursor:
        raise exceptions.ValidationError(
            {"cursor": ["Not a cursor this API gave out; use next_cursor of a page as it is."]}
        ) from None


def parse_updated_after(raw):
    if raw in (None, ""):
        return None
    try:
        value = parse_datetime(raw.replace(" ", "+"))
    except ValueError:
        value = None
    if value is None:
        raise exceptions.ValidationError(
            {"updated_after": ["An ISO 8601 time is expected, e.g. 2026-01-31T12:00:00Z."]}
        )
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise exceptions.ValidationError(
            {"updated_after": ["That time is out of range."]}
        ) from None


def parse_limit(raw):
    if raw in (None, ""):
        return DEFAULT_PAGE_SIZE
    if not re.fullmatch(r"\d{1,6}", raw) or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise exceptions.ValidationError(
            {"limit": [f"A whole number from 1 to {MAX_PAGE_SIZE} is expected."]}
        )
    return int(raw)


LIMIT_PARAMETER = OpenApiParameter(
    "limit",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": DEFAULT_PAGE_SIZE},
    description=f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
)
CURSOR_PARAMETER = OpenApiParameter(
    "cursor",
    OpenApiTypes.STR,
    description="next_cursor of the previous page: continues after its last row. Keep the "
    "last one you received to pull only what changed since.",
)
PAGE_PARAMETERS = [
    OpenApiParameter(
        "updated_after",
        OpenApiTypes.DATETIME,
        description="Only objects changed after this time (ISO 8601).",
    ),
    CURSOR_PARAMETER,
    LIMIT_PARAMETER,
]
# The directory has no change times: it pages by id.
ID_PAGE_PARAMETERS = [CURSOR_PARAMETER, LIMIT_PARAMETER]
# The id of a detail URL: an integer (the router's regex alone would document a string).
ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The object's id."
)


PAGE_PARAMS = {"cursor", "limit", "updated_after"}


def is_unfiltered(request):
    """The request names no filter: only the page parameters, if any."""
    return set(request.query_params) <= PAGE_PARAMS


@dataclass(frozen=True)
class PageRequest:
    """The page parameters of a list request, checked: rows ascending by (sort field, id)."""

    limit: int
    after: datetime | None  # updated_after
    position: tuple | None  # the cursor's (sort value, id)
    cursor: str | None  # the cursor as sent
    until: datetime | None  # rows changed later wait for the next pull (settings.API_SYNC_SETTLE)

    @classmethod
    def of(cls, request, *, sort_field="updated_at"):
        params = request.query_params
        is_datetime = sort_field != "id"
        cursor = params.get("cursor") or None
        return cls(
            limit=parse_limit(params.get("limit")),
            after=parse_updated_after(params.get("updated_after")) if is_datetime else None,
            position=_decode_cursor(cursor, is_datetime) if cursor else None,
            cursor=cursor,
            until=timezone.now() - settings.API_SYNC_SETTLE if is_datetime else None,
        )


def keyset_queryset(queryset, page, *, sort_field="updated_at"):
    """`queryset` after the page's `updated_after` and cursor and up to its settle horizon,
    ascending by (sort_field, id), with one row more than the page (that row says whether more
    follow)."""
    if page.after is not None:
        queryset = queryset.filter(**{f"{sort_field}__gt": page.after})
    if page.until is not None:
        queryset = queryset.filter(**{f"{sort_field}__lte": page.until})
    if page.position and sort_field != "id":
        value, pk = page.position
        # The >= bound lets the index range start at the cursor; the OR only trims ties.
        queryset = queryset.filter(
            Q(**{f"{sort_field}__gte": value}),
            Q(**{f"{sort_field}__gt": value}) | Q(id__gt=pk),
        )
    elif page.position:
        queryset = queryset.filter(id__gt=page.position[1])
    return queryset.order_by(sort_field, "id")[: page.limit + 1]


def finish_page(rows, page, *, key):
    """(rows of the page, next_cursor, has_more) from up to limit + 1 rows in page order;
    `key(row)` is the row's (sort value, id). next_cursor points after the last row and is
    given also on the last page (then the one sent), so a partner resumes from it."""
    has_more = len(rows) > page.limit
    rows = rows[: page.limit]
    next_cursor = encode_cursor(*key(rows[-1])) if rows else page.cursor
    return rows, next_cursor, has_more


def keyset_keys(queryset, request, *, sort_field="updated_at"):
    """The ids of one page of `queryset`, ascending by (sort_field, id), and
    (next_cursor, has_more): for lists whose rows are then fetched by id."""
    page = PageRequest.of(request, sort_field=sort_field)
    keys = list(keyset_queryset(queryset, page, sort_field=sort_field).values_list(sort_field, "id"))
    keys, next_cursor, has_more = finish_page(keys, page, key=lambda key: key)
    return [pk for _, pk in keys], next_cursor, has_more


def page_response(results, next_cursor, has_more):
    return Response({"results": results, "next_cursor": next_cursor, "has_more": has_more})


def page_serializer(name, row_serializer):
    """The documented shape of a page of `row_serializer` rows: one object, not an array of
    them (many=False tells drf-spectacular so, though the view's action is a list)."""
    page = type(
        name,
        (serializers.Serializer,),
        {
            "results": row_serializer(many=True),
            "next_cursor": serializers.CharField(
                allow_null=True, help_text="Pass as `cursor` for the next page, or later to resume."
            ),
            "has_more": serializers.BooleanField(help_text="More rows follow right now."),
        },
    )
    return extend_schema_serializer(many=False)(page)
