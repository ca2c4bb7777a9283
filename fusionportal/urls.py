from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("fusionportal.api_urls")),
    path("", include("cases.urls")),
    path("", include("notifications.urls")),
    path("", include("agencies.urls")),
    path("", include("audit.urls")),
]
