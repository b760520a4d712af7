import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from nqi.planning.estimation import (
    CellOutcome,
    EstimationError,
    estimate_from_random_share,
    estimate_with_targeted,
    naive_pass_rate,
    outcomes_from_batches,
    population_pass_rate,
    wilson_interval,
)


def test_wilson_matches_statsmodels():
    low, high = wilson_interval(7 / 120, 120)
    ref_low, ref_high = proportion_confint(7, 120, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref_low) and high == pytest.approx(ref_high)


def test_intervals_cover_the_true_pass_rate_despite_targeting():
    rng = np.random.default_rng(2024)
    n_cells, budget, share, cap = 3000, 600, 0.2, 3
    rates = rng.beta(0.6, 9, n_cells)  # heavy right tail: a few cells fail often
    true_pass = 1 - rates.mean()
    # The targeted share goes to the cells a (noisy) risk score ranks highest.
    score = rates * rng.lognormal(0, 0.5, n_cells)
    n_random = int(budget * share)
    covered_random = covered_ipw = 0
    naive = []
    reps = 300
    for _ in range(reps):
        random_cells = rng.choice(n_cells, n_random, replace=False)
        random_b = np.zeros(n_cells, dtype=int)
        random_b[random_cells] = 1
        targeted_b = np.zeros(n_cells, dtype=int)
        left = budget - n_random
        for i in np.argsort(-score):
            take = min(cap - random_b[i], left)
            targeted_b[i] = take
            left -= take
            if not left:
                break
        outcomes = [
            CellOutcome(str(i), "c", int(random_b[i]), int(rng.binomial(random_b[i], rates[i])),
                        int(targeted_b[i]), int(rng.binomial(targeted_b[i], rates[i])))
            for i in np.flatnonzero(random_b + targeted_b)
        ]
        est = estimate_from_random_share(sum(o.random_sampled for o in outcomes), sum(o.random_failed for o in outcomes))
        ipw = estimate_with_targeted(outcomes, frame_size=n_cells)
        covered_random += est.low <= true_pass <= est.high
        covered_ipw += ipw.low <= true_pass <= ipw.high
        naive.append(naive_pass_rate(outcomes).pass_rate)
    assert covered_random / reps >= 0.92
    assert covered_ipw / reps >= 0.92
    # The raw pass rate of a targeted sample is far below the population's: never a quality trend.
    assert np.mean(naive) < true_pass - 0.05


def test_population_pass_rate_reports_all_three_and_labels_the_naive_one():
    outcomes = [CellOutcome("A", "x", 1, 0, 2, 2), CellOutcome("B", "x", 1, 0), CellOutcome("C", "x", 1, 1)]
    result = population_pass_rate(outcomes, frame_size=10)
    assert result["random"].pass_rate == pytest.approx(2 / 3)
    assert result["naive"].pass_rate == pytest.approx(2 / 5)
    assert "不代表总体质量水平" in result["naive"].note
    # A (targeted) counts as its own 2/3 failure rate, the 9 others as the 1/2 seen on B and C.
    assert result["ipw"].pass_rate == pytest.approx(1 - (2 / 3 + 9 * 0.5) / 10)


def test_outcomes_from_batches_splits_random_and_targeted():
    class Batch:
        def __init__(self, enterprise_id, drawn_at_random, failed):
            self.enterprise_id, self.product_category = enterprise_id, "米粉"
            self.drawn_at_random, self.failed = drawn_at_random, failed

    outcomes = outcomes_from_batches([Batch("A", True, False), Batch("A", False, True), Batch("B", True, True)])
    assert sorted(outcomes, key=lambda o: o.enterprise_id) == [
        CellOutcome("A", "米粉", 1, 0, 1, 1),
        CellOutcome("B", "米粉", 1, 1, 0, 0),
    ]


def test_no_random_batches_is_an_error_not_a_number():
    with pytest.raises(EstimationError, match="随机抽取部分没有批次"):
        estimate_from_random_share(0, 0)
    with pytest.raises(EstimationError, match="逆概率加权"):
        estimate_with_targeted([CellOutcome("A", "x", 0, 0, 3, 1)], frame_size=5)
