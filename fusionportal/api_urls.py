"""/api/: version 1 of the partner API, its OpenAPI schema and its interactive docs (assets
served by the project: drf-spectacular-sidecar)."""

from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
def not_found(request, rest=""):
    """Unknown API paths answer in the API's error shape, not with the portal's HTML page."""
    raise NotFound("No such API endpoint; the schema at /api/schema/ lists them.")


v1 = [
    path("", include("cases.api.urls")),
    path("", include("agencies.api.urls")),
    path("", include("sharing.api.urls")),
    path("", include("products.api.urls")),
    path("", include("work.api.urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves the page's start-up script from its own URL (?script), so the page
    # runs under the portal's Content-Security-Policy with no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    # [\s\S], not ".": a path with an encoded line break (%0A) is an unknown API path too.
    re_path(r"^(?P<rest>[\s\S]*)$", not_found, name="api-not-found"),
]
