"""One JSON shape for every error of the API: {"code", "message", "fields"}.

settings.REST_FRAMEWORK["EXCEPTION_HANDLER"] names `exception_handler`. The domain's refusals
(core.errors) and Django's own exceptions are said the way DRF's are.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import InsufficientLevel, StaleVersion

from .etags import etag_of


def _flatten(detail, prefix=""):
    """{"jurisdictions": [{"state": ["..."]}]} → {"jurisdictions[0].state": ["..."]}."""
    fields = {}
    if isinstance(detail, dict):
        for name, value in detail.items():
            if isinstance(name, int):
                path = f"{prefix}[{name}]"
            elif name == "non_field_errors" and prefix:
                path = prefix  # a nested list's own error (e.g. too many) names the list
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


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"

    def __init__(self):
        super().__init__(
            f"The request body is larger than the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes "
            "the API accepts; nothing was written."
        )


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
    elif isinstance(exc, RequestDataTooBig):
        # Django would answer its HTML 400 page (a SuspiciousOperation).
        exc = PayloadTooLarge()
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
        # A service's refusal on a field that an endpoint names by its rule (`exc.rule`).
        code = getattr(exc, "rule", None) or code
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


# What each error status means in the OpenAPI schema; an operation names those it can answer.
ERROR_MEANINGS = {
    400: "Bad input (a field, a filter, a page parameter); `fields` names each problem.",
    401: "No API key, or one that is not valid, expired or revoked.",
    403: "The key may not do this: missing write scope, level too low, or an address outside "
    "the key's networks.",
    404: "Not visible to your agency (the same answer as for an object that does not exist).",
    409: "The write conflicts with the data as it is now; nothing was written.",
    412: "Stale version: If-Match (or `version`) does not name the current version; nothing "
    "was written. Reload and apply again.",
    413: "The body is larger than the API accepts.",
    415: "The body is not JSON.",
    429: "Too many requests for this key; see Retry-After.",
}


def error_responses(*codes):
    """The documented error responses of an operation, one per status it can answer."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_MEANINGS[code]) for code in codes
    }


# A list, a detail, opening an object, changing one.
LIST_ERRORS = error_responses(400, 401, 403, 429)
DETAIL_ERRORS = error_responses(401, 403, 404, 429)
CREATE_ERRORS = error_responses(400, 401, 403, 409, 413, 415, 429)
UPDATE_ERRORS = error_responses(400, 401, 403, 404, 409, 412, 413, 415, 429)
