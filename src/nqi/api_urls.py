"""/api/v1/: every resource and every workflow action."""

from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from nqi.accounts.api.views import MeView, OrganisationViewSet
from nqi.catalog.api.views import ExpertViewSet, ProviderViewSet, ServiceItemViewSet
from nqi.core.api_views import HealthView, NotificationViewSet
from nqi.servicedesk.api.views import ServiceRequestViewSet, SolvedCaseViewSet

router = DefaultRouter()
router.register("requests", ServiceRequestViewSet, basename="request")
router.register("cases", SolvedCaseViewSet, basename="case")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("providers", ProviderViewSet, basename="provider")
router.register("service-items", ServiceItemViewSet, basename="service-item")
router.register("experts", ExpertViewSet, basename="expert")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/token/", obtain_auth_token, name="api-token"),
    path("me/", MeView.as_view(), name="api-me"),
    path("health/", HealthView.as_view(), name="api-health"),
    path("", include(router.urls)),
    path("", include("nqi.inspections.api.urls")),
    path("", include("nqi.standards.api.urls")),
    path("", include("nqi.search.api.urls")),
    path("", include("nqi.routing.api.urls")),
    path("", include("nqi.analytics.api.urls")),
    path("", include("nqi.planning.api.urls")),
]
