"""Tests of the spot-check statistics against published values, hand calculations and simulation."""

import math
from datetime import date, timedelta

import numpy as np
import pytest
from scipy import optimize, stats

from nqi.analytics.stats import (
    ABOVE_95,
    ABOVE_998,
    BELOW_95,
    BELOW_998,
    CUSUM_ALARM,
    CUSUM_QUIET,
    CUSUM_SHORT_BASELINE,
    NO_DATA,
    WITHIN,
    _lattice,
    bernoulli_cusum,
    bernoulli_cusum_arl,
    compare_periods,
    cusum_by_group,
    cusum_by_group_counts,
    cusum_threshold,
    cusum_weights,
    funnel_limits,
    funnel_overdispersion,
    funnel_points,
    odds_ratio_alternative,
    pass_rate,
    period_changes,
    tally,
    trend,
    weighted_proportion_ci,
)

# ----------------------------------------------------------------------------------------------
# Pass-rate intervals
# ----------------------------------------------------------------------------------------------

# Newcombe RG (1998), "Two-sided confidence intervals for the single proportion: comparison of seven
# methods", Stat Med 17:857-872, Table II: method 3 (Wilson score) and method 5 (Clopper-Pearson).
NEWCOMBE_1998 = [
    # x, n, wilson, clopper-pearson
    (81, 263, (0.2553, 0.3662), (0.2527, 0.3676)),
    (15, 148, (0.0624, 0.1605), (0.0578, 0.1617)),
    (0, 20, (0.0000, 0.1611), (0.0000, 0.1684)),
    (1, 29, (0.0061, 0.1718), (0.0009, 0.1776)),
]


@pytest.mark.parametrize(("x", "n", "wilson", "exact"), NEWCOMBE_1998)
def test_wilson_and_clopper_pearson_match_newcombe_1998(x, n, wilson, exact):
    w = pass_rate(x, n, method="wilson")
    assert (w.low, w.high) == pytest.approx(wilson, abs=5e-5)
    cp = pass_rate(x, n, method="clopper_pearson")
    assert (cp.low, cp.high) == pytest.approx(exact, abs=5e-5)
    assert w.rate == pytest.approx(x / n)
    assert (w.passed, w.failed, w.total, w.method, w.confidence) == (x, n - x, n, "wilson", 0.95)


def test_jeffreys_one_observation_matches_closed_form():
    # After 0 successes in 1 trial the Jeffreys posterior is Beta(1/2, 3/2), whose CDF is
    # (2/pi)(asin(sqrt t) + sqrt(t(1-t))) (substitute t = sin^2). The upper limit solves CDF = 0.975;
    # the lower limit is 0 by the Brown-Cai-DasGupta (2001) boundary rule.
    def cdf(t):
        return 2 / math.pi * (math.asin(math.sqrt(t)) + math.sqrt(t * (1 - t)))

    upper = optimize.brentq(lambda t: cdf(t) - 0.975, 1e-9, 1 - 1e-9)
    none = pass_rate(0, 1, method="jeffreys")
    assert none.low == 0.0
    assert none.high == pytest.approx(upper, abs=1e-9)
    # By symmetry, 1 of 1 has lower limit 1 - upper and upper limit 1.
    one = pass_rate(1, 1, method="jeffreys")
    assert one.low == pytest.approx(1 - upper, abs=1e-9)
    assert one.high == 1.0


@pytest.mark.parametrize(("x", "n"), [(81, 263), (15, 148), (1, 29), (28, 29), (970, 1000)])
def test_jeffreys_is_equal_tailed_and_inside_clopper_pearson(x, n):
    j = pass_rate(x, n, method="jeffreys")
    posterior = stats.beta(x + 0.5, n - x + 0.5)
    assert posterior.cdf(j.low) == pytest.approx(0.025, abs=1e-9)
    assert posterior.cdf(j.high) == pytest.approx(0.975, abs=1e-9)
    cp = pass_rate(x, n, method="clopper_pearson")
    assert cp.low < j.low < j.rate < j.high < cp.high


def test_zero_of_zero_has_no_rate_and_does_not_crash():
    for method in ("wilson", "jeffreys", "clopper_pearson"):
        empty = pass_rate(0, 0, method=method)
        assert (empty.rate, empty.low, empty.high, empty.failure_rate) == (None, None, None, None)
        assert empty.small_sample


