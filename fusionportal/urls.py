from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("fusionportal.api_urls")),
    path("agency/api-keys/", include("agencies.api.page_urls")),
    path("", include("cases.urls")),
    path("", include("sharing.urls")),
    path("", include("agencies.urls")),
]
