"""API routes of the search app, included under /api/v1/."""

from django.urls import path

from .views import SearchAPIView

urlpatterns = [
    path("search/", SearchAPIView.as_view(), name="api-search"),
]
