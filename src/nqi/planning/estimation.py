"""Population pass rate from a risk-targeted plan, without the targeting bias.

A targeted sample fails more often than the population by design, so its raw pass rate says nothing about
quality trends. Two unbiased estimates of the pass rate of the sampling frame (every enterprise-product
cell counted once):
- from the random share alone: an equal-probability sample of cells, Wilson interval;
- from all batches: targeted cells form a take-all stratum (inclusion probability 1, measured directly),
  the other cells are represented by the random batches that fell on them (inclusion probability
  n_random / N), i.e. a Horvitz-Thompson / inverse-probability-weighted estimate, with a Clopper-Pearson
  interval on the effective sample size (Korn & Graubard), which keeps its coverage when failures are few.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from scipy.stats import beta, norm


class EstimationError(ValueError):
    """Not enough data for the estimate (message in Chinese for dashboards)."""


@dataclass(frozen=True)
class CellOutcome:
    """Results of one planned cell, split by how the batches were chosen."""

    enterprise_id: str
    product_category: str
    random_sampled: int
    random_failed: int
    targeted_sampled: int = 0
    targeted_failed: int = 0


@dataclass(frozen=True)
class PassRateEstimate:
    pass_rate: float
    low: float
    high: float
    confidence: float
    batches: int
    failed: int
    effective_batches: float
    method: str  # "random" | "ipw" | "naive"
    note: str  # Chinese, for dashboards


def wilson_interval(failure_rate: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion observed as `failure_rate` on `n` (possibly effective) trials."""
    if n <= 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + confidence / 2))
    centre = (failure_rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(failure_rate * (1 - failure_rate) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def clopper_pearson_interval(failure_rate: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact (beta) interval; with an effective sample size this is Korn & Graubard's survey interval."""
    if n <= 0:
        return 0.0, 1.0
    alpha = 1 - confidence
    x = failure_rate * n
    low = float(beta.ppf(alpha / 2, x, n - x + 1)) if x > 0 else 0.0
    high = float(beta.ppf(1 - alpha / 2, x + 1, n - x)) if x < n else 1.0
    return low, high


def outcomes_from_batches(batches: Iterable[object]) -> list[CellOutcome]:
    """Per-batch results (objects with enterprise_id, product_category, drawn_at_random, failed) -> cells."""
    cells: dict[tuple[str, str], list[int]] = {}
    for b in batches:
        counts = cells.setdefault((b.enterprise_id, b.product_category), [0, 0, 0, 0])
        offset = 0 if b.drawn_at_random else 2
        counts[offset] += 1
        counts[offset + 1] += int(bool(b.failed))
    return [CellOutcome(e, c, *counts) for (e, c), counts in cells.items()]


def estimate_from_random_share(random_sampled: int, random_failed: int, confidence: float = 0.95) -> PassRateEstimate:
    """Pass rate of the frame from the equal-probability (双随机) batches only."""
    if random_sampled <= 0:
        raise EstimationError(_("随机抽取部分没有批次，无法无偏估计总体合格率"))
    if not 0 <= random_failed <= random_sampled:
        raise EstimationError(_("不合格批次数必须在 0 与抽样批次数之间"))
    rate = random_failed / random_sampled
    low, high = wilson_interval(rate, random_sampled, confidence)
    return PassRateEstimate(
        pass_rate=1 - rate,
        low=1 - high,
        high=1 - low,
        confidence=confidence,
        batches=random_sampled,
        failed=random_failed,
        effective_batches=float(random_sampled),
        method="random",
        note=_("依据双随机抽取的 %(n)s 批（不合格 %(f)s 批）估计，不受风险定向影响") % {
            "n": random_sampled, "f": random_failed},
    )


def estimate_with_targeted(
    outcomes: Iterable[CellOutcome], frame_size: int, confidence: float = 0.95
) -> PassRateEstimate:
    """Pass rate of the frame from all batches: targeted cells measured directly, the rest weighted up
    from the random batches that fell on them.

    Targeted cells are the take-all stratum; their variance uses the stratum's pooled rate, which can only
    overstate sum p(1-p), so the interval errs on the wide side.
    """
    outcomes = list(outcomes)
    targeted = [o for o in outcomes if o.targeted_sampled > 0]
    others = [o for o in outcomes if o.targeted_sampled == 0 and o.random_sampled > 0]
    n_targeted = len(targeted)
    n_rest = frame_size - n_targeted
    if frame_size <= 0 or n_rest < 0:
        raise EstimationError(_("抽样框单元数必须不小于已抽样单元数"))
    rest_batches = sum(o.random_sampled for o in others)
    rest_failed = sum(o.random_failed for o in others)
    if n_rest > 0 and rest_batches == 0:
        raise EstimationError(_("非定向单元中没有随机抽取批次，无法用逆概率加权估计总体合格率"))

    cell_rates = [(o.random_failed + o.targeted_failed) / (o.random_sampled + o.targeted_sampled) for o in targeted]
    cell_batches = [o.random_sampled + o.targeted_sampled for o in targeted]
    pooled = sum(r * n for r, n in zip(cell_rates, cell_batches, strict=True)) / max(1, sum(cell_batches))
    rest_rate = rest_failed / rest_batches if rest_batches else 0.0
    failure = (sum(cell_rates) + n_rest * rest_rate) / frame_size
    variance = (
        sum(pooled * (1 - pooled) / n for n in cell_batches)
        + (n_rest**2 * rest_rate * (1 - rest_rate) / rest_batches if rest_batches else 0.0)
    ) / frame_size**2
    total_batches = sum(cell_batches) + rest_batches
    if variance > 0 and 0 < failure < 1:
        effective = min(float(total_batches), failure * (1 - failure) / variance)
    else:
        effective = float(total_batches)
    low, high = clopper_pearson_interval(failure, effective, confidence)
    total_failed = sum(o.random_failed + o.targeted_failed for o in targeted) + rest_failed
    return PassRateEstimate(
        pass_rate=1 - failure,
        low=1 - high,
        high=1 - low,
        confidence=confidence,
        batches=total_batches,
        failed=total_failed,
        effective_batches=effective,
        method="ipw",
        note=(
            _("定向抽取的 %(t)s 个单元按实测计入，其余 %(r)s 个单元由落在其中的 %(b)s 批随机样本按逆概率加权推算")
            % {"t": n_targeted, "r": n_rest, "b": rest_batches}
        ),
    )


def naive_pass_rate(outcomes: Iterable[CellOutcome]) -> PassRateEstimate:
    """Raw pass rate of all planned batches. Biased low by the targeting; shown only as a warning."""
    outcomes = list(outcomes)
    batches = sum(o.random_sampled + o.targeted_sampled for o in outcomes)
    failed = sum(o.random_failed + o.targeted_failed for o in outcomes)
    if batches <= 0:
        raise EstimationError(_("没有抽样批次"))
    rate = failed / batches
    low, high = wilson_interval(rate, batches)
    return PassRateEstimate(
        pass_rate=1 - rate,
        low=1 - high,
        high=1 - low,
        confidence=0.95,
        batches=batches,
        failed=failed,
        effective_batches=float(batches),
        method="naive",
        note=_("含风险定向批次的原始合格率，偏低，不代表总体质量水平，不能用于趋势比较"),
    )


def population_pass_rate(
    outcomes: Iterable[CellOutcome], frame_size: int, confidence: float = 0.95
) -> dict[str, PassRateEstimate]:
    """All three figures a dashboard shows side by side: 'random', 'ipw' and the biased 'naive'."""
    outcomes = list(outcomes)
    return {
        "random": estimate_from_random_share(
            sum(o.random_sampled for o in outcomes), sum(o.random_failed for o in outcomes), confidence
        ),
        "ipw": estimate_with_targeted(outcomes, frame_size, confidence),
        "naive": naive_pass_rate(outcomes),
    }
