"""The demo spot checks: plans over 2025–2026, realistic pass rates, luosifen improving, workflow states."""

import datetime as dt
import random

import pytest
from django.db.models import Count, Q, Sum

from nqi import testing
from nqi.core.choices import City
from nqi.core.models import AuditEntry
from nqi.inspections import demo
from nqi.inspections.choices import Conclusion, FollowUpStatus, PlanKind
from nqi.inspections.models import FollowUp, InspectionPlan, InspectionRollup, Objection, SamplingRecord

from .conftest import moment

pytestmark = pytest.mark.django_db


def rate(qs):
    counts = qs.aggregate(n=Count("id"), ok=Count("id", filter=Q(conclusion=Conclusion.PASS)))
    return counts["ok"] / counts["n"]


def test_demo_build(desk):
    for industry, city in (("螺蛳粉", City.LIUZHOU), ("螺蛳粉", City.LIUZHOU), ("胶合板", City.GUIGANG),
                           ("六堡茶", City.WUZHOU), ("铝加工", City.BAISE), ("制糖", City.CHONGZUO),
                           ("粮油", City.YULIN)):
        testing.make_enterprise(city, industry=industry)
    counts = demo.build(random.Random(7), moment(2026, 11, 27))
    assert counts["records"] > 1500 and InspectionPlan.objects.filter(kind=PlanKind.RISK_MONITORING).exists()
    judged = SamplingRecord.objects.exclude(conclusion=Conclusion.PENDING)
    luosifen = judged.filter(product_category="方便食品")
    early = rate(luosifen.filter(sampling_date__lt=dt.date(2025, 7, 1)))
    late = rate(luosifen.filter(sampling_date__gte=dt.date(2026, 6, 1)))
    assert 0.6 < early < 0.85 and late > 0.9
    assert rate(judged.filter(product_category="人造板")) > 0.9
    assert rate(judged.filter(product_category="茶叶及相关制品")) > 0.95
    # The oil problem from July 2026 that the demo's alarm catches: mostly aflatoxin B1.
    oil = judged.filter(product_category="食用油、油脂及其制品")
    assert rate(oil.filter(sampling_date__lt=demo.OIL_PROBLEM)) > 0.9 > rate(oil.filter(sampling_date__gte=demo.OIL_PROBLEM))
    # Every state of the workflow is there to click through.
    assert set(FollowUp.objects.values_list("status", flat=True)) >= {FollowUpStatus.CLOSED, FollowUpStatus.ORDERED}
    assert Objection.objects.filter(payer="department").exists() and Objection.objects.filter(payer="applicant").exists()
    assert not FollowUp.objects.filter(record__plan_kind=PlanKind.RISK_MONITORING).exists()
    assert not SamplingRecord.objects.filter(published=True, plan_kind=PlanKind.RISK_MONITORING).exists()
    assert SamplingRecord.objects.filter(published=True).exists()
    assert AuditEntry.objects.filter(action="notify").count() == SamplingRecord.objects.exclude(notified_at=None).count()
    assert InspectionRollup.objects.aggregate(n=Sum("batches"))["n"] == judged.count()
    # Each finished plan's tasks took exactly their quotas; every plan's trail starts with its creation.
    for plan in InspectionPlan.objects.filter(status="closed"):
        for task in plan.tasks.annotate(n=Count("records")):
            assert task.n == task.quota and task.status == "done"
        actions = list(AuditEntry.objects.filter(object_id=plan.pk, content_type__model="inspectionplan")
                       .order_by("created_at", "id").values_list("action", flat=True))
        assert actions[0] == "create_plan" and actions[-1] == "close_plan" and "assign_task" in actions
    assert demo.build(random.Random(7), moment(2026, 11, 27)) == {"plans": 0, "records": 0}


def test_demo_products_go_to_labs_qualified_for_them():
    from nqi.demo import content

    testing_labs = {p["name"]: p for p in content.providers() if "testing" in p["lines"]}
    assert {p.industry for p in demo.PRODUCTS} == set(demo.LABS_FOR)
    for industry, names in demo.LABS_FOR.items():
        for name in names:
            scope = " ".join(a.get("scope", "") for a in testing_labs[name].get("accreditations", []))
            assert scope, (industry, name)


@pytest.mark.parametrize("limit, unit", [("≤10⁵", "CFU/g"), ("≤0.25", "g/100g"), ("≤3", "mg/g"), ("≥0.70", "MPa"),
                                         ("≤0.01", "mg/L"), ("5~14", "%"), ("≤+10", "%"), ("≥42.5", "MPa")])
def test_demo_measured_values_lie_inside_the_limit_when_passed_and_outside_when_failed(limit, unit):
    def number(text):
        if "×10" in text:
            mantissa, exponent = text.split("×10")
            return float(mantissa) * 10 ** int(exponent.translate(demo.SUPERSCRIPT))
        return float(text.lstrip("<+"))

    rng = random.Random(3)
    for _ in range(50):
        passed, failed = number(demo.measured_value(rng, limit, unit, False)), number(
            demo.measured_value(rng, limit, unit, True))
        if "~" in limit:
            low, high = map(float, limit.split("~"))
            assert low <= passed <= high and not low <= failed <= high
        elif limit.startswith("≤"):
            bound = demo._number(limit[1:])
            assert passed <= bound < failed
        else:
            bound = demo._number(limit[1:])
            assert failed < bound <= passed
    assert demo.measured_value(rng, "不得检出", "/250g", False) == "未检出"
    assert demo.measured_value(rng, "符合", "", True) == "不符合"
