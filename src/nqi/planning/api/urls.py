"""API routes of the planning app, included under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import SamplingSchemeViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("planning/schemes", SamplingSchemeViewSet, basename="sampling-scheme")

urlpatterns = router.urls
