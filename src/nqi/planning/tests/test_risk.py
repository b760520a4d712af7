import math
import random

import numpy as np

from nqi.planning.history import HistoryRow
from nqi.planning.risk import fit_risk_model
from nqi.planning.tests.factories import make_history


def with_extra(rows, *extra):
    return list(rows) + [HistoryRow(*e) for e in extra]


def test_cell_with_zero_of_one_is_pulled_to_its_category_prior():
    rows, _truth = make_history(seed=1)
    rows = with_extra(rows, ("2024Q4", "柳州市", "螺蛳粉", "NEW-1", 1, 0), ("2024Q4", "柳州市", "螺蛳粉", "NEW-2", 1, 1))
    cells = fit_risk_model(rows, half_life=2.0).by_cell()
    clean, failed_once = cells[("NEW-1", "螺蛳粉")], cells[("NEW-2", "螺蛳粉")]
    # Raw rates would be 0% and 100%; one batch barely moves a new enterprise away from its prior.
    assert abs(clean.risk - clean.prior_risk) < 0.35 * clean.prior_risk
    assert clean.risk > 0.01
    assert failed_once.prior_risk < failed_once.risk < 0.5
    assert clean.risk_low < clean.risk < clean.risk_high


def test_repeat_offender_ranks_high():
    rows, _truth = make_history(seed=2)
    rows = with_extra(
        rows,
        ("2024Q2", "南宁市", "食糖", "BAD", 2, 2),
        ("2024Q3", "南宁市", "食糖", "BAD", 2, 1),
        ("2024Q4", "南宁市", "食糖", "BAD", 2, 2),
    )
    model = fit_risk_model(rows, half_life=2.0)
    ranked = sorted(model.cells, key=lambda c: -c.risk)
    rank = [(c.enterprise_id, c.product_category) for c in ranked].index(("BAD", "食糖")) + 1
    assert rank <= 3
    assert model.by_cell()[("BAD", "食糖")].risk > 0.4


def test_enterprise_effect_is_shared_across_categories():
    rows, _truth = make_history(seed=3)
    rows = with_extra(
        rows,
        ("2024Q3", "桂林市", "大米", "SHADY", 3, 3),
        ("2024Q4", "桂林市", "大米", "SHADY", 3, 2),
        ("2024Q4", "桂林市", "米粉", "SHADY", 0, 0),
        ("2024Q3", "桂林市", "大米", "TIDY", 3, 0),
        ("2024Q4", "桂林市", "大米", "TIDY", 3, 0),
        ("2024Q4", "桂林市", "米粉", "TIDY", 0, 0),
    )
    cells = fit_risk_model(rows, half_life=2.0).by_cell()
    # Neither has ever been sampled for 米粉, but the enterprise that fails 大米 is the riskier one.
    assert cells[("SHADY", "米粉")].risk > 2 * cells[("TIDY", "米粉")].risk
    assert cells[("SHADY", "米粉")].history_sampled == 0


def test_never_sampled_cell_of_new_enterprise_gets_category_and_city_prior():
    rows, _truth = make_history(seed=4)
    rows = with_extra(rows, ("2024Q4", "梧州市", "包装饮用水", "FRESH", 0, 0))
    cell = fit_risk_model(rows, half_life=2.0).by_cell()[("FRESH", "包装饮用水")]
    assert abs(cell.risk - cell.prior_risk) < 0.05 * cell.prior_risk
    assert cell.risk_high - cell.risk_low > 0.05  # no history: a wide interval


def test_recent_failures_weigh_more_than_old_ones():
    rows, _truth = make_history(seed=5)
    rows = with_extra(
        rows,
        ("2024Q1", "南宁市", "食糖", "OLD", 2, 2), ("2024Q4", "南宁市", "食糖", "OLD", 2, 0),
        ("2024Q1", "南宁市", "食糖", "RECENT", 2, 0), ("2024Q4", "南宁市", "食糖", "RECENT", 2, 2),
    )
    cells = fit_risk_model(rows, half_life=1.0).by_cell()
    assert cells[("RECENT", "食糖")].risk > cells[("OLD", "食糖")].risk


def test_model_ranks_cells_by_their_true_rates_and_ignores_row_order():
    rows, truth = make_history(n_enterprises=400, seed=6)
    model = fit_risk_model(rows)
    estimated = np.array([c.risk for c in model.cells])
    true = np.array([truth[(c.enterprise_id, c.product_category)] for c in model.cells])
    assert np.corrcoef(estimated, true)[0, 1] > 0.5
    assert model.half_life in model.half_life_scores
    shuffled = list(rows)
    random.Random(1).shuffle(shuffled)
    again = fit_risk_model(shuffled, half_life=model.half_life).by_cell()
    for cell in model.cells[:50]:
        assert abs(again[(cell.enterprise_id, cell.product_category)].risk - cell.risk) < 1e-6


def test_risk_drop_after_rectification_is_estimated_from_the_history():
    rows, _truth = make_history(seed=7)
    extra = []
    for i in range(40):
        # Failed in the first period, rectified (整改), clean in every later check.
        extra.append(("2024Q1", "南宁市", "食糖", f"FIX-{i}", 2, 1))
        extra += [(period, "南宁市", "食糖", f"FIX-{i}", 2, 0) for period in ("2024Q2", "2024Q3", "2024Q4")]
    rows = with_extra(rows, *extra)
    model = fit_risk_model(rows, half_life=math.inf)
    plain = fit_risk_model(rows, half_life=math.inf, covariates=())
    assert model.coefficients["corrections"] < 0
    assert plain.coefficients == {}
    fixed, fixed_plain = model.by_cell()[("FIX-0", "食糖")], plain.by_cell()[("FIX-0", "食糖")]
    assert fixed.risk < fixed_plain.risk
    assert fixed.risk_low < fixed.risk < fixed.risk_high
