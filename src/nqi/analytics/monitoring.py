"""Failure-rate monitoring: the per-category Bernoulli CUSUM, refreshed into FailureRateCusum.

The refresh reads one GROUP BY of the last `months` months of decided supervision records per (city, category,
day) - a bounded, indexed scan done in the background (`nqi analytics refresh` or the django-tasks task), never
on a page view. The first `baseline_months` of the window are the baseline, the rest are monitored; see
`stats.cusum_by_group_counts` for why per-day counts keep the chart's false-alarm guarantee. Risk monitoring is
left out (targeted, not used for penalties), and so are the risk-targeted batches of sampling plans.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from nqi.inspections.choices import Conclusion, Selection
from nqi.inspections.models import SamplingRecord

from . import stats
from .aggregation import SUPERVISION_KINDS, add_months
from .models import CusumRefresh, CusumStatus, FailureRateCusum
from .scoping import can_view_dashboards, regulated_city

WINDOW_MONTHS = 24
BASELINE_MONTHS = 12
# In-control ARL per baseline batch (see stats.cusum_by_group_counts): about a 1% chance per category of a false
# alarm in the monitored year, instead of near-certainty at a fixed 1,000 batches for a busy category.
ARL0_PER_BASELINE_BATCH = 100.0


def window(today: dt.date, months: int = WINDOW_MONTHS, baseline_months: int = BASELINE_MONTHS):
    """(first day of the window, first monitored day): `months` whole months ending with today's month."""
    if not 0 < baseline_months < months:
        raise ValueError("基线月数须小于监测窗口月数")
    start = add_months(today.replace(day=1), -(months - 1))
    return start, add_months(start, baseline_months)


def daily_counts(start: dt.date, end: dt.date):
    """(city, category, day, failed, batches) of decided supervision records from start to end inclusive."""
    return (SamplingRecord.objects
            .filter(sampling_date__gte=start, sampling_date__lte=end, plan_kind__in=SUPERVISION_KINDS,
                    conclusion__in=[Conclusion.PASS, Conclusion.FAIL])
            .exclude(product_category="")
            # Risk-targeted batches fail more often by design: counted here they would raise false alarms.
            .exclude(selection=Selection.TARGETED)
            .values_list("city", "product_category", "sampling_date")
            .annotate(failed=Count("id", filter=Q(conclusion=Conclusion.FAIL)), batches=Count("id"))
            .order_by())


def _row(group: stats.CusumGroup, city: str, category: str, start, baseline_end, now) -> FailureRateCusum:
    alarm = group.status == stats.CUSUM_ALARM
    return FailureRateCusum(
        city=city, product_category=category, status=group.status, alarm_date=group.alarm_date,
        statistic=group.statistic, threshold=group.h, p0=group.p0, p1=group.p1,
        baseline_failed=group.baseline_failed, baseline_total=group.baseline_total,
        recent_failed=group.recent_failed, recent_total=group.recent_total, window_start=start,
        baseline_end=baseline_end, computed_at=now,
        path=[[d.isoformat(), round(s, 4)] for d, s in zip(group.dates, group.path, strict=True)] if alarm else [],
    )


def refresh(today: dt.date | None = None, months: int = WINDOW_MONTHS,
            baseline_months: int = BASELINE_MONTHS) -> CusumRefresh:
    """Recompute every category's CUSUM, region-wide and per city, and replace the cached rows."""
    began = time.perf_counter()
    now = timezone.now()
    today = today or timezone.localdate()
    start, baseline_end = window(today, months, baseline_months)
    region, by_city = [], []
    for city, category, day, failed, batches in daily_counts(start, today).iterator(chunk_size=20000):
        region.append((category, day, failed, batches))
        by_city.append(((city, category), day, failed, batches))
    design = {"baseline_end": baseline_end, "arl0_per_baseline_batch": ARL0_PER_BASELINE_BATCH,
              "include_quiet": True}
    rows = [_row(g, "", g.group, start, baseline_end, now) for g in stats.cusum_by_group_counts(region, **design)]
    rows += [_row(g, g.group[0], g.group[1], start, baseline_end, now)
             for g in stats.cusum_by_group_counts(by_city, **design)]
    with transaction.atomic():
        FailureRateCusum.objects.all().delete()
        FailureRateCusum.objects.bulk_create(rows, batch_size=1000)
        log = CusumRefresh.objects.create(
            started_at=now, finished_at=timezone.now(), window_start=start, baseline_end=baseline_end,
            groups=len(rows), alarms=sum(r.status == CusumStatus.ALARM for r in rows),
            seconds=round(time.perf_counter() - began, 3))
    return log


def visible_cusums(user):
    """City regulators see their city's charts; the region and the operator the region-wide ones."""
    qs = FailureRateCusum.objects.all()
    if not can_view_dashboards(user):
        return qs.none()
    city = regulated_city(user)
    if city is None:
        return qs.filter(city="")
    return qs.filter(city=city) if city else qs.none()


def current_alarms(user):
    return visible_cusums(user).filter(status=CusumStatus.ALARM).order_by("-alarm_date", "product_category")


def last_refresh():
    return CusumRefresh.objects.order_by("-started_at").first()


def as_group(row: FailureRateCusum) -> stats.CusumGroup:
    """The cached row back as a CusumGroup, for `charts.cusum_chart`."""
    return stats.CusumGroup(
        row.product_category, row.status, row.alarm_date, row.statistic, row.threshold, row.baseline_rate,
        row.p0, row.p1, row.recent_rate, row.baseline_failed, row.baseline_total, row.recent_failed,
        row.recent_total, [dt.date.fromisoformat(d) for d, _s in row.path], [s for _d, s in row.path])
