"""API routes of the standards app, included under /api/v1/."""

from rest_framework.routers import SimpleRouter

from .views import StandardViewSet

router = SimpleRouter()
router.register("standards", StandardViewSet, basename="standard")

urlpatterns = router.urls
