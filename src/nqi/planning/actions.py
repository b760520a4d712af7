"""Every state change of a sampling plan: generate it from the inspection history, edit a cell's batches,
adopt it into a spot-check plan with its tasks, or discard it. Each checks who may act, runs in one
transaction and writes the audit record. Pages, the API and tests call these."""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from nqi.core import audit
from nqi.core.exceptions import ActionNotAllowed, InvalidTransition
from nqi.inspections import actions as inspections
from nqi.inspections.choices import PlanKind, Selection
from nqi.inspections.models import InspectionPlan, SamplingTask

from .allocator import DEFAULT_RANDOM_SHARE, PlanningError, plan_sampling
from .choices import Action, HistoryPeriod, SchemeStatus
from .history import HistoryError
from .models import PlanCell, SamplingScheme
from .risk import RiskModelError
from .scoping import can_plan, may_manage, planning_city
from .sources import CITY_CODES, CITY_NAMES, HISTORY_KINDS, load_history

MAX_SEED = 2**63 - 1
ADOPTABLE_KINDS = [k for k in PlanKind.values if k != PlanKind.RISK_MONITORING]


def _error(field_name, message):
    return ValidationError({field_name: [message]})


# ---------------------------------------------------------------- generate

@dataclass
class SchemeParameters:
    name: str
    year: int
    budget: int
    max_per_cell: int
    period: str = ""
    min_per_category: int = 0
    random_share: float = DEFAULT_RANDOM_SHARE
    seed: int | None = None
    min_per_city: int = 0
    history_from: dt.date | None = None
    history_to: dt.date | None = None
    history_period: str = HistoryPeriod.QUARTER
    categories: list = field(default_factory=list)
    include_unsampled: bool = True


def _check_parameters(p: SchemeParameters, region_level: bool, today: dt.date) -> None:
    errors = {}
    if not (p.name or "").strip():
        errors["name"] = _("请填写方案名称")
    for name, label, minimum in (("budget", _("抽样总批次"), 1), ("max_per_cell", _("每单元批次上限"), 1),
                                 ("min_per_category", _("每类别最低批次"), 0), ("min_per_city", _("每地市最低批次"), 0)):
        value = getattr(p, name)
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = _("%(l)s必须是整数") % {"l": label}
        elif value < minimum:
            errors[name] = _("%(l)s不能小于 %(m)s") % {"l": label, "m": minimum}
    if not errors.get("max_per_cell") and p.max_per_cell > 1000:
        errors["max_per_cell"] = _("每单元批次上限不能超过 1000")
    try:
        share = float(p.random_share)
    except (TypeError, ValueError):
        share = math.nan
    if not 0.0 <= share <= 1.0:
        errors["random_share"] = _("双随机抽取比例必须在 0 到 1 之间（例如 0.2 表示 20%）")
    if p.seed is not None and not (isinstance(p.seed, int) and 0 <= p.seed <= MAX_SEED):
        errors["seed"] = _("随机种子必须是非负整数")
    if p.min_per_city and not region_level:
        errors["min_per_city"] = _("地市最低批次只适用于自治区级方案")
    if p.history_from and p.history_to and p.history_from > p.history_to:
        errors["history_to"] = _("历史数据截止日期不能早于起始日期")
    if p.history_to and p.history_to > today:
        errors["history_to"] = _("历史数据截止日期不能晚于今天")
    if p.history_period not in HistoryPeriod.values:
        errors["history_period"] = _("请选择历史分期")
    if not 2000 <= p.year <= 2100:
        errors["year"] = _("计划年度须在 2000 到 2100 之间")
    if errors:
        raise ValidationError(errors)


