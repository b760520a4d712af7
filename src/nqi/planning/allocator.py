"""Turn cell risks into next period's sampling plan under the bureau's rules.

Order of allocation, each step explainable to the enterprise and the public:
1. the random share (双随机): batches drawn with equal probability from every cell of the frame;
2. category minimums, then city minimums, filled by the riskiest cells of that category or city;
3. the rest of the budget to the riskiest cells overall, never more than the cap per cell.
Given the same seed and inputs the plan is identical, whatever the order of the input rows.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.utils.translation import gettext as _

from nqi.planning.risk import RiskModel, fit_risk_model

DEFAULT_RANDOM_SHARE = 0.2


class PlanningError(ValueError):
    """The plan cannot be made as asked (message translated, for the UI and the command line).

    `field` names the parameter to change (a form field: "random_share", "seed"), or None when the
    refusal is not about one parameter; the web form shows the message on that field or above the form.
    """

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Allocation:
    """Batches planned for one (enterprise, product category) cell, and why."""

    enterprise_id: str
    product_category: str
    region: str
    batches: int
    random_batches: int
    targeted_batches: int
    estimated_risk: float
    risk_low: float
    risk_high: float
    history_sampled: int
    history_failed: int
    reason: str
    risk_rank: int  # 1 = riskiest cell of the frame
    minimum_batches: int = 0  # targeted batches placed to meet a category or city minimum


@dataclass
class SamplingPlan:
    """The allocations plus what a reviewer needs to check the plan (rules, actual random share, notes)."""

    allocations: list[Allocation]
    budget: int
    max_per_cell: int
    min_per_category: int
    random_share: float
    random_batches: int
    seed: int
    frame_size: int
    category_minimums: dict[str, int]
    city_minimums: dict[str, int]
    notes: list[str] = field(default_factory=list)
    model: RiskModel | None = None

    @property
    def targeted_batches(self) -> int:
        return self.budget - self.random_batches


def _check_int(name: str, label: str, value: object, minimum: int, field: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise PlanningError(_("%(label)s（%(name)s）必须是整数，当前为 %(value)s") % {
            "label": label, "name": name, "value": repr(value)}, field=field)
    if value < minimum:
        raise PlanningError(_("%(label)s（%(name)s）不能小于 %(minimum)s，当前为 %(value)s") % {
            "label": label, "name": name, "minimum": minimum, "value": value}, field=field)
    return int(value)


def allocate(
    cells: Sequence[object],
    budget: int,
    max_per_cell: int,
    min_per_category: int = 0,
    random_share: float = DEFAULT_RANDOM_SHARE,
    city_minimums: Mapping[str, int] | None = None,
    seed: int | None = None,
) -> SamplingPlan:
    """Allocate `budget` batches over `cells` (objects like `risk.CellRisk`: enterprise_id,
    product_category, region, risk, risk_low, risk_high, history_sampled, history_failed).

    A category's minimum is `min_per_category`, lowered to what its cells can take under the cap.
    `seed=None` draws a fresh seed (reported in the plan): a predictable random share would defeat 双随机.
    """
    budget = _check_int("budget", _("抽样总批次"), budget, 1)
    cap = _check_int("max_per_cell", _("每单元批次上限"), max_per_cell, 1)
    min_per_category = _check_int("min_per_category", _("每类别最低批次"), min_per_category, 0)
    try:
        random_share = float(random_share)
    except (TypeError, ValueError):
        raise PlanningError(_("随机抽取比例（random_share）必须是 0 到 1 之间的小数，当前为 %(value)s") % {
            "value": repr(random_share)}, field="random_share") from None
    if not 0.0 <= random_share <= 1.0:
        raise PlanningError(_("随机抽取比例（random_share）必须在 0 到 1 之间，当前为 %(value)s") % {
            "value": random_share}, field="random_share")
    if seed is None:
        seed = secrets.randbits(32)
    seed = _check_int("seed", _("随机种子"), seed, 0, field="seed")
    if not cells:
        raise PlanningError(_("抽样框为空：历史数据中没有任何企业-产品单元"))

    # Canonical order, so that the seeded draw does not depend on how the caller ordered the rows.
    cells = sorted(cells, key=lambda c: (c.product_category, c.enterprise_id))
    keys = [(c.enterprise_id, c.product_category) for c in cells]
    if len(set(keys)) != len(keys):
        raise PlanningError(_("抽样框中存在重复的企业-产品单元"))
    n_cells = len(cells)
    if budget > cap * n_cells:
        raise PlanningError(_("抽样总批次 %(b)s 超过抽样框容量：%(n)s 个单元 × 每单元上限 %(c)s 批 = %(t)s 批") % {
            "b": budget, "n": n_cells, "c": cap, "t": cap * n_cells})

    categories = sorted({c.product_category for c in cells})
    regions = sorted({c.region for c in cells})
    category_pos = {c: i for i, c in enumerate(categories)}
    region_pos = {r: i for i, r in enumerate(regions)}
    cat = np.array([category_pos[c.product_category] for c in cells])
    city = np.array([region_pos[c.region] for c in cells])
    cat_cells = np.bincount(cat, minlength=len(categories))
    city_cells = np.bincount(city, minlength=len(regions))

    cat_min = np.minimum(min_per_category, cap * cat_cells)
    if cat_min.sum() > budget:
        raise PlanningError(_("各类别最低批次之和 %(t)s 超过抽样总批次 %(b)s：请提高预算或降低每类别最低批次") % {
            "t": int(cat_min.sum()), "b": budget})
    city_min = np.zeros(len(regions), dtype=int)
    for region, minimum in (city_minimums or {}).items():
        if region not in region_pos:
            raise PlanningError(_("地区最低批次中的“%(region)s”不在历史数据的地区中") % {"region": region})
        minimum = _check_int("city_minimums", _("%(region)s最低批次") % {"region": region}, minimum, 0)
        city_min[region_pos[region]] = min(minimum, cap * int(city_cells[region_pos[region]]))
    if city_min.sum() > budget:
        raise PlanningError(_("各地区最低批次之和 %(t)s 超过抽样总批次 %(b)s") % {"t": int(city_min.sum()), "b": budget})

    rng = np.random.default_rng(seed)
    notes: list[str] = []

    # 1. Random share: every cell has the same chance; a few rounds if the share exceeds the frame.
    requested_random = int(math.floor(random_share * budget + 0.5))
    random_b = np.full(n_cells, requested_random // n_cells, dtype=int)
    extra = requested_random - int(random_b.sum())
    if extra:
        random_b[rng.choice(n_cells, size=extra, replace=False)] += 1
    tiebreak = rng.random(n_cells)

    # The draw may have landed outside the categories/cities that still need batches; drop random batches
    # from over-served places until the minimums fit in what is left of the budget.
    def shortfall(counts: np.ndarray) -> int:
        by_cat = np.bincount(cat, weights=counts, minlength=len(categories))
        by_city = np.bincount(city, weights=counts, minlength=len(regions))
        return int(np.maximum(cat_min - by_cat, 0).sum() + np.maximum(city_min - by_city, 0).sum())

    dropped = 0
    while shortfall(random_b) > budget - int(random_b.sum()):
        by_cat = np.bincount(cat, weights=random_b, minlength=len(categories))
        by_city = np.bincount(city, weights=random_b, minlength=len(regions))
        surplus = (random_b > 0) & (by_cat[cat] > cat_min[cat]) & (by_city[city] > city_min[city])
        candidates = np.flatnonzero(surplus)
        if candidates.size == 0:
            raise PlanningError(_("随机抽取部分与类别/地区最低批次要求无法同时满足：请降低随机比例或最低批次"),
                                field="random_share")
        random_b[candidates[rng.integers(candidates.size)]] -= 1
        dropped += 1
    if dropped:
        notes.append(_("为满足类别/地区最低批次，随机抽取部分减少 %(n)s 批") % {"n": dropped})

    risk = np.array([float(c.risk) for c in cells])
    order = np.lexsort((tiebreak, -risk))  # riskiest first, ties in seeded random order
    rank = np.empty(n_cells, dtype=int)
    rank[order] = np.arange(1, n_cells + 1)
    targeted = np.zeros(n_cells, dtype=int)
    for_category = np.zeros(n_cells, dtype=int)
    for_city = np.zeros(n_cells, dtype=int)

    def fill(members: np.ndarray, amount: int) -> int:
        """Give up to `amount` batches to `members` (already in risk order) up to the cap; returns given."""
        room = cap - random_b[members] - targeted[members]
        take = np.minimum(room, np.maximum(amount - (np.cumsum(room) - room), 0))
        targeted[members] += take
        return int(take.sum())

    # 2. Minimums, riskiest cells of the category / city first.
    for index in range(len(categories)):
        have = int((random_b + targeted)[cat == index].sum())
        if have < cat_min[index]:
            members = order[cat[order] == index]
            before = targeted.copy()
            fill(members, int(cat_min[index]) - have)
            for_category += targeted - before
    for index in range(len(regions)):
        have = int((random_b + targeted)[city == index].sum())
        if have < city_min[index]:
            members = order[city[order] == index]
            before = targeted.copy()
            fill(members, int(city_min[index]) - have)
            for_city += targeted - before

    # 3. The rest by risk.
    remaining = budget - int(random_b.sum() + targeted.sum())
    if remaining < 0:  # pragma: no cover - the shortfall loop above rules this out
        raise PlanningError(_("内部错误：最低批次超出预算"))
    fill(order, remaining)
    total = random_b + targeted
    assert int(total.sum()) == budget and int(total.max()) <= cap

    city_targets = {regions[i]: int(city_min[i]) for i in range(len(regions)) if city_min[i] > 0}
    allocations = []
    for i in order:
        if total[i] == 0:
            continue
        c = cells[i]
        allocations.append(
            Allocation(
                enterprise_id=c.enterprise_id,
                product_category=c.product_category,
                region=c.region,
                batches=int(total[i]),
                random_batches=int(random_b[i]),
                targeted_batches=int(targeted[i]),
                estimated_risk=float(c.risk),
                risk_low=float(c.risk_low),
                risk_high=float(c.risk_high),
                history_sampled=int(c.history_sampled),
                history_failed=int(c.history_failed),
                reason=_reason(
                    c,
                    random_b=int(random_b[i]),
                    targeted_b=int(targeted[i]),
                    for_category=int(for_category[i]),
                    for_city=int(for_city[i]),
                    rank=int(rank[i]),
                    n_cells=n_cells,
                    budget=budget,
                    category_minimum=int(cat_min[cat[i]]),
                    city_minimum=int(city_min[city[i]]),
                ),
                risk_rank=int(rank[i]),
                minimum_batches=int(for_category[i] + for_city[i]),
            )
        )
    return SamplingPlan(
        allocations=allocations,
        budget=budget,
        max_per_cell=cap,
        min_per_category=min_per_category,
        random_share=random_share,
        random_batches=int(random_b.sum()),
        seed=seed,
        frame_size=n_cells,
        category_minimums={categories[i]: int(cat_min[i]) for i in range(len(categories))},
        city_minimums=city_targets,
        notes=notes,
    )


def _reason(
    cell: object,
    *,
    random_b: int,
    targeted_b: int,
    for_category: int,
    for_city: int,
    rank: int,
    n_cells: int,
    budget: int,
    category_minimum: int,
    city_minimum: int,
) -> str:
    parts = []
    if random_b:
        parts.append(_("双随机抽取 %(b)s 批（全部 %(n)s 个单元等概率）") % {"b": random_b, "n": n_cells})
    if for_category:
        parts.append(_("保障类别“%(c)s”最低 %(m)s 批：%(b)s 批") % {
            "c": cell.product_category, "m": category_minimum, "b": for_category})
    if for_city:
        parts.append(_("保障%(r)s最低 %(m)s 批：%(b)s 批") % {"r": cell.region, "m": city_minimum, "b": for_city})
    by_risk = targeted_b - for_category - for_city
    if by_risk > 0:
        parts.append(_("风险定向 %(b)s 批（风险排名 %(r)s/%(n)s）") % {"b": by_risk, "r": rank, "n": n_cells})
    parts.append(_("估计不合格率 %(p)s（95%%区间 %(lo)s–%(hi)s）") % {
        "p": f"{cell.risk:.1%}", "lo": f"{cell.risk_low:.1%}", "hi": f"{cell.risk_high:.1%}"})
    if cell.history_sampled:
        parts.append(_("历史抽检 %(n)s 批、不合格 %(f)s 批") % {"n": cell.history_sampled, "f": cell.history_failed})
    else:
        prior = getattr(cell, "prior_risk", None)
        parts.append(_("无历史抽检，按类别与地区先验（%(p)s）") % {"p": f"{prior:.1%}"} if prior is not None
                     else _("无历史抽检，按类别与地区先验"))
    parts.append(_("占本期预算 %(p)s") % {"p": f"{(random_b + targeted_b) / budget:.2%}"})
    return _("；").join(parts)


def plan_sampling(
    history_rows: Iterable[object],
    *,
    budget: int,
    max_per_cell: int,
    min_per_category: int = 0,
    random_share: float = DEFAULT_RANDOM_SHARE,
    city_minimums: Mapping[str, int] | None = None,
    seed: int | None = None,
    half_life: float | str = "auto",
) -> SamplingPlan:
    """History rows -> fitted risk model -> plan. Rows are `history.HistoryRow` objects or mappings with
    the history CSV columns (validated here, errors raise `history.HistoryError`)."""
    from nqi.planning.history import normalize_region, validate_rows

    rows = list(history_rows)
    if rows and isinstance(rows[0], Mapping):
        rows = validate_rows(rows, first_line=0)
    model = fit_risk_model(rows, half_life=half_life)
    if city_minimums:
        city_minimums = {normalize_region(k): v for k, v in city_minimums.items()}
    plan = allocate(
        model.cells,
        budget=budget,
        max_per_cell=max_per_cell,
        min_per_category=min_per_category,
        random_share=random_share,
        city_minimums=city_minimums,
        seed=seed,
    )
    plan.model = model
    return plan


def build_plan(
    history_rows: Iterable[object],
    *,
    budget: int,
    max_per_cell: int,
    min_per_category: int = 0,
    random_share: float = DEFAULT_RANDOM_SHARE,
    city_minimums: Mapping[str, int] | None = None,
    seed: int | None = None,
) -> list[Allocation]:
    """The allocations of `plan_sampling` (riskiest first); use `plan_sampling` for the summary too."""
    return plan_sampling(
        history_rows,
        budget=budget,
        max_per_cell=max_per_cell,
        min_per_category=min_per_category,
        random_share=random_share,
        city_minimums=city_minimums,
        seed=seed,
    ).allocations
