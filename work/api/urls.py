from rest_framework.routers import SimpleRouter

from .referrals import ReferralViewSet
from .rfis import RfiViewSet
from .tip_imports import TipImportViewSet
from .tips import TipViewSet

router = SimpleRouter()
router.register("rfis", RfiViewSet, basename="api-rfi")
router.register("referrals", ReferralViewSet, basename="api-referral")
router.register("tips", TipViewSet, basename="api-tip")
router.register("tip-imports", TipImportViewSet, basename="api-tip-import")

urlpatterns = router.urls
