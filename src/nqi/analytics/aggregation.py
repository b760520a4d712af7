"""Spot-check pass rates read from the rollup (InspectionRollup), scoped to the viewer and filtered.

Every pass-rate figure on the dashboards, the bulletin and the API comes from here, as sums over the monthly
rollup rows (a few thousand rows, not millions of records). The statistics themselves are the pure
functions of `nqi.analytics.stats`.

Two rules the bureau asked for are built in:
- Risk monitoring (风险监测) is excluded unless asked for by kind: its results are not used for penalties and
  its samples are chosen where risk is suspected.
- Batches a risk-based sampling plan targeted (selection = targeted) fail more often by design. `Filters.selection`
  "random" leaves them out (random draws and ordinary 双随机 spot checks), "targeted" shows them alone, and
  `targeted_total` tells a page that its figures contain them.
- `Filters.extra` takes further rollup filters (the same column names on the rollup and the records).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.db.models import Count, F, Max, Q, Sum
from django.utils.translation import gettext_lazy as _

from nqi.accounts.choices import EnterpriseSize
from nqi.core.choices import City
from nqi.inspections.choices import Conclusion, Judgement, PlanKind, Selection, Stage
from nqi.inspections.models import InspectionMarginal, TestItemResult

from . import stats
from .scoping import can_view_dashboards, regulated_city, visible_records, visible_rollup

# Query value of `by` -> rollup column.
DIMENSIONS = {
    "city": "city",
    "category": "product_category",
    "stage": "stage",
    "size": "enterprise_size",
    "period": "period",
}
DIMENSION_LABELS = {
    "city": _("地市"),
    "category": _("产品类别"),
    "stage": _("抽样环节"),
    "size": _("企业规模"),
    "period": _("期间"),
}
GRANULARITIES = {"month": _("月"), "quarter": _("季度"), "year": _("年")}
FUNNEL_DIMENSIONS = ("city", "category")
METHODS = {"wilson": _("Wilson 区间"), "jeffreys": _("Jeffreys 区间")}

# The plan kinds counted in a pass rate when no kind is chosen: everything but risk monitoring.
SUPERVISION_KINDS = [k for k in PlanKind.values if k != PlanKind.RISK_MONITORING]
# Query value of `selection` -> the rollup / record selections it counts. Ordinary spot checks follow the
# 双随机 rule, so "random" counts them with a sampling plan's random share.
SELECTIONS = {"random": [Selection.RANDOM, Selection.ORDINARY], "targeted": [Selection.TARGETED]}
SELECTION_LABELS = {"random": _("随机抽取（不含风险定向批次）"), "targeted": _("仅风险定向批次")}


@dataclass(frozen=True)
class Filters:
    """What a dashboard shows. Empty strings mean "all"; months are first days of months, both inclusive.

    `kind` "" counts the supervision kinds (national, provincial, city, special) and leaves risk monitoring
    out; a PlanKind value counts that kind alone (so risk monitoring is only ever shown on its own).
    `extra` is passed to `.filter()` on both the rollup and the records (same column names on both).
    """

    month_from: dt.date | None = None
    month_to: dt.date | None = None
    category: str = ""
    city: str = ""
    stage: str = ""
    size: str = ""
    kind: str = ""
    selection: str = ""
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def is_risk_monitoring(self) -> bool:
        return self.kind == PlanKind.RISK_MONITORING

    def rollup_q(self) -> Q:
        q = Q(plan_kind=self.kind) if self.kind else Q(plan_kind__in=SUPERVISION_KINDS)
        if self.month_from:
            q &= Q(period__gte=self.month_from)
        if self.month_to:
            q &= Q(period__lte=self.month_to)
        for name, column in (("category", "product_category"), ("city", "city"), ("stage", "stage"),
                             ("size", "enterprise_size")):
            if getattr(self, name):
                q &= Q(**{column: getattr(self, name)})
        if self.selection in SELECTIONS:
            q &= Q(selection__in=SELECTIONS[self.selection])
        return q & Q(**dict(self.extra))

    def record_q(self) -> Q:
        """The same selection over SamplingRecord (decided records only), for item and history queries."""
        q = Q(conclusion__in=[Conclusion.PASS, Conclusion.FAIL])
        q &= Q(plan_kind=self.kind) if self.kind else Q(plan_kind__in=SUPERVISION_KINDS)
        if self.month_from:
            q &= Q(sampling_date__gte=self.month_from)
        if self.month_to:
            q &= Q(sampling_date__lt=add_months(self.month_to, 1))
        for name, column in (("category", "product_category"), ("city", "city"), ("stage", "stage"),
                             ("size", "enterprise_size")):
            if getattr(self, name):
                q &= Q(**{column: getattr(self, name)})
        if self.selection in SELECTIONS:
            q &= Q(selection__in=SELECTIONS[self.selection])
        return q & Q(**dict(self.extra))


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def quarter_months(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 3 * (quarter - 1) + 1, 1)
    return first, add_months(first, 2)


def period_bucket(month: dt.date, granularity: str) -> str:
    if granularity == "year":
        return f"{month.year}"
    if granularity == "quarter":
        return f"{month.year}Q{(month.month - 1) // 3 + 1}"
    return f"{month:%Y-%m}"


def _bucket_start(month: dt.date, granularity: str) -> dt.date:
    if granularity == "year":
        return dt.date(month.year, 1, 1)
    if granularity == "quarter":
        return dt.date(month.year, 3 * ((month.month - 1) // 3) + 1, 1)
    return month


_STEP = {"month": 1, "quarter": 3, "year": 12}


def display_label(by: str, key) -> str:
    """What a table shows for a rollup key: city names, Chinese stage and size names, "未注明" for blanks."""
    if by == "city":
        return str(dict(City.choices).get(key, key or _("未注明")))
    if by == "stage":
        return str(dict(Stage.choices).get(key, key)) if key else str(_("未注明"))
    if by == "size":
        return str(dict(EnterpriseSize.choices).get(key, key)) if key else str(_("未注明"))
    if by == "category":
        return key or str(_("未分类"))
    return str(key)


def scoped_rollup(user, filters: Filters):
    return visible_rollup(user).filter(filters.rollup_q())


# The rollup columns the one-dimension rollup (InspectionMarginal) holds one at a time, by Filters attribute.
_MARGINAL_FILTERS = {"category": "product_category", "stage": "stage", "size": "enterprise_size"}


def _marginal_dimension(filters: Filters, columns) -> str | None:
    """The one dimension (of category, stage, size) a query needs, if it needs at most one: then the
    one-dimension rollup answers it exactly. None when the full rollup is needed."""
    if filters.extra:
        return None
    needed = {c for c in columns if c in _MARGINAL_FILTERS.values()}
    needed |= {column for name, column in _MARGINAL_FILTERS.items() if getattr(filters, name)}
    if len(needed) > 1:
        return None
    # Any one dimension counts every batch once; stage has the fewest values, so the fewest rows to sum.
    return needed.pop() if needed else "stage"


def _rollup_rows(user, filters: Filters, columns=()):
    """Rollup rows for `filters`, with `columns` as value names: from the one-dimension rollup when it can
    answer (a fraction of the rows: region-wide breakdowns sum thousands of rows, not hundreds of thousands),
    else from the full rollup. Same sums either way (tested)."""
    dimension = _marginal_dimension(filters, columns)
    if dimension is None:
        return scoped_rollup(user, filters).values(*columns)
    q = Q(dimension=dimension) & (Q(plan_kind=filters.kind) if filters.kind else Q(plan_kind__in=SUPERVISION_KINDS))
    if filters.month_from:
        q &= Q(period__gte=filters.month_from)
    if filters.month_to:
        q &= Q(period__lte=filters.month_to)
    if filters.city:
        q &= Q(city=filters.city)
    for name, column in _MARGINAL_FILTERS.items():
        if getattr(filters, name) and column == dimension:
            q &= Q(value=getattr(filters, name))
    if filters.selection in SELECTIONS:
        q &= Q(selection__in=SELECTIONS[filters.selection])
    rows = visible_rollup(user, base=InspectionMarginal.objects.all()).filter(q)
    plain = [c for c in columns if c not in _MARGINAL_FILTERS.values()]
    renamed = {c: F("value") for c in columns if c in _MARGINAL_FILTERS.values()}
    return rows.values(*plain, **renamed)


# --------------------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------------------


def _query(user, filters: Filters, columns):
    return _rollup_rows(user, filters, columns).annotate(n_passed=Sum("passed"), n_batches=Sum("batches")).order_by()


def _group(rows, by: str, granularity: str = "month") -> list[tuple[object, int, int]]:
    """(key, passed, batches) per value of `by`, summed over rollup result rows that may be grouped finer."""
    column = DIMENSIONS[by]
    buckets: dict[object, list[int]] = {}
    for r in rows:
        key = _bucket_start(r[column], granularity) if by == "period" else r[column]
        cell = buckets.setdefault(key, [0, 0])
        cell[0] += int(r["n_passed"] or 0)
        cell[1] += int(r["n_batches"] or 0)
    if by != "period":
        return sorted(((k, p, n) for k, (p, n) in buckets.items()), key=lambda r: (-r[2], str(r[0])))
    if not buckets:
        return []
    out, month, last = [], min(buckets), max(buckets)
    while month <= last:
        passed, total = buckets.get(month, (0, 0))
        out.append((month, passed, total))
        month = add_months(month, _STEP.get(granularity, 1))
    return out


def counts_by(user, by: str, filters: Filters, granularity: str = "month") -> list[tuple[object, int, int]]:
    """(key, passed, batches) per value of the dimension, from the rollup. Periods come in time order with
    empty periods between the first and last filled in (so period-over-period changes compare neighbours);
    other dimensions by descending batches."""
    if by not in DIMENSIONS:
        raise ValueError(f"未知的统计维度 {by!r}")
    return _group(_query(user, filters, [DIMENSIONS[by]]), by, granularity)


def totals(user, filters: Filters) -> tuple[int, int]:
    """(passed, batches) over the whole selection."""
    agg = _rollup_rows(user, filters).aggregate(n_passed=Sum("passed"), n_batches=Sum("batches"))
    return int(agg["n_passed"] or 0), int(agg["n_batches"] or 0)


# --------------------------------------------------------------------------------------------------
# Pass rates, trend, funnel
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a pass-rate table: the rollup key, what to show, and the statistics."""

    key: object
    label: str
    rate: stats.PassRate


