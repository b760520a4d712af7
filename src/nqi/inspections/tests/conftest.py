import datetime as dt

import pytest
from django.utils import timezone

from nqi import testing
from nqi.core.choices import City
from nqi.inspections import actions
from nqi.inspections.choices import Judgement, PlanKind


def moment(y, m, d, h=10):
    return timezone.make_aware(dt.datetime(y, m, d, h))


class Spot:
    """The service desk's small Liuzhou plus a regional spot-check plan with a task for the Liuzhou lab."""

    def __init__(self, desk, kind=PlanKind.PROVINCIAL):
        self.desk = desk
        self.lab, self.lab_user = desk.provider, desk.provider_user
        self.other_lab, self.other_lab_user = desk.other_provider, desk.other_provider_user
        self.plan = actions.do_create_plan(desk.region, actions.NewPlan(
            name="2026年第3批自治区产品质量监督抽查", year=2026, kind=kind, batch=3, product_categories=["方便食品"],
            quota=20), labs=[self.lab], at=moment(2026, 8, 1))
        self.task = actions.do_assign_task(desk.region, self.plan, lab=self.lab, product_category="方便食品",
                                           quota=10, city=City.LIUZHOU)

    def sample(self, batch_no="20260801A", sampled_on=dt.date(2026, 8, 20), enterprise=None, product="袋装螺蛳粉",
               plan=None, task=None):
        enterprise = enterprise or self.desk.enterprise
        return actions.do_record_sampling(self.lab_user, plan or self.plan, actions.NewSample(
            product_name=product, manufacturer_name=enterprise.name, manufacturer_uscc=enterprise.credit_code,
            city=enterprise.city, sampling_date=sampled_on, stage="production", samplers=["韦明", "覃芳"],
            sample_quantity="8袋", backup_quantity="8袋", batch_no=batch_no, product_category="方便食品",
            specification="300g/袋"), task=task or (self.task if plan is None else None), at=moment(2026, 8, 21))

    def tested(self, passed=False, **kwargs):
        record = self.sample(**kwargs)
        items = [actions.ItemResult("菌落总数", Judgement.PASS if passed else Judgement.FAIL, "DBS45/034-2021", "3.4",
                                    "CFU/g", "50000" if passed else "3.2×10⁵", "≤10⁵"),
                 actions.ItemResult("过氧化值", Judgement.PASS, "DBS45/034-2021", "3.3", "g/100g", "0.08", "≤0.25")]
        return actions.do_enter_results(self.lab_user, record, items, at=moment(2026, 9, 1))

    def notified(self, received=dt.date(2026, 9, 16), **kwargs):
        record = self.tested(**kwargs)
        return actions.do_notify_enterprise(self.desk.regulator, record, received_on=received,
                                            at=moment(received.year, received.month, received.day, 9))

    def final_failure(self, **kwargs):
        record = self.notified(**kwargs)
        actions.run_deadlines(now=timezone.make_aware(dt.datetime.combine(record.objection_due, dt.time(10)))
                              + dt.timedelta(days=1))
        record.refresh_from_db()
        return record


@pytest.fixture
def spot(desk):
    return Spot(desk)


@pytest.fixture
def sample_enterprise(desk):
    return desk.enterprise


def make_lab(city=City.GUILIN, name=None):
    org, user, _items = testing.make_provider(city, name=name)
    return org, user
