"""Analytics API: pass rates with intervals by one dimension, the period trend with its tests, funnel data and
the current CUSUM alarms - the same numbers as the dashboard, from the same functions."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from nqi.analytics import aggregation as agg
from nqi.analytics import monitoring
from nqi.analytics.forms import DashboardFilterForm
from nqi.analytics.scoping import can_view_dashboards, regulated_city

from . import serializers as s

NOTES = {
    "risk_monitoring": "默认不含风险监测（其结果不用于处罚）；kind=risk_monitoring 单独查看。",
    "targeted_samples": "按风险定向抽取的样本不合格率高于总体，合格率低不等于质量下降；selection=random 只统计随机抽取批次。",
}


_QUERY = [
    OpenApiParameter("by", str, enum=list(agg.DIMENSIONS), required=True, description="统计维度"),
    OpenApiParameter("month_from", str, description="起始月份 YYYY-MM"),
    OpenApiParameter("month_to", str, description="截止月份 YYYY-MM"),
    OpenApiParameter("category", str, description="产品类别"),
    OpenApiParameter("city", str, description="地市行政区划代码，如 450200"),
    OpenApiParameter("stage", str), OpenApiParameter("size", str),
    OpenApiParameter("kind", str, description="抽查类型；默认为监督抽查（不含风险监测）"),
    OpenApiParameter("selection", str, enum=["random", "targeted"], description="random：不含风险定向批次"),
    OpenApiParameter("method", str, enum=list(agg.METHODS)),
    OpenApiParameter("granularity", str, enum=list(agg.GRANULARITIES)),
    OpenApiParameter("funnel", str, enum=list(agg.FUNNEL_DIMENSIONS)),
]


class PassRatesView(APIView):
    """GET /api/v1/analytics/pass-rates/?by=city|category|stage|size|period&month_from=YYYY-MM&month_to=&category=
    &city=&stage=&size=&kind=&method=wilson|jeffreys&granularity=month|quarter|year&funnel=city|category"""

    permission_classes = [IsAuthenticated]

    @extend_schema(parameters=_QUERY, responses=s.PassRatesSchema,
                   description="批次合格率及置信区间、期间趋势与环比检验、漏斗图数据和当前预警，与质量统计页面同源。")
    def get(self, request):
        user = request.user
        if not can_view_dashboards(user):
            raise PermissionDenied(_("质量统计仅对监管部门开放"))
        by = request.query_params.get("by", "")
        if by not in agg.DIMENSIONS:
            return Response({"by": [_("请选择统计维度：%(choices)s") % {"choices": "、".join(agg.DIMENSIONS)}]},
                            status=status.HTTP_400_BAD_REQUEST)
        form = DashboardFilterForm(request.query_params, city_locked=regulated_city(user))
        if not form.is_valid():
            return Response(form.errors, status=status.HTTP_400_BAD_REQUEST)
        filters = form.filters()
        method = form.value("method", "wilson")
        granularity = form.value("granularity", "month")
        funnel_by = form.value("funnel", "city" if regulated_city(user) is None else "category")
        panels = agg.dashboard_panels(user, by, filters, method, granularity, funnel_by)
        table, trend, changes = panels.table, panels.trend, panels.changes
        return Response({
            "by": by, "method": method, "granularity": granularity,
            "filters": {"month_from": filters.month_from, "month_to": filters.month_to, "category": filters.category,
                        "city": filters.city or regulated_city(user) or "", "stage": filters.stage,
                        "size": filters.size, "kind": filters.kind or "supervision",
                        "selection": filters.selection or "all"},
            "targeted_batches": agg.targeted_total(user, filters)[1],
            "rates": [s.pass_rate(r.rate, r.key) for r in table.rows],
            "overall": s.pass_rate(table.overall),
            "trend": [s.pass_rate(r.rate, r.key) for r in trend.rows],
            "changes": [s.change(c) for c in changes],
            "funnel": s.funnel(panels.funnel),
            "alarms": [s.alarm(a) for a in monitoring.current_alarms(user)],
            "notes": NOTES,
        })


class AlarmsView(APIView):
    """GET /api/v1/analytics/alarms/: current failure-rate CUSUM alarms in the caller's scope."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=s.AlarmsSchema, description="调用者范围内当前的不合格率 CUSUM 预警。")
    def get(self, request):
        if not can_view_dashboards(request.user):
            raise PermissionDenied(_("质量统计仅对监管部门开放"))
        refresh = monitoring.last_refresh()
        return Response({"computed_at": refresh.finished_at if refresh else None,
                         "alarms": [s.alarm(a) for a in monitoring.current_alarms(request.user)]})
