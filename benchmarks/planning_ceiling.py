"""How much of the oracle's gain can any planner capture from the history? (issue 5, diagnostic)

The planning benchmark (benchmarks/planning.py) compares the planner with an oracle that knows every cell's
true failure rate in the planned period. Part of that rate cannot be known from the history by anyone.
This script splits the oracle's gain over uniform sampling, for a few of the benchmark's worlds (the
default world, unchanged), into what each of these predictors captures, all fed to the same allocator
(same budget, cap, category minimums, no random share):

  planner      `nqi.planning.allocator.plan_sampling` on the history rows (what the benchmark reports);
  ideal        the posterior mean of each cell's next-period rate given the whole history, computed by a
               predictor that knows the world's true settings: the realised category, trend, city and
               enterprise-size effects, the corrections after detected failures (observable), and the
               exact distributions of the enterprise effect (0.5 x t3 plus the repeat-offender mixture),
               the enterprise random walk, the cell effect and the per-period transient noise. Enterprise
               effect and walk are integrated by importance sampling (--draws per enterprise), the cell
               effect by Gauss-Hermite quadrature, the transient noise exactly on a tabulated grid. This is
               the best any planner could do with this history and perfect knowledge of the world's rules;
  ideal, size unknown
               the same, but the enterprise-size effect is not known (it is folded into the enterprise
               effect's prior), as for a bureau whose history has no output figures;
  knowable oracle
               the true latent state at the end of the history (category, city, enterprise effect, walk so
               far, cell effect, corrections), averaged over next period's walk step and transient noise:
               everything about a cell that exists before the period starts, known exactly;
  ... without the cell effect
               the same with the cell effect (sd 0.4) averaged over its prior instead of known;
  oracle minus noise
               the oracle without the next period's transient noise (it still knows next period's walk step).

Run (about 30 s per seed on one core; 154 s for the five default seeds):

    cd /work/main && .venv/bin/python benchmarks/planning_ceiling.py --seeds 5

The shares are of the oracle's gain over uniform summed over the seeds, as in benchmarks/planning.py.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace

import numpy as np
from numpy.polynomial.hermite_e import hermegauss
from scipy.special import expit, log_expit, logit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from planning import WorldSettings, _cell_truth, _expected_failures, simulate_world  # noqa: E402

_GRID_LO, _GRID_HI, _GRID_STEP = -20.0, 14.0, 0.005


def _gauss(sd: float, nodes: int) -> tuple[np.ndarray, np.ndarray]:
    x, w = hermegauss(nodes)
    return sd * x, w / w.sum()


class _NoiseTables:
    """log E_eps[p^f (1-p)^(n-f)] and E_eps[p] with p = expit(eta + eps), eps ~ N(0, sd^2), tabulated in eta."""

    def __init__(self, transient_sd: float, next_sd: float, max_n: int):
        self.grid = np.arange(_GRID_LO, _GRID_HI + _GRID_STEP, _GRID_STEP)
        eps, w = _gauss(transient_sd, 40)
        eta = self.grid[:, None] + eps[None, :]
        lp, lq = log_expit(eta), log_expit(-eta)
        self.max_n = max_n
        self.loglik = np.empty(((max_n + 1) * (max_n + 1), len(self.grid)))
        for n in range(max_n + 1):
            for f in range(n + 1):
                terms = f * lp + (n - f) * lq
                top = terms.max(axis=1, keepdims=True)
                self.loglik[n * (max_n + 1) + f] = (top[:, 0] + np.log(np.exp(terms - top) @ w))
        eps, w = _gauss(next_sd, 40)
        self.mean_rate = expit(self.grid[:, None] + eps[None, :]) @ w

    def _position(self, eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = (np.clip(eta, _GRID_LO, _GRID_HI - 2 * _GRID_STEP) - _GRID_LO) / _GRID_STEP
        i = pos.astype(np.intp)
        return i, pos - i

    def log_likelihood(self, eta: np.ndarray, n: np.ndarray, f: np.ndarray) -> np.ndarray:
        i, frac = self._position(eta)
        row = (n * (self.max_n + 1) + f).reshape(n.shape + (1,) * (eta.ndim - n.ndim))
        table = self.loglik
        return table[row, i] * (1 - frac) + table[row, i + 1] * frac

    def rate(self, eta: np.ndarray) -> np.ndarray:
        i, frac = self._position(eta)
        return self.mean_rate[i] * (1 - frac) + self.mean_rate[i + 1] * frac


def ideal_predictor(world, settings: WorldSettings, draws: int, know_size: bool = True, seed: int = 0,
                    chunk: int = 100, cell_nodes: int = 12) -> np.ndarray:
    """Posterior mean of each cell's next-period failure rate given the history and the world's true settings."""
    s, inner = settings, world.internals
    rng = np.random.default_rng(seed)
    ent, cat = world.cell_enterprise, world.cell_category
    city = world.enterprise_city[ent]
    sampled, failed, corrected = inner["sampled"], inner["failed"], inner["corrected"]
    periods = sampled.shape[0]
    # Known part of each cell's logit in each period 0..periods (the last one is the planned period).
    t = np.arange(periods + 1)[:, None]
    known = (logit(s.base_rate) + inner["a_cat"][cat] + inner["trend"][cat] * t + inner["b_city"][city]
             - corrected)
    if know_size:
        known = known + inner["size_term"][ent]
    tables = _NoiseTables(s.transient_sd, float(np.hypot(s.transient_sd, s.enterprise_walk_sd)),
                          int(sampled.max()))
    x_nodes, x_weights = _gauss(s.cell_sd, cell_nodes)
    offender_proposal = 0.25
    n_ent = len(world.enterprise_size)
    result = np.empty(len(ent))
    order = np.argsort(ent, kind="stable")
    bounds = np.searchsorted(ent[order], np.arange(0, n_ent + chunk, chunk))
    for k in range(len(bounds) - 1):
        cells = order[bounds[k]:bounds[k + 1]]
        if cells.size == 0:
            continue
        first = k * chunk
        n_here = min(chunk, n_ent - first)
        local = ent[cells] - first
        # Prior draws of the enterprise effect (offenders over-sampled, then re-weighted) and its walk.
        u = s.enterprise_t_scale * rng.standard_t(3, (n_here, draws))
        if not know_size:
            u += abs(s.size_effect) * rng.standard_normal((n_here, draws))  # log size ~ N(0, 1)
        offender = rng.random((n_here, draws)) < offender_proposal
        u += offender * rng.uniform(2.0, 3.5, (n_here, draws))
        log_w = np.where(offender, np.log(s.offender_share / offender_proposal),
                         np.log((1 - s.offender_share) / (1 - offender_proposal)))
        # walk[:, :, p] is the walk in history period p (none in period 0); the planned period's own step
        # is integrated with its transient noise in the rate table below.
        steps = rng.normal(0, s.enterprise_walk_sd, (n_here, draws, periods - 1))
        walk = np.concatenate([np.zeros((n_here, draws, 1)), np.cumsum(steps, axis=2)], axis=2)
        # Log-likelihood of each cell's history given (draw, cell-effect node).
        ll = np.zeros((cells.size, draws, cell_nodes))
        for p in range(periods):
            has = np.flatnonzero(sampled[p, cells] > 0)
            if has.size == 0:
                continue
            c = cells[has]
            eta = (known[p, c][:, None, None] + (u[local[has]] + walk[local[has], :, p])[:, :, None]
                   + x_nodes[None, None, :])
            ll[has] += tables.log_likelihood(eta, sampled[p, c], failed[p, c])
        top = ll.max(axis=2, keepdims=True)
        lik = np.exp(ll - top) * x_weights
        marginal = lik.sum(axis=2)
        eta_next = (known[periods, cells][:, None, None] + (u[local] + walk[local, :, periods - 1])[:, :, None]
                    + x_nodes[None, None, :])
        cond_rate = (lik * tables.rate(eta_next)).sum(axis=2) / marginal
        log_marginal = np.log(marginal) + top[:, :, 0]
        ent_log = log_w.copy()
        np.add.at(ent_log, local, log_marginal)
        ent_log -= ent_log.max(axis=1, keepdims=True)
        weight = np.exp(ent_log)
        weight /= weight.sum(axis=1, keepdims=True)
        result[cells] = (weight[local] * cond_rate).sum(axis=1)
    return result


def knowable_oracle(world, settings: WorldSettings, know_cell: bool = True) -> np.ndarray:
    """Expected next-period rate given every latent value at the end of the history."""
    s, inner = settings, world.internals
    ent, cat = world.cell_enterprise, world.cell_category
    periods = inner["sampled"].shape[0]
    eta = (logit(s.base_rate) + inner["a_cat"][cat] + inner["trend"][cat] * periods
           + inner["b_city"][world.enterprise_city[ent]] + inner["e_ent"][ent] + inner["walk"][periods - 1][ent]
           - inner["corrected"][periods])
    sd2 = s.transient_sd**2 + s.enterprise_walk_sd**2
    if know_cell:
        eta = eta + inner["x_cell"]
    else:
        sd2 += s.cell_sd**2
    eps, w = _gauss(float(np.sqrt(sd2)), 40)
    return expit(eta[:, None] + eps[None, :]) @ w


def oracle_minus_noise(world) -> np.ndarray:
    periods = world.internals["sampled"].shape[0]
    return expit(logit(world.true_next) - world.internals["transient"][periods])


def run_seed(seed: int, options: dict) -> dict:
    from nqi.planning.allocator import allocate, plan_sampling

    settings = options["settings"]
    budget, cap, minimum = options["budget"], options["cap"], options["min_per_category"]
    world = simulate_world(seed, settings)
    truth = _cell_truth(world, seed)
    planned = plan_sampling(world.history, budget=budget, max_per_cell=cap, min_per_category=minimum,
                            random_share=0.0, seed=seed)
    cells = planned.model.cells
    index = {key: i for i, key in enumerate(truth)}  # _cell_truth keeps the world's cell order

    def found(rates: np.ndarray) -> float:
        scored = [replace(c, risk=float(rates[index[(c.enterprise_id, c.product_category)]])) for c in cells]
        return _expected_failures(allocate(scored, budget, cap, minimum, random_share=0.0, seed=seed).allocations,
                                  truth)

    uniform = float(np.mean([
        _expected_failures(allocate(cells, budget, cap, minimum, random_share=1.0, seed=seed * 100 + r).allocations,
                           truth)
        for r in range(20)
    ]))
    started = time.perf_counter()
    ideal = ideal_predictor(world, settings, options["draws"], seed=seed)
    ideal_seconds = time.perf_counter() - started
    result = {
        "seed": seed,
        "uniform": uniform,
        "oracle": found(world.true_next),
        "planner": _expected_failures(planned.allocations, truth),
        "ideal": found(ideal),
        "ideal_nosize": found(ideal_predictor(world, settings, options["draws"], know_size=False, seed=seed)),
        "knowable": found(knowable_oracle(world, settings)),
        "knowable_nocell": found(knowable_oracle(world, settings, know_cell=False)),
        "oracle_nonoise": found(oracle_minus_noise(world)),
        "ideal_seconds": ideal_seconds,
    }
    return result


ROWS = (
    ("planner (history only)", "planner"),
    ("ideal: posterior mean, true settings", "ideal"),
    ("ideal, enterprise size unknown", "ideal_nosize"),
    ("knowable oracle: latent state at end of history", "knowable"),
    ("knowable oracle without the cell effect", "knowable_nocell"),
    ("oracle minus next period's transient noise", "oracle_nonoise"),
    ("oracle (true next-period rates)", "oracle"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--draws", type=int, default=2000, help="importance-sampling draws per enterprise")
    parser.add_argument("--budget", type=int, default=2000)
    parser.add_argument("--max-per-cell", type=int, default=3)
    parser.add_argument("--min-per-category", type=int, default=8)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="change one of the world's settings (WorldSettings in planning.py), e.g. cell_sd=0")
    args = parser.parse_args(argv)
    settings = WorldSettings()
    for assignment in args.set:
        name, _, value = assignment.partition("=")
        if name not in WorldSettings.__dataclass_fields__:
            parser.error(f"unknown world setting {name!r}")
        settings = replace(settings, **{name: type(getattr(settings, name))(value)})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")
    os.environ.setdefault("NQI_TESTING", "1")
    import django

    django.setup()
    options = {"budget": args.budget, "cap": args.max_per_cell, "min_per_category": args.min_per_category,
               "draws": args.draws, "settings": settings}
    started = time.perf_counter()
    results = [run_seed(s, options) for s in range(args.first_seed, args.first_seed + args.seeds)]
    elapsed = time.perf_counter() - started

    def share(r: dict, key: str) -> float:
        return (r[key] - r["uniform"]) / (r["oracle"] - r["uniform"])

    print(f"seeds={args.first_seed}..{args.first_seed + args.seeds - 1} draws={args.draws} budget={args.budget} "
          f"max_per_cell={args.max_per_cell} min_per_category={args.min_per_category} wall={elapsed:.0f}s")
    if args.set:
        print("world settings changed: " + ", ".join(args.set))
    keys = [k for _, k in ROWS]
    print(f"{'seed':>4} {'uniform':>8} " + " ".join(f"{k[:9]:>9}" for k in keys) + "   (expected failures found)")
    for r in results:
        print(f"{r['seed']:>4} {r['uniform']:>8.1f} " + " ".join(f"{r[k]:>9.1f}" for k in keys))
    print()
    uniform = sum(r["uniform"] for r in results)
    oracle = sum(r["oracle"] for r in results)
    print(f"{'predictor fed to the allocator':<50} {'found':>7} {'x unif':>7} {'share of oracle gain':>21}"
          f"   per seed")
    for label, key in ROWS:
        total = sum(r[key] for r in results)
        per_seed = " ".join(f"{share(r, key):.0%}" for r in results)
        print(f"{label:<50} {total / len(results):>7.1f} {total / uniform:>7.2f} "
              f"{(total - uniform) / (oracle - uniform):>21.1%}   {per_seed}")
    print(f"ideal predictor time per world: {np.mean([r['ideal_seconds'] for r in results]):.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
