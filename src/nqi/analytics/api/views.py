"""Analytics API: pass rates with intervals by one dimension, the period trend with its tests, funnel data and
the current CUSUM alarms - the same numbers as the dashboard, from the same functions."""

from django.utils.translation import gettext as _
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


class PassRatesView(APIView):
    """GET /api/v1/analytics/pass-rates/?by=city|category|stage|size|period&month_from=YYYY-MM&month_to=&category=
    &city=&stage=&size=&kind=&method=wilson|jeffreys&granularity=month|quarter|year&funnel=city|category"""

    permission_classes = [IsAuthenticated]

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

    def get(self, request):
        if not can_view_dashboards(request.user):
            raise PermissionDenied(_("质量统计仅对监管部门开放"))
        refresh = monitoring.last_refresh()
        return Response({"computed_at": refresh.finished_at if refresh else None,
                         "alarms": [s.alarm(a) for a in monitoring.current_alarms(request.user)]})
