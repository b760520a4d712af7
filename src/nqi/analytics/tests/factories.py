"""Spot-check data for the analytics tests, written straight to the inspections models (bulk_create) with the
rollup rebuilt afterwards, as the brief for these tests asks."""

import datetime as dt
import itertools

from nqi.inspections import rollups
from nqi.inspections.choices import Conclusion, Judgement, PlanKind, RecordStatus
from nqi.inspections.models import InspectionPlan, SamplingRecord, TestItemResult, record_dedup_key

_numbers = itertools.count(1)


def plan(kind=PlanKind.PROVINCIAL, year=2026):
    return InspectionPlan.objects.create(name=f"{year}年{kind}测试计划{next(_numbers)}", year=year, kind=kind)


def records(plan_, *, n, failed=0, city="450200", category="螺蛳粉", day=dt.date(2026, 5, 10), stage="production",
            size="small", manufacturer=None, manufacturer_name="测试螺蛳粉有限公司", uscc="", failed_items=(),
            conclusion=None, spread_days=1, selection=""):
    """n decided records, `failed` of them failed at evenly spaced positions (the first is one), over
    `spread_days` days from `day`."""
    failing = {k * n // failed for k in range(failed)} if failed else set()
    made = []
    for i in range(n):
        number = next(_numbers)
        sampled = day + dt.timedelta(days=i % spread_days)
        is_failed = i in failing
        made.append(SamplingRecord(
            number=f"T{number:010d}", plan=plan_, plan_kind=plan_.kind, stage=stage, city=city, sampling_date=sampled,
            manufacturer=manufacturer, manufacturer_name=manufacturer_name, manufacturer_uscc=uscc,
            enterprise_size=size, product_name=f"{category}{number}", product_category=category,
            status=RecordStatus.FINAL,
            conclusion=conclusion if conclusion is not None else (Conclusion.FAIL if is_failed else Conclusion.PASS),
            failed_items_text="、".join(failed_items) if is_failed else "", selection=selection,
            dedup_key=record_dedup_key(manufacturer_name, f"{category}{number}", str(number), sampled)))
    SamplingRecord.objects.bulk_create(made)
    saved = list(SamplingRecord.objects.filter(number__in=[r.number for r in made]))
    items = [TestItemResult(record=r, item=item, judgement=Judgement.FAIL, sort_order=k)
             for r in saved if r.conclusion == Conclusion.FAIL for k, item in enumerate(failed_items)]
    TestItemResult.objects.bulk_create(items)
    return saved


def rebuild():
    return rollups.rebuild()
