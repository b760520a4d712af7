"""The regulator's overview of the service desk: the seed's figures by city, line and month.

A region's or a city's overview is read from the running totals in `rollups` (exact, kept current by every saved
request); any other scope is counted from the requests themselves. Both give the same figures.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from nqi.core.choices import City, ServiceLine
from nqi.core.exports import xlsx_response

from . import rollups
from .choices import OPEN_STATUSES, RequestKind

DELIVERED = Q(status__in=rollups.DELIVERED_STATUSES)

REQUEST_COLUMNS = ["编号", "类型", "标题", "企业", "地市", "服务类别", "承办机构", "状态", "提交时间", "办结期限",
                   "办结时间", "评分"]


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
    by_line = [_finish(r) | {"name": str(line_names.get(r["line_id"], "未分类"))}
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
    by_line = [_finish({"line_id": r["line"]} | _metrics_from_sums(r)) | {"name": str(line_names.get(r["line"], "未分类"))}
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
    columns = ["名称", "需求总数", "已办结", "解决技术难题", "按期办结率(%)", "平均评分", "在办"]

    def rows(items):
        return [[r["name"], r["total"], r["delivered"], r["problems_solved"], _pct(r["on_time_rate"]),
                 r["avg_rating"] or "", r["open"]] for r in items]

    t = data.totals
    summary = [["服务需求总数", t["total"]], ["已提供服务", t["delivered"]], ["解决技术难题", t["problems_solved"]],
               ["服务企业数", t["enterprises_served"]], ["平均评分", t["avg_rating"] or ""],
               ["按期办结率(%)", _pct(t["on_time_rate"])]]
    sheets = [("总览", ["指标", "数值"], summary), ("按地市", columns, rows(data.by_city)),
              ("按服务类别", columns, rows(data.by_line)),
              ("按月份", ["月份", "提交", "已办结"], [[m["month"], m["submitted"], m["delivered"]] for m in data.by_month])]
    return xlsx_response("服务总览.xlsx", "", None, sheets=sheets)
