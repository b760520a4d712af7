from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="api-redoc"),
    path("api/v1/", include("nqi.api_urls")),
    path("", include("nqi.accounts.urls")),
    path("", include("nqi.servicedesk.urls")),
    path("catalog/", include("nqi.catalog.urls")),
    path("inspections/", include("nqi.inspections.urls")),
    path("standards/", include("nqi.standards.urls")),
    path("search/", include("nqi.search.urls")),
    path("routing/", include("nqi.routing.urls")),
    path("analytics/", include("nqi.analytics.urls")),
    path("planning/", include("nqi.planning.urls")),
]

