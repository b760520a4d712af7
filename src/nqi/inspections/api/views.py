"""Spot-check API: plans (+tasks; PATCH, close/reopen, withdraw/close a task), sampling records with one POST per workflow action, test item results,
objections and follow-ups. Every queryset comes from scoping.py, so another tenant's object is a 404."""

from django.db.models import Count
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from nqi.core.audit import timeline
from nqi.inspections import actions, scoping
from nqi.inspections.filters import SamplingRecordFilter

from . import serializers as s


class _Inputs:
    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


TASK_ID = OpenApiParameter("task_pk", int, OpenApiParameter.PATH, description="抽样任务 ID")


class PlanViewSet(_Inputs, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                  viewsets.GenericViewSet):
    serializer_class = s.InspectionPlanSerializer
    filterset_fields = ["year", "kind", "status"]
    search_fields = ["name"]
    ordering_fields = ["year", "batch", "created_at"]
    ordering = ["-year", "-batch"]

    def get_queryset(self):
        return scoping.visible_plans(self.request.user).annotate(sampled=Count("records")).prefetch_related("labs")

    @extend_schema(request=s.NewInspectionPlanSerializer, responses={201: s.InspectionPlanSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(s.NewInspectionPlanSerializer)
        labs = data.pop("labs")
        plan = actions.do_create_plan(request.user, actions.NewPlan(**data), labs=labs)
        return Response(s.InspectionPlanSerializer(self.get_queryset().get(pk=plan.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.NewSamplingTaskSerializer, responses={200: s.SamplingTaskSerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def tasks(self, request, pk=None):
        plan = self.get_object()
        if request.method == "POST":
            actions.do_assign_task(request.user, plan, **self._input(s.NewSamplingTaskSerializer))
        tasks = scoping.visible_tasks(request.user, plan.tasks.select_related("lab"))
        return Response(s.SamplingTaskSerializer(tasks, many=True).data,
                        status=status.HTTP_201_CREATED if request.method == "POST" else status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return Response({"published": actions.do_publish_plan_results(request.user, self.get_object())})

    def _plan_response(self, plan):
        return Response(s.InspectionPlanSerializer(self.get_queryset().get(pk=plan.pk)).data)

    @extend_schema(request=s.InspectionPlanUpdateSerializer, responses=s.InspectionPlanSerializer)
    def partial_update(self, request, *args, **kwargs):
        changes = self._input(s.InspectionPlanUpdateSerializer)
        return self._plan_response(actions.do_update_plan(request.user, self.get_object(), changes))

    @extend_schema(request=s.PlanStateSerializer, responses=s.InspectionPlanSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        reason = self._input(s.PlanStateSerializer)["reason"]
        return self._plan_response(actions.do_close_plan(request.user, self.get_object(), reason))

    @extend_schema(request=s.PlanStateSerializer, responses=s.InspectionPlanSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        reason = self._input(s.PlanStateSerializer)["reason"]
        return self._plan_response(actions.do_reopen_plan(request.user, self.get_object(), reason))

    def _task(self, task_pk):
        plan = self.get_object()
        return get_object_or_404(scoping.visible_tasks(self.request.user, plan.tasks.select_related("lab", "plan")),
                                 pk=task_pk)

    @extend_schema(request=s.SamplingTaskUpdateSerializer, responses=s.SamplingTaskSerializer,
                   parameters=[TASK_ID], operation_id="inspection_plans_task_partial_update")
    @action(detail=True, methods=["patch"], url_path=r"tasks/(?P<task_pk>[0-9]+)", url_name="task")
    def task(self, request, pk=None, task_pk=None):
        changes = self._input(s.SamplingTaskUpdateSerializer)
        return Response(s.SamplingTaskSerializer(actions.do_update_task(request.user, self._task(task_pk),
                                                                        changes)).data)

    @extend_schema(request=s.TaskStopSerializer, responses=s.SamplingTaskSerializer, parameters=[TASK_ID])
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_pk>[0-9]+)/withdraw", url_name="task-withdraw")
    def withdraw_task(self, request, pk=None, task_pk=None):
        reason = self._input(s.TaskStopSerializer)["reason"]
        return Response(s.SamplingTaskSerializer(actions.do_withdraw_task(request.user, self._task(task_pk),
                                                                          reason)).data)

    @extend_schema(request=s.TaskStopSerializer, responses=s.SamplingTaskSerializer, parameters=[TASK_ID])
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_pk>[0-9]+)/close", url_name="task-close")
    def close_task(self, request, pk=None, task_pk=None):
        reason = self._input(s.TaskStopSerializer)["reason"]
        return Response(s.SamplingTaskSerializer(actions.do_close_task(request.user, self._task(task_pk),
                                                                       reason)).data)


class SamplingRecordViewSet(_Inputs, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                            viewsets.GenericViewSet):
    filterset_class = SamplingRecordFilter
    search_fields = ["number", "product_name", "manufacturer_name", "sampled_unit_name", "batch_no"]
    ordering_fields = ["sampling_date", "number", "product_name", "objection_due"]
    ordering = ["-sampling_date", "-id"]

    def get_queryset(self):
        qs = scoping.visible_records(self.request.user)
        if self.action != "list":
            qs = qs.select_related("objection", "follow_up", "plan").prefetch_related("items")
        return qs

    def get_serializer_class(self):
        return s.SamplingRecordListSerializer if self.action == "list" else s.SamplingRecordDetailSerializer

    def _respond(self, record, code=status.HTTP_200_OK):
        record = self.get_queryset().get(pk=record.pk)
        return Response(s.SamplingRecordDetailSerializer(record).data, status=code)

    @extend_schema(request=s.NewSampleSerializer, responses={201: s.SamplingRecordDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(s.NewSampleSerializer)
        plan = data.pop("plan")
        task = data.pop("task", None)
        if not scoping.visible_plans(request.user).filter(pk=plan.pk).exists():
            from django.http import Http404

            raise Http404
        record = actions.do_record_sampling(request.user, plan, actions.NewSample(**data), task=task)
        return self._respond(record, status.HTTP_201_CREATED)

    @extend_schema(request=s.TestResultsInputSerializer, responses=s.SamplingRecordDetailSerializer)
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None):
        items = [actions.ItemResult(**i) for i in self._input(s.TestResultsInputSerializer)["items"]]
        return self._respond(actions.do_enter_results(request.user, self.get_object(), items))

    @extend_schema(request=s.ConclusionOverrideSerializer, responses=s.SamplingRecordDetailSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        d = self._input(s.ConclusionOverrideSerializer)
        return self._respond(actions.do_override_conclusion(request.user, self.get_object(), d["conclusion"],
                                                            d["reason"]))

    @extend_schema(request=s.InspectionNotifySerializer, responses=s.SamplingRecordDetailSerializer)
    @action(detail=True, methods=["post"])
    def notify(self, request, pk=None):
        d = self._input(s.InspectionNotifySerializer)
        return self._respond(actions.do_notify_enterprise(request.user, self.get_object(), d["received_on"]))

    @extend_schema(request=s.ReceiptSerializer, responses=s.SamplingRecordDetailSerializer)
    @action(detail=True, methods=["post"])
    def receipt(self, request, pk=None):
        d = self._input(s.ReceiptSerializer)
        return self._respond(actions.do_confirm_receipt(request.user, self.get_object(), d["received_on"]))

    @extend_schema(request=s.RetestRequestSerializer, responses={201: s.SamplingRecordDetailSerializer})
    @action(detail=True, methods=["post"])
    def objection(self, request, pk=None):
        d = self._input(s.RetestRequestSerializer)
        record = self.get_object()
        actions.do_request_retest(request.user, record, d["reason"], d["items"])
        return self._respond(record, status.HTTP_201_CREATED)

    @extend_schema(request=s.RetestLabSerializer, responses=s.SamplingRecordDetailSerializer)
    @action(detail=True, methods=["post"], url_path="assign-retest")
    def assign_retest(self, request, pk=None):
        record = self.get_object()
        actions.do_assign_retest(request.user, record, self._input(s.RetestLabSerializer)["lab"])
        return self._respond(record)

    @extend_schema(request=s.RetestResultSerializer, responses=s.SamplingRecordDetailSerializer)
    @action(detail=True, methods=["post"], url_path="retest-result")
    def retest_result(self, request, pk=None):
        d = self._input(s.RetestResultSerializer)
        record = self.get_object()
        actions.do_record_retest(request.user, record, d["conclusion"], d["note"])
        return self._respond(record)

    @extend_schema(request=s.OrderCorrectionSerializer, responses={201: s.SamplingRecordDetailSerializer})
    @action(detail=True, methods=["post"], url_path="order-correction")
    def order_correction(self, request, pk=None):
        d = self._input(s.OrderCorrectionSerializer)
        record = self.get_object()
        actions.do_order_correction(request.user, record, d["due"], d["note"])
        return self._respond(record, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.SamplingRecordDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._respond(actions.do_publish_record(request.user, self.get_object()))

    @extend_schema(responses=s.TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        return Response(s.TimelineEntrySerializer(timeline(self.get_object()), many=True).data)


class ItemResultViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.TestItemResultSerializer
    filterset_fields = ["record", "judgement"]

    def get_queryset(self):
        return scoping.visible_items(self.request.user).order_by("record_id", "sort_order", "id")


class ObjectionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = s.InspectionObjectionSerializer
    filterset_fields = ["status", "payer"]

    def get_queryset(self):
        return scoping.visible_objections(self.request.user).select_related("applicant", "retest_lab")


class FollowUpViewSet(_Inputs, viewsets.ReadOnlyModelViewSet):
    serializer_class = s.InspectionFollowUpSerializer
    filterset_fields = ["status", "escalation", "city", "onsite_required"]

    def get_queryset(self):
        return scoping.visible_follow_ups(self.request.user)

    @extend_schema(request=s.RectifySerializer, responses=s.InspectionFollowUpSerializer)
    @action(detail=True, methods=["post"])
    def rectify(self, request, pk=None):
        follow_up = actions.do_submit_rectification(request.user, self.get_object(),
                                                    self._input(s.RectifySerializer)["report"])
        return Response(s.InspectionFollowUpSerializer(follow_up).data)

    @extend_schema(request=s.RecheckSerializer, responses=s.InspectionFollowUpSerializer)
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        d = self._input(s.RecheckSerializer)
        follow_up = actions.do_record_recheck(request.user, self.get_object(), d["passed"], d["note"], d["next_due"])
        return Response(s.InspectionFollowUpSerializer(follow_up).data)
