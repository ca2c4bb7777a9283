from rest_framework.routers import SimpleRouter

from .views import RfiViewSet

router = SimpleRouter()
router.register("rfis", RfiViewSet, basename="api-rfi")

urlpatterns = router.urls
