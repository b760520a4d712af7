"""Statistics core for the spot-check dashboards: batch pass rates with intervals, period-over-period
changes, funnel plots, Bernoulli CUSUM alarms on rising failure rates and weighted (IPW) proportions.

Everything here is a pure function over counts or plain records, so views, management commands and the
planning app can share it without touching the database. Intervals and tests come from statsmodels and
scipy; only the pieces those libraries lack (Spiegelhalter's interpolated funnel limits, the Bernoulli
CUSUM and its Markov-chain ARL) are written out here, each with its reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
from django.utils.translation import gettext_lazy as _
from scipy import sparse, stats
from scipy.sparse.linalg import spsolve
from scipy.stats.mstats import winsorize
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

# A pass rate is flagged as a small sample ("样本量小，解读需谨慎") when
#   - fewer than 30 batches were checked, or
#   - fewer than 5 batches failed (or passed) and the interval is wider than 5 percentage points.
# The first two are the usual n >= 30 and np, n(1-p) >= 5 rules of thumb: below them one batch moves the
# rate by whole points and the interval is skewed. The width clause follows the NCHS Data Presentation
# Standards for Proportions (Parker et al. 2017), which treat an absolute width of 0.05 or less as
# reliable: 0 failures in 2000 batches is not a small sample, 4 failures in 100 is.
SMALL_SAMPLE_MIN_TOTAL = 30
SMALL_SAMPLE_MIN_COUNT = 5
SMALL_SAMPLE_MAX_WIDTH = 0.05

# statsmodels' names for the interval methods we expose.
INTERVAL_METHODS = {"wilson": "wilson", "jeffreys": "jeffreys", "clopper_pearson": "beta"}

# Cochran's rule: the z-test is trusted only when every expected cell of the 2x2 table is at least 5.
FISHER_EXPECTED_BELOW = 5


# --------------------------------------------------------------------------------------------------
# Pass rates
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PassRate:
    """Batch pass rate of one group (category, city, stage, size class or period)."""

    passed: int
    failed: int
    total: int
    rate: float | None
    low: float | None
    high: float | None
    small_sample: bool
    method: str
    confidence: float = 0.95
    label: Hashable | None = None

    @property
    def failure_rate(self) -> float | None:
        return None if self.rate is None else 1.0 - self.rate


def _check_counts(passed: int, total: int) -> None:
    if total < 0 or passed < 0 or passed > total:
        raise ValueError(f"需要 0 <= 合格批次 <= 总批次，实际为 {passed}/{total}")


def _interval(count: float, nobs: float, method: str, alpha: float) -> tuple[float, float]:
    """Two-sided interval for count/nobs; nobs may be fractional (an effective sample size)."""
    if method not in INTERVAL_METHODS:
        raise ValueError(f"未知的区间方法 {method!r}，可选 {sorted(INTERVAL_METHODS)}")
    low, high = proportion_confint(count, nobs, alpha=alpha, method=INTERVAL_METHODS[method])
    low, high = float(low), float(high)
    if method == "jeffreys":
        # Brown, Cai & DasGupta (2001): with no successes (or no failures) the equal-tailed lower
        # (upper) limit is moved to the boundary, otherwise coverage collapses near 0 and 1.
        if count <= 0:
            low = 0.0
        if count >= nobs:
            high = 1.0
    return max(0.0, low), min(1.0, high)


def pass_rate(
    passed: int,
    total: int,
    method: str = "wilson",
    alpha: float = 0.05,
    label: Hashable | None = None,
) -> PassRate:
    """Pass rate of `passed` out of `total` batches with a 1-alpha interval.

    `method` is "wilson" (score interval, the default), "jeffreys" (equal-tailed Beta(x+1/2, n-x+1/2)
    with the Brown-Cai-DasGupta boundary fix) or "clopper_pearson" (exact, conservative). With no
    batches the rate and interval are None rather than an error, so an empty cell renders as "无数据".
    """
    passed, total = int(passed), int(total)
    _check_counts(passed, total)
    failed = total - passed
    if total == 0:
        if method not in INTERVAL_METHODS:
            raise ValueError(f"未知的区间方法 {method!r}，可选 {sorted(INTERVAL_METHODS)}")
        return PassRate(0, 0, 0, None, None, None, True, method, 1 - alpha, label)
    low, high = _interval(passed, total, method, alpha)
    small = total < SMALL_SAMPLE_MIN_TOTAL or (
        min(passed, failed) < SMALL_SAMPLE_MIN_COUNT and high - low > SMALL_SAMPLE_MAX_WIDTH
    )
    return PassRate(passed, failed, total, passed / total, low, high, small, method, 1 - alpha, label)


def pass_rates(
    groups: Iterable[tuple[Hashable, int, int]], method: str = "wilson", alpha: float = 0.05
) -> list[PassRate]:
    """PassRate per (label, passed, total) row, in the given order."""
    return [pass_rate(passed, total, method=method, alpha=alpha, label=label) for label, passed, total in groups]


def trend(
    periods: Iterable[tuple[Hashable, int, int]], method: str = "wilson", alpha: float = 0.05
) -> list[PassRate]:
    """Per-period PassRate list for (period label, passed, total) rows given in time order."""
    return pass_rates(periods, method=method, alpha=alpha)


def tally(
    records: Iterable, key: Callable[[object], Hashable], passed: Callable[[object], bool]
) -> list[tuple[Hashable, int, int]]:
    """(label, passed, total) rows from batch records, grouped by `key`, in first-seen order.

    For in-memory data (imports, demo data); from the database the same rows come from one
    `values(...).annotate(...)` query.
    """
    counts: dict[Hashable, list[int]] = {}
    for record in records:
        row = counts.setdefault(key(record), [0, 0])
        row[0] += bool(passed(record))
        row[1] += 1
    return [(label, p, n) for label, (p, n) in counts.items()]


# --------------------------------------------------------------------------------------------------
# Period-over-period change
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChange:
    """Change of the pass rate from an earlier period to a later one."""

    previous: PassRate
    current: PassRate
    change_pp: float | None  # percentage points, current minus previous
    change_low_pp: float | None  # Newcombe hybrid score interval for the difference
    change_high_pp: float | None
    p_value: float | None
    test: str | None  # "z" (two-proportion z-test) or "fisher" (Fisher's exact test)
    significant: bool


def compare_periods(
    passed1: int,
    total1: int,
    passed2: int,
    total2: int,
    alpha: float = 0.05,
    test: str = "auto",
) -> PeriodChange:
    """Compare period 1 (earlier) with period 2 (later).

    test="auto" uses statsmodels' pooled two-proportion z-test, unless an expected count of the 2x2
    table (passed/failed x period) is below 5, where the normal approximation is poor; then scipy's
    two-sided Fisher exact test is used. "z" or "fisher" forces one. The interval for the difference is
    Newcombe's hybrid score interval (statsmodels `confint_proportions_2indep(method="newcomb")`).
    """
    previous = pass_rate(passed1, total1, alpha=alpha)
    current = pass_rate(passed2, total2, alpha=alpha)
    if total1 == 0 or total2 == 0:
        return PeriodChange(previous, current, None, None, None, None, None, False)
    if test not in ("auto", "z", "fisher"):
        raise ValueError(f"未知的检验 {test!r}，可选 auto / z / fisher")

    table = np.array([[passed1, total1 - passed1], [passed2, total2 - passed2]], dtype=float)
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    chosen = test if test != "auto" else ("fisher" if expected.min() < FISHER_EXPECTED_BELOW else "z")

    if chosen == "fisher":
        p_value = float(stats.fisher_exact(table.astype(int), alternative="two-sided").pvalue)
    else:
        pooled = (passed1 + passed2) / (total1 + total2)
        if pooled in (0.0, 1.0):
            # Every batch passed (or failed) in both periods: nothing differs, and the z statistic
            # would be 0/0.
            p_value = 1.0
        else:
            _z, p = proportions_ztest([passed2, passed1], [total2, total1], alternative="two-sided")
            p_value = float(p)

    low, high = confint_proportions_2indep(
        passed2, total2, passed1, total1, method="newcomb", compare="diff", alpha=alpha
    )
    change = current.rate - previous.rate
    return PeriodChange(
        previous,
        current,
        100.0 * change,
        100.0 * float(low),
        100.0 * float(high),
        p_value,
        chosen,
        p_value < alpha,
    )


def period_changes(
    periods: Sequence[tuple[Hashable, int, int]], alpha: float = 0.05
) -> list[PeriodChange]:
    """Change from each period to the next, for rows (label, passed, total) in time order."""
    changes = []
    for (label1, p1, n1), (label2, p2, n2) in zip(periods, periods[1:], strict=False):
        change = compare_periods(p1, n1, p2, n2, alpha=alpha)
        # Carry the period labels so a table can say which two periods were compared.
        changes.append(
            PeriodChange(
                pass_rate(p1, n1, alpha=alpha, label=label1),
                pass_rate(p2, n2, alpha=alpha, label=label2),
                change.change_pp,
                change.change_low_pp,
                change.change_high_pp,
                change.p_value,
                change.test,
                change.significant,
            )
        )
    return changes


# --------------------------------------------------------------------------------------------------
# Funnel plots (Spiegelhalter 2005)
# --------------------------------------------------------------------------------------------------

FUNNEL_LEVELS = (0.95, 0.998)

ABOVE_998 = "above_998"
ABOVE_95 = "above_95"
WITHIN = "within"
BELOW_95 = "below_95"
BELOW_998 = "below_998"
NO_DATA = "no_data"

FUNNEL_STATUS_LABELS = {
    ABOVE_998: _("显著高于总体（超出99.8%控制限）"),
    ABOVE_95: _("高于总体（超出95%控制限）"),
    WITHIN: _("与总体无显著差异"),
    BELOW_95: _("低于总体（超出95%控制限）"),
    BELOW_998: _("显著低于总体（超出99.8%控制限）"),
    NO_DATA: _("无抽检数据"),
}


@dataclass(frozen=True)
class FunnelLimits:
    """Control limits for one unit size: {level: (lower, upper)} as proportions."""

    size: int
    limits: dict[float, tuple[float, float]]


def _binomial_limit(p: float, sizes: np.ndarray, theta: float) -> np.ndarray:
    """Spiegelhalter (2005) appendix A.1.1: the p-quantile of Binomial(n, theta) as a proportion,
    interpolated between integers so the limit lines are smooth.

    r_p is the smallest r with P(R <= r) >= p; alpha = (P(R <= r_p) - p) / (P(R <= r_p) - P(R <= r_p-1));
    the limit is (r_p - alpha) / n.
    """
    r_p = stats.binom.ppf(p, sizes, theta)
    cdf_r = stats.binom.cdf(r_p, sizes, theta)
    cdf_below = stats.binom.cdf(r_p - 1, sizes, theta)
    alpha = (cdf_r - p) / (cdf_r - cdf_below)
    return (r_p - alpha) / sizes


def funnel_limits(
    overall_rate: float,
    sizes: Iterable[int],
    levels: Sequence[float] = FUNNEL_LEVELS,
    phi: float = 1.0,
) -> list[FunnelLimits]:
    """Exact binomial funnel limits around `overall_rate` for each unit size.

    Limits are clipped to [0, 1] for plotting. `phi` (>= 1) widens them multiplicatively about the
    overall rate for overdispersion (Spiegelhalter 2005, section 6); see `funnel_overdispersion`.
    """
    if not 0.0 <= overall_rate <= 1.0:
        raise ValueError("总体合格率须在 0 与 1 之间")
    sizes_list = [int(n) for n in sizes]
    if any(n < 1 for n in sizes_list):
        raise ValueError("单位的抽检批次数须至少为 1")
    if not sizes_list:
        return []
    n = np.asarray(sizes_list, dtype=float)
    bounds: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for level in levels:
        if overall_rate in (0.0, 1.0):
            # A degenerate binomial has no spread: anything but the overall rate is outside.
            low = high = np.full_like(n, overall_rate)
        else:
            tail = (1.0 - level) / 2.0
            low = _binomial_limit(tail, n, overall_rate)
            high = _binomial_limit(1.0 - tail, n, overall_rate)
            if phi != 1.0:
                spread = math.sqrt(phi)
                low = overall_rate + spread * (low - overall_rate)
                high = overall_rate + spread * (high - overall_rate)
        bounds[level] = (np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0))
    return [
        FunnelLimits(size, {level: (float(lo[i]), float(hi[i])) for level, (lo, hi) in bounds.items()})
        for i, size in enumerate(sizes_list)
    ]


@dataclass(frozen=True)
class FunnelPoint:
    """One unit (city, category ...) placed on the funnel plot."""

    label: Hashable
    passed: int
    total: int
    rate: float | None
    status: str
    limits: dict[float, tuple[float, float]] = field(default_factory=dict)

    @property
    def status_label(self) -> str:
        return str(FUNNEL_STATUS_LABELS[self.status])


def pooled_rate(units: Iterable[tuple[Hashable, int, int]]) -> float | None:
    """Pass rate of all (label, passed, total) units together; None without batches."""
    units = list(units)
    total = sum(n for _label, _p, n in units)
    return None if total == 0 else sum(p for _label, p, _n in units) / total


def funnel_points(
    units: Iterable[tuple[Hashable, int, int]],
    overall_rate: float | None = None,
    levels: Sequence[float] = FUNNEL_LEVELS,
    phi: float = 1.0,
) -> list[FunnelPoint]:
    """Classify each (label, passed, total) unit against the funnel limits.

    The target is `overall_rate` if given (e.g. a provincial benchmark), else the pooled pass rate of
    all units. A rate exactly on a limit counts as inside, and so does a count whose exact binomial tail
    probability is not beyond the level (see below). Units with no batches get status "no_data".
    Statuses are above_998 / above_95 / within / below_95 / below_998, named after the default levels:
    "998" is beyond the outer (wider) limit, "95" beyond the inner one only. For pass rates "below" is
    the side a regulator follows up.
    """
    if len(levels) != 2:
        raise ValueError("漏斗图需要两个控制水平（内、外）")
    units = list(units)
    for _label, passed, total in units:
        _check_counts(passed, total)
    theta = overall_rate if overall_rate is not None else pooled_rate(units)
    if theta is None:
        return [FunnelPoint(label, passed, total, None, NO_DATA) for label, passed, total in units]
    inner, outer = min(levels), max(levels)
    sized = [u for u in units if u[2] > 0]
    limits_by_size = {fl.size: fl.limits for fl in funnel_limits(theta, {u[2] for u in sized}, levels, phi)}
    points = []
    for label, passed, total in units:
        if total == 0:
            points.append(FunnelPoint(label, passed, total, None, NO_DATA))
            continue
        rate = passed / total
        limits = limits_by_size[total]
        # The interpolated limits draw smooth lines, but a count sits on whole numbers: a unit is beyond a
        # limit only if its count is also in the exact binomial tail beyond it. Otherwise 19 passes out of
        # 19 batches would be "significantly above" a 96% region, though that happens half of the time.
        above_tail = stats.binom.sf(passed - 1, total, theta)  # P(R >= passed)
        below_tail = stats.binom.cdf(passed, total, theta)  # P(R <= passed)
        if rate > limits[outer][1] and above_tail < (1 - outer) / 2:
            status = ABOVE_998
        elif rate > limits[inner][1] and above_tail < (1 - inner) / 2:
            status = ABOVE_95
        elif rate < limits[outer][0] and below_tail < (1 - outer) / 2:
            status = BELOW_998
        elif rate < limits[inner][0] and below_tail < (1 - inner) / 2:
            status = BELOW_95
        else:
            status = WITHIN
        points.append(FunnelPoint(label, passed, total, rate, status, limits))
    return points


@dataclass(frozen=True)
class Overdispersion:
    phi: float  # estimated overdispersion factor, 1 = purely binomial spread
    units: int
    p_value: float  # chi-square test of phi = 1 on units - 1 degrees of freedom
    overdispersed: bool


def funnel_overdispersion(
    units: Iterable[tuple[Hashable, int, int]],
    overall_rate: float | None = None,
    winsor: float = 0.1,
    alpha: float = 0.05,
) -> Overdispersion | None:
    """Spiegelhalter (2005) section 6: phi = mean squared z-score, z-scores Winsorised at 10%.

    Cities or categories often differ by more than binomial chance (different product mixes), and then
    many units fall outside the limits. If `overdispersed`, pass `phi` to the funnel functions to widen
    the limits. None when fewer than 3 units have data.
    """
    units = [u for u in units if u[2] > 0]
    theta = overall_rate if overall_rate is not None else pooled_rate(units)
    if len(units) < 3 or theta is None or theta in (0.0, 1.0):
        return None
    rates = np.array([p / n for _label, p, n in units])
    sizes = np.array([n for _label, _p, n in units], dtype=float)
    z = (rates - theta) / np.sqrt(theta * (1 - theta) / sizes)
    z_w = np.asarray(winsorize(z, limits=(winsor, winsor)))
    phi = float(np.mean(z_w**2))
    p_value = float(stats.chi2.sf(len(units) * phi, len(units) - 1))
    return Overdispersion(phi, len(units), p_value, p_value < alpha)


# --------------------------------------------------------------------------------------------------
# Bernoulli CUSUM for rising failure rates
# --------------------------------------------------------------------------------------------------

# Below this baseline failure rate a 2x rise takes thousands of batches to show and the Markov chain used
# for the threshold grows large; such groups are monitored at this floor.
MIN_CUSUM_P0 = 0.001
# The Markov-chain lattice keeps both CUSUM steps at least this many units long, so rounding the larger
# step to the lattice changes it by well under 1%.
_LATTICE_MIN_STEPS = 50


@dataclass(frozen=True)
class CusumResult:
    statistics: list[float]  # S_t after each observation
    alarm_index: int | None  # first index with S_t >= h
    signal: bool
    alarm_indices: list[int]
    h: float
    p0: float
    p1: float


def odds_ratio_alternative(p0: float, odds_ratio: float = 2.0) -> float:
    """Failure rate whose odds are `odds_ratio` times those of p0."""
    odds = odds_ratio * p0 / (1.0 - p0)
    return odds / (1.0 + odds)


def cusum_weights(p0: float, p1: float) -> tuple[float, float]:
    """Log-likelihood-ratio scores (failure, pass) of a Bernoulli CUSUM for p0 -> p1 (p1 > p0)."""
    if not 0.0 < p0 < p1 < 1.0:
        raise ValueError("需要 0 < p0 < p1 < 1（监测不合格率上升）")
    return math.log(p1 / p0), math.log((1.0 - p1) / (1.0 - p0))


def bernoulli_cusum(
    outcomes: Iterable[bool | int], p0: float, p1: float, h: float, reset: bool = False
) -> CusumResult:
    """Upper Bernoulli CUSUM (Reynolds & Stoumbos 1999; Steiner et al. 2000 without risk adjustment).

    `outcomes` are 1/True for a failed batch, in inspection order. S_0 = 0 and
    S_t = max(0, S_{t-1} + W_t), with W_t = log(p1/p0) for a failure and log((1-p1)/(1-p0)) for a pass.
    The chart signals when S_t >= h. With `reset` the statistic restarts at 0 after each signal (as after
    an investigation); without it the path shows whether the rise persists.
    """
    w_fail, w_pass = cusum_weights(p0, p1)
    s = 0.0
    path: list[float] = []
    alarms: list[int] = []
    for t, failed in enumerate(outcomes):
        s = max(0.0, s + (w_fail if failed else w_pass))
        path.append(s)
        if s >= h:
            alarms.append(t)
            if reset:
                s = 0.0
    first = alarms[0] if alarms else None
    return CusumResult(path, first, first is not None, alarms, h, p0, p1)


@dataclass(frozen=True)
class _Lattice:
    unit: float  # lattice spacing of the CUSUM statistic
    up: int  # failure step in lattice units
    down: int  # pass step in lattice units


def _lattice(p0: float, p1: float) -> _Lattice:
    """Integer approximation of the CUSUM steps (Reynolds & Stoumbos 1999 scale the weights the same
    way). The shorter step gets m units, m chosen in [m_min, 2 m_min] so the longer step, rounded to
    whole units, is closest to its true length."""
    w_fail, w_pass = cusum_weights(p0, p1)
    a, b = w_fail, -w_pass
    short, long_ = min(a, b), max(a, b)
    ratio = long_ / short
    # A few units for the short step too, except when the long step is already huge (p0 well under 1%),
    # where a finer lattice would multiply the number of states for little accuracy.
    m_min = max(math.ceil(_LATTICE_MIN_STEPS / ratio), 4 if ratio < 200 else 1)
    m = min(range(m_min, 2 * m_min + 1), key=lambda k: abs(round(k * ratio) - k * ratio) / (k * ratio))
    unit = short / m
    long_units = round(m * ratio)
    up, down = (long_units, m) if a >= b else (m, long_units)
    return _Lattice(unit, up, down)


def _lattice_arl(lattice: _Lattice, threshold: int, p_fail: float) -> float:
    """Average run length from S=0 of the lattice CUSUM that signals at `threshold` units, when each
    batch fails with probability p_fail (Brook & Evans 1972 Markov chain).

    Solves (I - Q) L = 1 over the transient states 0..threshold-1 with SuperLU: the matrix has three
    entries a row, and a sparse solve takes milliseconds where LAPACK's band solver, whose band is as
    wide as the failure step, took seconds under BLAS threading on a two-core machine.
    """
    h, up, down = threshold, lattice.up, lattice.down
    state = np.arange(h)
    after_pass = np.maximum(0, state - down)  # a pass moves down, the CUSUM floors at 0
    rising = state[: max(0, h - up)]  # a failure moves `up` units; from the top `up` states it signals
    rows = np.concatenate([state, state, rising])
    cols = np.concatenate([state, after_pass, rising + up])
    values = np.concatenate([np.ones(h), np.full(h, -(1.0 - p_fail)), np.full(rising.size, -p_fail)])
    matrix = sparse.csc_matrix((values, (rows, cols)), shape=(h, h))  # duplicates (state 0) are summed
    return float(spsolve(matrix, np.ones(h))[0])


def bernoulli_cusum_arl(p0: float, p1: float, h: float, p_true: float | None = None) -> float:
    """Average number of batches to a signal of the Bernoulli CUSUM with threshold h when the true
    failure rate is `p_true` (default p0, the in-control ARL). Markov-chain approximation on a fine
    lattice; checked against simulation in the tests."""
    lattice = _lattice(p0, p1)
    threshold = max(1, math.ceil(h / lattice.unit - 1e-9))
    return _lattice_arl(lattice, threshold, p0 if p_true is None else p_true)


@lru_cache(maxsize=512)
def cusum_threshold(p0: float, p1: float, target_arl0: float = 1000.0) -> float:
    """Smallest h whose in-control ARL is at least `target_arl0` batches.

    The ARL is computed exactly on the lattice of `_lattice` (Markov chain) and increases with h, so h is
    found by bisection over lattice points (Ville's inequality, ARL0 >= exp(h), bounds the answer by
    h = log(target)). The returned h sits half a lattice unit below the chosen lattice
    point, so floating-point sums of the real weights land on the right side of it.
    """
    if target_arl0 <= 1:
        raise ValueError("目标受控平均运行长度须大于 1")
    lattice = _lattice(p0, p1)
    lo = 1
    if _lattice_arl(lattice, lo, p0) >= target_arl0:
        return (lo - 0.5) * lattice.unit
    # Bracket by doubling from one failure step rather than starting at the Ville bound: the band
    # matrix grows with the threshold, and for low p0 the answer is far below log(target).
    ville = math.ceil(math.log(target_arl0) / lattice.unit) + 1
    hi = min(max(2, lattice.up + lattice.down), ville)
    while _lattice_arl(lattice, hi, p0) < target_arl0:
        lo, hi = hi, 2 * hi
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _lattice_arl(lattice, mid, p0) >= target_arl0:
            hi = mid
        else:
            lo = mid
    return (hi - 0.5) * lattice.unit


def _design_p0(failed: int, total: int) -> float:
    """Baseline failure rate for the chart: the Jeffreys posterior mean (f + 1/2) / (n + 1), which stays
    positive when the baseline had no failures, floored at MIN_CUSUM_P0 and kept to 3 significant
    digits so thresholds can be cached across groups."""
    p0 = max(MIN_CUSUM_P0, (failed + 0.5) / (total + 1.0))
    return float(f"{p0:.3g}")


# Status values of CusumGroup.
CUSUM_ALARM = "alarm"
CUSUM_QUIET = "quiet"
CUSUM_SHORT_BASELINE = "short_baseline"

CUSUM_STATUS_LABELS = {
    CUSUM_ALARM: _("不合格率上升预警"),
    CUSUM_QUIET: _("未见上升"),
    CUSUM_SHORT_BASELINE: _("基线样本不足，未监测"),
}


@dataclass(frozen=True)
class CusumGroup:
    """CUSUM result for one group (e.g. a product category), as listed on the regulator's home."""

    group: Hashable
    status: str
    alarm_date: date | None  # date of the batch at which the chart first signalled
    statistic: float | None  # current (latest) CUSUM value
    h: float | None
    baseline_rate: float | None  # observed failure rate in the baseline window
    p0: float | None  # failure rate the chart was designed for
    p1: float | None
    recent_rate: float | None  # observed failure rate since the baseline
    baseline_failed: int
    baseline_total: int
    recent_failed: int
    recent_total: int
    dates: list[date] = field(default_factory=list)  # monitored batches, for the chart
    path: list[float] = field(default_factory=list)

    @property
    def alarm_active(self) -> bool:
        """The statistic is still at or above h at the latest batch."""
        return self.statistic is not None and self.h is not None and self.statistic >= self.h


