from rest_framework import generics, viewsets

from nqi.accounts.scoping import visible_organisations

from .serializers import MeSerializer, OrganisationSerializer


class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    filterset_fields = ["kind", "city", "status", "industry", "size"]
    search_fields = ["name", "short_name", "credit_code"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self):
        return visible_organisations(self.request.user)


class MeView(generics.RetrieveAPIView):
    serializer_class = MeSerializer

    def get_object(self):
        return self.request.user