def test_none_passed_and_all_passed():
    none = pass_rate(0, 40)
    assert (none.rate, none.low, none.failed) == (0.0, 0.0, 40)
    assert 0 < none.high < 0.1
    everything = pass_rate(40, 40, method="jeffreys")
    assert (everything.rate, everything.high, everything.failed) == (1.0, 1.0, 0)
    assert 0.9 < everything.low < 1


def test_invalid_counts_and_method_are_rejected():
    with pytest.raises(ValueError):
        pass_rate(5, 4)
    with pytest.raises(ValueError):
        pass_rate(-1, 4)
    with pytest.raises(ValueError):
        pass_rate(3, 4, method="wald")


@pytest.mark.parametrize(
    ("passed", "total", "small"),
    [
        (29, 29, True),  # fewer than 30 batches
        (96, 100, True),  # 4 failures, interval about 8 points wide
        (90, 100, False),  # 10 failures
        (396, 400, False),  # 4 failures but interval about 2 points wide
        (2000, 2000, False),  # no failures, interval 0.2 points wide
        (4, 400, False),  # rarely passing: same rule on the other side
        (4, 60, True),
    ],
)
def test_small_sample_flag(passed, total, small):
    assert pass_rate(passed, total).small_sample is small


def test_trend_keeps_period_order_and_labels():
    rows = [("2024Q1", 180, 200), ("2024Q2", 0, 0), ("2024Q3", 290, 300)]
    result = trend(rows, method="jeffreys")
    assert [r.label for r in result] == ["2024Q1", "2024Q2", "2024Q3"]
    assert result[0].rate == pytest.approx(0.9)
    assert result[1].rate is None
    assert all(r.method == "jeffreys" for r in result)


def test_tally_groups_records():
    records = [
        {"city": "柳州", "ok": True},
        {"city": "南宁", "ok": False},
        {"city": "柳州", "ok": False},
        {"city": "柳州", "ok": True},
    ]
    assert tally(records, key=lambda r: r["city"], passed=lambda r: r["ok"]) == [("柳州", 2, 3), ("南宁", 0, 1)]


# ----------------------------------------------------------------------------------------------
# Period-over-period change
# ----------------------------------------------------------------------------------------------


def test_change_interval_matches_newcombe_1998_difference_example():
    # Newcombe RG (1998), "Interval estimation for the difference between independent proportions:
    # comparison of eleven methods", Stat Med 17:873-890, Table II example (a): 56/70 - 48/80,
    # hybrid score interval (method 10) 0.0524 to 0.3339.
    change = compare_periods(48, 80, 56, 70)
    assert change.change_pp == pytest.approx(20.0)
    assert change.change_low_pp == pytest.approx(5.24, abs=0.005)
    assert change.change_high_pp == pytest.approx(33.39, abs=0.005)
    assert change.test == "z"
    # The pooled two-proportion z-test is the uncorrected Pearson chi-square test of the 2x2 table.
    chi2 = stats.chi2_contingency([[48, 32], [56, 14]], correction=False)
    assert change.p_value == pytest.approx(chi2.pvalue, rel=1e-9)
    assert change.significant == bool(chi2.pvalue < 0.05)


def test_small_counts_use_fisher_exact_test():
    # Fisher's lady tasting tea: 3 of 4 right in each row, two-sided p = 34/70.
    change = compare_periods(3, 4, 1, 4)
    assert change.test == "fisher"
    assert change.p_value == pytest.approx(34 / 70)
    assert not change.significant
    assert change.change_pp == pytest.approx(-50.0)


def test_large_drop_is_significant_and_identical_periods_are_not():
    drop = compare_periods(970, 1000, 900, 1000)
    assert drop.test == "z" and drop.significant and drop.p_value < 1e-9
    assert drop.change_pp == pytest.approx(-7.0)
    assert drop.change_low_pp < -7.0 < drop.change_high_pp < 0
    same = compare_periods(50, 50, 60, 60)
    assert same.p_value == pytest.approx(1.0) and not same.significant
    forced = compare_periods(50, 50, 60, 60, test="z")
    assert forced.p_value == 1.0


def test_change_with_an_empty_period_is_undefined():
    change = compare_periods(0, 0, 10, 12)
    assert (change.change_pp, change.p_value, change.test, change.significant) == (None, None, None, False)
    assert change.current.rate == pytest.approx(10 / 12)


