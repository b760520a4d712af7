import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from nqi.inspections.choices import PlanKind
from nqi.inspections.models import FollowUp

from . import factories as f


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the category menu is cached per scope
    yield
    cache.clear()


@pytest.fixture
def spot(desk):
    """Decided spot checks in Liuzhou (the desk's city) and Guilin, risk monitoring, one pending sample, and the
    two desk enterprises' own records with a follow-up; the rollup rebuilt."""

    class Spot:
        pass

    s = Spot()
    s.desk = desk
    s.provincial = f.plan(PlanKind.PROVINCIAL)
    s.city_plan = f.plan(PlanKind.CITY)
    s.risk = f.plan(PlanKind.RISK_MONITORING)
    f.records(s.provincial, n=40, failed=4, city="450200", category="螺蛳粉", failed_items=("酸价", "菌落总数"),
              spread_days=20)
    f.records(s.city_plan, n=10, failed=1, city="450200", category="白砂糖", day=dt.date(2026, 4, 3),
              stage="circulation", size="medium", failed_items=("蔗糖分",))
    f.records(s.provincial, n=30, failed=6, city="450300", category="桂林米粉", failed_items=("二氧化硫残留量",))
    f.records(s.risk, n=10, failed=5, city="450200", category="螺蛳粉", failed_items=("酸价",))
    f.records(s.provincial, n=1, city="450200", category="螺蛳粉", conclusion="")  # still being tested
    s.own = f.records(s.provincial, n=3, failed=1, city="450200", category="螺蛳粉", day=dt.date(2026, 3, 2),
                      manufacturer=desk.enterprise, manufacturer_name=desk.enterprise.name,
                      uscc=desk.enterprise.credit_code, failed_items=("过氧化值",))
    s.other = f.records(s.provincial, n=2, failed=0, city="450300", category="桂林米粉", day=dt.date(2026, 3, 5),
                        manufacturer=desk.other_enterprise, manufacturer_name=desk.other_enterprise.name,
                        uscc=desk.other_enterprise.credit_code)
    failed_own = next(r for r in s.own if r.conclusion == "fail")
    s.follow_up = FollowUp.objects.create(record=failed_own, enterprise=desk.enterprise,
                                          enterprise_name=desk.enterprise.name, city="450200",
                                          ordered_at=timezone.now(), correction_due=dt.date(2026, 4, 30))
    f.rebuild()
    return s
