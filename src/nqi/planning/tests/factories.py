"""Small synthetic spot-check histories and cell lists for the planning tests."""

import numpy as np
from scipy.special import expit

from nqi.planning.history import HistoryRow
from nqi.planning.risk import CellRisk

CITIES = ["南宁市", "柳州市", "桂林市", "梧州市"]
CATEGORIES = ["螺蛳粉", "食糖", "包装饮用水", "大米", "米粉"]


def make_cells(n_enterprises: int = 60, seed: int = 0) -> list[CellRisk]:
    """Cells with varied risks, 1-2 categories per enterprise, some categories small."""
    rng = np.random.default_rng(seed)
    cells = []
    for j in range(n_enterprises):
        k = 1 + int(rng.random() < 0.4)
        for category in rng.choice(CATEGORIES, size=k, replace=False, p=[0.4, 0.3, 0.2, 0.07, 0.03]):
            risk = float(rng.beta(1, 15))
            cells.append(
                CellRisk(
                    enterprise_id=f"E{j:03d}",
                    product_category=str(category),
                    region=CITIES[j % len(CITIES)],
                    history_sampled=int(rng.integers(0, 5)),
                    history_failed=0,
                    weighted_sampled=0.0,
                    weighted_failed=0.0,
                    risk=risk,
                    risk_low=risk / 2,
                    risk_high=min(1.0, risk * 2),
                    prior_risk=0.06,
                )
            )
    return cells


def make_history(n_enterprises: int = 300, periods: int = 4, batches_per_period: int = 250, seed: int = 0):
    """History rows from a known world: category and enterprise effects, ~3 batches per cell in total.

    Returns (rows, true_rate) where true_rate maps (enterprise_id, category) to its failure probability.
    """
    rng = np.random.default_rng(seed)
    cat_effect = dict(zip(CATEGORIES, rng.normal(0, 0.5, len(CATEGORIES)), strict=True))
    keys, rates, regions = [], [], []
    for j in range(n_enterprises):
        effect = rng.normal(0, 0.6) + (2.5 if rng.random() < 0.05 else 0.0)
        for category in rng.choice(CATEGORIES, size=1 + int(rng.random() < 0.5), replace=False):
            keys.append((f"E{j:04d}", str(category)))
            rates.append(float(expit(-3.0 + cat_effect[str(category)] + effect + rng.normal(0, 0.3))))
            regions.append(CITIES[j % len(CITIES)])
    rates_arr = np.array(rates)
    rows = []
    for t in range(periods):
        sampled = np.bincount(rng.choice(len(keys), size=batches_per_period), minlength=len(keys))
        failed = rng.binomial(sampled, rates_arr)
        for i, key in enumerate(keys):
            if sampled[i] or t == periods - 1:
                rows.append(HistoryRow(f"2024Q{t + 1}", regions[i], key[1], key[0], int(sampled[i]), int(failed[i])))
    return rows, dict(zip(keys, rates, strict=True))
