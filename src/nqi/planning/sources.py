"""The inspection history in the database as the risk model's history rows.

Finished supervision spot checks (conclusion 合格 / 不合格) are grouped by period (quarter or year), city,
product category and enterprise. Risk monitoring (风险监测) is left out: its results may not be used against an
enterprise, and a plan that sends more supervision checks to an enterprise is exactly that. Platform
enterprises never sampled can join the frame with zero batches, under their industry's usual category, so the
random share (双随机) can reach them too.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncQuarter, TruncYear
from django.utils.translation import gettext as _

from nqi.accounts.choices import OrgKind, OrgStatus
from nqi.accounts.models import Organisation
from nqi.core.choices import City
from nqi.inspections.choices import Conclusion, PlanKind
from nqi.inspections.models import SamplingRecord

from .choices import HistoryPeriod
from .history import HistoryRow

# Plan kinds whose results feed the risk model: every supervision kind, never risk monitoring.
HISTORY_KINDS = [k for k in PlanKind.values if k != PlanKind.RISK_MONITORING]
CITY_NAMES = {code: str(label) for code, label in City.choices}
CITY_CODES = {name: code for code, name in CITY_NAMES.items()}


def enterprise_key(manufacturer_id, uscc: str, name: str) -> str:
    if manufacturer_id:
        return f"org:{manufacturer_id}"
    return (uscc or "").strip().upper() or "".join((name or "").split())


@dataclass(frozen=True)
class Enterprise:
    key: str
    name: str
    uscc: str
    org_id: int | None


@dataclass
class DbHistory:
    """History rows for the model plus what the page needs to name the enterprises and describe the data."""

    rows: list[HistoryRow]
    enterprises: dict[str, Enterprise]
    batches: int = 0
    failed: int = 0
    unsampled_added: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def categories(self) -> list[str]:
        return sorted({r.product_category for r in self.rows})


def period_label(day: dt.date, granularity: str) -> str:
    if granularity == HistoryPeriod.YEAR:
        return f"{day.year}"
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def finished_records(city: str = "", date_from: dt.date | None = None, date_to: dt.date | None = None,
                     categories: Iterable[str] = ()):
    qs = SamplingRecord.objects.filter(conclusion__in=[Conclusion.PASS, Conclusion.FAIL],
                                       plan_kind__in=HISTORY_KINDS).exclude(product_category="")
    if city:
        qs = qs.filter(city=city)
    if date_from:
        qs = qs.filter(sampling_date__gte=date_from)
    if date_to:
        qs = qs.filter(sampling_date__lte=date_to)
    categories = [c for c in categories if c]
    if categories:
        qs = qs.filter(product_category__in=categories)
    return qs


def category_choices(city: str = "") -> list[str]:
    """Product categories with finished supervision results in the scope, for the form's menu."""
    return list(finished_records(city).values_list("product_category", flat=True).distinct()
                .order_by("product_category"))


def load_history(*, city: str = "", date_from: dt.date, date_to: dt.date, granularity: str = HistoryPeriod.QUARTER,
                 categories: Iterable[str] = (), include_unsampled: bool = True) -> DbHistory:
    """One GROUP BY over the finished records of the scope -> history rows (a few thousand at most)."""
    trunc = TruncYear if granularity == HistoryPeriod.YEAR else TruncQuarter
    grouped = (finished_records(city, date_from, date_to, categories)
               .annotate(bucket=trunc("sampling_date"))
               .values("bucket", "city", "product_category", "manufacturer_id", "manufacturer_uscc",
                       "manufacturer_name")
               .annotate(sampled=Count("id"), failed=Count("id", filter=Q(conclusion=Conclusion.FAIL)))
               .order_by())
    counts: dict[tuple[str, str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    enterprises: dict[str, Enterprise] = {}
    for g in grouped.iterator(chunk_size=5000):
        bucket = g["bucket"]
        if isinstance(bucket, dt.datetime):
            bucket = bucket.date()
        key = enterprise_key(g["manufacturer_id"], g["manufacturer_uscc"], g["manufacturer_name"])
        if not key:
            continue
        known = enterprises.get(key)
        if known is None or (not known.uscc and g["manufacturer_uscc"]):
            enterprises[key] = Enterprise(key, g["manufacturer_name"], (g["manufacturer_uscc"] or "").upper(),
                                          g["manufacturer_id"])
        cell = counts[(period_label(bucket, granularity), CITY_NAMES.get(g["city"], g["city"]),
                       g["product_category"], key)]
        cell[0] += g["sampled"]
        cell[1] += g["failed"]
    rows = [HistoryRow(period, region, category, key, n, f) for (period, region, category, key), (n, f)
            in counts.items()]
    history = DbHistory(rows, enterprises, batches=sum(r.sampled for r in rows), failed=sum(r.failed for r in rows))
    if rows and include_unsampled:
        _add_unsampled(history, city, categories)
    return history


def _add_unsampled(history: DbHistory, city: str, categories: Iterable[str]) -> None:
    """Approved platform enterprises without results join the frame under their industry's most common category
    (learnt from the sampled platform enterprises of that industry), with zero batches in the latest period."""
    sampled_orgs = {e.org_id for e in history.enterprises.values() if e.org_id}
    cells_by_org: dict[int, set[str]] = defaultdict(set)
    for r in history.rows:
        if r.enterprise_id.startswith("org:"):
            cells_by_org[int(r.enterprise_id[4:])].add(r.product_category)
    industry_of = dict(Organisation.objects.filter(pk__in=sampled_orgs).values_list("pk", "industry"))
    votes: dict[str, Counter] = defaultdict(Counter)
    for org_id, cats in cells_by_org.items():
        if industry_of.get(org_id):
            votes[industry_of[org_id]].update(cats)
    category_of = {industry: counter.most_common(1)[0][0] for industry, counter in votes.items()}
    if not category_of:
        return
    chosen = {c for c in categories if c}
    latest = max((r.period for r in history.rows), key=_period_key)
    candidates = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, status=OrgStatus.APPROVED,
                                             industry__in=list(category_of)).exclude(pk__in=sampled_orgs)
    if city:
        candidates = candidates.filter(city=city)
    added = 0
    for org in candidates.only("pk", "name", "credit_code", "city", "industry").order_by("pk"):
        category = category_of[org.industry]
        if chosen and category not in chosen:
            continue
        key = f"org:{org.pk}"
        history.enterprises[key] = Enterprise(key, org.name, org.credit_code or "", org.pk)
        history.rows.append(HistoryRow(latest, CITY_NAMES.get(org.city, org.city), category, key, 0, 0))
        added += 1
    history.unsampled_added = added
    if added:
        history.notes.append(_("%(n)s 家尚无抽检记录的平台企业按所属行业的常见产品类别纳入抽样框") % {"n": added})


def _period_key(label: str):
    from .risk import period_sort_key

    return period_sort_key(label)
