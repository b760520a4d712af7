"""API routes of the routing app, included under /api/v1/."""

from django.urls import path
from drf_spectacular.utils import extend_schema

from .views import CapabilityView, SuggestView


def _alias(view):
    """The same endpoint with a trailing slash, for clients used to Django's URLs; left out of the schema."""
    return extend_schema(exclude=True)(type(f"{view.__name__}Alias", (view,), {})).as_view()


# The issue specifies `POST /api/v1/routing/suggest` without a slash; the rest of the API ends in one.
urlpatterns = [
    path("routing/suggest", SuggestView.as_view(), name="routing-suggest"),
    path("routing/suggest/", _alias(SuggestView)),
    path("routing/capability", CapabilityView.as_view(), name="routing-capability"),
    path("routing/capability/", _alias(CapabilityView)),
]
