"""API routes of the inspections app, included under /api/v1/."""

from rest_framework.routers import DefaultRouter

from .views import FollowUpViewSet, ItemResultViewSet, ObjectionViewSet, PlanViewSet, SamplingRecordViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("inspection-plans", PlanViewSet, basename="inspection-plan")
router.register("sampling-records", SamplingRecordViewSet, basename="sampling-record")
router.register("inspection-results", ItemResultViewSet, basename="inspection-result")
router.register("inspection-objections", ObjectionViewSet, basename="inspection-objection")
router.register("inspection-follow-ups", FollowUpViewSet, basename="inspection-follow-up")

urlpatterns = router.urls