def cusum_by_group(
    records: Iterable[tuple[Hashable, date, bool]],
    *,
    baseline_end: date | None = None,
    baseline_size: int = 60,
    min_baseline: int = 30,
    odds_ratio: float = 2.0,
    target_arl0: float = 1000.0,
    include_quiet: bool = False,
) -> list[CusumGroup]:
    """Bernoulli CUSUM per group over (group, date, failed) records.

    Baseline: batches dated before `baseline_end`, or, without it, each group's first `baseline_size`
    batches. p0 is the baseline failure rate (see `_design_p0`), p1 the rate with `odds_ratio` times its
    odds, and h the smallest threshold with an in-control ARL of `target_arl0` batches (Markov chain,
    see `cusum_threshold`): with the default 1000 a group at its baseline rate raises a false alarm on
    average once per 1000 batches. The chart then runs, without reset, over the batches after the
    baseline in date order. Groups with fewer than `min_baseline` baseline batches are not monitored.

    Returns alarms first, strongest (statistic / h) first; other groups only with `include_quiet`.
    """
    if odds_ratio <= 1:
        raise ValueError("优势比须大于 1（监测不合格率上升）")
    by_group: dict[Hashable, list[tuple[date, bool]]] = {}
    for group, day, failed in records:
        by_group.setdefault(group, []).append((day, bool(failed)))

    results = []
    for group, rows in by_group.items():
        rows.sort(key=lambda row: row[0])  # stable: same-day batches keep their input order
        if baseline_end is not None:
            baseline = [f for d, f in rows if d < baseline_end]
            monitored = [(d, f) for d, f in rows if d >= baseline_end]
        else:
            baseline = [f for _d, f in rows[:baseline_size]]
            monitored = rows[baseline_size:]
        b_failed, b_total = sum(baseline), len(baseline)
        r_failed, r_total = sum(f for _d, f in monitored), len(monitored)
        baseline_rate = b_failed / b_total if b_total else None
        recent_rate = r_failed / r_total if r_total else None
        if b_total < min_baseline:
            results.append(
                CusumGroup(group, CUSUM_SHORT_BASELINE, None, None, None, baseline_rate, None, None,
                           recent_rate, b_failed, b_total, r_failed, r_total)
            )
            continue
        p0 = _design_p0(b_failed, b_total)
        p1 = odds_ratio_alternative(p0, odds_ratio)
        h = cusum_threshold(p0, p1, float(target_arl0))
        chart = bernoulli_cusum([f for _d, f in monitored], p0, p1, h)
        results.append(
            CusumGroup(
                group,
                CUSUM_ALARM if chart.signal else CUSUM_QUIET,
                monitored[chart.alarm_index][0] if chart.signal else None,
                chart.statistics[-1] if chart.statistics else 0.0,
                h,
                baseline_rate,
                p0,
                p1,
                recent_rate,
                b_failed,
                b_total,
                r_failed,
                r_total,
                [d for d, _f in monitored],
                chart.statistics,
            )
        )

    def strength(result: CusumGroup) -> float:
        return (result.statistic or 0.0) / result.h if result.h else -1.0

    results.sort(key=lambda r: (r.status != CUSUM_ALARM, -strength(r)))
    return [r for r in results if include_quiet or r.status == CUSUM_ALARM]


