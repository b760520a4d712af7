"""The regulator's overview of the service desk: the seed's figures by city, line and month.

A region's or a city's overview is read from the running totals in `rollups` (exact, kept current by every saved
request); any other scope is counted from the requests themselves. Both give the same figures.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nqi.core.choices import City, ServiceLine
from nqi.core.exports import xlsx_response

from . import rollups
from .choices import OPEN_STATUSES, RequestKind

DELIVERED = Q(status__in=rollups.DELIVERED_STATUSES)

REQUEST_COLUMNS = [gettext_lazy("编号"), gettext_lazy("类型"), gettext_lazy("标题"), gettext_lazy("企业"),
                   gettext_lazy("地市"), gettext_lazy("服务类别"), gettext_lazy("承办机构"), gettext_lazy("状态"),
                   gettext_lazy("提交时间"), gettext_lazy("办结期限"), gettext_lazy("办结时间"), gettext_lazy("评分")]


def _fmt(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def request_rows(qs):
    for r in qs:
        yield [r.number, r.get_kind_display(), r.title, r.enterprise.name, r.get_city_display(),
               str(r.line) if r.line_id else "", r.provider.name if r.provider_id else "", r.get_status_display(),
               _fmt(r.submitted_at), _fmt(r.resolve_due_at), _fmt(r.resolved_at), r.rating or ""]


@dataclass
class Overview:
    totals: dict
    by_city: list = field(default_factory=list)
    by_line: list = field(default_factory=list)
    by_month: list = field(default_factory=list)


def _metrics():
    return {
        "total": Count("id"),
        "delivered": Count("id", filter=DELIVERED),
        "problems_solved": Count("id", filter=DELIVERED & Q(kind=RequestKind.PROBLEM)),
        "on_time_count": Count("id", filter=Q(resolved_on_time=True)),
        "timed_count": Count("id", filter=Q(resolved_on_time__isnull=False)),
        "avg_rating": Avg("rating"),
        "open": Count("id", filter=Q(status__in=OPEN_STATUSES)),
    }


def _finish(row):
    row["on_time_rate"] = (row["on_time_count"] / row["timed_count"]) if row["timed_count"] else None
    row["avg_rating"] = round(row["avg_rating"], 2) if row["avg_rating"] is not None else None
    return row


def build(scope, months=24) -> Overview:
    since = timezone.now() - dt.timedelta(days=31 * months)
    cities = rollups.scope_cities(scope)
    if cities is not None and rollups.usable():
        return _build_from_rollups(scope, cities, since)
    return _build_from_requests(scope, since)


def _build_from_requests(scope, since) -> Overview:
    totals = _finish(scope.aggregate(**_metrics()))
    totals["enterprises_served"] = scope.filter(DELIVERED).values("enterprise_id").distinct().count()
    city_names = dict(City.choices)
    by_city = [_finish(r) | {"name": str(city_names.get(r["city"], r["city"]))}
               for r in scope.values("city").annotate(**_metrics()).order_by("city")]
    line_names = dict(ServiceLine.choices)
    by_line = [_finish(r) | {"name": str(line_names.get(r["line_id"], _("未分类")))}
               for r in scope.values("line_id").annotate(**_metrics()).order_by("line_id")]
    by_month = [
        {"month": r["month"].strftime("%Y-%m"), "submitted": r["submitted"], "delivered": r["delivered"]}
        for r in scope.filter(submitted_at__gte=since).annotate(month=TruncMonth("submitted_at"))
        .values("month").annotate(submitted=Count("id"), delivered=Count("id", filter=DELIVERED)).order_by("month")
    ]
    return Overview(totals=totals, by_city=by_city, by_line=by_line, by_month=by_month)


def _rollup_sums():
    return {name: Coalesce(Sum(name), 0) for name in rollups.COUNTERS}


def _metrics_from_sums(row):
    """The same keys, in the same order, as `_metrics()` gives when counting requests."""
    return {"total": row["total"], "delivered": row["delivered"], "problems_solved": row["problems_solved"],
            "on_time_count": row["on_time"], "timed_count": row["timed"],
            "avg_rating": row["rating_sum"] / row["rating_count"] if row["rating_count"] else None,
            "open": row["open"]}


def _build_from_rollups(scope, cities, since) -> Overview:
    rows = rollups.month_rows(cities)
    totals = _finish(_metrics_from_sums(rows.aggregate(**_rollup_sums())))
    totals["enterprises_served"] = rollups.enterprises_served(cities)
    city_names = dict(City.choices)
    by_city = [_finish({"city": r["city"]} | _metrics_from_sums(r)) | {"name": str(city_names.get(r["city"], r["city"]))}
               for r in rows.values("city").annotate(**_rollup_sums()).filter(total__gt=0).order_by("city")]
    line_names = dict(ServiceLine.choices)
    by_line = [_finish({"line_id": r["line"]} | _metrics_from_sums(r)) | {"name": str(line_names.get(r["line"], _("未分类")))}
               for r in rows.values("line").annotate(**_rollup_sums()).filter(total__gt=0).order_by("line")]
    # Months wholly after `since` come from the rollups; the month `since` falls in is counted from its requests.
    first_month = rollups.month_of(since)
    month_start = timezone.make_aware(dt.datetime.combine(first_month, dt.time()), timezone.get_default_timezone())
    by_month = []
    if since > month_start:
        next_month = (first_month + dt.timedelta(days=32)).replace(day=1)
        next_start = timezone.make_aware(dt.datetime.combine(next_month, dt.time()), timezone.get_default_timezone())
        edge = scope.filter(submitted_at__gte=since, submitted_at__lt=next_start).aggregate(
            submitted=Count("id"), delivered=Count("id", filter=DELIVERED))
        if edge["submitted"]:
            by_month.append({"month": first_month.strftime("%Y-%m"), **edge})
        rows_after = rows.filter(month__gt=first_month)
    else:
        rows_after = rows.filter(month__gte=first_month)
    by_month += [{"month": r["month"].strftime("%Y-%m"), "submitted": r["submitted"], "delivered": r["delivered"]}
                 for r in rows_after.values("month").annotate(submitted=Sum("total"), delivered=Sum("delivered"))
                 .filter(submitted__gt=0).order_by("month")]
    return Overview(totals=totals, by_city=by_city, by_line=by_line, by_month=by_month)


def _pct(value):
    return round(value * 100, 1) if value is not None else ""


def xlsx(data: Overview):
    columns = [_("名称"), _("需求总数"), _("已办结"), _("解决技术难题"), _("按期办结率(%)"), _("平均评分"), _("在办")]

    def rows(items):
        return [[r["name"], r["total"], r["delivered"], r["problems_solved"], _pct(r["on_time_rate"]),
                 r["avg_rating"] or "", r["open"]] for r in items]

    t = data.totals
    summary = [[_("服务需求总数"), t["total"]], [_("已提供服务"), t["delivered"]], [_("解决技术难题"), t["problems_solved"]],
               [_("服务企业数"), t["enterprises_served"]], [_("平均评分"), t["avg_rating"] or ""],
               [_("按期办结率(%)"), _pct(t["on_time_rate"])]]
    sheets = [(_("总览"), [_("指标"), _("数值")], summary), (_("按地市"), columns, rows(data.by_city)),
              (_("按服务类别"), columns, rows(data.by_line)),
              (_("按月份"), [_("月份"), _("提交"), _("已办结")], [[m["month"], m["submitted"], m["delivered"]] for m in data.by_month])]
    return xlsx_response(_("服务总览") + ".xlsx", "", None, sheets=sheets)
