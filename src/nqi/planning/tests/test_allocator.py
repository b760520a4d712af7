import random
from collections import Counter

import pytest

from nqi.planning.allocator import PlanningError, allocate, build_plan
from nqi.planning.tests.factories import make_cells, make_history


def by_category(plan) -> Counter:
    totals = Counter()
    for a in plan.allocations:
        totals[a.product_category] += a.batches
    return totals


@pytest.mark.parametrize("share", [0.0, 0.2, 1.0])
def test_budget_cap_and_category_minimums_hold(share):
    cells = make_cells()
    plan = allocate(cells, budget=90, max_per_cell=3, min_per_category=6, random_share=share, seed=7)
    assert sum(a.batches for a in plan.allocations) == 90
    assert all(1 <= a.batches <= 3 for a in plan.allocations)
    assert all(a.batches == a.random_batches + a.targeted_batches for a in plan.allocations)
    cells_per_category = Counter(c.product_category for c in cells)
    totals = by_category(plan)
    for category, n in cells_per_category.items():
        assert totals[category] >= min(6, 3 * n), category
    frame = {(c.enterprise_id, c.product_category) for c in cells}
    assert {(a.enterprise_id, a.product_category) for a in plan.allocations} <= frame


def test_small_category_gets_what_its_cells_can_take():
    cells = make_cells()
    smallest = min(Counter(c.product_category for c in cells).items(), key=lambda kv: kv[1])
    plan = allocate(cells, budget=60, max_per_cell=1, min_per_category=smallest[1] + 5, random_share=0, seed=1)
    assert plan.category_minimums[smallest[0]] == smallest[1]
    assert by_category(plan)[smallest[0]] == smallest[1]


def test_random_share_is_honoured_and_targeted_batches_follow_risk():
    cells = make_cells()
    plan = allocate(cells, budget=80, max_per_cell=2, min_per_category=0, random_share=0.25, seed=3)
    assert plan.random_batches == 20
    assert sum(a.random_batches for a in plan.allocations) == 20
    assert sum(a.targeted_batches for a in plan.allocations) == 60
    targeted = {(a.enterprise_id, a.product_category) for a in plan.allocations if a.targeted_batches}
    lowest_targeted = min(c.risk for c in cells if (c.enterprise_id, c.product_category) in targeted)
    # A cell left with spare room under the cap must not be riskier than every targeted cell.
    room = {(a.enterprise_id, a.product_category): a.batches for a in plan.allocations}
    for c in cells:
        if room.get((c.enterprise_id, c.product_category), 0) < 2:
            assert c.risk <= lowest_targeted


def test_random_draw_gives_every_cell_the_same_chance():
    cells = make_cells(n_enterprises=20)
    hits = Counter()
    draws = 400
    for seed in range(draws):
        plan = allocate(cells, budget=10, max_per_cell=2, random_share=0.5, seed=seed)
        for a in plan.allocations:
            if a.random_batches:
                hits[(a.enterprise_id, a.product_category)] += 1
    expected = draws * 5 / len(cells)
    counts = [hits[(c.enterprise_id, c.product_category)] for c in cells]
    # Riskiest and safest cells alike are drawn at about n_random / N of the time.
    assert min(counts) > 0.5 * expected and max(counts) < 1.6 * expected


def test_same_seed_same_plan_whatever_the_row_order():
    cells = make_cells()
    first = allocate(cells, budget=60, max_per_cell=2, min_per_category=4, random_share=0.2, seed=42)
    shuffled = list(cells)
    random.Random(5).shuffle(shuffled)
    second = allocate(shuffled, budget=60, max_per_cell=2, min_per_category=4, random_share=0.2, seed=42)
    assert first.allocations == second.allocations
    other = allocate(cells, budget=60, max_per_cell=2, min_per_category=4, random_share=0.2, seed=43)
    assert [a for a in other.allocations if a.random_batches] != [a for a in first.allocations if a.random_batches]


def test_seed_is_drawn_and_reported_when_not_given():
    cells = make_cells()
    plan = allocate(cells, budget=30, max_per_cell=2, random_share=0.5)
    again = allocate(cells, budget=30, max_per_cell=2, random_share=0.5, seed=plan.seed)
    assert plan.allocations == again.allocations


def test_city_minimums_are_met():
    cells = make_cells()
    plan = allocate(cells, budget=40, max_per_cell=2, random_share=0, city_minimums={"梧州市": 12}, seed=2)
    assert sum(a.batches for a in plan.allocations if a.region == "梧州市") >= 12
    assert any("保障梧州市最低 12 批" in a.reason for a in plan.allocations)


def test_infeasible_requests_raise_clear_errors():
    cells = make_cells(n_enterprises=10)
    with pytest.raises(PlanningError, match="超过抽样框容量"):
        allocate(cells, budget=10 * len(cells), max_per_cell=2)
    with pytest.raises(PlanningError, match="各类别最低批次之和"):
        allocate(cells, budget=5, max_per_cell=3, min_per_category=3)
    with pytest.raises(PlanningError, match="随机抽取比例"):
        allocate(cells, budget=5, max_per_cell=3, random_share=1.5)
    with pytest.raises(PlanningError, match="不在历史数据的地区中"):
        allocate(cells, budget=5, max_per_cell=3, city_minimums={"火星市": 1})


def test_reasons_explain_risk_history_and_share():
    cells = make_cells()
    plan = allocate(cells, budget=50, max_per_cell=2, min_per_category=3, random_share=0.2, seed=9)
    random_one = next(a for a in plan.allocations if a.random_batches)
    assert "双随机抽取" in random_one.reason
    top = plan.allocations[0]
    assert top.risk_rank == 1 and "风险定向" in top.reason and "风险排名 1/" in top.reason
    assert "估计不合格率" in top.reason and "占本期预算" in top.reason


def test_build_plan_from_history_rows_and_mappings():
    rows, _truth = make_history(n_enterprises=80, periods=3, batches_per_period=80, seed=4)
    allocations = build_plan(rows, budget=40, max_per_cell=2, min_per_category=2, random_share=0.2, seed=1)
    mappings = [
        {"period": r.period, "region": r.region, "product_category": r.product_category,
         "enterprise_id": r.enterprise_id, "sampled": str(r.sampled), "failed": r.failed}
        for r in rows
    ]
    assert build_plan(mappings, budget=40, max_per_cell=2, min_per_category=2, random_share=0.2, seed=1) == allocations
    assert sum(a.batches for a in allocations) == 40
    assert all(a.estimated_risk > 0 and a.risk_low <= a.estimated_risk <= a.risk_high for a in allocations)
