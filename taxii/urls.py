"""/taxii2/: discovery, the API root and its collections (TAXII 2.1, section 4 and 5)."""

from django.urls import path

from . import views

ROOT = "api1/"
COLLECTION = ROOT + "collections/<str:collection_id>/"

urlpatterns = [
    path("", views.DiscoveryView.as_view(), name="api-taxii-discovery"),
    path(ROOT, views.ApiRootView.as_view(), name="api-taxii-root"),
    path(ROOT + "status/<str:status_id>/", views.StatusView.as_view(), name="api-taxii-status"),
    path(ROOT + "collections/", views.CollectionsView.as_view(), name="api-taxii-collections"),
    path(COLLECTION, views.CollectionView.as_view(), name="api-taxii-collection"),
    path(COLLECTION + "objects/", views.ObjectsView.as_view(), name="api-taxii-objects"),
    path(COLLECTION + "manifest/", views.ManifestView.as_view(), name="api-taxii-manifest"),
    path(COLLECTION + "objects/<str:object_id>/", views.ObjectView.as_view(),
         name="api-taxii-object"),
    path(COLLECTION + "objects/<str:object_id>/versions/", views.VersionsView.as_view(),
         name="api-taxii-versions"),
]