def _check_capacity(p: SchemeParameters, rows, city_minimums) -> None:
    """The allocator's refusals, reported on the field the regulator should change."""
    cells: dict[tuple[str, str], str] = {}
    for r in rows:
        cells[(r.enterprise_id, r.product_category)] = r.region
    n_cells = len(cells)
    if p.budget > p.max_per_cell * n_cells:
        raise _error("budget", _("抽样总批次 %(b)s 超过抽样框容量：%(n)s 个企业-产品单元 × 每单元上限 %(c)s 批 = %(t)s 批") % {
            "b": p.budget, "n": n_cells, "c": p.max_per_cell, "t": p.max_per_cell * n_cells})
    per_category: dict[str, int] = {}
    for _key, category in cells:
        per_category[category] = per_category.get(category, 0) + 1
    category_total = sum(min(p.min_per_category, p.max_per_cell * n) for n in per_category.values())
    if category_total > p.budget:
        raise _error("min_per_category", _("%(k)s 个类别的最低批次合计 %(t)s 批，超过抽样总批次 %(b)s 批") % {
            "k": len(per_category), "t": category_total, "b": p.budget})
    if city_minimums:
        per_city: dict[str, int] = {}
        for region in cells.values():
            per_city[region] = per_city.get(region, 0) + 1
        city_total = sum(min(m, p.max_per_cell * per_city.get(region, 0)) for region, m in city_minimums.items())
        if city_total > p.budget:
            raise _error("min_per_city", _("各地市最低批次合计 %(t)s 批，超过抽样总批次 %(b)s 批") % {
                "t": city_total, "b": p.budget})


def random_inclusion(random_batches: int, frame_size: int) -> float:
    """Chance that a cell of the frame is reached by the equal-probability (双随机) draw."""
    return min(1.0, random_batches / frame_size) if frame_size else 0.0


@transaction.atomic
def do_generate(actor, params: SchemeParameters, at=None) -> SamplingScheme:
    """Fit the risk model to the database history of the actor's scope and save the proposed plan as a draft."""
    if not can_plan(actor):
        raise ActionNotAllowed(_("只有监管部门可以制定抽样方案"))
    at = at or timezone.now()
    today = timezone.localtime(at).date()
    city = planning_city(actor) or ""
    _check_parameters(params, not city, today)
    history_to = params.history_to or today
    history_from = params.history_from or dt.date(history_to.year - 2, 1, 1)
    categories = sorted({c.strip() for c in params.categories if c and c.strip()})
    began = time.perf_counter()
    history = load_history(city=city, date_from=history_from, date_to=history_to, granularity=params.history_period,
                           categories=categories, include_unsampled=params.include_unsampled)
    if not history.batches:
        raise ValidationError({NON_FIELD_ERRORS: [_(
            "%(from)s 至 %(to)s 之间%(scope)s没有已出结论的监督抽查记录（不含风险监测），无法估计风险：请扩大历史数据范围或产品类别") % {
            "from": history_from, "to": history_to, "scope": CITY_NAMES.get(city, "") or _("全区")}]})
    regions = sorted({r.region for r in history.rows})
    city_minimums = {region: params.min_per_city for region in regions} if params.min_per_city else {}
    _check_capacity(params, history.rows, city_minimums)
    try:
        plan = plan_sampling(history.rows, budget=params.budget, max_per_cell=params.max_per_cell,
                             min_per_category=params.min_per_category, random_share=float(params.random_share),
                             city_minimums=city_minimums or None, seed=params.seed)
    except PlanningError as exc:
        raise ValidationError({exc.field or NON_FIELD_ERRORS: [str(exc)]}) from None
    except (RiskModelError, HistoryError) as exc:
        raise ValidationError({NON_FIELD_ERRORS: [_("无法估计风险：%(e)s") % {"e": exc}]})
    seconds = time.perf_counter() - began

    allocated = {(a.enterprise_id, a.product_category): a for a in plan.allocations}
    random_rate = random_inclusion(plan.random_batches, plan.frame_size)
    model = plan.model
    ordered = sorted(model.cells, key=lambda c: (-c.risk, c.product_category, c.enterprise_id))
    rank_of = {(c.enterprise_id, c.product_category): n for n, c in enumerate(ordered, start=1)}
    expected = sum(a.batches * a.estimated_risk for a in plan.allocations)
    uniform = params.budget * sum(c.risk for c in model.cells) / len(model.cells)
    scheme = SamplingScheme.objects.create(
        name=params.name.strip(), year=params.year, period=(params.period or "").strip(), owner_city=city,
        created_by=actor, budget=params.budget, max_per_cell=params.max_per_cell,
        min_per_category=params.min_per_category, random_share=float(params.random_share), seed=plan.seed,
        min_per_city=params.min_per_city, city_minimums={CITY_CODES.get(r, r): m for r, m in city_minimums.items()},
        category_minimums=plan.category_minimums, history_from=history_from, history_to=history_to,
        history_period=params.history_period, categories=categories, plan_kinds=HISTORY_KINDS,
        include_unsampled=params.include_unsampled, history_batches=history.batches,
        history_failed=history.failed, history_periods=model.periods, half_life=None if math.isinf(
            model.half_life) else model.half_life,
        correction_odds_ratio=round(math.exp(model.coefficients["corrections"]), 3)
        if "corrections" in model.coefficients else None,
        frame_size=plan.frame_size,
        proposed_random_batches=plan.random_batches, proposed_expected_failures=round(expected, 3),
        uniform_expected_failures=round(uniform, 3), notes=history.notes + plan.notes,
        generation_seconds=round(seconds, 3))
    cells = []
    for c in model.cells:
        key = (c.enterprise_id, c.product_category)
        a = allocated.get(key)
        enterprise = history.enterprises.get(c.enterprise_id)
        batches = a.batches if a else 0
        targeted = a.targeted_batches if a else 0
        cells.append(PlanCell(
            scheme=scheme, enterprise_key=c.enterprise_id[:200], enterprise_id=enterprise.org_id if enterprise else None,
            enterprise_name=(enterprise.name if enterprise else c.enterprise_id)[:200],
            enterprise_uscc=enterprise.uscc[:18] if enterprise else "", product_category=c.product_category[:60],
            city=CITY_CODES.get(c.region, ""), batches=batches, random_batches=a.random_batches if a else 0,
            targeted_batches=targeted, proposed_batches=batches, minimum_batches=a.minimum_batches if a else 0,
            inclusion_probability=1.0 if targeted else random_rate, estimated_risk=c.risk, risk_low=c.risk_low,
            risk_high=c.risk_high, risk_rank=rank_of[key], history_sampled=c.history_sampled,
            history_failed=c.history_failed, reason=a.reason if a else _non_planned_reason(c)))
    PlanCell.objects.bulk_create(cells, batch_size=1000)
    audit.record(scheme, actor, Action.GENERATE, "", SchemeStatus.DRAFT, _(
        "预算 %(b)s 批，抽样框 %(n)s 个单元，双随机 %(r)s 批，随机种子 %(s)s") % {
        "b": scheme.budget, "n": scheme.frame_size, "r": scheme.proposed_random_batches, "s": scheme.seed}, at=at)
    return scheme


