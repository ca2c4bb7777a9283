"""The TAXII 2.1 protocol around the views: who calls (the partner API's keys), the media type
(`application/taxii+json;version=2.1`, 406 for an Accept that does not admit it), and the error
message shape of TAXII 2.1 (section 3.6.1)."""

import base64
import binascii

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.utils.mediatypes import _MediaType

from agencies.api_keys import KeyRefused, api_key_authenticate
from core.api.renderers import OrjsonRenderer
from core.errors import InsufficientLevel
from core.net import client_address

TAXII_MEDIA_TYPE = "application/taxii+json;version=2.1"


class TaxiiRenderer(OrjsonRenderer):
    media_type = TAXII_MEDIA_TYPE
    format = "taxii"


class TaxiiParser(JSONParser):
    """A POST's envelope, sent as the TAXII media type (`version`, when named, is 2.1)."""

    media_type = "application/taxii+json"

    def parse(self, stream, media_type=None, parser_context=None):
        version = _MediaType(media_type or "").params.get("version")
        if version not in (None, "2.1"):
            raise exceptions.UnsupportedMediaType(media_type)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - the body is nested too deeply.") from None


def admits_taxii(accept):
    """Whether an Accept header admits application/taxii+json;version=2.1 (no version named:
    the newest, which is 2.1; `*/*` and `application/*` admit it too)."""
    for part in (accept or "").split(","):
        if not part.strip():
            continue
        media = _MediaType(part.strip())
        if media.params.get("q", "1").strip() in ("0", "0.0", "0.00", "0.000"):
            continue
        kind = f"{media.main_type}/{media.sub_type}"
        if kind in ("*/*", "application/*"):
            return True
        if kind == "application/taxii+json" and media.params.get("version", "2.1") == "2.1":
            return True
    return False


class TaxiiNegotiation(BaseContentNegotiation):
    def select_parser(self, request, parsers):
        content_type = request.content_type or ""
        for parser in parsers:
            if content_type.split(";")[0].strip().lower() == parser.media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        if not admits_taxii(request.META.get("HTTP_ACCEPT", "")):
            raise exceptions.NotAcceptable(
                f"Send Accept: {TAXII_MEDIA_TYPE}; this server speaks TAXII 2.1 only."
            )
        return renderers[0], TAXII_MEDIA_TYPE


class TaxiiKeyAuthentication(BaseAuthentication):
    """The partner API's keys, as a TAXII client sends them: `Authorization: Bearer <key>`
    (the REST API's header), `Token <key>` (taxii2-client's TokenAuth), or HTTP Basic with the
    key as the password (taxii2-client's user and password; the user name is not read)."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, credentials = header.partition(" ")
        scheme = scheme.lower()
        if scheme in ("bearer", "token"):
            plaintext = credentials.strip()
        elif scheme == "basic":
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise exceptions.AuthenticationFailed("Not HTTP Basic credentials.") from None
            user, _, password = decoded.partition(":")
            plaintext = password or user
        else:
            return None
        try:
            key = api_key_authenticate(plaintext=plaintext, ip_address=client_address(request))
        except KeyRefused as refused:
            if refused.reason == "ip_not_allowed":
                raise exceptions.PermissionDenied(str(refused), code="ip_not_allowed") from None
            raise exceptions.AuthenticationFailed(str(refused), code=f"key_{refused.reason}") from None
        key.user.agency = key.agency
        return key.user, key

    def authenticate_header(self, request):
        return 'Basic realm="taxii"'


class HasKeyScope(BasePermission):
    """A key; reading needs the read scope (every key has it), adding objects the write scope."""

    def has_permission(self, request, view):
        key = request.auth
        if key is None:
            raise exceptions.NotAuthenticated(
                "Send the API key of your agency: `Authorization: Bearer <key>`, or HTTP Basic "
                "with the key as the password."
            )
        if request.method not in SAFE_METHODS and not key.can_write:
            raise exceptions.PermissionDenied(
                f"The API key {key.prefix}… has the read scope only; adding objects needs the "
                "write scope.",
                code="missing_scope",
            )
        return True


class BadParameter(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "bad_parameter"


TITLES = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
    405: "Method not allowed", 406: "Not acceptable", 413: "Content too large",
    415: "Unsupported media type", 422: "Unprocessable content", 429: "Too many requests",
}


def error_response(http_status, description, code=None):
    body = {"title": TITLES.get(http_status, "Error"), "description": description,
            "http_status": str(http_status)}
    if code:
        body["error_code"] = code
    return Response(body, status=http_status)


def exception_handler(exc, context):
    """Every refusal as a TAXII 2.1 error message: {title, description, error_code,
    http_status}."""
    if isinstance(exc, RequestDataTooBig):
        exc = exceptions.APIException(
            f"The body is larger than the {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes this "
            "server accepts; nothing was written.", code="too_large")
        exc.status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound("No such collection or object for your agency.")
    elif isinstance(exc, InsufficientLevel):
        exc = exceptions.PermissionDenied(str(exc), code="insufficient_level")
    if not isinstance(exc, exceptions.APIException):
        return None
    detail = exc.detail
    description = str(detail) if not isinstance(detail, dict | list) else str(exc.default_detail)
    codes = exc.get_codes()
    response = error_response(
        exc.status_code, description, codes if isinstance(codes, str) else exc.default_code
    )
    if getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        response["Retry-After"] = str(int(exc.wait))
    return response
