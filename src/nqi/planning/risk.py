"""Failure risk of each (enterprise, product category) cell for the next spot-check period.

A hierarchical empirical-Bayes logistic model fitted to the inspection history:

    logit p(cell, period) = b0 + category effect + city effect + enterprise effect + cell effect
                            + gamma x (earlier periods in which the cell failed, at most 3)

The category and city effects are Gaussian; the enterprise effect (shared by all categories of the
enterprise) and the cell effect have Student-t priors, because repeat offenders are a heavy tail that a
Gaussian prior would shrink back into the crowd. The corrections term lets the risk change after a
detected failure (整改); gamma is estimated with the other fixed effects (either sign). Variance
components are estimated from the data (approximate EM at the Laplace mode), and recent periods count more through exponential weights with a
half-life chosen by predicting the latest period from the earlier ones. Pure numpy/scipy: no Django here,
so the model runs the same in the web app, the management command and the benchmark.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.special import expit
from scipy.stats import norm

HALF_LIFE_CANDIDATES = (1.0, 2.0, 4.0, math.inf)
DEFAULT_HALF_LIFE = 2.0
DEFAULT_TAIL_DF = 4.0
# Covariates with estimated coefficients (see _row_covariates): "corrections" lets a cell's risk change
# after each period in which it failed (整改 after a failure); measured in benchmarks/planning.py.
DEFAULT_COVARIATES: tuple[str, ...] = ("corrections",)
# A weak prior on the intercept only matters when the history has (almost) no failures at all.
_INTERCEPT_PRIOR_MEAN = -3.0
_INTERCEPT_PRIOR_PRECISION = 1.0 / 9.0
_MIN_VARIANCE = 1e-4
_COEFFICIENT_PRIOR_PRECISION = 1.0


class RiskModelError(ValueError):
    """The history cannot support a risk model (message in Chinese for the UI)."""


def period_sort_key(period: str) -> tuple:
    """Natural order of period labels: '2023H2' < '2024H1', '2024-2' < '2024-10'."""
    parts = re.findall(r"\d+|\D+", period)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)


@dataclass(frozen=True)
class CellRisk:
    """The model's view of one cell: history, estimated next-period failure rate and its interval."""

    enterprise_id: str
    product_category: str
    region: str
    history_sampled: int
    history_failed: int
    weighted_sampled: float
    weighted_failed: float
    risk: float  # posterior mean probability that one batch fails
    risk_low: float
    risk_high: float
    prior_risk: float  # what the category and city alone predict for a new enterprise


@dataclass
class RiskModel:
    """A fitted model: per-cell risks plus the estimated structure, for display and diagnostics."""

    cells: list[CellRisk]
    periods: list[str]
    half_life: float
    tail_df: float
    interval: float
    variances: dict[str, float]
    intercept: float
    category_effects: dict[str, float]
    city_effects: dict[str, float]
    enterprise_effects: dict[str, float]
    half_life_scores: dict[float, float] = field(default_factory=dict)
    iterations: int = 0
    coefficients: dict[str, float] = field(default_factory=dict)  # of the covariates, on the logit scale

    def by_cell(self) -> dict[tuple[str, str], CellRisk]:
        return {(c.enterprise_id, c.product_category): c for c in self.cells}


@dataclass
class _Design:
    """History aggregated to cells, with integer codes for the grouping factors."""

    keys: list[tuple[str, str]]
    regions: list[str]
    categories: list[str]
    cities: list[str]
    enterprises: list[str]
    cat: np.ndarray
    city: np.ndarray
    ent: np.ndarray
    period_index: np.ndarray  # per history row
    row_cell: np.ndarray  # per history row
    row_sampled: np.ndarray
    row_failed: np.ndarray
    periods: list[str]


