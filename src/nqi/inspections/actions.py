"""Every state change of the spot-check workflow: one do_* function per transition.

Each checks that the actor may act, changes the state, keeps the pass-rate rollup in step, writes the audit
record and notifies, in one transaction. Pages, the API, the `nqi inspections` command and tests call these.
"""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from nqi.accounts.choices import OrgKind, Role
from nqi.accounts.models import Organisation, User
from nqi.core import audit, uscc
from nqi.core.choices import City
from nqi.core.exceptions import ActionNotAllowed, InvalidTransition
from nqi.core.notify import notify

from . import deadlines, rollups
from .choices import (
    Action,
    Conclusion,
    Escalation,
    FollowUpStatus,
    Judgement,
    ObjectionStatus,
    PlanKind,
    PlanStatus,
    RecordSource,
    RecordStatus,
    RetestPayer,
    Stage,
    TaskStatus,
)
from .models import FollowUp, InspectionPlan, Objection, SamplingRecord, SamplingTask, TestItemResult

R = RecordStatus


# ---------------------------------------------------------------- who is who

def is_regulator_for(user, city) -> bool:
    if user.is_platform_admin or user.role == Role.REGION_REGULATOR:
        return True
    return bool(user.role == Role.CITY_REGULATOR and user.organisation_id and user.organisation.city == city)


def is_region_level(user) -> bool:
    return user.is_platform_admin or user.role == Role.REGION_REGULATOR


def is_lab_staff(user, lab_id) -> bool:
    return user.role == Role.PROVIDER and lab_id is not None and user.organisation_id == lab_id


def is_concerned_enterprise(user, record) -> bool:
    return (user.role == Role.ENTERPRISE and user.organisation_id is not None
            and user.organisation_id in (record.manufacturer_id, record.sampled_unit_id))


def testing_labs():
    """Providers that offer the testing line: the only ones a spot check may be given to."""
    return Organisation.objects.filter(kind=OrgKind.PROVIDER, service_lines__code="testing").distinct()


def _require_testing_lab(lab, field_name="lab"):
    if lab is None or not testing_labs().filter(pk=lab.pk).exists():
        raise ValidationError({field_name: _("承检机构须为具有检验检测服务类别的机构")})


def _require_state(record, allowed, action_label):
    if record.status not in allowed:
        raise InvalidTransition(_("当前状态为“%(s)s”，不能%(a)s") % {"s": record.get_status_display(), "a": action_label})


def _lock(record) -> SamplingRecord:
    return SamplingRecord.objects.select_for_update().select_related("plan").get(pk=record.pk)


def _enterprise_users(record):
    orgs = {pk for pk in (record.manufacturer_id, record.sampled_unit_id) if pk}
    return list(User.objects.filter(organisation_id__in=orgs, role=Role.ENTERPRISE, is_active=True))


def _lab_users(lab_id):
    return list(User.objects.filter(organisation_id=lab_id, role=Role.PROVIDER, is_active=True)) if lab_id else []


def _regulators_for(city):
    users = list(User.objects.filter(role=Role.CITY_REGULATOR, organisation__city=city, is_active=True))
    return users or list(User.objects.filter(role=Role.REGION_REGULATOR, is_active=True))


def _notify(users, record, title, event, body=""):
    notify(users, title=f"{record.product_name} {title}", body=body or f"{record.number} {record.manufacturer_name}",
           url=record.get_absolute_url(), event=f"inspection_{event}")


def _local_date(moment) -> dt.date:
    return timezone.localtime(moment).date()


# ---------------------------------------------------------------- plans and tasks

@dataclass
class NewPlan:
    name: str
    year: int
    kind: str
    batch: int = 1
    product_categories: list = field(default_factory=list)
    cities: list = field(default_factory=list)
    quota: int = 0
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    publish_risk_results: bool = False


@transaction.atomic
def do_create_plan(actor, data: NewPlan, labs=(), at=None) -> InspectionPlan:
    if not (actor.is_regulator or actor.is_platform_admin):
        raise ActionNotAllowed(_("只有监管人员可以制定抽查计划"))
    owner_city = ""
    cities = list(dict.fromkeys(data.cities))
    if not is_region_level(actor):
        # A city bureau runs city plans and special campaigns in its own city only.
        if data.kind not in (PlanKind.CITY, PlanKind.SPECIAL, PlanKind.RISK_MONITORING):
            raise ValidationError({"kind": _("市级监管部门只能制定市级抽查、专项抽查或风险监测计划")})
        owner_city = actor.organisation.city
        cities = [owner_city]
    if data.start_date and data.end_date and data.end_date < data.start_date:
        raise ValidationError({"end_date": _("结束日期不能早于开始日期")})
    for lab in labs:
        _require_testing_lab(lab, "labs")
    plan = InspectionPlan(name=data.name.strip(), year=data.year, batch=data.batch, kind=data.kind,
                          owner_city=owner_city, product_categories=[c.strip() for c in data.product_categories
                                                                     if c.strip()],
                          cities=cities, quota=data.quota, start_date=data.start_date, end_date=data.end_date,
                          publish_risk_results=data.publish_risk_results, created_by=actor)
    plan.full_clean(exclude=["created_by"])
    plan.save()
    plan.labs.set(labs)
    audit.record(plan, actor, Action.CREATE_PLAN, "", plan.status, plan.name, at=at)
    for lab in labs:
        notify(_lab_users(lab.pk), title=_("新的监督抽查计划：%(n)s") % {"n": plan.name},
               url=plan.get_absolute_url(), event="inspection_plan")
    return plan


def _may_manage_plan(actor, plan, city=""):
    if is_region_level(actor):
        return True
    if actor.role != Role.CITY_REGULATOR or not actor.organisation_id:
        return False
    return plan.owner_city == actor.organisation.city or (not plan.owner_city and city == actor.organisation.city)


@transaction.atomic
def do_assign_task(actor, plan, *, lab, product_category, quota, city="", due_date=None, at=None) -> SamplingTask:
    if not _may_manage_plan(actor, plan, city):
        raise ActionNotAllowed(_("只有组织该计划的监管部门可以下达任务"))
    _require_open_plan(_current(plan), _("下达任务"))
    _require_testing_lab(lab)
    if quota < 1:
        raise ValidationError({"quota": _("任务批次数至少为1")})
    task = SamplingTask.objects.create(plan=plan, lab=lab, product_category=product_category.strip(), city=city,
                                       quota=quota, due_date=due_date)
    plan.labs.add(lab)
    audit.record(plan, actor, Action.ASSIGN_TASK, "", "", f"{lab.name}：{task.product_category} {quota}批", at=at)
    notify(_lab_users(lab.pk), title=_("新的抽样任务：%(p)s %(c)s %(n)s批") % {
        "p": plan.name, "c": task.product_category, "n": quota}, url=plan.get_absolute_url(), event="inspection_task")
    return task


# ---------------------------------------------------------------- correcting and withdrawing plans and tasks

