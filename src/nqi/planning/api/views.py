"""Sampling-plan API: list and read plans (with their planned cells), generate one (POST = do_generate), and one
POST per action (edit-cell, adopt, discard). Scoped like the pages: another city's plan is a 404."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from nqi.inspections.api.serializers import InspectionPlanSerializer
from nqi.planning import actions, scoping
from nqi.planning.estimates import scheme_estimate
from nqi.planning.models import SamplingScheme

from . import serializers as s


class SamplingSchemeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                            viewsets.GenericViewSet):
    filterset_fields = ["status", "year", "owner_city"]
    search_fields = ["name"]
    ordering_fields = ["year", "created_at"]
    ordering = ["-year", "-created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no user
            return SamplingScheme.objects.none()
        if not scoping.can_plan(self.request.user):
            raise Http404
        return scoping.visible_schemes(self.request.user)

    def get_serializer_class(self):
        return s.SamplingSchemeSerializer if self.action == "list" else s.SamplingSchemeDetailSerializer

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _detail(self, scheme, code=status.HTTP_200_OK):
        return Response(s.SamplingSchemeDetailSerializer(scheme).data, status=code)

    @extend_schema(parameters=[OpenApiParameter("cells", str, description="all = 全部抽样框单元（默认只列已安排批次的单元）")])
    def retrieve(self, request, *args, **kwargs):
        scheme = self.get_object()
        context = {"planned_only": request.query_params.get("cells") != "all"}
        return Response(s.SamplingSchemeDetailSerializer(scheme, context=context).data)

    @extend_schema(request=s.GenerateSchemeSerializer, responses={201: s.SamplingSchemeDetailSerializer})
    def create(self, request, *args, **kwargs):
        self.get_queryset()  # 404 for those who may not plan
        scheme = actions.do_generate(request.user, actions.SchemeParameters(**self._input(s.GenerateSchemeSerializer)))
        return self._detail(scheme, status.HTTP_201_CREATED)

    @extend_schema(request=s.EditCellSerializer, responses=s.PlanCellSerializer)
    @action(detail=True, methods=["post"], url_path="edit-cell")
    def edit_cell(self, request, pk=None):
        scheme = self.get_object()
        data = self._input(s.EditCellSerializer)
        cell = scheme.cells.filter(pk=data["cell"]).first()
        if cell is None:
            raise Http404
        return Response(s.PlanCellSerializer(actions.do_edit_cell(request.user, cell, data["batches"])).data)

    @extend_schema(request=s.AdoptSchemeSerializer, responses={201: InspectionPlanSerializer})
    @action(detail=True, methods=["post"])
    def adopt(self, request, pk=None):
        scheme = self.get_object()
        plan = actions.do_adopt(request.user, scheme, actions.Adoption(**self._input(s.AdoptSchemeSerializer)))
        return Response(InspectionPlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DiscardSchemeSerializer, responses=s.SamplingSchemeSerializer)
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        scheme = actions.do_discard(request.user, self.get_object(), self._input(s.DiscardSchemeSerializer)["reason"])
        return Response(s.SamplingSchemeSerializer(scheme).data)

    @extend_schema(responses=s.SchemeEstimateSerializer)
    @action(detail=True, methods=["get"])
    def estimate(self, request, pk=None):
        estimate = scheme_estimate(self.get_object())
        if estimate is None:
            return Response({"detail": "方案尚未采用，没有抽检结果可供估计"}, status=status.HTTP_409_CONFLICT)
        return Response(s.SchemeEstimateSerializer(estimate).data)
