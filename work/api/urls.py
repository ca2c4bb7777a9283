from rest_framework.routers import SimpleRouter

from .referrals import ReferralViewSet
from .rfis import RfiViewSet

router = SimpleRouter()
router.register("rfis", RfiViewSet, basename="api-rfi")
router.register("referrals", ReferralViewSet, basename="api-referral")

urlpatterns = router.urls
