"""An enterprise's spot-check history: every sampled batch over time, pass / fail, and the follow-up of failures.

Enterprises see their own records only (as manufacturer or sampled unit); regulators any enterprise whose records
fall in their scope. Per enterprise there are at most a few hundred records, so this reads the records directly
(the rollup has no enterprise dimension).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from nqi.inspections.choices import Conclusion, PlanKind

from . import stats
from .aggregation import SUPERVISION_KINDS
from .scoping import visible_records

MAX_RECORDS = 500


@dataclass
class History:
    name: str
    uscc: str
    records: list
    total_records: int
    by_year: list[stats.PassRate]
    overall: stats.PassRate
    open_follow_ups: int
    risk_monitoring: int


def enterprise_history(user, org_id: int | None = None, uscc: str | None = None) -> History | None:
    """The history of one enterprise (platform organisation or credit code) as far as `user` may see it;
    None when nothing visible matches (another city's enterprise looks exactly like an unknown one)."""
    if org_id is None and not uscc:
        return None
    match = Q()
    if org_id is not None:
        match |= Q(manufacturer_id=org_id) | Q(sampled_unit_id=org_id)
    if uscc:
        match |= Q(manufacturer_uscc=uscc)
    records = visible_records(user).filter(match)
    latest = records.select_related("plan", "follow_up").order_by("-sampling_date", "-id")
    first = latest.first()
    if first is None:
        return None
    decided = records.filter(conclusion__in=[Conclusion.PASS, Conclusion.FAIL], plan_kind__in=SUPERVISION_KINDS)
    yearly = (decided.annotate(year=ExtractYear("sampling_date")).values("year")
              .annotate(passed=Count("id", filter=Q(conclusion=Conclusion.PASS)), total=Count("id")).order_by("year"))
    by_year = stats.trend([(str(r["year"]), r["passed"], r["total"]) for r in yearly])
    passed = sum(r.passed for r in by_year)
    total = sum(r.total for r in by_year)
    if org_id is not None and first.manufacturer_id == org_id:
        name, code = first.manufacturer_name, first.manufacturer_uscc
    elif org_id is not None and first.sampled_unit_id == org_id:
        name, code = first.sampled_unit_name, first.sampled_unit_uscc
    else:
        name, code = first.manufacturer_name, first.manufacturer_uscc
    from nqi.inspections.models import FollowUp

    return History(
        name=name, uscc=code, records=list(latest[:MAX_RECORDS]), total_records=records.count(), by_year=by_year,
        overall=stats.pass_rate(passed, total, label=_("合计")),
        open_follow_ups=FollowUp.objects.filter(record__in=records.values("pk"), closed_at__isnull=True).count(),
        risk_monitoring=records.filter(plan_kind=PlanKind.RISK_MONITORING).count(),
    )


def find_enterprises(user, text: str, limit: int = 20) -> list[dict]:
    """Manufacturers in the user's scope whose name or credit code matches, with their batch counts."""
    return list(visible_records(user)
                .filter(Q(manufacturer_name__icontains=text) | Q(manufacturer_uscc=text.upper()))
                .values("manufacturer_id", "manufacturer_name", "manufacturer_uscc")
                .annotate(batches=Count("id"), failed=Count("id", filter=Q(conclusion=Conclusion.FAIL)))
                .order_by("-batches", "manufacturer_name")[:limit])
