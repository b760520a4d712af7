"""A regulator generates next period's plan from the results in the database: finished supervision checks of
its own scope, never risk monitoring; parameters refused with field-level Chinese messages."""

import datetime as dt

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

from nqi.core.audit import timeline
from nqi.core.choices import City
from nqi.core.exceptions import ActionNotAllowed
from nqi.planning import actions, sources
from nqi.planning.choices import HistoryPeriod, SchemeStatus

pytestmark = pytest.mark.django_db


def test_history_rows_count_finished_supervision_checks_per_quarter(history):
    db = sources.load_history(date_from=dt.date(2025, 1, 1), date_to=dt.date(2026, 12, 31), include_unsampled=False)
    bad = f"org:{history.bad.pk}"
    rows = sorted((r.period, r.sampled, r.failed) for r in db.rows if r.enterprise_id == bad)
    assert rows == [(p, 2, 2) for p in ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]]
    good1 = [r for r in db.rows if r.enterprise_id == f"org:{history.good1.pk}"]
    # Risk monitoring failures and the pending sample are left out.
    assert sum(r.failed for r in good1) == 0 and sum(r.sampled for r in good1) == 12
    assert {r.region for r in db.rows} == {"柳州市", "桂林市"}
    assert db.batches == 60 and db.failed == 12 + 1 + 6
    assert db.enterprises[bad].name == history.bad.name and db.enterprises[bad].uscc == history.bad.credit_code


def test_yearly_periods_and_city_scope(history):
    db = sources.load_history(city=City.GUILIN, date_from=dt.date(2025, 1, 1), date_to=dt.date(2026, 12, 31),
                              granularity=HistoryPeriod.YEAR, include_unsampled=False)
    assert {r.period for r in db.rows} == {"2025", "2026"}
    assert {r.product_category for r in db.rows} == {"米粉"} and db.batches == 24


def test_unsampled_platform_enterprise_joins_the_frame_with_zero_batches(history):
    db = sources.load_history(date_from=dt.date(2025, 1, 1), date_to=dt.date(2026, 12, 31))
    (row,) = [r for r in db.rows if r.enterprise_id == f"org:{history.unsampled.pk}"]
    assert (row.product_category, row.sampled, row.period) == ("方便食品", 0, "2026Q2")
    assert "1 家尚无抽检记录的平台企业" in db.notes[0]


def test_region_generates_a_draft_that_sends_batches_to_the_risky_maker(history):
    scheme = history.generate()
    assert scheme.status == SchemeStatus.DRAFT and scheme.owner_city == ""
    assert scheme.frame_size == 6 == scheme.cells.count()
    assert scheme.history_batches == 60 and scheme.plan_kinds and "risk_monitoring" not in scheme.plan_kinds
    cells = {c.enterprise_id: c for c in scheme.cells.all()}
    bad = cells[history.bad.pk]
    assert bad.risk_rank == 1 and bad.batches == 3 and bad.estimated_risk > 0.5
    assert bad.risk_low < bad.estimated_risk < bad.risk_high and bad.inclusion_probability == 1.0
    assert "风险定向" in bad.reason and "历史抽检 12 批、不合格 12 批" in bad.reason
    assert cells[history.good1.pk].estimated_risk < 0.2  # the risk-monitoring failures did not count
    totals = actions.scheme_totals(scheme)
    assert totals.batches == 8 and totals.random_batches == 2 and totals.targeted_batches == 6
    # Sending batches where failures are likely finds more of them than spreading the same budget evenly.
    assert scheme.proposed_expected_failures > scheme.uniform_expected_failures
    assert [e.action for e in timeline(scheme)] == ["generate_scheme"]


def test_same_seed_gives_the_same_plan(history):
    first, second = history.generate(seed=99), history.generate(seed=99)
    layout = [(c.enterprise_key, c.product_category, c.random_batches, c.targeted_batches) for c in
              first.cells.order_by("enterprise_key")]
    assert layout == [(c.enterprise_key, c.product_category, c.random_batches, c.targeted_batches) for c in
                      second.cells.order_by("enterprise_key")]


def test_city_regulator_plans_its_own_city_only(history):
    scheme = history.generate(history.desk.regulator, budget=5)
    assert scheme.owner_city == City.LIUZHOU
    assert {c.city for c in scheme.cells.all()} == {City.LIUZHOU}
    assert scheme.history_batches == 36


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"budget": 19}, "budget", "抽样总批次 19 超过抽样框容量：6 个企业-产品单元 × 每单元上限 3 批 = 18 批"),
    ({"min_per_category": 5}, "min_per_category", "2 个类别的最低批次合计 10 批，超过抽样总批次 8 批"),
    ({"min_per_city": 5}, "min_per_city", "各地市最低批次合计 10 批，超过抽样总批次 8 批"),
    ({"random_share": 1.5}, "random_share", "双随机抽取比例必须在 0 到 1 之间"),
    ({"name": "  "}, "name", "请填写方案名称"),
    ({"history_from": dt.date(2026, 1, 1), "history_to": dt.date(2025, 1, 1)}, "history_to", "不能早于起始日期"),
])
def test_parameters_refused_on_the_field_to_change(history, overrides, field, message):
    with pytest.raises(ValidationError) as caught:
        history.generate(**overrides)
    assert message in " ".join(caught.value.message_dict[field])


def test_no_history_in_the_window_is_a_clear_error(history):
    with pytest.raises(ValidationError) as caught:
        history.generate(history_from=dt.date(2020, 1, 1), history_to=dt.date(2020, 12, 31))
    assert "没有已出结论的监督抽查记录" in caught.value.message_dict[NON_FIELD_ERRORS][0]


def test_only_regulators_generate(history):
    for user in (history.desk.enterprise_user, history.desk.provider_user, history.desk.expert.user):
        with pytest.raises(ActionNotAllowed):
            history.generate(user)


def test_demo_draft_from_the_demo_history(db):
    from nqi.demo import generate
    from nqi.planning.models import SamplingScheme

    generate.build_world(seed=5, scale=generate.Scale(requests=200, enterprises=120))
    scheme = SamplingScheme.objects.get()
    assert scheme.status == SchemeStatus.DRAFT and scheme.owner_city == "" and scheme.created_by.username == "zizhiqu"
    assert actions.scheme_totals(scheme).batches == scheme.budget == min(240, scheme.frame_size * 3 // 2)
    assert scheme.proposed_expected_failures > scheme.uniform_expected_failures
