"""Who calls the API and what a caller may do: API-key authentication (`Authorization: Bearer`),
the portal session, scopes, and the per-key throttle.

Referenced from settings.REST_FRAMEWORK; it must not import DRF's views (DRF imports this module
while it loads them).
"""

from django.conf import settings
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from agencies.api_keys import KeyRefused, api_key_authenticate
from agencies.models import ApiKey
from core.net import client_address

# Authentication ------------------------------------------------------------------------------


class ApiKeyAuthentication(BaseAuthentication):
    """`Authorization: Bearer <key>`. The request then acts as the key's service account."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if not header:
            return None
        scheme, _, plaintext = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        try:
            key = api_key_authenticate(
                plaintext=plaintext, ip_address=client_address(request)
            )
        except KeyRefused as refused:
            if refused.reason == "ip_not_allowed":
                raise exceptions.PermissionDenied(str(refused), code="ip_not_allowed") from None
            raise exceptions.AuthenticationFailed(
                str(refused), code=f"key_{refused.reason}"
            ) from None
        key.user.agency = key.agency
        return key.user, key

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) when no credentials were sent.
        return f'{self.keyword} realm="api"'


class PortalSessionAuthentication(SessionAuthentication):
    """The portal's own pages call the API with the browser session (CSRF enforced)."""


def api_key_of(request):
    return request.auth if isinstance(request.auth, ApiKey) else None


class HasScope(BasePermission):
    """Authenticated; a key needs the write scope for anything but reading."""

    def has_permission(self, request, view):
        user = request.user
        if user is None or not user.is_authenticated:
            raise exceptions.NotAuthenticated(
                "Send an API key as `Authorization: Bearer <key>` (or log in to the portal)."
            )
        key = api_key_of(request)
        if request.method not in SAFE_METHODS and key is not None and not key.can_write:
            raise exceptions.PermissionDenied(
                f"The API key {key.prefix}… has the read scope only; "
                "writing needs the write scope.",
                code="missing_scope",
            )
        return True


# Throttle ------------------------------------------------------------------------------------


class PerKeyThrottle(SimpleRateThrottle):
    """settings.API_THROTTLE_RATE requests per key (or portal user); counted in the cache, which
    is Redis in production, so every web worker shares the count."""

    scope = "api"
    cache_format = "api-throttle:%(scope)s:%(ident)s"

    def get_rate(self):
        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        key = api_key_of(request)
        if key is not None:
            ident = f"key:{key.prefix}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