def test_period_changes_pair_consecutive_periods():
    changes = period_changes([("2023", 950, 1000), ("2024", 900, 1000), ("2025", 905, 1000)])
    assert [(c.previous.label, c.current.label) for c in changes] == [("2023", "2024"), ("2024", "2025")]
    assert changes[0].significant and not changes[1].significant


# ----------------------------------------------------------------------------------------------
# Funnel plots
# ----------------------------------------------------------------------------------------------


def test_funnel_limit_matches_hand_calculation_from_binomial_table():
    # Binomial(10, 1/2): P(R<=1) = 11/1024, P(R<=2) = 56/1024, P(R<=7) = 968/1024, P(R<=8) = 1013/1024.
    # Upper 97.5%: r = 8, alpha = (1013/1024 - 0.975) / (45/1024) = 14.6/45, limit = (8 - alpha)/10.
    # Lower 2.5%: r = 2, alpha = (56/1024 - 0.025) / (45/1024) = 30.4/45, limit = (2 - alpha)/10.
    (limit,) = funnel_limits(0.5, [10], levels=(0.95,))
    low, high = limit.limits[0.95]
    assert high == pytest.approx((8 - 14.6 / 45) / 10, abs=1e-12)
    assert low == pytest.approx((2 - 30.4 / 45) / 10, abs=1e-12)


@pytest.mark.parametrize("size", [20, 50, 200, 1000, 5000])
def test_funnel_limits_lie_between_neighbouring_binomial_quantiles(size):
    theta = 0.95
    (limit,) = funnel_limits(theta, [size])
    for level, (low, high) in limit.limits.items():
        tail = (1 - level) / 2
        for p, value in ((tail, low), (1 - tail, high)):
            r = stats.binom.ppf(p, size, theta)
            assert (r - 1) / size <= value <= r / size


def test_funnel_limits_narrow_with_size_and_approach_normal_limits():
    theta = 0.9
    limits = funnel_limits(theta, [30, 100, 300, 1000, 100_000])
    widths = [fl.limits[0.998][1] - fl.limits[0.998][0] for fl in limits]
    assert widths == sorted(widths, reverse=True)
    big = limits[-1]
    se = math.sqrt(theta * (1 - theta) / big.size)
    low, high = big.limits[0.95]
    assert low == pytest.approx(theta - 1.959964 * se, abs=0.05 * se)
    assert high == pytest.approx(theta + 1.959964 * se, abs=0.05 * se)


def test_funnel_limits_are_clipped_and_degenerate_rates_have_no_spread():
    (tiny,) = funnel_limits(0.95, [1])
    assert all(0.0 <= v <= 1.0 for pair in tiny.limits.values() for v in pair)
    (perfect,) = funnel_limits(1.0, [50])
    assert perfect.limits[0.95] == (1.0, 1.0)
    with pytest.raises(ValueError):
        funnel_limits(0.9, [0])


def test_funnel_points_classify_units():
    units = [
        ("玉林", 800, 1000),  # z about -21
        ("钦州", 930, 1000),  # z about -2.9: outside 95%, inside 99.8%
        ("南宁", 950, 1000),
        ("柳州", 93, 100),  # z about -0.9
        ("北海", 1000, 1000),  # z about +7
        ("贺州", 0, 0),
    ]
    points = {p.label: p for p in funnel_points(units, overall_rate=0.95)}
    assert points["玉林"].status == BELOW_998
    assert points["钦州"].status == BELOW_95
    assert points["南宁"].status == WITHIN
    assert points["柳州"].status == WITHIN
    assert points["北海"].status == ABOVE_998
    assert points["贺州"].status == NO_DATA and points["贺州"].rate is None
    assert "99.8%" in points["玉林"].status_label
    # Each status agrees with the unit's own limits.
    low95, high95 = points["钦州"].limits[0.95]
    low998, _ = points["钦州"].limits[0.998]
    assert low998 < 0.93 < low95 < high95


def test_a_small_unit_with_every_batch_passed_is_not_significantly_better():
    # 19 of 19 passed happens with probability 0.966^19 = 0.52 in a region at 96.6%: no signal at all,
    # although 100% is above the interpolated 99.8% limit line (99.99% at 19 batches).
    points = {p.label: p for p in funnel_points([("河池", 19, 19), ("百色", 109, 110)], overall_rate=0.966)}
    assert points["河池"].rate > points["河池"].limits[0.998][1]
    assert points["河池"].status == WITHIN
    # 109 of 110: P(R >= 109) = 0.11, inside the 95% limits by the exact test.
    assert points["百色"].status == WITHIN
    # 1,000 of 1,000 at 95% (probability 5e-23) stays far above.
    (big,) = funnel_points([("北海", 1000, 1000)], overall_rate=0.95)
    assert big.status == ABOVE_998


