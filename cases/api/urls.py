from rest_framework.routers import SimpleRouter

from .views import AnnotationViewSet, CaseViewSet, EntityViewSet, ItemViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="api-case")
router.register("items", ItemViewSet, basename="api-item")
router.register("annotations", AnnotationViewSet, basename="api-annotation")
router.register("entities", EntityViewSet, basename="api-entity")

urlpatterns = router.urls