@dataclass(frozen=True)
class Breakdown:
    by: str
    rows: list[Row]
    overall: stats.PassRate
    granularity: str = "month"


def breakdown(user, by: str, filters: Filters, method: str = "wilson", granularity: str = "month") -> Breakdown:
    return _breakdown(by, counts_by(user, by, filters, granularity), method, granularity)


def _breakdown(by, counts, method="wilson", granularity="month") -> Breakdown:
    rows = []
    for key, passed, total in counts:
        label = period_bucket(key, granularity) if by == "period" else display_label(by, key)
        rows.append(Row(key, label, stats.pass_rate(passed, total, method=method, label=label)))
    passed = sum(r.rate.passed for r in rows)
    total = sum(r.rate.total for r in rows)
    return Breakdown(by, rows, stats.pass_rate(passed, total, method=method, label=str(_("合计"))), granularity)


def trend(user, filters: Filters, granularity: str = "month", method: str = "wilson"):
    """(rates per period, changes between neighbouring periods with their significance test)."""
    table = breakdown(user, "period", filters, method, granularity)
    labelled = [(r.label, r.rate.passed, r.rate.total) for r in table.rows]
    return table, stats.period_changes(labelled)


@dataclass(frozen=True)
class Funnel:
    by: str
    points: list[stats.FunnelPoint]
    overall_rate: float | None
    overdispersion: stats.Overdispersion | None