def _non_planned_reason(cell) -> str:
    history = (_("历史抽检 %(n)s 批、不合格 %(f)s 批") % {"n": cell.history_sampled, "f": cell.history_failed}
               if cell.history_sampled else _("无历史抽检，按类别与地区先验"))
    return _("本期未安排：估计不合格率 %(r).1f%%（95%%区间 %(l).1f%%–%(h).1f%%）；%(hist)s") % {
        "r": 100 * cell.risk, "l": 100 * cell.risk_low, "h": 100 * cell.risk_high, "hist": history}


# ---------------------------------------------------------------- edit

def _lock(scheme) -> SamplingScheme:
    return SamplingScheme.objects.select_for_update().get(pk=scheme.pk)


def _require_draft(scheme, action_label):
    if scheme.status != SchemeStatus.DRAFT:
        raise InvalidTransition(_("方案状态为“%(s)s”，不能%(a)s") % {"s": scheme.get_status_display(), "a": action_label})


def parse_batches(value, cap: int) -> int:
    """Batches typed by a person: a whole number from 0 to the cap, or a field error in Chinese."""
    text = str(value if value is not None else "").strip()
    if not text:
        raise _error("batches", _("请填写批次数"))
    try:
        number = int(text)
    except ValueError:
        raise _error("batches", _("批次数必须是整数，当前为“%(v)s”") % {"v": text[:20]})
    if number < 0:
        raise _error("batches", _("批次数不能为负数"))
    if number > cap:
        raise _error("batches", _("批次数不能超过每单元上限 %(c)s 批") % {"c": cap})
    return number