CITY_PLAN_KINDS = (PlanKind.CITY, PlanKind.SPECIAL, PlanKind.RISK_MONITORING)
# What a regulator may correct on a plan (do_update_plan) and on a task (do_update_task).
PLAN_FIELDS = ("name", "year", "batch", "kind", "product_categories", "cities", "quota", "labs", "start_date",
               "end_date", "publish_risk_results")
TASK_FIELDS = ("lab", "product_category", "city", "quota", "due_date")
# Fixed once a task has sampled batches: the records already carry them.
TASK_FIELDS_FIXED_BY_RECORDS = ("lab", "product_category", "city")


def may_manage_plan(user, plan) -> bool:
    """The bureau that runs the plan: the region for every plan, a city bureau for its own city's plans."""
    return _may_manage_plan(user, plan)


def may_manage_task(user, task) -> bool:
    """Who runs the plan, and a city bureau for the tasks it gave in its city under a regional plan."""
    return _may_manage_plan(user, task.plan, task.city)


def may_reopen_plan(user, plan) -> bool:
    """A plan the region closed is reopened by the region; a city bureau's closing, by the city or the region."""
    if not (plan.is_closed and may_manage_plan(user, plan)):
        return False
    return not (plan.closed_by_id and is_region_level(plan.closed_by)) or is_region_level(user)


def _require_open_plan(plan, action_label):
    if plan.status == PlanStatus.CLOSED:
        raise InvalidTransition(_("计划已结束，不能%(a)s；如需继续，请先重新启用计划") % {"a": action_label})


def _current(obj):
    """The plan or task as stored now: a page may hold it from before it was closed or withdrawn."""
    return type(obj).objects.only("status").get(pk=obj.pk)


def _lock_plan(plan) -> InspectionPlan:
    return InspectionPlan.objects.select_for_update().get(pk=plan.pk)


def _lock_task(task) -> SamplingTask:
    return SamplingTask.objects.select_for_update().select_related("plan", "lab").get(pk=task.pk)


def _plan_lab_users(plan):
    lab_ids = set(plan.labs.values_list("pk", flat=True)) | set(plan.tasks.values_list("lab_id", flat=True))
    return list(User.objects.filter(organisation_id__in=lab_ids, role=Role.PROVIDER, is_active=True))


def _field_label(model, name) -> str:
    return str(model._meta.get_field(name).verbose_name)


def _shown(name, value) -> str:
    """A plan or task value as the audit note shows it."""
    if name == "cities":
        return "、".join(str(City(c).label) if c in City.values else c for c in value) or _("全区")
    if name == "city":
        return str(City(value).label) if value in City.values else _("全区")
    if name == "kind":
        return str(PlanKind(value).label) if value in PlanKind.values else value
    if name == "labs":
        return "、".join(lab.name for lab in sorted(value, key=lambda o: o.pk)) or "—"
    if name == "lab":
        return value.name
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(value) or "—"
    if value is None or value == "":
        return "—"
    return str(value)


def _changes_note(model, old: dict, new: dict) -> str:
    return "；".join(f"{_field_label(model, name)}：{_shown(name, old[name])} → {_shown(name, new[name])}"
                    for name in new)


def _same(name, a, b) -> bool:
    if name == "labs":
        return {o.pk for o in a} == {o.pk for o in b}
    if name == "lab":
        return a.pk == b.pk
    return a == b


def _normalise_plan_changes(changes: dict) -> dict:
    unknown = set(changes) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"not editable on a plan: {sorted(unknown)}")
    data = dict(changes)
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
    if "product_categories" in data:
        data["product_categories"] = list(dict.fromkeys(c.strip() for c in data["product_categories"] if c.strip()))
    if "cities" in data:
        data["cities"] = list(dict.fromkeys(data["cities"]))
    if "labs" in data:
        data["labs"] = list(dict.fromkeys(data["labs"]))
    return data


@transaction.atomic
def do_update_plan(actor, plan, changes: dict, at=None) -> InspectionPlan:
    """Correct a plan. `changes` holds any of PLAN_FIELDS (labs as organisations); unchanged values are ignored.

    Imported plans mirror a published results file, so only their name may change. The kind is copied into every
    record, so it is fixed once batches are sampled; the quota never drops below the batches already sampled; a
    lab with tasks in the plan stays among its labs. The audit note names each change, old -> new.
    """
    plan = _lock_plan(plan)
    if not may_manage_plan(actor, plan):
        raise ActionNotAllowed(_("只有组织该计划的监管部门可以修改计划"))
    _require_open_plan(plan, _("修改"))
    data = _normalise_plan_changes(changes)
    old = {name: (list(plan.labs.all()) if name == "labs" else getattr(plan, name)) for name in data}
    changed = {name: value for name, value in data.items() if not _same(name, old[name], value)}
    if not changed:
        return plan
    errors = {}
    if plan.is_imported:
        for name in changed:
            if name != "name":
                errors[name] = _("由导入生成的计划与结果文件一致，只能修改名称")
        if errors:
            raise ValidationError(errors)
    if "name" in changed and not changed["name"]:
        errors["name"] = _("请填写计划名称")
    if "kind" in changed:
        kind = changed["kind"]
        if kind not in PlanKind.values:
            errors["kind"] = _("抽查类型无效")
        elif plan.records.exists():
            errors["kind"] = _("计划已有抽样记录，不能更改抽查类型")
        elif not is_region_level(actor) and kind not in CITY_PLAN_KINDS:
            errors["kind"] = _("市级监管部门只能制定市级抽查、专项抽查或风险监测计划")
        elif kind == PlanKind.RISK_MONITORING and plan.tasks.exclude(selection="").exists():
            errors["kind"] = _("由风险抽样方案生成的计划不能改为风险监测")
    if "cities" in changed:
        if plan.owner_city:
            errors["cities"] = _("市级计划的抽查地市固定为本市")
        elif any(c not in City.values for c in changed["cities"]):
            errors["cities"] = _("抽查地市无效")
    if "quota" in changed:
        sampled = plan.records.count()
        if changed["quota"] is None or changed["quota"] < 0:
            errors["quota"] = _("计划批次数不能为负数")
        elif changed["quota"] < sampled:
            errors["quota"] = _("计划批次数不能少于已抽样的 %(n)s 批次") % {"n": sampled}
    start = changed.get("start_date", plan.start_date)
    end = changed.get("end_date", plan.end_date)
    if ("start_date" in changed or "end_date" in changed) and start and end and end < start:
        errors["end_date"] = _("结束日期不能早于开始日期")
    added_labs = []
    if "labs" in changed:
        before = {lab.pk for lab in old["labs"]}
        after = {lab.pk for lab in changed["labs"]}
        added_labs = [lab for lab in changed["labs"] if lab.pk not in before]
        if any(not testing_labs().filter(pk=lab.pk).exists() for lab in added_labs):
            errors["labs"] = _("承检机构须为具有检验检测服务类别的机构")
        tasked = (Organisation.objects.filter(pk__in=before - after, inspection_tasks__plan=plan,
                                              inspection_tasks__status__in=[TaskStatus.ASSIGNED, TaskStatus.DONE])
                  .distinct().order_by("name"))
        if tasked:
            errors["labs"] = _("“%(l)s”承担本计划的抽样任务，不能移出承检机构；请先撤回或关闭其任务") % {
                "l": "、".join(lab.name for lab in tasked)}
    if errors:
        raise ValidationError(errors)
    for name, value in changed.items():
        if name != "labs":
            setattr(plan, name, value)
    plan.full_clean(exclude=["created_by", "closed_by"])
    plan.save()
    if "labs" in changed:
        plan.labs.set(changed["labs"])
    note = _changes_note(InspectionPlan, old, changed)
    audit.record(plan, actor, Action.UPDATE_PLAN, plan.status, plan.status, note, at=at)
    added_ids = {lab.pk for lab in added_labs}
    notify([u for u in _plan_lab_users(plan) if u.organisation_id not in added_ids],
           title=_("抽查计划已调整：%(n)s") % {"n": plan.name}, body=note, url=plan.get_absolute_url(),
           event="inspection_plan")
    for lab in added_labs:
        notify(_lab_users(lab.pk), title=_("新的监督抽查计划：%(n)s") % {"n": plan.name},
               url=plan.get_absolute_url(), event="inspection_plan")
    return plan


