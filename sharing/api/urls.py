from django.urls import path

from .views import ChangesView

urlpatterns = [path("changes/", ChangesView.as_view(), name="api-changes")]