def cusum_by_group_counts(
    rows: Iterable[tuple[Hashable, date, int, int]],
    *,
    baseline_end: date,
    min_baseline: int = 30,
    odds_ratio: float = 2.0,
    target_arl0: float = 1000.0,
    arl0_per_baseline_batch: float = 0.0,
    include_quiet: bool = False,
) -> list[CusumGroup]:
    """The Bernoulli CUSUM of `cusum_by_group` over (group, date, failed, batches) counts per date.

    Each date adds f*log(p1/p0) + (n-f)*log((1-p1)/(1-p0)) at once and the statistic floors at 0 only
    between dates. For any order of the batches inside a date, the per-batch path is at least this path at
    the end of the date (flooring at 0 can only raise it), so this chart signals only where the per-batch
    chart would have signalled by the end of that day: its false-alarm rate is at most the design's
    (in-control ARL >= target_arl0 batches) and the delay is at most the rest of that day's batches. It
    needs one row per group and day instead of one per batch, which lets the refresh read a GROUP BY over
    millions of records. p0, p1 and h are chosen exactly as in `cusum_by_group`; with one batch per date
    the two functions agree.

    `arl0_per_baseline_batch` k > 0 raises each group's in-control ARL to k times its baseline batches (when
    that exceeds `target_arl0`; kept to 2 significant digits so thresholds are shared). A category checked
    5,000 times a year would, at an ARL0 of 1,000 batches, alarm by chance several times a year; with a
    monitored window about as long as the baseline, k = 100 keeps the chance of a false alarm in the window
    near 1 - exp(-1/100), about 1% per group.
    """
    if odds_ratio <= 1:
        raise ValueError("优势比须大于 1（监测不合格率上升）")
    by_group: dict[Hashable, dict[date, list[int]]] = {}
    for group, day, failed, total in rows:
        failed, total = int(failed), int(total)
        if total < 0 or failed < 0 or failed > total:
            raise ValueError(f"需要 0 <= 不合格批次 <= 总批次，实际为 {failed}/{total}")
        cell = by_group.setdefault(group, {}).setdefault(day, [0, 0])
        cell[0] += failed
        cell[1] += total

    results = []
    for group, days in by_group.items():
        ordered = sorted(days.items())
        baseline = [(f, n) for d, (f, n) in ordered if d < baseline_end]
        monitored = [(d, f, n) for d, (f, n) in ordered if d >= baseline_end and n > 0]
        b_failed, b_total = sum(f for f, _n in baseline), sum(n for _f, n in baseline)
        r_failed, r_total = sum(f for _d, f, _n in monitored), sum(n for _d, _f, n in monitored)
        baseline_rate = b_failed / b_total if b_total else None
        recent_rate = r_failed / r_total if r_total else None
        if b_total < min_baseline:
            results.append(
                CusumGroup(group, CUSUM_SHORT_BASELINE, None, None, None, baseline_rate, None, None,
                           recent_rate, b_failed, b_total, r_failed, r_total)
            )
            continue
        p0 = _design_p0(b_failed, b_total)
        p1 = odds_ratio_alternative(p0, odds_ratio)
        arl0 = max(float(target_arl0), float(f"{arl0_per_baseline_batch * b_total:.2g}"))
        h = cusum_threshold(p0, p1, arl0)
        w_fail, w_pass = cusum_weights(p0, p1)
        s, path, alarm_date = 0.0, [], None
        for day, f, n in monitored:
            s = max(0.0, s + f * w_fail + (n - f) * w_pass)
            path.append(s)
            if alarm_date is None and s >= h:
                alarm_date = day
        results.append(
            CusumGroup(
                group,
                CUSUM_ALARM if alarm_date is not None else CUSUM_QUIET,
                alarm_date,
                path[-1] if path else 0.0,
                h,
                baseline_rate,
                p0,
                p1,
                recent_rate,
                b_failed,
                b_total,
                r_failed,
                r_total,
                [d for d, _f, _n in monitored],
                path,
            )
        )

    def strength(result: CusumGroup) -> float:
        return (result.statistic or 0.0) / result.h if result.h else -1.0

    results.sort(key=lambda r: (r.status != CUSUM_ALARM, -strength(r)))
    return [r for r in results if include_quiet or r.status == CUSUM_ALARM]


