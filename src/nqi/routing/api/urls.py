"""API routes of the routing app, included under /api/v1/."""

from django.urls import path

from .views import CapabilityView, SuggestView

urlpatterns = [
    path("routing/suggest", SuggestView.as_view(), name="routing-suggest"),
    path("routing/suggest/", SuggestView.as_view()),
    path("routing/capability", CapabilityView.as_view(), name="routing-capability"),
    path("routing/capability/", CapabilityView.as_view()),
]