@transaction.atomic
def do_edit_cell(actor, cell: PlanCell, batches, at=None) -> PlanCell:
    """Set a cell's batches. A person's choice is not a random draw: added batches are targeted; cutting below
    the random batches gives up those random draws (the summary says so)."""
    scheme = _lock(cell.scheme)
    if not may_manage(actor, scheme):
        raise ActionNotAllowed(_("只有制定该方案的监管部门可以调整批次"))
    _require_draft(scheme, _("调整批次"))
    cell = PlanCell.objects.select_for_update().get(pk=cell.pk, scheme=scheme)
    number = parse_batches(batches, scheme.max_per_cell)
    before = cell.batches
    if number == before:
        return cell
    if number >= cell.random_batches:
        cell.targeted_batches = number - cell.random_batches
    else:
        cell.random_batches, cell.targeted_batches = number, 0
    cell.batches = number
    cell.edited = number != cell.proposed_batches
    cell.inclusion_probability = 1.0 if cell.targeted_batches else random_inclusion(
        scheme.proposed_random_batches, scheme.frame_size)
    cell.save(update_fields=["batches", "random_batches", "targeted_batches", "edited", "inclusion_probability"])
    scheme.save(update_fields=["updated_at"])
    audit.record(scheme, actor, Action.EDIT_CELL, scheme.status, scheme.status, _(
        "%(e)s · %(c)s：%(a)s 批 → %(b)s 批") % {"e": cell.enterprise_name, "c": cell.product_category, "a": before,
                                              "b": number}, at=at)
    return cell


# ---------------------------------------------------------------- summary (pages, API, adoption)

@dataclass
class SchemeTotals:
    batches: int
    random_batches: int
    targeted_batches: int
    planned_cells: int
    edited_cells: int
    expected_failures: float
    categories_below_minimum: list  # (category, planned, minimum)

    def difference(self, budget: int) -> int:
        return self.batches - budget


def scheme_totals(scheme) -> SchemeTotals:
    cells = scheme.cells.all()
    sums = cells.aggregate(batches=Sum("batches"), random=Sum("random_batches"), targeted=Sum("targeted_batches"))
    planned = cells.filter(batches__gt=0)
    by_category: dict[str, int] = {c: 0 for c in scheme.category_minimums}
    expected = 0.0
    for category, batches, risk in planned.values_list("product_category", "batches", "estimated_risk"):
        by_category[category] = by_category.get(category, 0) + batches
        expected += batches * risk
    below = [(category, by_category.get(category, 0), minimum) for category, minimum
             in sorted(scheme.category_minimums.items()) if by_category.get(category, 0) < minimum]
    return SchemeTotals(batches=sums["batches"] or 0, random_batches=sums["random"] or 0,
                        targeted_batches=sums["targeted"] or 0, planned_cells=planned.count(),
                        edited_cells=cells.filter(edited=True).count(), expected_failures=expected,
                        categories_below_minimum=below)


# ---------------------------------------------------------------- adopt / discard

@dataclass
class Adoption:
    name: str
    kind: str
    year: int
    batch: int = 1
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    labs: list = field(default_factory=list)


def assign_labs(category_batches: dict[str, int], labs) -> dict[str, object]:
    """Each category to one lab, biggest category first to the least loaded lab (ties: the lab listed first), so
    the same plan and labs always give the same assignment and the work is spread evenly."""
    labs = sorted(labs, key=lambda lab: lab.pk)
    load = {lab.pk: 0 for lab in labs}
    assignment = {}
    for category, batches in sorted(category_batches.items(), key=lambda kv: (-kv[1], kv[0])):
        lab = min(labs, key=lambda lab: (load[lab.pk], lab.pk))
        assignment[category] = lab
        load[lab.pk] += batches
    return assignment