def funnel(user, by: str, filters: Filters) -> Funnel:
    """Cities or categories against exact binomial limits around the pooled pass rate (Spiegelhalter 2005)."""
    if by not in FUNNEL_DIMENSIONS:
        raise ValueError(f"漏斗图只能按 {FUNNEL_DIMENSIONS} 比较")
    return _funnel(by, counts_by(user, by, filters))


def _funnel(by, counts) -> Funnel:
    units = [(display_label(by, key), passed, total) for key, passed, total in counts if total > 0]
    overall = stats.pooled_rate(units)
    points = stats.funnel_points(units) if units else []
    return Funnel(by, points, overall, stats.funnel_overdispersion(units))


@dataclass(frozen=True)
class Panels:
    table: Breakdown
    trend: Breakdown
    changes: list[stats.PeriodChange]
    funnel: Funnel


def dashboard_panels(user, by: str, filters: Filters, method: str = "wilson", granularity: str = "month",
                     funnel_by: str = "city") -> Panels:
    """The dashboard's table, trend and funnel from ONE rollup query grouped by the (up to three) columns they
    need, summed down in Python: the result has at most |by| x months x |funnel| rows, while each separate
    query would scan the same rollup rows again."""
    if by not in DIMENSIONS or funnel_by not in FUNNEL_DIMENSIONS:
        raise ValueError("未知的统计维度")
    columns = list(dict.fromkeys([DIMENSIONS[by], "period", DIMENSIONS[funnel_by]]))
    rows = list(_query(user, filters, columns))
    trend_table = _breakdown("period", _group(rows, "period", granularity), method, granularity)
    changes = stats.period_changes([(r.label, r.rate.passed, r.rate.total) for r in trend_table.rows])
    return Panels(_breakdown(by, _group(rows, by, granularity), method, granularity), trend_table, changes,
                  _funnel(funnel_by, _group(rows, funnel_by)))


