"""Benchmark of the risk-based sampling planner (issue 5) on simulated provinces with known failure rates.

Each seed builds a world of enterprises x product categories in Guangxi's 14 cities whose true failure
probabilities have category, city and enterprise effects, a heavy tail of repeat offenders, drift across
periods and a correction effect after a failure. It simulates six half-years of spot checks (the bureau's
past practice: size-weighted random sampling plus follow-ups of failures, about 1.5 batches per cell in
total), writes that history, and plans the next half-year with:
  - the project's planner (`nqi.planning.allocator.plan_sampling`, fitted on the history only);
  - uniform: every batch drawn at random (random share 100%, same cap and category minimums);
  - size-proportional: batches in proportion to enterprise output (same cap);
  - oracle: the same allocator fed the true next-period rates (same cap and minimums).
It reports expected failures found (sum of batches x true rate), the planner's share of the oracle's gain
over uniform, and, with a 20% random share, how often the 95% interval of the population pass rate
(estimated from the random share, and from all batches with IPW) covers the true pass rate.

    cd /work/main && .venv/bin/python benchmarks/planning.py --seeds 20
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.special import expit, logit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")
os.environ.setdefault("NQI_TESTING", "1")

from nqi.planning.allocator import allocate, plan_sampling  # noqa: E402
from nqi.planning.estimation import CellOutcome, estimate_from_random_share, estimate_with_targeted  # noqa: E402
from nqi.planning.history import HistoryRow  # noqa: E402

CITIES = ["南宁市", "柳州市", "桂林市", "梧州市", "北海市", "防城港市", "钦州市", "贵港市", "玉林市",
          "百色市", "贺州市", "河池市", "来宾市", "崇左市"]
CITY_WEIGHTS = np.array([18, 11, 12, 7, 4, 2, 6, 7, 10, 6, 4, 5, 4, 4], dtype=float)
CATEGORIES = ["螺蛳粉", "食糖", "包装饮用水", "食用植物油", "大米", "酱腌菜", "米粉", "茶叶", "蜂蜜",
              "白酒", "调味品", "糕点", "肉制品", "乳制品", "罐头", "水产制品", "电线电缆", "建筑用钢筋",
              "水泥", "人造板", "陶瓷砖", "电动自行车", "儿童玩具", "服装", "化肥", "农药", "日用陶瓷",
              "塑料管材", "电热水壶", "燃气灶具"]


@dataclass(frozen=True)
class WorldSettings:
    enterprises: int = 2500
    periods: int = 6
    history_budget: int = 2000  # batches per past half-year
    base_rate: float = 0.04
    category_sd: float = 0.6
    category_trend_sd: float = 0.06  # logit drift per period
    city_sd: float = 0.3
    enterprise_t_scale: float = 0.5  # Student-t(3) enterprise effect
    offender_share: float = 0.04  # repeat offenders: +2 to +3.5 on the logit
    size_effect: float = -0.25  # small workshops fail more
    enterprise_walk_sd: float = 0.2  # enterprise quality drifts per period
    cell_sd: float = 0.4
    transient_sd: float = 0.25  # unpredictable period-to-period noise
    correction: float = 0.3  # logit drop after each detected failure (整改), up to 3 times


@dataclass
class World:
    cell_enterprise: np.ndarray
    cell_category: np.ndarray
    enterprise_city: np.ndarray
    enterprise_size: np.ndarray
    true_next: np.ndarray  # true failure probability of each cell in the planned period
    history: list[HistoryRow]
    components: dict[str, np.ndarray]  # per-cell logit parts of true_next, for diagnostics
    # Everything drawn, for the ceiling diagnostics (benchmarks/planning_ceiling.py): the world's fixed
    # effects, each enterprise's effect and walk, each cell's effect, and per period the batches sampled,
    # failed, the transient noise and the corrections in force. Recording these draws nothing extra.
    internals: dict[str, np.ndarray] = field(default_factory=dict)


def simulate_world(seed: int, settings: WorldSettings) -> World:
    rng = np.random.default_rng(seed)
    s = settings
    n_ent, n_cat = s.enterprises, len(CATEGORIES)
    popularity = rng.dirichlet(np.full(n_cat, 1.5))
    ent_city = rng.choice(len(CITIES), size=n_ent, p=CITY_WEIGHTS / CITY_WEIGHTS.sum())
    size = rng.lognormal(0.0, 1.0, size=n_ent)
    cell_ent, cell_cat = [], []
    for j in range(n_ent):
        k = min(1 + rng.poisson(0.7), 4)
        for c in rng.choice(n_cat, size=k, replace=False, p=popularity):
            cell_ent.append(j)
            cell_cat.append(c)
    cell_ent, cell_cat = np.array(cell_ent), np.array(cell_cat)
    n_cells = len(cell_ent)
    cell_size = size[cell_ent] * rng.lognormal(0.0, 0.5, n_cells)

    a_cat = rng.normal(0, s.category_sd, n_cat)
    trend = rng.normal(0, s.category_trend_sd, n_cat)
    b_city = rng.normal(0, s.city_sd, len(CITIES))
    e_ent = s.enterprise_t_scale * rng.standard_t(3, n_ent) + s.size_effect * np.log(size)
    offenders = rng.random(n_ent) < s.offender_share
    e_ent[offenders] += rng.uniform(2.0, 3.5, offenders.sum())
    x_cell = rng.normal(0, s.cell_sd, n_cells)
    walk = np.zeros(n_ent)
    corrected = np.zeros(n_cells)
    base = logit(s.base_rate) + a_cat[cell_cat] + b_city[ent_city[cell_ent]] + e_ent[cell_ent] + x_cell

    walks, transients, corrections, sampled_by_period, failed_by_period = [], [], [], [], []

    def true_rate(t: int) -> np.ndarray:
        noise = rng.normal(0, s.transient_sd, n_cells)
        walks.append(walk.copy())
        transients.append(noise)
        corrections.append(corrected.copy())
        eta = base + trend[cell_cat] * t + walk[cell_ent] - corrected + noise
        return expit(eta)

    history: list[HistoryRow] = []
    failed_last = np.zeros(n_cells, dtype=int)
    pps = np.sqrt(cell_size)
    pps /= pps.sum()
    for t in range(s.periods):
        if t:
            walk += rng.normal(0, s.enterprise_walk_sd, n_ent)
        p = true_rate(t)
        sampled = np.zeros(n_cells, dtype=int)
        # Follow-ups: cells that failed last period get two batches (跟踪抽查), up to 20% of the budget.
        follow = np.flatnonzero(failed_last > 0)
        follow = rng.permutation(follow)[: int(0.2 * s.history_budget) // 2]
        sampled[follow] += 2
        left = s.history_budget - int(sampled.sum())
        n_size = int(0.75 * left)
        sampled[rng.choice(n_cells, size=n_size, replace=False, p=pps)] += 1
        sampled[rng.choice(n_cells, size=left - n_size, replace=False)] += 1
        failed = rng.binomial(sampled, p)
        sampled_by_period.append(sampled)
        failed_by_period.append(failed)
        corrected += s.correction * ((failed > 0) & (corrected < 3 * s.correction - 1e-9))
        failed_last = failed
        label = f"{2022 + t // 2}H{t % 2 + 1}"
        last = t == s.periods - 1
        for i in np.flatnonzero((sampled > 0) | last):
            history.append(
                HistoryRow(
                    period=label,
                    region=CITIES[ent_city[cell_ent[i]]],
                    product_category=CATEGORIES[cell_cat[i]],
                    enterprise_id=f"E{seed:03d}{cell_ent[i]:05d}",
                    sampled=int(sampled[i]),
                    failed=int(failed[i]),
                )
            )
    walk += rng.normal(0, s.enterprise_walk_sd, n_ent)
    true_next = true_rate(s.periods)
    components = {
        "intercept": np.full(n_cells, logit(s.base_rate)),
        "category": a_cat[cell_cat] + trend[cell_cat] * s.periods,
        "city": b_city[ent_city[cell_ent]],
        "enterprise": e_ent[cell_ent] + walk[cell_ent],
        "cell": x_cell - corrected,
    }
    internals = {
        "a_cat": a_cat, "trend": trend, "b_city": b_city, "size_term": s.size_effect * np.log(size),
        "e_ent": e_ent, "offenders": offenders, "x_cell": x_cell, "cell_size": cell_size,
        "walk": np.array(walks), "transient": np.array(transients), "corrected": np.array(corrections),
        "sampled": np.array(sampled_by_period), "failed": np.array(failed_by_period),
    }
    return World(cell_ent, cell_cat, ent_city, size, true_next, history, components, internals)


def _cell_truth(world: World, seed: int) -> dict[tuple[str, str], tuple[float, float]]:
    return {
        (f"E{seed:03d}{world.cell_enterprise[i]:05d}", CATEGORIES[world.cell_category[i]]): (
            float(world.true_next[i]),
            float(world.enterprise_size[world.cell_enterprise[i]]),
        )
        for i in range(len(world.true_next))
    }


def _expected_failures(allocations, truth) -> float:
    return sum(a.batches * truth[(a.enterprise_id, a.product_category)][0] for a in allocations)


def _size_proportional(truth, budget: int, cap: int) -> float:
    """Expected batches proportional to enterprise size, water-filled under the cap."""
    values = list(truth.values())
    rate = np.array([v[0] for v in values])
    size = np.array([v[1] for v in values])
    lo, hi = 0.0, budget / size.min()
    for _ in range(100):
        mid = (lo + hi) / 2
        if np.minimum(cap, mid * size).sum() < budget:
            lo = mid
        else:
            hi = mid
    batches = np.minimum(cap, hi * size)
    return float((batches * rate).sum())


def run_seed(args: tuple[int, dict]) -> dict:
    seed, options = args
    settings = WorldSettings(**options["world"])
    budget, cap, minimum = options["budget"], options["cap"], options["min_per_category"]
    world = simulate_world(seed, settings)
    truth = _cell_truth(world, seed)
    started = time.perf_counter()
    planned = plan_sampling(world.history, budget=budget, max_per_cell=cap, min_per_category=minimum,
                            random_share=0.0, seed=seed)
    fit_seconds = time.perf_counter() - started
    model = planned.model
    oracle_cells = [replace(c, risk=truth[(c.enterprise_id, c.product_category)][0]) for c in model.cells]
    oracle = allocate(oracle_cells, budget, cap, minimum, random_share=0.0, seed=seed)
    uniform = np.mean([
        _expected_failures(allocate(model.cells, budget, cap, minimum, random_share=1.0, seed=seed * 100 + r)
                           .allocations, truth)
        for r in range(20)
    ])
    mixed = allocate(model.cells, budget, cap, minimum, random_share=0.2, seed=seed)
    result = {
        "seed": seed,
        "cells": len(model.cells),
        "history_batches": sum(r.sampled for r in world.history),
        "half_life": model.half_life,
        "fit_seconds": fit_seconds,
        "planner": _expected_failures(planned.allocations, truth),
        "planner_share20": _expected_failures(mixed.allocations, truth),
        "oracle": _expected_failures(oracle.allocations, truth),
        "uniform": float(uniform),
        "size": _size_proportional(truth, budget, cap),
    }

    # Coverage of the population pass rate with a 20% random share: redraw plan and outcomes.
    true_pass = 1.0 - float(np.mean([v[0] for v in truth.values()]))
    rng = np.random.default_rng(10_000 + seed)
    hits_random = hits_ipw = 0
    naive, width_random, width_ipw = [], [], []
    reps = options["coverage_reps"]
    for r in range(reps):
        plan = allocate(model.cells, budget, cap, minimum, random_share=0.2, seed=seed * 1000 + r)
        outcomes = []
        for a in plan.allocations:
            p = truth[(a.enterprise_id, a.product_category)][0]
            outcomes.append(CellOutcome(a.enterprise_id, a.product_category, a.random_batches,
                                        int(rng.binomial(a.random_batches, p)), a.targeted_batches,
                                        int(rng.binomial(a.targeted_batches, p))))
        est = estimate_from_random_share(sum(o.random_sampled for o in outcomes),
                                         sum(o.random_failed for o in outcomes))
        ipw = estimate_with_targeted(outcomes, frame_size=plan.frame_size)
        hits_random += est.low <= true_pass <= est.high
        hits_ipw += ipw.low <= true_pass <= ipw.high
        width_random.append(est.high - est.low)
        width_ipw.append(ipw.high - ipw.low)
        naive.append(1 - sum(o.random_failed + o.targeted_failed for o in outcomes) / budget)
    result.update(
        true_pass=true_pass,
        coverage_random=hits_random / reps,
        coverage_ipw=hits_ipw / reps,
        width_random=float(np.mean(width_random)),
        width_ipw=float(np.mean(width_ipw)),
        naive_pass=float(np.mean(naive)),
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--max-per-cell", type=int, default=3)
    parser.add_argument("--min-per-category", type=int, default=8)
    parser.add_argument("--coverage-reps", type=int, default=100)
    parser.add_argument("--history-budget", type=int, default=WorldSettings.history_budget,
                        help="batches per past half-year (sensitivity: 1000 = sparser history)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)

    import django

    django.setup()
    options = {
        "world": {"history_budget": args.history_budget},
        "budget": args.budget,
        "cap": args.max_per_cell,
        "min_per_category": args.min_per_category,
        "coverage_reps": args.coverage_reps,
    }
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(run_seed, [(s, options) for s in seeds]))
    elapsed = time.perf_counter() - started

    print(f"seeds={args.seeds} history_budget={args.history_budget}/period budget={args.budget} max_per_cell={args.max_per_cell} "
          f"min_per_category={args.min_per_category} coverage_reps={args.coverage_reps} "
          f"wall={elapsed:.0f}s")
    print(f"{'seed':>4} {'cells':>5} {'hist':>5} {'hl':>4} {'uniform':>8} {'size':>7} {'planner':>8} "
          f"{'oracle':>7} {'gain%':>6} {'x unif':>6} {'cov_rnd':>7} {'cov_ipw':>7}")
    for r in results:
        gain = (r["planner"] - r["uniform"]) / (r["oracle"] - r["uniform"])
        print(f"{r['seed']:>4} {r['cells']:>5} {r['history_batches']:>5} {r['half_life']:>4.0f} "
              f"{r['uniform']:>8.1f} {r['size']:>7.1f} {r['planner']:>8.1f} {r['oracle']:>7.1f} "
              f"{gain:>6.1%} {r['planner'] / r['uniform']:>6.2f} {r['coverage_random']:>7.1%} "
              f"{r['coverage_ipw']:>7.1%}")

    def total(key: str) -> float:
        return float(sum(r[key] for r in results))

    uniform, oracle = total("uniform"), total("oracle")
    gains = [(r["planner"] - r["uniform"]) / (r["oracle"] - r["uniform"]) for r in results]
    share0 = (total("planner") - uniform) / (oracle - uniform)
    share20 = (total("planner_share20") - uniform) / (oracle - uniform)
    cov_random = float(np.mean([r["coverage_random"] for r in results]))
    cov_ipw = float(np.mean([r["coverage_ipw"] for r in results]))
    print()
    print("Expected failures found per plan (mean over seeds), ratio to uniform:")
    for name, key in (("uniform", "uniform"), ("size-proportional", "size"), ("planner, random 0%", "planner"),
                      ("planner, random 20%", "planner_share20"), ("oracle", "oracle")):
        print(f"  {name:<22} {total(key) / len(results):8.1f}   x{total(key) / uniform:.2f}")
    print(f"Planner share of oracle gain over uniform, random 0%: {share0:.1%} "
          f"(per seed min {min(gains):.1%}, median {np.median(gains):.1%})   target >= 85%")
    print(f"Planner / uniform, random 0%: x{total('planner') / uniform:.2f}   target >= 1.8")
    print(f"Planner share of oracle gain, random 20%: {share20:.1%}")
    print(f"Population pass rate, random 20%: true mean {total('true_pass') / len(results):.2%}; "
          f"naive pass rate of all planned batches {total('naive_pass') / len(results):.2%}")
    print(f"  95% interval coverage, random share only (Wilson): {cov_random:.1%} "
          f"(mean width {total('width_random') / len(results):.2%})   target >= 93%")
    print(f"  95% interval coverage, random + targeted (IPW):    {cov_ipw:.1%} "
          f"(mean width {total('width_ipw') / len(results):.2%})")
    print(f"Model fit time per world: mean {total('fit_seconds') / len(results):.1f}s")
    met = share0 >= 0.85 and total("planner") / uniform >= 1.8 and cov_random >= 0.93
    print("TARGETS MET" if met else "TARGETS MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
