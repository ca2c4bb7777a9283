from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView


class FaviconRedirect(RedirectView):
    """Pages that name no icon (Django's admin) have browsers ask for /favicon.ico: the portal's
    icon. Resolved per request, since the static storage's manifest is read only then."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs):
        return static("img/favicon.svg")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("fusionportal.api_urls")),
    # TAXII 2.1 for partner systems (taxii/): STIX 2.1 of what the key's agency may see.
    path("taxii2/", include("taxii.urls")),
    path("favicon.ico", FaviconRedirect.as_view(), name="favicon"),
    path("", include("cases.urls")),
    path("", include("notifications.urls")),
    path("", include("agencies.urls")),
    path("", include("audit.urls")),
    path("", include("products.urls")),
    path("work/", include("work.urls")),
]
