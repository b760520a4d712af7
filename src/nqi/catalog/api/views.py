from rest_framework import viewsets

from nqi.catalog import scoping

from .serializers import ExpertSerializer, ProviderSerializer, ServiceItemSerializer


class ProviderViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ProviderSerializer
    filterset_fields = ["city", "service_lines"]
    search_fields = ["name", "short_name", "description", "accreditations__scope"]
    ordering_fields = ["name", "city"]

    def get_queryset(self):
        return scoping.visible_providers(self.request.user).prefetch_related("service_lines", "accreditations")


class ServiceItemViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ServiceItemSerializer
    filterset_fields = ["line", "provider", "mode"]
    search_fields = ["name", "description", "provider__name"]
    ordering_fields = ["name", "fee_min", "turnaround_days"]

    def get_queryset(self):
        return scoping.visible_items(self.request.user)


class ExpertViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ExpertSerializer
    filterset_fields = ["lines", "available", "city"]
    search_fields = ["name", "fields", "affiliation"]
    ordering_fields = ["name", "current_load"]

    def get_queryset(self):
        return scoping.visible_experts(self.request.user).order_by("name", "id")