def test_funnel_points_default_target_is_pooled_rate():
    units = [("a", 90, 100), ("b", 180, 200), ("c", 98, 100)]
    points = funnel_points(units)
    (limit,) = funnel_limits(368 / 400, [100])
    assert points[0].limits == limit.limits
    assert points[2].status == ABOVE_95  # P(R >= 98 | 100, 0.92) = 0.011: beyond 95%, inside 99.8%


def test_overdispersion_is_near_one_for_binomial_units_and_large_for_mixed_ones():
    rng = np.random.default_rng(2005)
    sizes = rng.integers(50, 500, size=40)
    homogeneous = [(i, int(rng.binomial(n, 0.93)), int(n)) for i, n in enumerate(sizes)]
    plain = funnel_overdispersion(homogeneous)
    assert 0.5 < plain.phi < 1.6 and not plain.overdispersed
    rates = rng.uniform(0.75, 0.99, size=40)
    mixed = [(i, int(rng.binomial(n, r)), int(n)) for i, (n, r) in enumerate(zip(sizes, rates, strict=True))]
    spread = funnel_overdispersion(mixed)
    assert spread.phi > 3 and spread.overdispersed
    # Widening by phi brings fewer units outside the 99.8% limits.
    narrow = sum(p.status in (ABOVE_998, BELOW_998) for p in funnel_points(mixed))
    wide = sum(p.status in (ABOVE_998, BELOW_998) for p in funnel_points(mixed, phi=spread.phi))
    assert wide < narrow


# ----------------------------------------------------------------------------------------------
# Bernoulli CUSUM
# ----------------------------------------------------------------------------------------------


def test_odds_ratio_alternative_and_weights():
    assert odds_ratio_alternative(0.05, 2.0) == pytest.approx(2 / 21)
    w_fail, w_pass = cusum_weights(0.05, 2 / 21)
    assert w_fail == pytest.approx(math.log(40 / 21))
    assert w_pass == pytest.approx(math.log((19 / 21) / 0.95))
    with pytest.raises(ValueError):
        cusum_weights(0.1, 0.05)


def test_cusum_path_by_hand():
    p0, p1 = 0.05, 2 / 21
    a, b = math.log(40 / 21), -math.log((19 / 21) / 0.95)
    result = bernoulli_cusum([0, 1, 0, 0, 1, 1], p0, p1, h=1.5)
    expected = [0.0, a, a - b, a - 2 * b, 2 * a - 2 * b, 3 * a - 2 * b]
    assert result.statistics == pytest.approx(expected)
    assert result.alarm_index == 5 and result.signal
    assert bernoulli_cusum([0, 0, 1], p0, p1, h=1.5).alarm_index is None


def test_cusum_alarms_at_the_predicted_batch_after_a_clean_run():
    p0 = 0.05
    p1 = odds_ratio_alternative(p0)
    h = cusum_threshold(p0, p1, 1000.0)
    result = bernoulli_cusum([0] * 100 + [1] * 20, p0, p1, h)
    # Passes keep S at 0, so the chart signals at the ceil(h / log(p1/p0))-th failure in a row.
    assert result.alarm_index == 100 + math.ceil(h / math.log(p1 / p0)) - 1
    assert max(result.statistics[:100]) == 0.0


def test_cusum_reset_restarts_after_each_signal():
    p0, p1 = 0.05, 2 / 21
    result = bernoulli_cusum([1, 1, 1, 1, 1, 1], p0, p1, h=1.2, reset=True)
    assert result.alarm_indices == [1, 3, 5]
    assert result.statistics[2] == pytest.approx(math.log(40 / 21))


def test_arl_is_geometric_when_one_failure_signals():
    p0 = 0.04
    p1 = odds_ratio_alternative(p0)
    a = math.log(p1 / p0)
    assert bernoulli_cusum_arl(p0, p1, 0.9 * a) == pytest.approx(1 / p0, rel=1e-9)
    assert bernoulli_cusum_arl(p0, p1, 0.9 * a, p_true=p1) == pytest.approx(1 / p1, rel=1e-9)