def _build_design(rows: Sequence[object]) -> _Design:
    periods = sorted({r.period for r in rows}, key=period_sort_key)
    period_pos = {p: i for i, p in enumerate(periods)}
    cell_pos: dict[tuple[str, str], int] = {}
    cell_region: dict[tuple[str, str], tuple[int, str]] = {}
    row_cell, row_period, row_sampled, row_failed = [], [], [], []
    for r in rows:
        key = (r.enterprise_id, r.product_category)
        index = cell_pos.setdefault(key, len(cell_pos))
        t = period_pos[r.period]
        # An enterprise that moved is judged by where it is now: the region of its latest row wins.
        if key not in cell_region or t >= cell_region[key][0]:
            cell_region[key] = (t, r.region)
        row_cell.append(index)
        row_period.append(t)
        row_sampled.append(r.sampled)
        row_failed.append(r.failed)
    keys = list(cell_pos)
    regions = [cell_region[k][1] for k in keys]
    categories = sorted({k[1] for k in keys})
    cities = sorted(set(regions))
    enterprises = sorted({k[0] for k in keys})
    cat_pos = {c: i for i, c in enumerate(categories)}
    city_pos = {c: i for i, c in enumerate(cities)}
    ent_pos = {e: i for i, e in enumerate(enterprises)}
    return _Design(
        keys=keys,
        regions=regions,
        categories=categories,
        cities=cities,
        enterprises=enterprises,
        cat=np.array([cat_pos[k[1]] for k in keys], dtype=np.intp),
        city=np.array([city_pos[g] for g in regions], dtype=np.intp),
        ent=np.array([ent_pos[k[0]] for k in keys], dtype=np.intp),
        period_index=np.array(row_period, dtype=np.intp),
        row_cell=np.array(row_cell, dtype=np.intp),
        row_sampled=np.array(row_sampled, dtype=float),
        row_failed=np.array(row_failed, dtype=float),
        periods=periods,
    )


def _weighted_counts(design: _Design, half_life: float, last_period: int) -> tuple[np.ndarray, np.ndarray]:
    """Recency-weighted batches and failures per cell, using rows up to `last_period` (inclusive)."""
    age = last_period - design.period_index
    use = age >= 0
    weight = np.zeros_like(design.row_sampled)
    weight[use] = 1.0 if math.isinf(half_life) else np.power(0.5, age[use] / half_life)
    n_cells = len(design.keys)
    n = np.bincount(design.row_cell, weights=weight * design.row_sampled, minlength=n_cells)
    f = np.bincount(design.row_cell, weights=weight * design.row_failed, minlength=n_cells)
    return n, f


@dataclass
class _Covariates:
    """Row-level covariates with fixed (estimated) coefficients, e.g. corrections after failures.

    Rows are history rows (several per cell); `x` holds each row's covariate values, `x_next` each
    cell's values in the period being predicted. The model is fitted on the rows, so a covariate can
    change from one period to the next within a cell.
    """

    names: list[str]
    cell: np.ndarray  # cell index of each row
    n: np.ndarray  # (weighted) batches of each row
    f: np.ndarray  # (weighted) failures of each row
    x: np.ndarray  # rows x covariates
    x_next: np.ndarray  # cells x covariates


_MAX_CORRECTIONS = 3


def _row_covariates(design: _Design, half_life: float, last_period: int, names: Sequence[str]) -> _Covariates:
    """Recency-weighted history rows up to `last_period` with the covariates `names`:

    - "corrections": periods before the row's own in which the cell had a detected failure (capped at
      _MAX_CORRECTIONS). After a failure the enterprise must rectify (整改), so its later batches may fail
      less; the coefficient is estimated from the data (either sign).
    """
    n_cells, n_periods = len(design.keys), last_period + 1
    age = last_period - design.period_index
    use = (age >= 0) & (design.row_sampled > 0)
    weight = 1.0 if math.isinf(half_life) else np.power(0.5, age[use] / half_life)
    cell, period = design.row_cell[use], design.period_index[use]
    failed_in = np.zeros((n_cells, n_periods))
    np.add.at(failed_in, (cell, period), design.row_failed[use])
    failing = np.cumsum(failed_in > 0, axis=1)  # periods with a failure up to and including t
    before = np.concatenate([np.zeros((n_cells, 1)), failing[:, :-1]], axis=1)
    columns, next_columns = [], []
    for name in names:
        if name == "corrections":
            columns.append(np.minimum(before[cell, period], _MAX_CORRECTIONS))
            next_columns.append(np.minimum(failing[:, -1], _MAX_CORRECTIONS))
        else:  # pragma: no cover - programming error
            raise ValueError(name)
    return _Covariates(
        names=list(names),
        cell=cell,
        n=weight * design.row_sampled[use],
        f=weight * design.row_failed[use],
        x=np.stack(columns, axis=1) if columns else np.zeros((cell.size, 0)),
        x_next=np.stack(next_columns, axis=1) if next_columns else np.zeros((n_cells, 0)),
    )


