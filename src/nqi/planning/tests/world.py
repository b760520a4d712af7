"""A small inspection history in the database for the planning tests (unit and end-to-end)."""

import datetime as dt
import itertools

from nqi import testing
from nqi.core.choices import City
from nqi.inspections import rollups
from nqi.inspections.choices import Conclusion, PlanKind, RecordSource, RecordStatus
from nqi.inspections.models import InspectionPlan, SamplingRecord, record_dedup_key
from nqi.planning import actions

_serial = itertools.count(1)
QUARTERS = [dt.date(2025, 2, 10), dt.date(2025, 5, 10), dt.date(2025, 8, 10), dt.date(2025, 11, 10),
            dt.date(2026, 2, 10), dt.date(2026, 5, 10)]


def finished(plan, maker, category, day, failed, *, conclusion=None, selection="", task=None):
    """A batch whose result is final, written the way an import writes history."""
    n = next(_serial)
    return SamplingRecord.objects.create(
        number=f"T{n:08d}", plan=plan, plan_kind=plan.kind, city=maker.city, sampling_date=day,
        manufacturer=maker, manufacturer_name=maker.name, manufacturer_uscc=maker.credit_code or "",
        enterprise_size=maker.size, product_name=f"{category}样品", product_category=category, batch_no=f"B{n}",
        stage="production", status=RecordStatus.FINAL if conclusion != Conclusion.PENDING else RecordStatus.TESTING,
        conclusion=conclusion if conclusion is not None else (Conclusion.FAIL if failed else Conclusion.PASS),
        source=RecordSource.IMPORT, selection=selection, task=task,
        dedup_key=record_dedup_key(maker.name, f"{category}样品", f"B{n}", day))


class History:
    """Two years of provincial spot checks: in Liuzhou a maker of 方便食品 that keeps failing and two that pass,
    in Guilin two 米粉 makers; plus risk-monitoring failures and pending samples that must not count."""

    def __init__(self, desk):
        self.desk = desk
        self.plan = InspectionPlan.objects.create(name="历年自治区监督抽查", year=2025, kind=PlanKind.PROVINCIAL)
        self.monitoring = InspectionPlan.objects.create(name="风险监测", year=2025, kind=PlanKind.RISK_MONITORING)
        self.bad = desk.enterprise
        self.good1, _ = testing.make_enterprise(City.LIUZHOU, name="柳州优质食品有限公司")
        self.good2, _ = testing.make_enterprise(City.LIUZHOU, name="柳州放心食品有限公司")
        self.guilin1 = desk.other_enterprise
        self.guilin2, _ = testing.make_enterprise(City.GUILIN, name="桂林米粉二厂", industry="米粉")
        # A Liuzhou maker of the same industry never sampled: the frame takes it in with zero batches.
        self.unsampled, _ = testing.make_enterprise(City.LIUZHOU, name="柳州新开螺蛳粉厂")
        for day in QUARTERS:
            for k in range(2):
                finished(self.plan, self.bad, "方便食品", day + dt.timedelta(days=k), failed=True)
                finished(self.plan, self.good1, "方便食品", day + dt.timedelta(days=k), failed=False)
                finished(self.plan, self.good2, "方便食品", day + dt.timedelta(days=k), failed=k == 0 and day == QUARTERS[0])
                finished(self.plan, self.guilin1, "米粉", day + dt.timedelta(days=k), failed=False)
                finished(self.plan, self.guilin2, "米粉", day + dt.timedelta(days=k), failed=k == 1)
            # Risk monitoring blames good1; it must not move good1's risk.
            finished(self.monitoring, self.good1, "方便食品", day, failed=True)
        finished(self.plan, self.good1, "方便食品", QUARTERS[-1], failed=False, conclusion=Conclusion.PENDING)
        rollups.rebuild()

    def generate(self, user=None, **overrides):
        params = {"name": "2027年方便食品与米粉风险抽样方案", "year": 2027, "budget": 8, "max_per_cell": 3,
                  "min_per_category": 0, "random_share": 0.25, "seed": 11}
        params.update(overrides)
        return actions.do_generate(user or self.desk.region, actions.SchemeParameters(**params))