@pytest.mark.parametrize("p0", [0.004, 0.03, 0.1, 0.3])
def test_threshold_is_the_smallest_reaching_the_target_arl(p0):
    p1 = odds_ratio_alternative(p0)
    h = cusum_threshold(p0, p1, 500.0)
    arl0 = bernoulli_cusum_arl(p0, p1, h)
    assert arl0 >= 500.0
    assert arl0 >= math.exp(h) * 0.99  # Ville's bound, up to lattice rounding
    # One lattice step lower misses the target, so h is the smallest such threshold.
    assert bernoulli_cusum_arl(p0, p1, h - _lattice(p0, p1).unit) < 500.0
    assert bernoulli_cusum_arl(p0, p1, h, p_true=p1) < arl0 / 2


def _simulated_run_lengths(p0, p1, h, p_true, runs, rng):
    w_fail, w_pass = cusum_weights(p0, p1)
    s = np.zeros(runs)
    length = np.zeros(runs, dtype=int)
    alive = np.ones(runs, dtype=bool)
    t = 0
    while alive.any():
        t += 1
        idx = np.flatnonzero(alive)
        fail = rng.random(idx.size) < p_true
        s[idx] = np.maximum(0.0, s[idx] + np.where(fail, w_fail, w_pass))
        done = idx[s[idx] >= h]
        length[done] = t
        alive[done] = False
    return length


@pytest.mark.parametrize("p0", [0.02, 0.1])
def test_markov_chain_arl_agrees_with_simulation(p0):
    rng = np.random.default_rng(1999)
    p1 = odds_ratio_alternative(p0)
    h = cusum_threshold(p0, p1, 300.0)
    for p_true in (p0, p1):
        lengths = _simulated_run_lengths(p0, p1, h, p_true, 4000, rng)
        # 4000 runs give a standard error of about 1.6% of the mean.
        assert lengths.mean() == pytest.approx(bernoulli_cusum_arl(p0, p1, h, p_true), rel=0.06)


def test_cusum_design_on_series_with_a_known_change_point():
    # 300 batches at the baseline 5%, then the failure rate triples. Over many such series, the share
    # with a false alarm before the change stays near what ARL0 = 2000 implies, and the alarm follows
    # the change within the delay the Markov chain predicts.
    rng = np.random.default_rng(42)
    p0, change_at, series = 0.05, 300, 300
    p1 = odds_ratio_alternative(p0)
    h = cusum_threshold(p0, p1, 2000.0)
    false_alarms, delays = 0, []
    for _ in range(series):
        outcomes = np.concatenate([rng.random(change_at) < p0, rng.random(400) < 0.15])
        result = bernoulli_cusum(outcomes, p0, p1, h)
        if result.alarm_index is not None and result.alarm_index < change_at:
            false_alarms += 1
        elif result.alarm_index is not None:
            delays.append(result.alarm_index - change_at + 1)
    # P(false alarm within 300) is about 1 - exp(-300/2000) = 0.14.
    assert false_alarms / series < 0.22
    assert len(delays) > 0.95 * (series - false_alarms)
    # The chart usually starts at 0 when the change happens, so the mean delay is close to the ARL at 15%.
    expected_delay = bernoulli_cusum_arl(p0, p1, h, p_true=0.15)
    assert np.mean(delays) == pytest.approx(expected_delay, rel=0.2)
    assert expected_delay < 80


def _batches(group, start, pattern, repeats):
    """`pattern` of failures repeated; one batch a day."""
    outcomes = list(pattern) * repeats
    return [(group, start + timedelta(days=i), bool(f)) for i, f in enumerate(outcomes)]


