from django.urls import path

from .pages import api_key_revoke_view, api_keys

urlpatterns = [
    path("", api_keys, name="api-keys"),
    path("<int:pk>/revoke/", api_key_revoke_view, name="api-key-revoke"),
]
