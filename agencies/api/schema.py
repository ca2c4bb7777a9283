"""How the OpenAPI schema describes the two ways into the API. drf-spectacular finds these
subclasses once they are imported (by agencies.api.views); agencies.api.auth itself must not
import drf-spectacular, as DRF loads it while it loads its own views."""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "agencies.api.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key of your agency, created by an agency admin in the portal.",
        }


class PortalSessionScheme(OpenApiAuthenticationExtension):
    target_class = "agencies.api.auth.PortalSessionAuthentication"
    name = "portalSession"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
