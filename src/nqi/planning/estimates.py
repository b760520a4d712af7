"""Pass rates of an adopted sampling plan that the targeting does not bias.

The naive pass rate of all batches is low by design (the riskiest cells were sampled on purpose). The
population estimate uses the random (双随机) batches alone, and the inverse-probability-weighted one adds the
targeted cells as a take-all stratum (`estimation.py`). Only batches with a conclusion count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from nqi.inspections.choices import Conclusion
from nqi.inspections.models import SamplingRecord

from .estimation import (
    CellOutcome,
    EstimationError,
    PassRateEstimate,
    estimate_from_random_share,
    estimate_with_targeted,
    naive_pass_rate,
    population_pass_rate,
)


@dataclass
class SchemeEstimate:
    random: PassRateEstimate | None = None
    ipw: PassRateEstimate | None = None
    naive: PassRateEstimate | None = None
    decided: int = 0
    planned: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def gap_pp(self) -> float | None:
        """How many percentage points the naive rate lies below the random-share estimate."""
        if self.random is None or self.naive is None:
            return None
        return 100 * (self.random.pass_rate - self.naive.pass_rate)


def scheme_outcomes(scheme) -> list[CellOutcome]:
    """Decided batches of the adopted plan per planned cell, split by the task's way of selection."""
    tasks = {}
    for cell in scheme.cells.filter(Q(random_task__isnull=False) | Q(targeted_task__isnull=False)):
        if cell.random_task_id:
            tasks[cell.random_task_id] = (cell, "random")
        if cell.targeted_task_id:
            tasks[cell.targeted_task_id] = (cell, "targeted")
    counts = (SamplingRecord.objects.filter(task_id__in=list(tasks), conclusion__in=[Conclusion.PASS, Conclusion.FAIL])
              .values("task_id").annotate(n=Count("id"), failed=Count("id", filter=Q(conclusion=Conclusion.FAIL)))
              .order_by())
    per_cell: dict[int, list] = {}
    for row in counts:
        cell, selection = tasks[row["task_id"]]
        entry = per_cell.setdefault(cell.pk, [cell, 0, 0, 0, 0])
        offset = 1 if selection == "random" else 3
        entry[offset] += row["n"]
        entry[offset + 1] += row["failed"]
    return [CellOutcome(cell.enterprise_key, cell.product_category, rs, rf, ts, tf)
            for cell, rs, rf, ts, tf in per_cell.values()]


def scheme_estimate(scheme) -> SchemeEstimate | None:
    if not scheme.adopted_plan_id:
        return None
    outcomes = scheme_outcomes(scheme)
    result = SchemeEstimate(decided=sum(o.random_sampled + o.targeted_sampled for o in outcomes),
                            planned=scheme.adopted_plan.quota)
    if not outcomes:
        result.problems.append(_("尚无已出结论的批次，暂不能估计合格率"))
        return result
    try:
        figures = population_pass_rate(outcomes, scheme.frame_size)
    except EstimationError:
        # One of the three failed: compute each on its own so the others still show.
        figures = {}
        for name, compute in (("random", lambda: estimate_from_random_share(
                sum(o.random_sampled for o in outcomes), sum(o.random_failed for o in outcomes))),
                              ("ipw", lambda: estimate_with_targeted(outcomes, scheme.frame_size)),
                              ("naive", lambda: naive_pass_rate(outcomes))):
            try:
                figures[name] = compute()
            except EstimationError as exc:
                result.problems.append(str(exc))
    result.random, result.ipw, result.naive = figures.get("random"), figures.get("ipw"), figures.get("naive")
    return result