# --------------------------------------------------------------------------------------------------
# Weighted (inverse-probability-weighted) proportions
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeightedProportion:
    estimate: float | None
    low: float | None
    high: float | None
    n: int  # sampled units
    effective_n: float | None
    weight_total: float
    method: str
    confidence: float = 0.95


def weighted_proportion_ci(
    outcomes: Sequence[bool | int],
    weights: Sequence[float] | None = None,
    alpha: float = 0.05,
    method: str = "wilson",
    population_size: float | None = None,
) -> WeightedProportion:
    """Hajek (ratio) estimate sum(w y) / sum(w) of a proportion with an effective-sample-size interval.

    `outcomes` are 1/True for a success (a passed batch); `weights` are inverse inclusion probabilities
    (all 1 for a simple random sample). The variance is the with-replacement linearisation
    sum(w_i^2 (y_i - p)^2) / (sum w)^2, times (1 - n/N) when `population_size` N is given (sampling
    without replacement from a known lot). The interval is the chosen binomial interval at the effective
    sample size n_eff = p(1-p)/variance (Korn & Graubard 1998), Kish's (sum w)^2 / sum w^2 when p is 0 or
    1. With equal weights and no N this is exactly the ordinary interval for x of n.
    """
    y = np.asarray(outcomes, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    if y.shape != w.shape:
        raise ValueError("结果与权重的个数不一致")
    if np.any(w <= 0) or not np.all(np.isin(y, (0.0, 1.0))):
        raise ValueError("权重须为正数，结果须为 0/1")
    n = int(y.size)
    if n == 0:
        return WeightedProportion(None, None, None, 0, None, 0.0, method, 1 - alpha)
    if population_size is not None and population_size < n:
        raise ValueError("总体数量不能小于样本量")
    fpc = 1.0 if population_size is None else 1.0 - n / population_size
    total_w = float(w.sum())
    p = float((w * y).sum() / total_w)
    variance = float((w**2 * (y - p) ** 2).sum() / total_w**2) * fpc
    if fpc == 0.0:
        # The whole lot was inspected: the proportion is known exactly.
        return WeightedProportion(p, p, p, n, math.inf, total_w, method, 1 - alpha)
    if 0.0 < p < 1.0:
        n_eff = p * (1.0 - p) / variance
    else:
        n_eff = total_w**2 / float((w**2).sum()) / fpc
    low, high = _interval(p * n_eff, n_eff, method, alpha)
    return WeightedProportion(p, low, high, n, n_eff, total_w, method, 1 - alpha)
