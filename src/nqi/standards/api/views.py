"""Standards API: the catalog, read-only, with the same filters as the list page."""

from rest_framework import viewsets

from nqi.standards.filters import StandardFilter
from nqi.standards.scoping import visible_standards

from .serializers import StandardSerializer


class StandardViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = StandardSerializer
    filterset_class = StandardFilter
    search_fields = ["number", "title", "keywords", "product_categories", "test_items"]
    ordering_fields = ["number", "title", "effective", "status", "kind"]
    ordering = ["kind", "number"]

    def get_queryset(self):
        return visible_standards(self.request.user).select_related("replaced_by").prefetch_related(
            "service_lines", "replaces")
