"""The REST API's common parts: API-key authentication, scopes, the per-key throttle, one JSON
error shape, the orjson renderer, keyset pages and ETags.

Every endpoint of /api/v1/ uses these through settings.REST_FRAMEWORK; the endpoints themselves
live in each app's api/ package.
"""

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from cases.services import StaleVersion
from sharing.permissions import InsufficientLevel

from .api_auth import api_key_of

# Authentication: see fusionportal.api_auth (kept apart: DRF imports it while loading its views)


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "fusionportal.api_auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key of your agency, created by an agency admin in the portal.",
        }


class PortalSessionScheme(OpenApiAuthenticationExtension):
    target_class = "fusionportal.api_auth.PortalSessionAuthentication"
    name = "portalSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


# Errors --------------------------------------------------------------------------------------


def _flatten(detail, prefix=""):
    """{"jurisdictions": [{"state": ["..."]}]} → {"jurisdictions[0].state": ["..."]}."""
    fields = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            if isinstance(name, int):
                path = f"{prefix}[{name}]"
            else:
                path = f"{prefix}.{name}" if prefix else str(name)
            fields.update(_flatten(value, path))
    elif isinstance(detail, list) and any(isinstance(v, dict | list) for v in detail):
        for index, value in enumerate(detail):
            if value:
                fields.update(_flatten(value, f"{prefix}[{index}]"))
    elif isinstance(detail, list):
        fields[prefix] = [str(v) for v in detail]
    else:
        fields[prefix] = [str(detail)]
    return fields


def _code_of(exc):
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else exc.default_code


def error_body(code, message, fields=None):
    return {"code": code, "message": message, "fields": fields or {}}


def exception_handler(exc, context):
    """Every error of the API as {"code", "message", "fields"}; field errors name each field."""
    if isinstance(exc, StaleVersion):
        response = Response(
            {**error_body("stale_version", str(exc)), "current_version": exc.obj.version},
            status=status.HTTP_412_PRECONDITION_FAILED,
        )
        response["ETag"] = etag_of(exc.obj)
        return response
    if isinstance(exc, InsufficientLevel):
        exc = exceptions.PermissionDenied(str(exc), code="insufficient_level")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            fields = dict(exc.message_dict)
            if "__all__" in fields:
                fields["non_field_errors"] = fields.pop("__all__")
            exc = exceptions.ValidationError(fields)
        else:
            exc = exceptions.ValidationError(
                {"non_field_errors": exc.messages}, code=getattr(exc, "code", None) or "invalid"
            )
    elif isinstance(exc, IntegrityError | DataError):
        # A constraint that validation could not see coming (e.g. a concurrent duplicate).
        return Response(
            error_body(
                "conflict",
                "The change conflicts with the data as it is now; "
                "nothing was written. Reload and try again.",
            ),
            status=status.HTTP_409_CONFLICT,
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(
            exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        )
        general = fields.pop("non_field_errors", [])
        if fields:
            named = ", ".join(sorted(fields))
            message = " ".join([*general, f"Check these fields: {named}."])
        else:
            message = " ".join(general) or "The request is not valid."
        codes = exc.get_codes()
        code = "invalid"
        if isinstance(codes, dict) and list(codes) == ["non_field_errors"]:
            first = codes["non_field_errors"]
            code = first[0] if isinstance(first, list) and first else code
        response.data = error_body(code, message, fields)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail)
        response.data = error_body(_code_of(exc), message)
    return response


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What went wrong, for programs (e.g. not_found).")
    message = serializers.CharField(help_text="What went wrong, for people.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="For 400: each field in error and what is wrong with it.",
    )


# Keyset pages --------------------------------------------------------------------------------

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100


def encode_cursor(sort_value, pk):
    text = sort_value.isoformat() if isinstance(sort_value, datetime) else str(sort_value)
    return base64.urlsafe_b64encode(f"{text}|{pk}".encode()).decode().rstrip("=")


def _decode_cursor(cursor, sort_is_datetime):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text, pk = base64.urlsafe_b64decode(padded.encode()).decode().split("|")
        sort_value = datetime.fromisoformat(text) if sort_is_datetime else int(text)
        if isinstance(sort_value, datetime):
            if sort_value.tzinfo is None:
                raise ValueError("naive")
            sort_value = sort_value.astimezone(UTC)
        elif not 0 <= sort_value < 2**63:
            raise ValueError("id out of range")
        pk = int(pk)
        if not 0 <= pk < 2**63:
            raise ValueError("id out of range")
        return sort_value, pk
    except (ValueError, UnicodeDecodeError, TypeError, OverflowError):
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


PAGE_PARAMETERS = [
    OpenApiParameter(
        "updated_after",
        OpenApiTypes.DATETIME,
        description="Only objects changed after this time (ISO 8601).",
    ),
    OpenApiParameter(
        "cursor",
        OpenApiTypes.STR,
        description="next_cursor of the previous page: continues after its last row. Keep the "
        "last one you received to pull only what changed since.",
    ),
    OpenApiParameter(
        "limit",
        OpenApiTypes.INT,
        description=f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
    ),
]


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
    """The documented shape of a page of `row_serializer` rows."""
    return type(
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


# ETags and If-Match --------------------------------------------------------------------------


def etag_of(obj):
    """A strong ETag naming the object and its version, the optimistic lock of writes."""
    return f'"{obj._meta.model_name}-{obj.pk}-v{obj.version}"'


def expected_version(request, obj):
    """The version a write was based on: from If-Match (preferred) or the body's `version`.

    A precondition that names another object or version fails (412) without writing.
    """
    header = request.META.get("HTTP_IF_MATCH", "").strip()
    if header:
        if header == "*":
            return obj.version
        for tag in (part.strip() for part in header.split(",")):
            if tag == etag_of(obj):
                return obj.version
        raise PreconditionFailed(obj)
    version = request.data.get("version") if hasattr(request.data, "get") else None
    if version is None:
        raise exceptions.ValidationError(
            {"version": ["Send the version you read, as If-Match (the ETag) or as `version`."]}
        )
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise exceptions.ValidationError({"version": ["A whole number from 1 is expected."]})
    return version


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale_version"

    def __init__(self, obj=None):
        message = "If-Match does not name the current version of this object; reload it."
        if obj is not None:
            message = (
                f"If-Match does not name the current version of this "
                f"{obj._meta.verbose_name} (now {etag_of(obj)}); nothing was written. Reload it "
                "and apply your change again."
            )
        super().__init__(message)


def with_etag(response, obj):
    response["ETag"] = etag_of(obj)
    return response


# Dissemination record ------------------------------------------------------------------------


def record_list(request, object_type, ids):
    """One access-log row per page, naming every id the page disclosed (28 CFR 23.20(g))."""
    from sharing.audit import log_access

    key = api_key_of(request)
    log_access(
        action="list",
        actor=request.user,
        object_type=object_type,
        object_ids=ids,
        detail={"api_key": key.prefix if key else None, "path": request.path[:200]},
    )


def record_read(request, obj):
    from sharing.audit import log_access

    key = api_key_of(request)
    log_access(
        action="read",
        actor=request.user,
        obj=obj,
        detail={"api_key": key.prefix if key else None},
    )