@transaction.atomic
def do_close_plan(actor, plan, reason="", at=None) -> InspectionPlan:
    """End a plan: it takes no new tasks and no new batches; results of batches already sampled go on."""
    plan = _lock_plan(plan)
    if not may_manage_plan(actor, plan):
        raise ActionNotAllowed(_("只有组织该计划的监管部门可以结束计划"))
    if plan.is_closed:
        raise InvalidTransition(_("计划已结束"))
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise ValidationError({"reason": _("说明不能超过300字")})
    at = at or timezone.now()
    from_state = plan.status
    plan.status, plan.closed_at, plan.closed_by, plan.close_reason = PlanStatus.CLOSED, at, actor, reason
    plan.save(update_fields=["status", "closed_at", "closed_by", "close_reason", "updated_at"])
    unfinished = plan.tasks.filter(status=TaskStatus.ASSIGNED).count()
    note = "；".join(part for part in (reason, _("尚有 %(n)s 个任务未完成") % {"n": unfinished} if unfinished else "")
                    if part)
    audit.record(plan, actor, Action.CLOSE_PLAN, from_state, PlanStatus.CLOSED, note, at=at)
    notify(_plan_lab_users(plan), title=_("抽查计划已结束：%(n)s，不再接收新的抽样") % {"n": plan.name}, body=reason,
           url=plan.get_absolute_url(), event="inspection_plan")
    return plan


@transaction.atomic
def do_reopen_plan(actor, plan, reason="", at=None) -> InspectionPlan:
    plan = _lock_plan(plan)
    if not may_manage_plan(actor, plan):
        raise ActionNotAllowed(_("只有组织该计划的监管部门可以重新启用计划"))
    if not plan.is_closed:
        raise InvalidTransition(_("计划未结束，无需重新启用"))
    if not may_reopen_plan(actor, plan):
        raise ActionNotAllowed(_("该计划由自治区监管部门结束，只能由自治区监管部门重新启用"))
    plan.status, plan.closed_at, plan.closed_by, plan.close_reason = PlanStatus.ACTIVE, None, None, ""
    plan.save(update_fields=["status", "closed_at", "closed_by", "close_reason", "updated_at"])
    reason = (reason or "").strip()
    audit.record(plan, actor, Action.REOPEN_PLAN, PlanStatus.CLOSED, PlanStatus.ACTIVE, reason, at=at)
    notify(_plan_lab_users(plan), title=_("抽查计划已重新启用：%(n)s") % {"n": plan.name}, body=reason,
           url=plan.get_absolute_url(), event="inspection_plan")
    return plan


def _task_label(task) -> str:
    where = str(City(task.city).label) if task.city in City.values else _("全区")
    enterprise = f"{task.enterprise_name} · " if task.enterprise_name else ""
    return f"{task.lab.name}：{enterprise}{task.product_category} · {where}"


def scheme_warning(task) -> str:
    """What a regulator must know before changing a task of a risk-based sampling scheme."""
    return _("本任务来自风险抽样方案（%(s)s）：修改批次数或撤回任务会改变方案的入样概率，系统不会重新计算，"
             "按方案做的无偏估计将不再准确。") % {"s": task.get_selection_display()}


def _normalise_task_changes(changes: dict) -> dict:
    unknown = set(changes) - set(TASK_FIELDS)
    if unknown:
        raise ValueError(f"not editable on a task: {sorted(unknown)}")
    data = dict(changes)
    if "product_category" in data:
        data["product_category"] = (data["product_category"] or "").strip()
    if "city" in data:
        data["city"] = data["city"] or ""
    return data


@transaction.atomic
def do_update_task(actor, task, changes: dict, at=None) -> SamplingTask:
    """Correct a task (any of TASK_FIELDS). Once batches are sampled only quota and due date may change; a task
    of a risk-based scheme keeps its enterprise, selection, category and city (its quota may change, with a
    warning: the scheme's inclusion probabilities are not recomputed)."""
    task = _lock_task(task)
    plan = task.plan
    if not may_manage_task(actor, task):
        raise ActionNotAllowed(_("只有组织该计划的监管部门可以修改任务"))
    _require_open_plan(plan, _("修改任务"))
    if not task.is_open:
        raise InvalidTransition(_("任务%(s)s，不能修改") % {"s": task.get_status_display()})
    data = _normalise_task_changes(changes)
    old = {name: getattr(task, name) for name in data}
    changed = {name: value for name, value in data.items() if not _same(name, old[name], value)}
    if not changed:
        return task
    errors = {}
    sampled = task.records.count()
    for name in TASK_FIELDS_FIXED_BY_RECORDS:
        if name in changed and sampled:
            errors[name] = _("任务已有 %(n)s 批抽样记录，承检机构、产品类别和地市不能再改；可关闭本任务后另行下达") % {
                "n": sampled}
        elif name in changed and name != "lab" and task.is_planned:
            errors[name] = _("来自风险抽样方案的任务，产品类别和地市由方案确定，不能修改")
    if "product_category" in changed and not errors.get("product_category") and not changed["product_category"]:
        errors["product_category"] = _("请填写产品类别")
    if "city" in changed and "city" not in errors:
        if changed["city"] and changed["city"] not in City.values:
            errors["city"] = _("地市无效")
        elif not _may_manage_plan(actor, plan, changed["city"]):
            errors["city"] = _("只能把任务安排在本市")
    if "lab" in changed and "lab" not in errors and not testing_labs().filter(pk=changed["lab"].pk).exists():
        errors["lab"] = _("承检机构须为具有检验检测服务类别的机构")
    if "quota" in changed:
        if changed["quota"] is None or changed["quota"] < 1:
            errors["quota"] = _("任务批次数至少为1")
        elif changed["quota"] < sampled:
            errors["quota"] = _("任务批次数不能少于已抽样的 %(n)s 批次") % {"n": sampled}
    due = changed.get("due_date")
    if due and plan.start_date and due < plan.start_date:
        errors["due_date"] = _("完成期限不能早于计划开始日期 %(d)s") % {"d": plan.start_date}
    if errors:
        raise ValidationError(errors)
    old_lab, from_state = task.lab, task.status
    label = _task_label(task)
    for name, value in changed.items():
        setattr(task, name, value)
    decided = task.records.exclude(status=R.TESTING).count()
    task.status = TaskStatus.DONE if decided >= task.quota else TaskStatus.ASSIGNED
    task.save()
    if "lab" in changed:
        plan.labs.add(task.lab)
    note = f"{label}。{_changes_note(SamplingTask, old, changed)}"
    if task.is_planned and "quota" in changed:
        note += _("（风险抽样方案任务：入样概率未重新计算）")
    audit.record(plan, actor, Action.UPDATE_TASK, from_state, task.status, note, at=at)
    url = plan.get_absolute_url()
    if "lab" in changed:
        notify(_lab_users(old_lab.pk), title=_("抽样任务已改由其他机构承担：%(p)s %(c)s") % {
            "p": plan.name, "c": task.product_category}, body=note, url=url, event="inspection_task")
        notify(_lab_users(task.lab_id), title=_("新的抽样任务：%(p)s %(c)s %(n)s批") % {
            "p": plan.name, "c": task.product_category, "n": task.quota}, url=url, event="inspection_task")
    else:
        notify(_lab_users(task.lab_id), title=_("抽样任务已调整：%(p)s %(c)s") % {
            "p": plan.name, "c": task.product_category}, body=note, url=url, event="inspection_task")
    return task


