from rest_framework.routers import SimpleRouter

from .views import AgencyViewSet, CenterViewSet

router = SimpleRouter()
router.register("fusion-centers", CenterViewSet, basename="api-center")
router.register("agencies", AgencyViewSet, basename="api-agency")

urlpatterns = router.urls
