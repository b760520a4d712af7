"""Spot-check statistics pages: pass-rate dashboard, top failing items, CUSUM alarms, the quarterly bulletin and
an enterprise's quality history. Thin views over `aggregation` (rollup) and `monitoring` (cached CUSUM)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nqi.accounts.choices import Role
from nqi.core.exports import xlsx_response

from . import aggregation as agg
from . import charts, exports, monitoring
from .forms import DashboardFilterForm
from .history import enterprise_history
from .scoping import can_view_dashboards, regulated_city


def _require_dashboards(user):
    if not can_view_dashboards(user):
        raise PermissionDenied(_("质量统计仅对监管部门开放"))


def dashboard_form(request):
    user = request.user
    return DashboardFilterForm(request.GET or None, city_locked=regulated_city(user),
                               categories=agg.category_choices(user))


def with_default_window(user, filters: agg.Filters, months: int = 12) -> agg.Filters:
    """No months chosen: the last `months` months that have data (the latest month the rollup knows)."""
    if filters.month_from or filters.month_to:
        return filters
    last = agg.latest_month(user)
    if last is None:
        return filters
    return replace(filters, month_from=agg.add_months(last, -(months - 1)), month_to=last)


@login_required
def dashboard(request):
    _require_dashboards(request.user)
    user = request.user
    form = dashboard_form(request)
    form.is_valid()
    filters = with_default_window(user, form.filters())
    by = form.value("by", "category")
    method = form.value("method", "wilson")
    granularity = form.value("granularity", "month")
    funnel_by = form.value("funnel", "city" if regulated_city(user) is None else "category")
    panels = agg.dashboard_panels(user, by, filters, method, granularity, funnel_by)
    table, trend_table, changes, funnel = panels.table, panels.trend, panels.changes, panels.funnel
    risk_passed, risk_total = (0, 0) if filters.kind else agg.risk_monitoring_total(user, filters)
    targeted_passed, targeted_batches = agg.targeted_total(user, filters)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_("抽查合格率统计") + ".xlsx", "", None,
                             sheets=exports.dashboard_sheets(table, trend_table, changes, funnel))
    rates = [r.rate for r in table.rows]
    context = {
        "form": form, "filters": filters, "by": by, "by_label": agg.DIMENSION_LABELS[by], "table": table,
        "trend": trend_table, "changes": changes, "funnel": funnel,
        "funnel_label": agg.DIMENSION_LABELS[funnel_by], "method_label": agg.METHODS[method],
        "risk": {"passed": risk_passed, "total": risk_total, "failed": risk_total - risk_passed},
        "city_locked": regulated_city(user),
        "targeted": {"batches": targeted_batches, "failed": targeted_batches - targeted_passed,
                     "share": targeted_batches / table.overall.total if table.overall.total else 0},
        "random_only_query": _query_without(request, "format", "selection", "page"),
        "bar_chart": charts.pass_rate_bar_chart(rates, _("按%(dim)s的批次合格率") % {"dim": agg.DIMENSION_LABELS[by]}),
        "trend_chart": charts.trend_chart([r.rate for r in trend_table.rows], _("合格率趋势")),
        "funnel_chart": (charts.funnel_chart(funnel.points, funnel.overall_rate) if funnel.overall_rate is not None
                         else None),
        "query": _query_without(request, "format"),
    }
    return render(request, "analytics/dashboard.html", context)


@login_required
def failing_items(request):
    _require_dashboards(request.user)
    form = dashboard_form(request)
    form.is_valid()
    filters = with_default_window(request.user, form.filters())
    top = request.GET.get("top", "")
    groups = agg.top_failing_items(request.user, filters, per_category=min(int(top), 50) if top.isdigit() else 5)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_("主要不合格项目") + ".xlsx", _("主要不合格项目"), exports.item_rows(groups),
                             exports.ITEM_COLUMNS)
    return render(request, "analytics/items.html", {"form": form, "filters": filters, "groups": groups,
                                                    "query": _query_without(request, "format")})


@login_required
def alarms(request):
    _require_dashboards(request.user)
    rows = list(monitoring.current_alarms(request.user))
    for number, row in enumerate(rows, start=1):
        row.chart = charts.cusum_chart(monitoring.as_group(row), row.product_category)
        row.chart_id = f"cusum-{number}"
    quiet = monitoring.visible_cusums(request.user).exclude(status="alarm").order_by("product_category")
    return render(request, "analytics/alarms.html", {"alarms": rows, "quiet": quiet,
                                                     "refresh": monitoring.last_refresh(),
                                                     "city_locked": regulated_city(request.user)})


def _quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


@login_required
def bulletin(request):
    _require_dashboards(request.user)
    user = request.user
    last = agg.latest_month(user)
    year, quarter = _quarter_of(last or timezone.localdate())
    errors = []
    try:
        year = int(request.GET.get("year", year))
        quarter = int(request.GET.get("quarter", quarter))
        if not (2000 <= year <= 2100 and 1 <= quarter <= 4):
            raise ValueError
    except ValueError:
        errors.append(_("年度或季度无效，已显示最近一个季度"))
        year, quarter = _quarter_of(last or timezone.localdate())
    report = agg.bulletin(user, year, quarter)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_("%(y)s年第%(q)s季度产品质量监督抽查情况") % {"y": year, "q": quarter} + ".xlsx", "", None,
                             sheets=exports.bulletin_sheets(report))
    city = regulated_city(user)
    issuer = user.organisation.name if user.organisation_id else _("市场监督管理局")
    years = list(range((last or timezone.localdate()).year, (last or timezone.localdate()).year - 6, -1))
    today = timezone.localdate()
    # A quarter that has not ended yet is reported "as of today", so nobody reads it as the whole quarter.
    open_quarter = agg.add_months(agg.quarter_months(year, quarter)[1], 1) > today
    return render(request, "analytics/bulletin.html", {
        "report": report, "errors": errors, "issuer": issuer, "city_locked": city, "years": years,
        "quarters": [1, 2, 3, 4], "as_of": today if open_quarter else None})


@login_required
def enterprise(request):
    """An enterprise's own history; a regulator looks one up by platform enterprise or credit code."""
    user = request.user
    if user.role == Role.ENTERPRISE:
        history = enterprise_history(user, org_id=user.organisation_id) if user.organisation_id else None
    elif can_view_dashboards(user):
        org = request.GET.get("org", "")
        uscc = request.GET.get("uscc", "").strip().upper()
        history = None
        if org.isdigit() or uscc:
            history = enterprise_history(user, org_id=int(org) if org.isdigit() else None, uscc=uscc or None)
    else:
        raise PermissionDenied(_("无权查看企业质量档案"))
    if history is not None and request.GET.get("format") == "xlsx":
        return xlsx_response(_("企业抽查记录") + ".xlsx", _("企业抽查记录"), exports.history_rows(history),
                             exports.HISTORY_COLUMNS)
    if history is not None:
        pattern = _record_url_pattern()
        for record in history.records:
            record.detail_url = pattern.format(record.pk) if pattern else ""
    matches = []
    q = request.GET.get("q", "").strip()
    if can_view_dashboards(user) and q:
        from .history import find_enterprises

        matches = find_enterprises(user, q)
    return render(request, "analytics/enterprise.html", {
        "history": history, "q": q, "matches": matches, "is_enterprise": user.role == Role.ENTERPRISE,
        "query": _query_without(request, "format")})


def _record_url_pattern():
    """The inspections record page, if that app has it yet ("{}" where the id goes)."""
    try:
        return reverse("inspections:record_detail", args=[987654321]).replace("987654321", "{}")
    except NoReverseMatch:
        return ""


def _query_without(request, *names):
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