def test_cusum_by_group_flags_the_category_whose_failure_rate_rose():
    start = date(2024, 1, 1)
    every_20th = [1] + [0] * 19
    # Stable category: 5% before and after, failures evenly spread.
    stable = _batches("饮用水", start, every_20th, 10)
    # Rising category: 5% for 100 days, then every 4th batch fails (25%).
    rising = _batches("螺蛳粉", start, every_20th, 5)
    change_day = start + timedelta(days=100)
    rising += [("螺蛳粉", change_day + timedelta(days=i), i % 4 == 0) for i in range(100)]
    short = _batches("白糖", start + timedelta(days=90), every_20th, 1)
    records = stable + rising + short
    baseline_end = start + timedelta(days=100)

    alarms = cusum_by_group(records, baseline_end=baseline_end, target_arl0=1000)
    assert [a.group for a in alarms] == ["螺蛳粉"]
    alarm = alarms[0]
    assert alarm.status == CUSUM_ALARM and alarm.alarm_active
    assert change_day <= alarm.alarm_date <= change_day + timedelta(days=60)
    assert (alarm.baseline_failed, alarm.baseline_total, alarm.baseline_rate) == (5, 100, 0.05)
    assert (alarm.recent_failed, alarm.recent_total, alarm.recent_rate) == (25, 100, 0.25)
    assert alarm.p0 == pytest.approx(5.5 / 101, rel=1e-2)
    assert alarm.statistic == alarm.path[-1] >= alarm.h
    assert len(alarm.dates) == len(alarm.path) == 100

    everything = {g.group: g for g in cusum_by_group(records, baseline_end=baseline_end, include_quiet=True)}
    assert everything["饮用水"].status == CUSUM_QUIET and everything["饮用水"].alarm_date is None
    assert everything["白糖"].status == CUSUM_SHORT_BASELINE and everything["白糖"].h is None
    assert list(everything)[0] == "螺蛳粉"


def test_cusum_by_group_without_dates_uses_first_batches_as_baseline():
    start = date(2024, 1, 1)
    records = _batches("化肥", start, [0] * 40, 2)
    records += [("化肥", start + timedelta(days=80 + i), True) for i in range(10)]
    (alarm,) = cusum_by_group(records, baseline_size=60)
    assert (alarm.baseline_failed, alarm.baseline_total) == (0, 60)
    # No baseline failures still gives a positive design rate (Jeffreys): (0 + 1/2) / 61.
    assert alarm.p0 == pytest.approx(0.5 / 61, rel=1e-2)
    assert alarm.alarm_date >= start + timedelta(days=80)


# ----------------------------------------------------------------------------------------------
# Weighted proportions
# ----------------------------------------------------------------------------------------------


def test_equal_weights_reduce_to_the_ordinary_interval():
    outcomes = [1] * 81 + [0] * 182
    weighted = weighted_proportion_ci(outcomes, [3.0] * 263)
    plain = pass_rate(81, 263)
    assert weighted.estimate == pytest.approx(plain.rate)
    assert (weighted.low, weighted.high) == pytest.approx((plain.low, plain.high), abs=1e-9)
    assert weighted.effective_n == pytest.approx(263)


def test_inverse_probability_weights_remove_targeting_bias():
    # Lot of 1000 batches: 900 low-risk (5% fail) sampled 100 at random (weight 9), 100 high-risk
    # (40% fail) all inspected (weight 1). Pass rate of the lot: (855 + 60) / 1000.
    outcomes = [1] * 95 + [0] * 5 + [1] * 60 + [0] * 40
    weights = [9.0] * 100 + [1.0] * 100
    result = weighted_proportion_ci(outcomes, weights)
    assert result.estimate == pytest.approx(0.915)
    assert result.weight_total == pytest.approx(1000)
    assert result.low < 0.915 < result.high
    assert result.effective_n < 200  # unequal weights cost precision
    naive = pass_rate(155, 200)
    assert naive.high < result.low  # the unweighted rate is biased far below


def test_finite_population_correction():
    outcomes = [1] * 90 + [0] * 10
    without = weighted_proportion_ci(outcomes)
    half = weighted_proportion_ci(outcomes, population_size=200)
    census = weighted_proportion_ci(outcomes, population_size=100)
    assert half.high - half.low < without.high - without.low
    assert (census.low, census.high) == (0.9, 0.9)
    with pytest.raises(ValueError):
        weighted_proportion_ci(outcomes, population_size=50)


def test_weighted_interval_covers_the_lot_pass_rate_about_95_percent_of_the_time():
    rng = np.random.default_rng(5)
    low_risk = rng.random(9000) < 0.97
    high_risk = rng.random(1000) < 0.70
    truth = (low_risk.sum() + high_risk.sum()) / 10_000
    covered = 0
    for _ in range(400):
        random_part = rng.choice(low_risk, size=150, replace=False)
        targeted = rng.choice(high_risk, size=100, replace=False)
        outcomes = np.concatenate([random_part, targeted])
        weights = np.concatenate([np.full(150, 9000 / 150), np.full(100, 1000 / 100)])
        result = weighted_proportion_ci(outcomes, weights)
        covered += result.low <= truth <= result.high
    assert 0.90 <= covered / 400 <= 0.99