@transaction.atomic
def do_adopt(actor, scheme, data: Adoption, at=None) -> InspectionPlan:
    """Turn the draft into a spot-check plan: one task per planned cell and way of selection (random, targeted),
    each category with one of the chosen labs."""
    scheme = _lock(scheme)
    if not may_manage(actor, scheme):
        raise ActionNotAllowed(_("只有制定该方案的监管部门可以采用方案"))
    _require_draft(scheme, _("采用"))
    totals = scheme_totals(scheme)
    if totals.batches != scheme.budget:
        raise ValidationError({NON_FIELD_ERRORS: [_(
            "方案合计 %(t)s 批，与抽样总批次 %(b)s 批不一致（%(d)+d 批）：请先调整单元批次，使合计等于预算") % {
            "t": totals.batches, "b": scheme.budget, "d": totals.batches - scheme.budget}]})
    if data.kind not in ADOPTABLE_KINDS:
        raise _error("kind", _("风险抽样方案只能生成监督抽查计划，不能作为风险监测计划"))
    labs = list(data.labs)
    if not labs:
        raise _error("labs", _("请至少选择一家承检机构"))
    if not data.end_date:
        raise _error("end_date", _("请填写结束日期（抽样任务的完成期限）"))
    at = at or timezone.now()
    cells = list(scheme.cells.filter(batches__gt=0).order_by("product_category", "city", "risk_rank", "id"))
    category_batches: dict[str, int] = {}
    for cell in cells:
        category_batches[cell.product_category] = category_batches.get(cell.product_category, 0) + cell.batches
    plan = inspections.do_create_plan(actor, inspections.NewPlan(
        name=data.name, year=data.year, kind=data.kind, batch=data.batch, product_categories=sorted(category_batches),
        cities=sorted({c.city for c in cells if c.city}), quota=totals.batches, start_date=data.start_date,
        end_date=data.end_date), labs=labs, at=at)
    lab_of = assign_labs(category_batches, labs)
    random_rate = random_inclusion(scheme.proposed_random_batches, scheme.frame_size)
    tasks, links = [], []
    for cell in cells:
        for selection, quota, probability in ((Selection.RANDOM, cell.random_batches, random_rate),
                                              (Selection.TARGETED, cell.targeted_batches, 1.0)):
            if quota:
                tasks.append(SamplingTask(
                    plan=plan, lab=lab_of[cell.product_category], product_category=cell.product_category,
                    city=cell.city, quota=quota, due_date=data.end_date, enterprise_id=cell.enterprise_id,
                    enterprise_name=cell.enterprise_name, selection=selection, inclusion_probability=probability))
                links.append((cell, selection))
    SamplingTask.objects.bulk_create(tasks, batch_size=1000)
    for task, (cell, selection) in zip(tasks, links, strict=True):
        setattr(cell, "random_task" if selection == Selection.RANDOM else "targeted_task", task)
    PlanCell.objects.bulk_update(cells, ["random_task", "targeted_task"], batch_size=1000)
    scheme.status, scheme.adopted_plan, scheme.adopted_at = SchemeStatus.ADOPTED, plan, at
    scheme.save(update_fields=["status", "adopted_plan", "adopted_at", "updated_at"])
    note = _("%(t)s 个抽样任务（双随机 %(r)s 批，风险定向 %(g)s 批），%(l)s 家承检机构") % {
        "t": len(tasks), "r": totals.random_batches, "g": totals.targeted_batches, "l": len(labs)}
    audit.record(scheme, actor, Action.ADOPT, SchemeStatus.DRAFT, SchemeStatus.ADOPTED, f"{plan.name}：{note}", at=at)
    audit.record(plan, actor, Action.ADOPTED_FROM, "", "", _("由抽样方案“%(s)s”生成：%(n)s") % {
        "s": scheme.name, "n": note}, at=at)
    return plan


@transaction.atomic
def do_discard(actor, scheme, reason="", at=None) -> SamplingScheme:
    scheme = _lock(scheme)
    if not may_manage(actor, scheme):
        raise ActionNotAllowed(_("只有制定该方案的监管部门可以作废方案"))
    _require_draft(scheme, _("作废"))
    scheme.status = SchemeStatus.DISCARDED
    scheme.save(update_fields=["status", "updated_at"])
    audit.record(scheme, actor, Action.DISCARD, SchemeStatus.DRAFT, SchemeStatus.DISCARDED, (reason or "").strip(),
                 at=at)
    return scheme
