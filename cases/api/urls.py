from rest_framework.routers import SimpleRouter

from .access import AccessRequestViewSet
from .tasks import TaskViewSet
from .views import AnnotationViewSet, CaseViewSet, EntityViewSet, ItemViewSet

router = SimpleRouter()
router.register("cases", CaseViewSet, basename="api-case")
router.register("items", ItemViewSet, basename="api-item")
router.register("annotations", AnnotationViewSet, basename="api-annotation")
router.register("entities", EntityViewSet, basename="api-entity")
router.register("access-requests", AccessRequestViewSet, basename="api-access-request")
router.register("tasks", TaskViewSet, basename="api-task")

urlpatterns = router.urls