def test_weighted_edge_cases():
    empty = weighted_proportion_ci([], [])
    assert empty.estimate is None and empty.n == 0
    allpass = weighted_proportion_ci([1, 1, 1], [1.0, 2.0, 3.0], method="jeffreys")
    assert allpass.estimate == 1.0 and allpass.high == 1.0 and allpass.low < 1.0
    with pytest.raises(ValueError):
        weighted_proportion_ci([1, 0], [1.0])
    with pytest.raises(ValueError):
        weighted_proportion_ci([1, 0], [1.0, 0.0])
    with pytest.raises(ValueError):
        weighted_proportion_ci([1, 2], [1.0, 1.0])


# ----------------------------------------------------------------------------------------------
# CUSUM over per-day counts (what the refresh reads)
# ----------------------------------------------------------------------------------------------


def test_cusum_over_counts_equals_the_per_batch_chart_with_one_batch_a_day():
    rng = np.random.default_rng(7)
    start = date(2025, 1, 1)
    outcomes = list(rng.random(400) < np.r_[np.full(200, 0.04), np.full(200, 0.15)])
    days = [start + timedelta(days=i) for i in range(400)]
    baseline_end = days[200]
    per_batch = cusum_by_group([("粉", d, f) for d, f in zip(days, outcomes, strict=True)],
                               baseline_end=baseline_end, include_quiet=True)[0]
    counts = cusum_by_group_counts([("粉", d, int(f), 1) for d, f in zip(days, outcomes, strict=True)],
                                   baseline_end=baseline_end, include_quiet=True)[0]
    assert counts.status == per_batch.status == CUSUM_ALARM
    assert counts.alarm_date == per_batch.alarm_date
    assert counts.path == pytest.approx(per_batch.path)
    assert (counts.p0, counts.h, counts.recent_failed, counts.recent_total) == (
        per_batch.p0, per_batch.h, per_batch.recent_failed, per_batch.recent_total)


def test_cusum_over_daily_counts_never_exceeds_the_per_batch_path():
    # Several batches a day: flooring at 0 only between days can only lower the end-of-day statistic, so a
    # daily alarm implies the per-batch chart had signalled by that day.
    rng = np.random.default_rng(11)
    start = date(2025, 1, 1)
    rows, per_batch_rows = [], []
    for day_index in range(300):
        day = start + timedelta(days=day_index)
        failed = rng.random(rng.integers(1, 8)) < (0.03 if day_index < 150 else 0.08)
        rows.append(("糖", day, int(failed.sum()), len(failed)))
        per_batch_rows += [("糖", day, bool(f)) for f in failed]
    baseline_end = start + timedelta(days=150)
    daily = cusum_by_group_counts(rows, baseline_end=baseline_end, include_quiet=True)[0]
    batch = cusum_by_group(per_batch_rows, baseline_end=baseline_end, include_quiet=True)[0]
    end_of_day = {}
    for d, s in zip(batch.dates, batch.path, strict=True):
        end_of_day[d] = s
    assert all(s <= end_of_day[d] + 1e-9 for d, s in zip(daily.dates, daily.path, strict=True))
    if daily.alarm_date is not None:
        assert batch.alarm_date is not None and batch.alarm_date <= daily.alarm_date


def test_cusum_over_counts_scales_arl0_with_volume_and_rejects_bad_counts():
    start = date(2025, 1, 1)
    rows = [("水", start + timedelta(days=i), 1 if i % 20 == 0 else 0, 10) for i in range(200)]
    plain = cusum_by_group_counts(rows, baseline_end=start + timedelta(days=100), include_quiet=True)[0]
    scaled = cusum_by_group_counts(rows, baseline_end=start + timedelta(days=100), include_quiet=True,
                                   arl0_per_baseline_batch=100)[0]
    assert plain.baseline_total == 1000
    # ARL0 100,000 batches instead of 1,000: a higher threshold, same p0.
    assert scaled.p0 == plain.p0 and scaled.h > plain.h
    assert scaled.h == pytest.approx(cusum_threshold(scaled.p0, scaled.p1, 100_000.0))
    with pytest.raises(ValueError):
        cusum_by_group_counts([("水", start, 3, 2)], baseline_end=start)