@dataclass
class _Fit:
    eta: np.ndarray
    var_eta: np.ndarray
    prior_eta: np.ndarray
    prior_var: np.ndarray
    b0: float
    u_cat: np.ndarray
    u_city: np.ndarray
    u_ent: np.ndarray
    variances: dict[str, float]
    iterations: int
    coefficients: dict[str, float] = field(default_factory=dict)


def _fit_glmm(
    n: np.ndarray,
    f: np.ndarray,
    cat: np.ndarray,
    city: np.ndarray,
    ent: np.ndarray,
    tail_df: float,
    max_outer: int = 100,
    tol: float = 1e-3,
    fixed_variances: dict[str, float] | None = None,
    covariates: _Covariates | None = None,
) -> _Fit:
    """Laplace-mode fit with EM updates of the variance components.

    Parameters split into a small global block (intercept, categories, cities) and a large local block
    (enterprises and cells). Given the global block, the local Hessian is an arrowhead matrix per
    enterprise (enterprise effect + its cells), solved exactly in O(cells); the global block is solved
    through its Schur complement (a few dozen rows). This gives exact Newton steps and exact posterior
    variances at the mode, both for the EM updates (using only conditional variances would make the
    category variance collapse into the enterprise effects) and for the per-cell intervals.
    `fixed_variances` skips the EM updates (for sensitivity checks of the variance components).
    `covariates` adds row-level covariates to the global block (their coefficients get a weak N(0, 1)
    prior); the likelihood is then summed over the rows, and `n`, `f` must be the rows' cell totals.
    """
    n_cells = len(n)
    if covariates is None:
        covariates = _Covariates([], np.arange(n_cells), n, f, np.zeros((n_cells, 0)), np.zeros((n_cells, 0)))
    row_cell, row_n, row_f, row_x = covariates.cell, covariates.n, covariates.f, covariates.x
    n_cov = row_x.shape[1]
    n_cat, n_city, n_ent = int(cat.max()) + 1, int(city.max()) + 1, int(ent.max()) + 1
    n_glob = 1 + n_cat + n_city
    # Columns of the global design for each cell: intercept, its category, its city.
    gcol = np.stack([np.zeros(n_cells, dtype=np.intp), 1 + cat, 1 + n_cat + city], axis=1)
    pair_index = [gcol[:, a] * n_glob + gcol[:, b] for a in range(3) for b in range(3)]

    def global_cross(values: np.ndarray) -> np.ndarray:
        """Z' diag(values) Z for the global design, without forming Z."""
        total = np.zeros(n_glob * n_glob)
        for index in pair_index:
            total += np.bincount(index, weights=values, minlength=n_glob * n_glob)
        return total.reshape(n_glob, n_glob)

    # Pairs of cells of the same enterprise (including each cell with itself). Sums over these pairs
    # replace dense products with the enterprises x globals matrix: BLAS threads on a busy web server
    # made those products 30 times slower than this elementwise form.
    by_ent = np.argsort(ent, kind="stable")
    starts = np.searchsorted(ent[by_ent], np.arange(n_ent + 1))
    pair_left = np.concatenate([np.repeat(by_ent[a:b], b - a) for a, b in zip(starts[:-1], starts[1:], strict=True)])
    pair_right = np.concatenate([np.tile(by_ent[a:b], b - a) for a, b in zip(starts[:-1], starts[1:], strict=True)])
    pair_ent = ent[pair_left]

    def pair_cross(values: np.ndarray) -> np.ndarray:
        """Sum over enterprises of q_j q_j' with q_j = sum of values_i z_i over its cells."""
        total = np.zeros(n_glob * n_glob)
        for a in range(3):
            for b in range(3):
                index = gcol[pair_left, a] * n_glob + gcol[pair_right, b]
                total += np.bincount(index, weights=values, minlength=n_glob * n_glob)
        return total.reshape(n_glob, n_glob)

    def pair_cov(cov: np.ndarray) -> np.ndarray:
        """z_i' cov z_k for every same-enterprise pair."""
        return cov[gcol[pair_left][:, :, None], gcol[pair_right][:, None, :]].sum(axis=(1, 2))

    def count_columns(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
        return np.stack([np.bincount(index, weights=values[:, k], minlength=size)
                         for k in range(values.shape[1])], axis=1)

    def row_terms(cell_eta: np.ndarray, beta: np.ndarray):
        """Per-cell residual and weight summed over the rows, and the covariates' sums for the global block:
        w_x[i] = sum of w_r x_r over the cell's rows, w_xx = sum over rows of w_r x_r x_r', r_x = sum of x_r resid_r.
        """
        if not n_cov:
            p = expit(cell_eta)
            return f - n * p, n * p * (1 - p), None, None, None
        p = expit(row_eta(cell_eta, beta))
        resid_r, weight_r = row_f - row_n * p, row_n * p * (1 - p)
        resid = np.bincount(row_cell, weights=resid_r, minlength=n_cells)
        weight = np.bincount(row_cell, weights=weight_r, minlength=n_cells)
        # Elementwise sums rather than matrix products: there are only a few covariates (see pair_cross).
        wx_r = weight_r[:, None] * row_x
        w_x = count_columns(row_cell, wx_r, n_cells)
        w_xx = np.array([[np.sum(wx_r[:, k] * row_x[:, m]) for m in range(n_cov)] for k in range(n_cov)])
        r_x = np.array([np.sum(row_x[:, k] * resid_r) for k in range(n_cov)])
        return resid, weight, w_x, w_xx, r_x

    def extend_schur(schur_glob, a, c, weight, w_x, w_xx, h_cell, schur_ent):
        """Add the covariates' rows and columns to the global Schur complement H_gg - B D^-1 B'.

        With b_i = (w_i z_i, w_x[i]) the cross terms of cell i with the globals, B D^-1 B' sums
        b_i b_i' / h_i over cells and q_j q_j' / s_j over enterprises, with q_j = sum of a_i b_i."""
        q_beta = count_columns(ent, a[:, None] * w_x, n_ent)
        tb = np.stack([global_sum(a * w_x[:, k]) - global_sum(c * q_beta[ent, k] / schur_ent[ent])
                       for k in range(n_cov)], axis=1)
        def inner(u, v):
            return np.array([[np.sum(u[:, k] * v[:, m]) for m in range(n_cov)] for k in range(n_cov)])

        bb = (w_xx - inner(w_x / h_cell[:, None], w_x) - inner(q_beta / schur_ent[:, None], q_beta)
              + _COEFFICIENT_PRIOR_PRECISION * np.eye(n_cov))
        return np.block([[schur_glob, tb], [tb.T, bb]])

    total_n, total_f = n.sum(), f.sum()
    theta = np.zeros(n_glob)
    theta[0] = math.log((total_f + 0.5) / (total_n - total_f + 0.5)) if total_n > 0 else _INTERCEPT_PRIOR_MEAN
    prior_mean = np.zeros(n_glob)
    prior_mean[0] = _INTERCEPT_PRIOR_MEAN
    u_ent, u_cell = np.zeros(n_ent), np.zeros(n_cells)
    beta = np.zeros(n_cov)
    s2 = dict(fixed_variances) if fixed_variances else {"category": 0.3, "city": 0.1, "enterprise": 0.5, "cell": 0.2}
    w_ent, w_cell = np.ones(n_ent), np.ones(n_cells)
    nu = tail_df

    def count(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
        return np.bincount(index, weights=values, minlength=size)

    def global_sum(values: np.ndarray) -> np.ndarray:
        return count(gcol.ravel(), np.repeat(values, 3), n_glob)

    def row_eta(cell_eta: np.ndarray, beta: np.ndarray) -> np.ndarray:
        return cell_eta[row_cell] + ((row_x * beta).sum(axis=1) if n_cov else 0.0)

    def objective(theta, beta, u_ent, u_cell, prec_g, tau_ent, tau_cell) -> float:
        eta = row_eta(theta[gcol].sum(axis=1) + u_ent[ent] + u_cell, beta)
        loglik = np.sum(row_f * eta - row_n * np.logaddexp(0.0, eta))
        penalty = (np.sum(prec_g * (theta - prior_mean) ** 2) + np.sum(tau_ent * u_ent**2)
                   + _COEFFICIENT_PRIOR_PRECISION * np.sum(beta**2))
        return float(loglik - 0.5 * (penalty + np.sum(tau_cell * u_cell**2)))

    iterations = 0
    for _outer in range(max_outer):
        prec_g = np.concatenate(
            [[_INTERCEPT_PRIOR_PRECISION], np.full(n_cat, 1 / s2["category"]), np.full(n_city, 1 / s2["city"])]
        )
        tau_ent, tau_cell = w_ent / s2["enterprise"], w_cell / s2["cell"]
        current = objective(theta, beta, u_ent, u_cell, prec_g, tau_ent, tau_cell)
        for _newton in range(50):
            iterations += 1
            eta = theta[gcol].sum(axis=1) + u_ent[ent] + u_cell
            resid, weight, w_x, w_xx, r_x = row_terms(eta, beta)
            g_glob = global_sum(resid) - prec_g * (theta - prior_mean)
            g_ent = count(ent, resid, n_ent) - tau_ent * u_ent
            g_cell = resid - tau_cell * u_cell
            h_cell = weight + tau_cell
            ratio = weight / h_cell
            schur_ent = count(ent, weight, n_ent) + tau_ent - count(ent, weight * ratio, n_ent)

            def solve_local(ge, gx, ratio=ratio, schur_ent=schur_ent, weight=weight, h_cell=h_cell):
                de = (ge - count(ent, ratio * gx, n_ent)) / schur_ent
                return de, (gx - weight * de[ent]) / h_cell

            # Schur complement of the global block: H_gg - B D^-1 B'.
            a = 1.0 - ratio
            c = weight * a
            h_gg = global_cross(c) + np.diag(prec_g)
            schur_glob = h_gg - pair_cross(c[pair_left] * c[pair_right] / schur_ent[pair_ent])
            if n_cov:
                schur_glob = extend_schur(schur_glob, a, c, weight, w_x, w_xx, h_cell, schur_ent)
            de, dx = solve_local(g_ent, g_cell)
            rhs = g_glob - global_sum(weight * (de[ent] + dx))
            if n_cov:
                g_beta = r_x - _COEFFICIENT_PRIOR_PRECISION * beta
                rhs = np.concatenate([rhs, g_beta - ((de[ent] + dx)[:, None] * w_x).sum(axis=0)])
            d_psi = np.linalg.solve(schur_glob, rhs)
            d_theta, d_beta = d_psi[:n_glob], d_psi[n_glob:]
            shift = weight * d_theta[gcol].sum(axis=1) + ((w_x * d_beta).sum(axis=1) if n_cov else 0.0)
            de, dx = solve_local(g_ent - count(ent, shift, n_ent), g_cell - shift)
            step = 1.0
            while True:
                trial = objective(theta + step * d_theta, beta + step * d_beta, u_ent + step * de, u_cell + step * dx,
                                  prec_g, tau_ent, tau_cell)
                if trial >= current - 1e-10 or step < 1e-3:
                    break
                step /= 2
            theta, beta = theta + step * d_theta, beta + step * d_beta
            u_ent, u_cell = u_ent + step * de, u_cell + step * dx
            improvement, current = trial - current, trial
            largest = step * max(np.abs(d_psi).max(), np.abs(de).max(), np.abs(dx).max())
            if largest < 1e-6 or improvement < 1e-9:
                break

        # Posterior variances at the mode.
        eta = theta[gcol].sum(axis=1) + u_ent[ent] + u_cell
        _resid, weight, w_x, w_xx, _r_x = row_terms(eta, beta)
        h_cell = weight + tau_cell
        ratio = weight / h_cell
        a = 1.0 - ratio
        schur_ent = count(ent, weight, n_ent) + tau_ent - count(ent, weight * ratio, n_ent)
        c = weight * a
        h_gg = global_cross(c) + np.diag(prec_g)
        schur_glob = h_gg - pair_cross(c[pair_left] * c[pair_right] / schur_ent[pair_ent])
        if n_cov:
            schur_glob = extend_schur(schur_glob, a, c, weight, w_x, w_xx, h_cell, schur_ent)
        cov_all = np.linalg.inv(schur_glob)
        cov_glob = cov_all[:n_glob, :n_glob]
        # With q_j = sum of c_i z_i over the enterprise's cells and G_ik = z_i' cov z_k:
        # q_j' cov q_j / s_j^2 is the global part of var(enterprise effect), and
        # (z_i - q_j/s_j)' cov (z_i - q_j/s_j) the global part of var(eta_i).
        g_pair = pair_cov(cov_glob)
        qq = count(pair_ent, c[pair_left] * c[pair_right] * g_pair, n_ent) / schur_ent**2
        v_ent = 1.0 / schur_ent + qq
        own = cov_glob[gcol[:, :, None], gcol[:, None, :]].sum(axis=(1, 2))
        cross = count(pair_left, c[pair_right] * g_pair, n_cells) / schur_ent[ent]
        spread = own - 2 * cross + qq[ent]
        v_cell = 1.0 / h_cell + ratio**2 / schur_ent[ent] + ratio**2 * spread
        v_glob = np.diag(cov_glob)

        old = dict(s2)
        u_cat, u_city = theta[1 : 1 + n_cat], theta[1 + n_cat :]
        s2["category"] = max(_MIN_VARIANCE, float(np.mean(u_cat**2 + v_glob[1 : 1 + n_cat])))
        s2["city"] = max(_MIN_VARIANCE, float(np.mean(u_city**2 + v_glob[1 + n_cat :])))
        # Student-t as a scale mixture: each enterprise/cell gets a weight, small for outliers.
        m_ent = u_ent**2 + v_ent
        m_cell = u_cell**2 + v_cell
        if math.isinf(nu):
            w_ent, w_cell = np.ones(n_ent), np.ones(n_cells)
        else:
            w_ent = (nu + 1) / (nu + m_ent / old["enterprise"])
            w_cell = (nu + 1) / (nu + m_cell / old["cell"])
        s2["enterprise"] = max(_MIN_VARIANCE, float(np.sum(w_ent * m_ent) / n_ent))
        s2["cell"] = max(_MIN_VARIANCE, float(np.sum(w_cell * m_cell) / n_cells))
        if fixed_variances:
            s2 = dict(fixed_variances)
        change = max(abs(math.log(s2[k] / old[k])) for k in s2)
        if change < tol:
            break

    # var(eta_i) = a_i^2 (z_i - q_j/s_j)' cov (z_i - q_j/s_j) + var(enterprise + cell | global).
    local_var = 1.0 / h_cell + a**2 / schur_ent[ent]
    var_eta = local_var + a**2 * spread
    if n_cov:
        # The prediction's covariates x_next replace the rows' values: r = x_next - B D^-1 (local indicators)
        # for the coefficients, and cross terms with the global block through cov(theta, beta).
        q_beta = count_columns(ent, a[:, None] * w_x, n_ent)
        r_beta = covariates.x_next - w_x / h_cell[:, None] - (a / schur_ent[ent])[:, None] * q_beta[ent]
        cov_tb = cov_all[:n_glob, n_glob:]
        own_tb = cov_tb[gcol].sum(axis=1)  # z_i' cov(theta, beta)
        r_theta_tb = a[:, None] * (own_tb - count_columns(ent, c[:, None] * own_tb, n_ent)[ent] / schur_ent[ent][:, None])
        var_eta = var_eta + 2 * np.sum(r_beta * r_theta_tb, axis=1) + np.einsum(
            "ik,kl,il->i", r_beta, cov_all[n_glob:, n_glob:], r_beta)
        eta = eta + (covariates.x_next * beta).sum(axis=1)
    prior_eta = theta[gcol].sum(axis=1)
    prior_var = cov_glob[gcol[:, :, None], gcol[:, None, :]].sum(axis=(1, 2)) + s2["enterprise"] + s2["cell"]
    return _Fit(
        eta=eta,
        var_eta=var_eta,
        prior_eta=prior_eta,
        prior_var=prior_var,
        b0=float(theta[0]),
        u_cat=theta[1 : 1 + n_cat].copy(),
        u_city=theta[1 + n_cat :].copy(),
        u_ent=u_ent,
        variances=dict(s2),
        iterations=iterations,
        coefficients=dict(zip(covariates.names, beta.tolist(), strict=True)),
    )


def posterior_mean_probability(eta: np.ndarray, var: np.ndarray) -> np.ndarray:
    """E[expit(X)] for X ~ N(eta, var) (probit approximation); uncertain cells count a little riskier."""
    return expit(eta / np.sqrt(1.0 + math.pi * var / 8.0))


def _fit_design(design: _Design, half_life: float, tail_df: float, last_period: int,
                covariates: Sequence[str]) -> tuple[_Fit, np.ndarray, np.ndarray]:
    n, f = _weighted_counts(design, half_life, last_period)
    rows = _row_covariates(design, half_life, last_period, covariates) if covariates else None
    return _fit_glmm(n, f, design.cat, design.city, design.ent, tail_df, covariates=rows), n, f


def _holdout_score(design: _Design, half_life: float, tail_df: float, covariates: Sequence[str] = ()) -> float:
    """Log-likelihood of the latest period's results predicted from the earlier periods alone."""
    last = len(design.periods) - 1
    fit, _n, _f = _fit_design(design, half_life, tail_df, last - 1, covariates)
    p = np.clip(posterior_mean_probability(fit.eta, fit.var_eta), 1e-6, 1 - 1e-6)
    in_last = design.period_index == last
    cells = design.row_cell[in_last]
    sampled, failed = design.row_sampled[in_last], design.row_failed[in_last]
    return float(np.sum(failed * np.log(p[cells]) + (sampled - failed) * np.log1p(-p[cells])))


def fit_risk_model(
    rows: Iterable[object],
    half_life: float | str = "auto",
    tail_df: float = DEFAULT_TAIL_DF,
    interval: float = 0.95,
    covariates: Sequence[str] | None = None,
) -> RiskModel:
    """Fit the model to history rows (objects with period, region, product_category, enterprise_id,
    sampled, failed attributes, e.g. `history.HistoryRow`).

    `half_life` is in periods (`math.inf` = no down-weighting); "auto" picks from HALF_LIFE_CANDIDATES the
    one that best predicts the latest period from the earlier ones (needs three or more periods).
    `covariates` names the row-level covariates (default DEFAULT_COVARIATES; () for none); their
    estimated coefficients are in `RiskModel.coefficients`.
    """
    rows = list(rows)
    if not rows:
        raise RiskModelError("历史数据为空，无法估计风险")
    covariates = tuple(DEFAULT_COVARIATES if covariates is None else covariates)
    design = _build_design(rows)
    if design.row_sampled.sum() <= 0:
        raise RiskModelError("历史数据中没有任何抽样批次，无法估计风险")
    scores: dict[float, float] = {}
    if half_life == "auto":
        last = design.period_index == len(design.periods) - 1
        if len(design.periods) >= 3 and design.row_sampled[last].sum() > 0:
            scores = {h: _holdout_score(design, h, tail_df, covariates) for h in HALF_LIFE_CANDIDATES}
            half_life = max(scores, key=lambda h: scores[h])
        else:
            half_life = DEFAULT_HALF_LIFE
    half_life = float(half_life)
    if not half_life > 0:
        raise RiskModelError("半衰期必须为正数")

    fit, n, f = _fit_design(design, half_life, tail_df, len(design.periods) - 1, covariates)
    risk = posterior_mean_probability(fit.eta, fit.var_eta)
    prior = posterior_mean_probability(fit.prior_eta, fit.prior_var)
    z = float(norm.ppf(0.5 + interval / 2))
    sd = np.sqrt(fit.var_eta)
    low, high = expit(fit.eta - z * sd), expit(fit.eta + z * sd)
    raw_n = np.bincount(design.row_cell, weights=design.row_sampled, minlength=len(design.keys))
    raw_f = np.bincount(design.row_cell, weights=design.row_failed, minlength=len(design.keys))
    cells = [
        CellRisk(
            enterprise_id=key[0],
            product_category=key[1],
            region=design.regions[i],
            history_sampled=int(round(raw_n[i])),
            history_failed=int(round(raw_f[i])),
            weighted_sampled=float(n[i]),
            weighted_failed=float(f[i]),
            risk=float(risk[i]),
            risk_low=float(low[i]),
            risk_high=float(high[i]),
            prior_risk=float(prior[i]),
        )
        for i, key in enumerate(design.keys)
    ]
    return RiskModel(
        cells=cells,
        periods=design.periods,
        half_life=half_life,
        tail_df=tail_df,
        interval=interval,
        variances=fit.variances,
        intercept=fit.b0,
        category_effects=dict(zip(design.categories, fit.u_cat.tolist(), strict=True)),
        city_effects=dict(zip(design.cities, fit.u_city.tolist(), strict=True)),
        enterprise_effects=dict(zip(design.enterprises, fit.u_ent.tolist(), strict=True)),
        half_life_scores=scores,
        iterations=fit.iterations,
        coefficients=fit.coefficients,
    )