def _stop_task(actor, task, status, reason, at, *, action, action_label, title):
    task = _lock_task(task)
    plan = task.plan
    if not may_manage_task(actor, task):
        raise ActionNotAllowed(_("只有组织该计划的监管部门可以%(a)s") % {"a": action_label})
    _require_open_plan(plan, action_label)
    if not task.is_open:
        raise InvalidTransition(_("任务%(s)s，不能%(a)s") % {"s": task.get_status_display(), "a": action_label})
    has_records = task.records.exists()
    if status == TaskStatus.CANCELLED and has_records:
        raise InvalidTransition(_("任务已有抽样记录，不能撤回，只能关闭"))
    if status == TaskStatus.CLOSED and not has_records:
        raise InvalidTransition(_("任务尚无抽样记录，请直接撤回"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写%(a)s理由") % {"a": action_label}})
    if len(reason) > 300:
        raise ValidationError({"reason": _("理由不能超过300字")})
    at = at or timezone.now()
    from_state = task.status
    task.status, task.status_reason, task.status_changed_at = status, reason, at
    task.save(update_fields=["status", "status_reason", "status_changed_at", "updated_at"])
    note = f"{_task_label(task)}。{reason}"
    if task.is_planned:
        note += _("（风险抽样方案任务：入样概率未重新计算）")
    audit.record(plan, actor, action, from_state, status, note, at=at)
    notify(_lab_users(task.lab_id), title=title % {"p": plan.name, "c": task.product_category}, body=reason,
           url=plan.get_absolute_url(), event="inspection_task")
    return task


@transaction.atomic
def do_withdraw_task(actor, task, reason, at=None) -> SamplingTask:
    """Withdraw a task no batch was sampled for (the lab is told why). With batches it can only be closed."""
    return _stop_task(actor, task, TaskStatus.CANCELLED, reason, at, action=Action.CANCEL_TASK,
                      action_label=_("撤回任务"), title=_("抽样任务已撤回：%(p)s %(c)s"))


@transaction.atomic
def do_close_task(actor, task, reason, at=None) -> SamplingTask:
    """Stop a task early: its sampled batches stay and go on through testing; no new batch is taken."""
    return _stop_task(actor, task, TaskStatus.CLOSED, reason, at, action=Action.CLOSE_TASK,
                      action_label=_("关闭任务"), title=_("抽样任务已关闭：%(p)s %(c)s"))


def plan_actions(user, plan) -> set[str]:
    """What the plan page offers this user on the plan."""
    if not may_manage_plan(user, plan):
        return set()
    if plan.is_closed:
        return {"reopen"} if may_reopen_plan(user, plan) else set()
    return {"edit", "close"}


def task_actions(user, task, sampled=None) -> set[str]:
    """What the plan page offers on one task row; `sampled` is the task's record count if already known."""
    if task.plan.is_closed or not task.is_open or not may_manage_task(user, task):
        return set()
    sampled = task.records.count() if sampled is None else sampled
    return {"edit", "close"} if sampled else {"edit", "withdraw"}


# ---------------------------------------------------------------- sampling and results

@dataclass
class NewSample:
    product_name: str
    manufacturer_name: str
    city: str
    sampling_date: dt.date
    stage: str
    samplers: list
    sample_quantity: str
    backup_quantity: str
    sampled_unit_name: str = ""
    manufacturer_uscc: str = ""
    sampled_unit_uscc: str = ""
    manufacturer_address: str = ""
    product_category: str = ""
    specification: str = ""
    trademark: str = ""
    batch_no: str = ""
    production_date: dt.date | None = None
    sampling_place: str = ""
    remarks: str = ""


def _enterprise_by_code(code):
    if not code:
        return None
    return Organisation.objects.filter(kind=OrgKind.ENTERPRISE, credit_code=code).first()


def _clean_code(value, field_name):
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return uscc.validate(value)
    except uscc.InvalidCreditCode as exc:
        raise ValidationError({field_name: str(exc)})


@transaction.atomic
def do_record_sampling(actor, plan, data: NewSample, task=None, at=None) -> SamplingRecord:
    """A lab (or the regulator) records a sampled batch: at least two samplers and a sealed backup sample."""
    lab = task.lab if task else None
    if task is not None and task.plan_id != plan.pk:
        raise ValidationError({"task": _("任务不属于该计划")})
    _require_open_plan(_current(plan), _("登记抽样"))
    if task is not None and not (current_task := _current(task)).is_open:
        task = current_task
        raise ValidationError({"task": _("该任务%(s)s，不再接收抽样") % {"s": task.get_status_display()}})
    if actor.role == Role.PROVIDER:
        if lab is None and actor.organisation_id and plan.labs.filter(pk=actor.organisation_id).exists():
            lab = actor.organisation
        if lab is None or lab.pk != actor.organisation_id:
            raise ActionNotAllowed(_("只有承担该任务的检验机构可以录入抽样信息"))
    elif not is_regulator_for(actor, data.city):
        raise ActionNotAllowed(_("只有承检机构或本地监管人员可以录入抽样信息"))
    errors = {}
    samplers = [name.strip() for name in data.samplers if name and name.strip()]
    if len(set(samplers)) < 2:
        errors["samplers"] = _("抽样人员不得少于2名")
    if not data.sample_quantity.strip():
        errors["sample_quantity"] = _("请填写检验样品数量")
    if not data.backup_quantity.strip():
        errors["backup_quantity"] = _("请填写封存备份样品数量（复检用）")
    if data.stage not in Stage.values:
        errors["stage"] = _("请选择抽样环节")
    if data.sampling_date > _local_date(at or timezone.now()):
        errors["sampling_date"] = _("抽样日期不能晚于今天")
    if data.production_date and data.production_date > data.sampling_date:
        errors["production_date"] = _("生产日期不能晚于抽样日期")
    if errors:
        raise ValidationError(errors)
    manufacturer_code = _clean_code(data.manufacturer_uscc, "manufacturer_uscc")
    unit_code = _clean_code(data.sampled_unit_uscc, "sampled_unit_uscc")
    manufacturer = _enterprise_by_code(manufacturer_code)
    sampled_unit = _enterprise_by_code(unit_code)
    if task is not None and task.enterprise_id and (manufacturer is None or manufacturer.pk != task.enterprise_id):
        # A planned batch counts as random or targeted only for the enterprise the plan chose.
        raise ValidationError({"manufacturer_uscc": _("该任务指定的受检企业为“%(e)s”，请填写该企业的统一社会信用代码") % {
            "e": task.enterprise_name or task.enterprise}})
    if sampled_unit is None and data.stage == Stage.PRODUCTION:
        sampled_unit = manufacturer  # sampled at the factory: the maker is the sampled unit
    record = SamplingRecord(
        number=f"TMP{timezone.now().timestamp()}", plan=plan, task=task, plan_kind=plan.kind, lab=lab,
        lab_name=lab.name if lab else "", samplers=samplers, stage=data.stage, sampling_place=data.sampling_place,
        city=data.city, sampling_date=data.sampling_date, sampled_unit=sampled_unit,
        sampled_unit_name=data.sampled_unit_name or (sampled_unit.name if sampled_unit else data.manufacturer_name),
        sampled_unit_uscc=unit_code, manufacturer=manufacturer, manufacturer_name=data.manufacturer_name.strip(),
        manufacturer_uscc=manufacturer_code, manufacturer_address=data.manufacturer_address,
        enterprise_size=manufacturer.size if manufacturer else "", product_name=data.product_name.strip(),
        product_category=data.product_category.strip() or (task.product_category if task else ""),
        specification=data.specification,
        trademark=data.trademark, batch_no=data.batch_no.strip(), production_date=data.production_date,
        sample_quantity=data.sample_quantity.strip(), backup_quantity=data.backup_quantity.strip(),
        remarks=data.remarks, source=RecordSource.MANUAL, selection=task.selection if task else "",
    )
    record.dedup_key = record.compute_dedup_key()
    if SamplingRecord.objects.filter(dedup_key=record.dedup_key).exists():
        raise ValidationError({"batch_no": _("同一生产企业、产品、批号和抽样日期的样品已登记")})
    record.full_clean(exclude=["number", "dedup_key", "samplers"])
    record.save()
    record.number = f"CJ{record.sampling_date:%Y}{record.pk:08d}"
    record.save(update_fields=["number"])
    audit.record(record, actor, Action.SAMPLE, "", R.TESTING, f"抽样人员：{'、'.join(samplers)}", at=at)
    return record


@dataclass
class ItemResult:
    item: str
    judgement: str
    standard: str = ""
    clause: str = ""
    unit: str = ""
    measured: str = ""
    limit: str = ""


def conclusion_from_items(items) -> str:
    """Any failed item makes the batch 不合格; otherwise 合格 (items not judged do not count)."""
    return Conclusion.FAIL if any(i.judgement == Judgement.FAIL for i in items) else Conclusion.PASS


@transaction.atomic
def do_enter_results(actor, record, items: list[ItemResult], at=None) -> SamplingRecord:
    record = _lock(record)
    if not (is_lab_staff(actor, record.lab_id) or (record.lab_id is None and is_regulator_for(actor, record.city))):
        raise ActionNotAllowed(_("只有承检机构可以录入检验结果"))
    _require_state(record, [R.TESTING, R.TESTED], _("录入检验结果"))
    items = [i for i in items if i.item.strip()]
    if not items:
        raise ValidationError({"items": _("请至少录入一个检验项目")})
    for i in items:
        if i.judgement not in Judgement.values:
            raise ValidationError({"items": _("单项判定无效：%(j)s") % {"j": i.judgement}})
    at = at or timezone.now()
    delta = rollups.RollupDelta()
    delta.remove(record)
    record.items.all().delete()
    TestItemResult.objects.bulk_create([
        TestItemResult(record=record, item=i.item.strip(), standard=i.standard.strip(), clause=i.clause.strip(),
                       unit=i.unit.strip(), measured=i.measured.strip(), limit=i.limit.strip(),
                       judgement=i.judgement, sort_order=n) for n, i in enumerate(items)])
    from_state = record.status
    record.conclusion = conclusion_from_items(items)
    record.failed_items_text = "、".join(i.item.strip() for i in items if i.judgement == Judgement.FAIL)[:500]
    record.conclusion_overridden, record.override_reason = False, ""
    record.status, record.tested_at = R.TESTED, at
    record.save()
    delta.add(record)
    rollups.apply(delta)
    audit.record(record, actor, Action.ENTER_RESULTS, from_state, R.TESTED,
                 f"{record.get_conclusion_display()} {record.failed_items_text}".strip(), at=at)
    if record.task_id and record.task.records.exclude(status=R.TESTING).count() >= record.task.quota:
        # A task the regulator closed stays closed.
        SamplingTask.objects.filter(pk=record.task_id, status=TaskStatus.ASSIGNED).update(status=TaskStatus.DONE)
    _notify(_regulators_for(record.city), record, _("检验结果已录入，待告知企业"), "results")
    return record


@transaction.atomic
def do_override_conclusion(actor, record, conclusion, reason, at=None) -> SamplingRecord:
    """The regulator changes the conclusion the items gave; the reason is required and kept in the audit."""
    record = _lock(record)
    if not is_regulator_for(actor, record.city):
        raise ActionNotAllowed(_("只有监管人员可以修改检验结论"))
    _require_state(record, [R.TESTED, R.NOTIFIED, R.FINAL], _("修改结论"))
    if conclusion not in (Conclusion.PASS, Conclusion.FAIL):
        raise ValidationError({"conclusion": _("结论须为合格或不合格")})
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationError({"reason": _("请详细说明修改结论的理由（至少5个字）")})
    if conclusion == record.conclusion:
        raise ValidationError({"conclusion": _("新结论与当前结论相同")})
    at = at or timezone.now()
    delta = rollups.RollupDelta()
    delta.remove(record)
    old = record.get_conclusion_display()
    record.conclusion, record.conclusion_overridden, record.override_reason = conclusion, True, reason
    if conclusion == Conclusion.PASS:
        record.failed_items_text = ""
    record.save()
    delta.add(record)
    rollups.apply(delta)
    audit.record(record, actor, Action.OVERRIDE, record.status, record.status,
                 f"{old} → {record.get_conclusion_display()}：{reason}", at=at)
    return record


# ---------------------------------------------------------------- notice, objection, re-test

@transaction.atomic
def do_notify_enterprise(actor, record, received_on=None, at=None) -> SamplingRecord:
    """Written notice of the result. Delivered through the platform it is received the same day; a paper
    notice's receipt date is entered with do_confirm_receipt. The 15-day objection window runs from receipt."""
    record = _lock(record)
    if not is_regulator_for(actor, record.city):
        raise ActionNotAllowed(_("只有监管人员可以告知企业检验结果"))
    _require_state(record, [R.TESTED], _("告知企业"))
    at = at or timezone.now()
    record.notified_at = at
    record.received_on = received_on or _local_date(at)
    record.objection_due = deadlines.objection_due(record.received_on)
    record.status = R.NOTIFIED
    record.save()
    audit.record(record, actor, Action.NOTIFY, R.TESTED, R.NOTIFIED,
                 _("收到日期 %(r)s，异议期至 %(d)s") % {"r": record.received_on, "d": record.objection_due}, at=at)
    body = _("检验结论：%(c)s。如有异议，可在 %(d)s 前申请复检。") % {
        "c": record.get_conclusion_display(), "d": record.objection_due}
    _notify(_enterprise_users(record), record, _("监督抽查检验结果告知"), "notify", body)
    return record


@transaction.atomic
def do_confirm_receipt(actor, record, received_on, at=None) -> SamplingRecord:
    record = _lock(record)
    if not is_regulator_for(actor, record.city):
        raise ActionNotAllowed(_("只有监管人员可以登记签收日期"))
    _require_state(record, [R.NOTIFIED], _("登记签收日期"))
    if received_on < _local_date(record.notified_at):
        raise ValidationError({"received_on": _("签收日期不能早于告知日期")})
    record.received_on = received_on
    record.objection_due = deadlines.objection_due(received_on)
    record.save(update_fields=["received_on", "objection_due", "updated_at"])
    audit.record(record, actor, Action.RECEIPT, record.status, record.status,
                 _("签收日期 %(r)s，异议期至 %(d)s") % {"r": received_on, "d": record.objection_due}, at=at)
    return record


@transaction.atomic
def do_request_retest(actor, record, reason, items="", at=None) -> Objection:
    record = _lock(record)
    if not is_concerned_enterprise(actor, record):
        raise ActionNotAllowed(_("只有被抽样企业或标称生产企业可以申请复检"))
    _require_state(record, [R.NOTIFIED], _("申请复检"))
    if record.conclusion != Conclusion.FAIL:
        raise InvalidTransition(_("检验结论为合格，无需复检"))
    at = at or timezone.now()
    if _local_date(at) > record.objection_due:
        raise InvalidTransition(_("异议期已于 %(d)s 届满，不能再申请复检") % {"d": record.objection_due})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请说明对检验结果的异议")})
    objection = Objection.objects.create(record=record, applicant=actor.organisation, requested_by=actor,
                                         requested_at=at, reason=reason.strip(),
                                         items=(items or record.failed_items_text).strip()[:300])
    record.status = R.RETEST
    record.save(update_fields=["status", "updated_at"])
    audit.record(record, actor, Action.OBJECT, R.NOTIFIED, R.RETEST, reason.strip(), at=at)
    _notify(_regulators_for(record.city), record, _("企业申请复检，请指定复检机构"), "objection", reason.strip())
    return objection


@transaction.atomic
def do_assign_retest(actor, record, lab, at=None) -> Objection:
    record = _lock(record)
    if not is_regulator_for(actor, record.city):
        raise ActionNotAllowed(_("只有监管人员可以指定复检机构"))
    objection = getattr(record, "objection", None)
    if objection is None or objection.status != ObjectionStatus.REQUESTED:
        raise InvalidTransition(_("没有待指定复检机构的复检申请"))
    _require_testing_lab(lab)
    if lab.pk == record.lab_id:
        raise ValidationError({"lab": _("复检须由初检以外的检验机构承担")})
    objection.retest_lab, objection.status = lab, ObjectionStatus.RETESTING
    objection.save()
    audit.record(record, actor, Action.ASSIGN_RETEST, record.status, record.status,
                 _("复检机构：%(l)s（使用封存备份样品）") % {"l": lab.name}, at=at)
    _notify(_lab_users(lab.pk), record, _("复检任务：请使用封存备份样品复检"), "retest")
    return objection


@transaction.atomic
def do_record_retest(actor, record, conclusion, note="", at=None) -> Objection:
    """The re-test result decides: it agrees -> the applicant pays; it differs -> the department pays and the
    re-test conclusion replaces the first one."""
    record = _lock(record)
    objection = getattr(record, "objection", None)
    if objection is None or objection.status != ObjectionStatus.RETESTING:
        raise InvalidTransition(_("没有进行中的复检"))
    if not (is_lab_staff(actor, objection.retest_lab_id) or is_regulator_for(actor, record.city)):
        raise ActionNotAllowed(_("只有复检机构或监管人员可以录入复检结论"))
    if conclusion not in (Conclusion.PASS, Conclusion.FAIL):
        raise ValidationError({"conclusion": _("复检结论须为合格或不合格")})
    at = at or timezone.now()
    agrees = conclusion == record.conclusion
    objection.retest_conclusion, objection.retest_agrees = conclusion, agrees
    objection.payer = RetestPayer.APPLICANT if agrees else RetestPayer.DEPARTMENT
    objection.retest_note, objection.decided_at, objection.status = (note or "").strip(), at, ObjectionStatus.DECIDED
    objection.save()
    if not agrees:
        delta = rollups.RollupDelta()
        delta.remove(record)
        record.conclusion = conclusion
        if conclusion == Conclusion.PASS:
            record.failed_items_text = ""
        delta.add(record)
        rollups.apply(delta)
    record.status, record.finalised_at = R.FINAL, at
    record.save()
    summary = _("复检结论%(c)s，与初检%(a)s，复检费用%(p)s") % {
        "c": objection.get_retest_conclusion_display(), "a": _("一致") if agrees else _("不一致"),
        "p": objection.get_payer_display()}
    audit.record(record, actor, Action.RETEST_RESULT, R.RETEST, R.FINAL, f"{summary}。{objection.retest_note}"
                 .rstrip("。"), at=at)
    _notify(_enterprise_users(record) + _regulators_for(record.city), record, _("复检结论已出"), "retest_result",
            summary)
    return objection


@transaction.atomic
def do_accept_unchallenged(record, now=None) -> bool:
    """No re-test request within the window: the result stands (periodic, idempotent)."""
    record = _lock(record)
    now = now or timezone.now()
    if record.status != R.NOTIFIED or record.objection_due is None or _local_date(now) <= record.objection_due:
        return False
    record.status, record.finalised_at = R.FINAL, now
    record.save(update_fields=["status", "finalised_at", "updated_at"])
    audit.record(record, None, Action.ACCEPT, R.NOTIFIED, R.FINAL,
                 _("异议期 %(d)s 届满未申请复检，检验结论确定") % {"d": record.objection_due}, at=now)
    if record.conclusion == Conclusion.FAIL and not record.is_risk_monitoring:
        _notify(_regulators_for(record.city), record, _("不合格结论已确定，请责令限期改正"), "accept")
    return True


# ---------------------------------------------------------------- follow-up of failures

def previous_result(record):
    """The same maker's previous sample of the same product (for 'two failures in a row')."""
    maker = Q(manufacturer_id=record.manufacturer_id) if record.manufacturer_id else (
        Q(manufacturer_uscc=record.manufacturer_uscc) if record.manufacturer_uscc
        else Q(manufacturer_name=record.manufacturer_name))
    return (SamplingRecord.objects.filter(maker, product_name=record.product_name)
            .exclude(pk=record.pk).exclude(conclusion=Conclusion.PENDING)
            .filter(Q(sampling_date__lt=record.sampling_date) |
                    Q(sampling_date=record.sampling_date, pk__lt=record.pk))
            .order_by("-sampling_date", "-pk").first())


@transaction.atomic
def do_order_correction(actor, record, due=None, note="", at=None) -> FollowUp:
    record = _lock(record)
    if not is_regulator_for(actor, record.city):
        raise ActionNotAllowed(_("只有监管人员可以责令改正"))
    if record.is_risk_monitoring:
        raise InvalidTransition(_("风险监测结果不作为行政处理的依据"))
    if record.conclusion != Conclusion.FAIL:
        raise InvalidTransition(_("只有不合格结论才需责令改正"))
    _require_state(record, [R.FINAL], _("责令改正（结论尚未确定）"))
    if hasattr(record, "follow_up"):
        raise InvalidTransition(_("已责令改正"))
    at = at or timezone.now()
    due = due or deadlines.correction_due(_local_date(at))
    if due <= _local_date(at):
        raise ValidationError({"due": _("整改期限须晚于今天")})
    previous = previous_result(record)
    onsite = bool(previous and previous.conclusion == Conclusion.FAIL)
    follow_up = FollowUp.objects.create(
        record=record, enterprise=record.manufacturer, enterprise_name=record.manufacturer_name, city=record.city,
        ordered_at=at, correction_due=due, order_note=(note or "").strip(), onsite_required=onsite)
    text = _("整改期限 %(d)s") % {"d": due} + (_("；连续两次抽查不合格，需现场检查并跟踪抽查") if onsite else "")
    audit.record(record, actor, Action.ORDER_CORRECTION, record.status, record.status,
                 f"{text}。{follow_up.order_note}".rstrip("。"), at=at)
    _notify(_enterprise_users(record), record, _("责令限期改正"), "order", text)
    return follow_up


def _lock_follow_up(follow_up) -> FollowUp:
    return FollowUp.objects.select_for_update().select_related("record").get(pk=follow_up.pk)


@transaction.atomic
def do_submit_rectification(actor, follow_up, report, at=None) -> FollowUp:
    follow_up = _lock_follow_up(follow_up)
    if not (actor.role == Role.ENTERPRISE and actor.organisation_id and actor.organisation_id ==
            follow_up.enterprise_id):
        raise ActionNotAllowed(_("只有被责令改正的企业可以提交整改报告"))
    if follow_up.status != FollowUpStatus.ORDERED:
        raise InvalidTransition(_("当前状态为“%(s)s”，不能提交整改报告") % {"s": follow_up.get_status_display()})
    if not (report or "").strip():
        raise ValidationError({"report": _("请填写整改报告")})
    at = at or timezone.now()
    follow_up.report, follow_up.reported_at, follow_up.status = report.strip(), at, FollowUpStatus.REPORTED
    follow_up.save()
    audit.record(follow_up.record, actor, Action.RECTIFY, FollowUpStatus.ORDERED, FollowUpStatus.REPORTED,
                 report.strip(), at=at)
    _notify(_regulators_for(follow_up.city), follow_up.record, _("企业已提交整改报告，请复查"), "rectify")
    return follow_up


@transaction.atomic
def do_record_recheck(actor, follow_up, passed, note="", next_due=None, at=None) -> FollowUp:
    """The follow-up check (复查): passed closes the case; failed climbs the ladder (public notice,
    suspension, licence revoked) with a new correction deadline."""
    follow_up = _lock_follow_up(follow_up)
    if not is_regulator_for(actor, follow_up.city):
        raise ActionNotAllowed(_("只有监管人员可以复查"))
    if follow_up.status == FollowUpStatus.CLOSED:
        raise InvalidTransition(_("已结案"))
    at = at or timezone.now()
    follow_up.recheck_count += 1
    follow_up.recheck_passed, follow_up.recheck_note, follow_up.rechecked_at = bool(passed), (note or "").strip(), at
    from_state = follow_up.status
    if passed:
        follow_up.status, follow_up.closed_at = FollowUpStatus.CLOSED, at
        text = _("复查合格，结案")
    else:
        follow_up.escalation = min(Escalation.LICENCE_REVOKED, follow_up.escalation + 1)
        follow_up.escalated_at = at
        follow_up.correction_due = next_due or deadlines.correction_due(_local_date(at))
        follow_up.status, follow_up.report, follow_up.reported_at = FollowUpStatus.ORDERED, "", None
        text = _("复查不合格：%(e)s，再次整改期限 %(d)s") % {
            "e": follow_up.get_escalation_display(), "d": follow_up.correction_due}
    follow_up.save()
    audit.record(follow_up.record, actor, Action.RECHECK, from_state, follow_up.status,
                 f"{text}。{follow_up.recheck_note}".rstrip("。"), at=at)
    _notify(_enterprise_users(follow_up.record), follow_up.record, _("复查结果"), "recheck", text)
    return follow_up


@transaction.atomic
def do_escalate_overdue_follow_up(follow_up, now=None) -> bool:
    """A correction deadline passed without a report: escalate once per deadline (periodic, idempotent)."""
    follow_up = _lock_follow_up(follow_up)
    now = now or timezone.now()
    if (follow_up.status != FollowUpStatus.ORDERED or _local_date(now) <= follow_up.correction_due
            or follow_up.escalated_for_due == follow_up.correction_due):
        return False
    follow_up.escalation = min(Escalation.LICENCE_REVOKED, follow_up.escalation + 1)
    follow_up.escalated_at, follow_up.escalated_for_due = now, follow_up.correction_due
    follow_up.save()
    text = _("整改期限 %(d)s 已过未提交整改报告：%(e)s") % {
        "d": follow_up.correction_due, "e": follow_up.get_escalation_display()}
    audit.record(follow_up.record, None, Action.ESCALATE, follow_up.status, follow_up.status, text, at=now)
    _notify(_regulators_for(follow_up.city) + _enterprise_users(follow_up.record), follow_up.record,
            _("逾期未整改"), "escalate", text)
    return True


# ---------------------------------------------------------------- publication

@transaction.atomic
def do_publish_plan_results(actor, plan, at=None) -> int:
    """Publish the plan's final results (only those; risk monitoring only when the plan allows it)."""
    if not (is_region_level(actor) or (plan.owner_city and is_regulator_for(actor, plan.owner_city))):
        raise ActionNotAllowed(_("只有组织该计划的监管部门可以公布结果"))
    if not plan.results_publishable:
        raise InvalidTransition(_("风险监测结果未标记为可公布"))
    at = at or timezone.now()
    count = SamplingRecord.objects.filter(plan=plan, status=R.FINAL, published=False).update(
        published=True, published_at=at, updated_at=at)
    audit.record(plan, actor, Action.PUBLISH, "", "", _("公布 %(n)s 批次结果") % {"n": count}, at=at)
    return count


@transaction.atomic
def do_publish_record(actor, record, at=None) -> SamplingRecord:
    record = _lock(record)
    if not is_regulator_for(actor, record.city):
        raise ActionNotAllowed(_("只有监管人员可以公布结果"))
    _require_state(record, [R.FINAL], _("公布（结论尚未确定）"))
    if not record.plan.results_publishable:
        raise InvalidTransition(_("风险监测结果未标记为可公布"))
    if record.published:
        raise InvalidTransition(_("已公布"))
    at = at or timezone.now()
    record.published, record.published_at = True, at
    record.save(update_fields=["published", "published_at", "updated_at"])
    audit.record(record, actor, Action.PUBLISH, record.status, record.status, "", at=at)
    return record


# ---------------------------------------------------------------- periodic pass (nqi inspections deadlines)

def run_deadlines(now=None) -> dict:
    """Accept results whose objection window closed; escalate overdue corrections. Idempotent: run it
    from cron, `nqi inspections deadlines`, or beside the service desk's `nqi sla`."""
    now = now or timezone.now()
    today = _local_date(now)
    accepted = sum(do_accept_unchallenged(r, now) for r in
                   SamplingRecord.objects.filter(status=R.NOTIFIED, objection_due__lt=today).only("pk"))
    overdue = deadlines.overdue_corrections(FollowUp.objects.all(), today).only("pk")
    escalated = sum(do_escalate_overdue_follow_up(f, now) for f in overdue)
    return {"accepted": accepted, "escalated": escalated}


# ---------------------------------------------------------------- what the UI offers

def allowed_actions(user, record) -> set[str]:
    allowed = set()
    regulator = is_regulator_for(user, record.city) and (user.is_regulator or user.is_platform_admin)
    objection = getattr(record, "objection", None)
    follow_up = getattr(record, "follow_up", None)
    if record.status in (R.TESTING, R.TESTED) and (
            is_lab_staff(user, record.lab_id) or (record.lab_id is None and regulator)):
        allowed.add("results")
    if regulator:
        if record.status == R.TESTED:
            allowed.add("notify")
        if record.status == R.NOTIFIED:
            allowed.add("receipt")
        if record.status in (R.TESTED, R.NOTIFIED, R.FINAL) and record.conclusion:
            allowed.add("override")
        if objection and objection.status == ObjectionStatus.REQUESTED:
            allowed.add("assign_retest")
        if (record.status == R.FINAL and record.conclusion == Conclusion.FAIL and not record.is_risk_monitoring
                and follow_up is None):
            allowed.add("order_correction")
        if follow_up and follow_up.status != FollowUpStatus.CLOSED:
            allowed.add("recheck")
        if record.status == R.FINAL and not record.published and record.plan.results_publishable:
            allowed.add("publish")
    if objection and objection.status == ObjectionStatus.RETESTING and (
            is_lab_staff(user, objection.retest_lab_id) or regulator):
        allowed.add("retest_result")
    if is_concerned_enterprise(user, record):
        if (record.status == R.NOTIFIED and record.conclusion == Conclusion.FAIL and record.objection_due
                and timezone.localdate() <= record.objection_due):
            allowed.add("objection")
        if follow_up and follow_up.status == FollowUpStatus.ORDERED and follow_up.enterprise_id == user.organisation_id:
            allowed.add("rectify")
    return allowed


def assistance_url(record) -> str:
    """The service desk's new-request form, prefilled with the failed items (帮扶 after a failed check)."""
    items = record.failed_items or [i.item for i in record.items.all() if i.judgement == Judgement.FAIL]
    description = _(
        "我单位产品“%(p)s”（批号 %(b)s）在%(plan)s中检验不合格，不合格项目：%(i)s。"
        "希望获得原因分析与整改技术帮扶。") % {
        "p": record.product_name, "b": record.batch_no or "—", "plan": record.plan.name,
        "i": "、".join(items) or "—"}
    query = {"kind": "problem", "title": _("抽查不合格整改帮扶：%(p)s") % {"p": record.product_name},
             "description": description, "product": record.product_name, "line": "quality_mgmt"}
    return f"{reverse('servicedesk:request_new')}?{urlencode(query)}"


# ---------------------------------------------------------------- withdrawing an import

def may_withdraw_import(user, job) -> bool:
    """The regulator who uploaded the file, or a region-level regulator or administrator."""
    from .scoping import can_import

    return can_import(user) and (job.created_by_id == user.pk or is_region_level(user) or user.is_platform_admin)


@transaction.atomic
def do_withdraw_import(actor, job, reason, at=None) -> int:
    """Undo an import (a wrong file, the wrong plan or kind): delete every record it added, with their items, and
    take them out of the pass-rate rollups. Refused once any of those records has an objection or a follow-up:
    the workflow has moved on and the results must be corrected one by one. Returns the records deleted."""
    from .choices import ImportStatus
    from .models import ImportJob

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if not may_withdraw_import(actor, job):
        raise ActionNotAllowed(_("只有上传该文件的监管人员或自治区级监管人员可以撤销导入"))
    if job.status != ImportStatus.DONE:
        raise InvalidTransition(_("只能撤销已完成的导入"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请说明撤销原因")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("说明不能超过300字")})
    records = SamplingRecord.objects.filter(import_job=job)
    moved_on = records.filter(Q(objection__isnull=False) | Q(follow_up__isnull=False)).count()
    if moved_on:
        raise InvalidTransition(_("本次导入的 %(n)s 批次已有复检申请或不合格后处理，不能整体撤销；请逐条更正") % {"n": moved_on})
    delta = rollups.RollupDelta()
    delta.merge({key: [-n for n in counts] for key, counts in rollups.tally_by_key(records).items()})
    plans = list(InspectionPlan.objects.filter(pk__in=records.values("plan_id").distinct()))
    # Plain DELETEs: the ORM's collector would load every record first, and an import may hold a million. Nothing
    # else refers to these records (checked above; the foreign keys would stop a follow-up added meanwhile).
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TestItemResult._meta.db_table} WHERE record_id IN "
                       f"(SELECT id FROM {SamplingRecord._meta.db_table} WHERE import_job_id = %s)", [job.pk])
        cursor.execute(f"DELETE FROM {SamplingRecord._meta.db_table} WHERE import_job_id = %s", [job.pk])
        deleted = cursor.rowcount
    rollups.apply(delta)
    rollups.drop_empty()
    rollups.refresh_alarms_after_commit()
    at = at or timezone.now()
    job.status = ImportStatus.WITHDRAWN
    job.summary = {**job.summary, "withdrawn": {"at": at.isoformat(), "by": actor.pk, "reason": reason,
                                                "deleted": deleted}}
    job.save(update_fields=["status", "summary"])
    for plan in plans:
        audit.record(plan, actor, Action.WITHDRAW_IMPORT, "", "",
                     _("%(file)s：删除 %(n)s 批次。%(reason)s") % {"file": job.original_name, "n": deleted,
                                                               "reason": reason}, at=at)
    return deleted