def targeted_total(user, filters: Filters) -> tuple[int, int]:
    """(passed, batches) of risk-targeted batches under the same filters: a page warns when its figures hold them."""
    if filters.selection and filters.selection != "targeted":
        return 0, 0
    return totals(user, replace(filters, selection="targeted"))


def risk_monitoring_total(user, filters: Filters) -> tuple[int, int]:
    """(passed, batches) of risk monitoring under the same filters, shown beside the pass rate, never in it."""
    return totals(user, replace(filters, kind=PlanKind.RISK_MONITORING))


# --------------------------------------------------------------------------------------------------
# Top failing test items and the quarterly bulletin
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailingItem:
    category: str
    item: str
    failed_batches: int  # batches failing this item
    category_failed: int  # failed batches of the category (rollup)
    category_batches: int  # batches of the category (rollup)

    @property
    def share_of_failures(self) -> float | None:
        return self.failed_batches / self.category_failed if self.category_failed else None

    @property
    def rate_per_batch(self) -> float | None:
        return self.failed_batches / self.category_batches if self.category_batches else None


def top_failing_items(user, filters: Filters, per_category: int = 5) -> list[tuple[str, list[FailingItem]]]:
    """The test items failed most often per product category, most failures first.

    Only failed items are read from the records (a small share of all items); the denominators come from the
    rollup, so "share of failures" and "per 100 batches" agree with the pass-rate tables.
    """
    if not can_view_dashboards(user):
        return []  # an enterprise's own failures are on its history page, not in cross-enterprise rankings
    records = visible_records(user).filter(filters.record_q(), conclusion=Conclusion.FAIL)
    rows = (TestItemResult.objects.filter(record__in=records.values("pk"), judgement=Judgement.FAIL)
            .values("record__product_category", "item")
            .annotate(batches=Count("record_id", distinct=True))
            .order_by("record__product_category", "-batches", "item"))
    by_category_counts = {key: (passed, total) for key, passed, total in counts_by(user, "category", filters)}
    grouped: dict[str, list[FailingItem]] = {}
    for r in rows:
        category = r["record__product_category"]
        items = grouped.setdefault(category, [])
        if len(items) >= per_category:
            continue
        passed, total = by_category_counts.get(category, (0, 0))
        items.append(FailingItem(display_label("category", category), r["item"], r["batches"], total - passed, total))
    return sorted(grouped.items(), key=lambda kv: (-kv[1][0].category_failed, kv[0]))


@dataclass(frozen=True)
class Bulletin:
    year: int
    quarter: int
    month_from: dt.date
    month_to: dt.date
    overall: stats.PassRate
    by_category: list[Row]
    by_city: list[Row]
    by_stage: list[Row]
    risk_monitoring: tuple[int, int]


def bulletin(user, year: int, quarter: int, filters: Filters | None = None, method: str = "wilson") -> Bulletin:
    """The figures a bureau publishes for a quarter: batches, passed, failed and pass rate by category,
    city and stage (supervision spot checks only; risk monitoring given as a separate count)."""
    first, last = quarter_months(year, quarter)
    chosen = replace(filters or Filters(), month_from=first, month_to=last, kind="")
    by_category = breakdown(user, "category", chosen, method)
    return Bulletin(
        year, quarter, first, last, by_category.overall, by_category.rows,
        breakdown(user, "city", chosen, method).rows, breakdown(user, "stage", chosen, method).rows,
        risk_monitoring_total(user, chosen),
    )


CATEGORY_MENU_SECONDS = 600


def category_choices(user) -> list[str]:
    """Product categories present in the user's scope, for filter menus. Cached for a few minutes: the DISTINCT
    reads the whole rollup, and a category new this hour missing from a menu is harmless."""
    city = regulated_city(user)
    key = f"analytics:categories:{'all' if city is None else city}"

    def load():
        return [c for c in visible_rollup(user).values_list("product_category", flat=True).distinct()
                .order_by("product_category") if c]

    return cache.get_or_set(key, load, CATEGORY_MENU_SECONDS) if can_view_dashboards(user) else []


def latest_month(user) -> dt.date | None:
    """The latest month with results in the user's scope: one index probe per plan kind on (plan_kind, period)
    instead of a MAX over the whole rollup."""
    months = [visible_rollup(user).filter(plan_kind=kind).aggregate(last=Max("period"))["last"]
              for kind in PlanKind.values]
    return max((m for m in months if m), default=None)
