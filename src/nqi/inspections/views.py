"""Spot-check pages: thin views over the scoped querysets (scoping.py) and the do_* actions (actions.py)."""

from collections.abc import Callable
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, Q, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from nqi.accounts.choices import Role
from nqi.core.audit import timeline
from nqi.core.choices import City
from nqi.core.exports import xlsx_response
from nqi.servicedesk.views import run_action

from . import actions, forms, importer, publication
from .choices import (
    Action,
    Conclusion,
    FollowUpStatus,
    ImportStatus,
    PlanKind,
    PlanStatus,
    RecordStatus,
    Stage,
)
from .filters import FollowUpFilter, SamplingRecordFilter
from .importing import FileFormatError, MappingError, preview_file
from .importing.fields import FIELDS
from .models import ImportJob, InspectionPlan
from .scoping import (
    can_import,
    published_records,
    visible_follow_ups,
    visible_imports,
    visible_plans,
    visible_records,
    visible_tasks,
)

SORTS = {
    "date": "sampling_date", "-date": "-sampling_date", "product": "product_name", "-product": "-product_name",
    "maker": "manufacturer_name", "-maker": "-manufacturer_name", "number": "number", "-number": "-number",
    "due": "objection_due", "-due": "-objection_due",
}
RECORD_COLUMNS = [gettext_lazy("抽样单编号"), gettext_lazy("计划"), gettext_lazy("产品名称"), gettext_lazy("产品类别"),
                  gettext_lazy("规格型号"), gettext_lazy("生产日期/批号"), gettext_lazy("标称生产企业"),
                  gettext_lazy("统一社会信用代码"), gettext_lazy("受检单位"), gettext_lazy("所在地市"),
                  gettext_lazy("抽样环节"), gettext_lazy("抽样日期"), gettext_lazy("承检机构"), gettext_lazy("状态"),
                  gettext_lazy("检验结论"), gettext_lazy("主要不合格项目"), gettext_lazy("已公布")]
INLINE_IMPORT_BYTES = getattr(settings, "NQI_IMPORT_INLINE_BYTES", 512 * 1024)


def _require_regulator(user):
    if not (user.is_regulator or user.is_platform_admin):
        raise PermissionDenied(_("仅监管人员可用"))


# ---------------------------------------------------------------- plans

@login_required
def plan_list(request):
    plans = (visible_plans(request.user)
             .annotate(sampled=Count("records", distinct=True),
                       failed=Count("records", filter=Q(records__conclusion=Conclusion.FAIL), distinct=True)))
    kind = request.GET.get("kind", "")
    year = request.GET.get("year", "")
    plan_status = request.GET.get("status", "")
    if kind in PlanKind.values:
        plans = plans.filter(kind=kind)
    if year.isdigit():
        plans = plans.filter(year=int(year))
    if plan_status in PlanStatus.values:
        plans = plans.filter(status=plan_status)
    page = Paginator(plans.order_by("-year", "-batch", "-id"), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "inspections/plan_list.html", {
        "page": page, "kinds": PlanKind.choices, "kind": kind, "year": year, "query": query.urlencode(),
        "statuses": PlanStatus.choices, "status": plan_status,
        "may_create": request.user.is_regulator or request.user.is_platform_admin})


@login_required
def plan_new(request):
    _require_regulator(request.user)
    form = forms.PlanForm(request.POST or None)
    created = {}

    def perform(data):
        created["plan"] = actions.do_create_plan(request.user, form.to_plan(), labs=list(data["labs"]))

    if request.method == "POST" and run_action(request, form, perform):
        messages.success(request, _("抽查计划已制定"))
        return redirect(created["plan"])
    return render(request, "inspections/plan_form.html", {"form": form}, status=400 if form.errors else 200)


def _plan_tasks(request, plan):
    """The plan's tasks this user sees, each with its sampled count and what the user may do on its row."""
    tasks = list(visible_tasks(request.user, plan.tasks.select_related("lab", "plan"))
                 .annotate(sampled=Count("records")))
    for task in tasks:
        task.actions = actions.task_actions(request.user, task, task.sampled)
    return tasks


TIMELINE_SHOWN = 30


def _plan_timeline(plan):
    """The plan's latest audit entries, oldest first, and how many earlier ones are not shown."""
    labels = dict(Action.choices)
    entries = list(timeline(plan).reverse()[:TIMELINE_SHOWN])[::-1]
    for e in entries:
        e.action_label = labels.get(e.action, e.action)
    earlier = timeline(plan).count() - len(entries) if len(entries) == TIMELINE_SHOWN else 0
    return entries, earlier


def _plan_context(request, plan, task_form=None, close_form=None):
    records = plan.records.all()
    counts = records.aggregate(sampled=Count("id"), tested=Count("id", filter=~Q(conclusion="")),
                               failed=Count("id", filter=Q(conclusion=Conclusion.FAIL)),
                               published=Count("id", filter=Q(published=True)))
    tasks = _plan_tasks(request, plan)
    manage = not plan.is_closed and (actions._may_manage_plan(request.user, plan) or (
        request.user.role == Role.CITY_REGULATOR and not plan.owner_city))
    plan_actions = actions.plan_actions(request.user, plan)
    # A plan adopted from a risk-based sampling plan: its unbiased pass-rate estimate, for those who may see it.
    from nqi.planning.estimates import scheme_estimate
    from nqi.planning.scoping import visible_schemes

    risk_plan = visible_schemes(request.user).filter(adopted_plan=plan).first()
    planned = plan.tasks.exclude(selection="").exists()
    timeline_entries, timeline_earlier = _plan_timeline(plan)
    return {
        "plan": plan, "counts": counts, "tasks": tasks, "has_planned_tasks": planned, "task_columns": 9 if planned else 7,
        "risk_plan": risk_plan, "risk_estimate": scheme_estimate(risk_plan) if risk_plan else None,
        "percent": min(100, int(counts["sampled"] * 100 / plan.quota)) if plan.quota else None,
        "task_form": task_form or (forms.TaskForm() if manage else None),
        "may_publish": actions.is_region_level(request.user) or (
            plan.owner_city and actions.is_regulator_for(request.user, plan.owner_city)),
        "may_sample": (not plan.is_closed and request.user.role == Role.PROVIDER
                       and plan.labs.filter(pk=request.user.organisation_id).exists()),
        "timeline": timeline_entries, "timeline_earlier": timeline_earlier, "plan_actions": plan_actions,
        "close_form": close_form or (forms.PlanCloseForm() if plan_actions & {"close", "reopen"} else None),
    }


@login_required
def plan_detail(request, pk):
    plan = get_object_or_404(visible_plans(request.user), pk=pk)
    return render(request, "inspections/plan_detail.html", _plan_context(request, plan))


@login_required
@require_POST
def plan_task_new(request, pk):
    plan = get_object_or_404(visible_plans(request.user), pk=pk)
    form = forms.TaskForm(request.POST)

    def perform(d):
        actions.do_assign_task(request.user, plan, lab=d["lab"], product_category=d["product_category"],
                               quota=d["quota"], city=d["city"] or "", due_date=d["due_date"])

    if run_action(request, form, perform):
        messages.success(request, _("任务已下达"))
        return redirect(plan)
    return render(request, "inspections/plan_detail.html", _plan_context(request, plan, form), status=400)


def _manageable_plan(request, pk):
    """The plan, if this user sees it (else 404) and runs it (else 403)."""
    plan = get_object_or_404(visible_plans(request.user), pk=pk)
    if not actions.may_manage_plan(request.user, plan):
        raise PermissionDenied(_("只有组织该计划的监管部门可以修改计划"))
    return plan


@login_required
def plan_edit(request, pk):
    plan = _manageable_plan(request, pk)
    if plan.is_closed:
        messages.error(request, _("计划已结束，不能修改；如需继续，请先重新启用计划"))
        return redirect(plan)
    form = forms.PlanForm.for_plan(plan, request.POST or None)
    if request.method == "POST" and run_action(request, form, lambda d: actions.do_update_plan(
            request.user, plan, form.changes())):
        messages.success(request, _("抽查计划已修改"))
        return redirect(plan)
    return render(request, "inspections/plan_form.html", {"form": form, "plan": plan},
                  status=400 if form.errors else 200)


def _plan_state_change(request, pk, perform, done_message):
    """Close or reopen: a confirmed POST from the plan page (plain or HTMX); errors come back as messages."""
    plan = get_object_or_404(visible_plans(request.user), pk=pk)
    form = forms.PlanCloseForm(request.POST)
    if run_action(request, form, lambda d: perform(request.user, plan, d["reason"])):
        messages.success(request, done_message)
    else:
        for error in [*form.non_field_errors(), *form.errors.get("reason", [])]:
            messages.error(request, error)
    if request.htmx:
        return HttpResponseClientRedirect(plan.get_absolute_url())
    return redirect(plan)


@login_required
@require_POST
def plan_close(request, pk):
    return _plan_state_change(request, pk, actions.do_close_plan, _("计划已结束，不再接收新的任务和抽样"))


@login_required
@require_POST
def plan_reopen(request, pk):
    return _plan_state_change(request, pk, actions.do_reopen_plan, _("计划已重新启用"))


class TaskChange(NamedTuple):
    form: type | None  # None: the task's own edit form
    perform: Callable
    title: str
    button: str
    done: str
    confirmation: str = ""


TASK_CHANGES = {
    "edit": TaskChange(None, actions.do_update_task, gettext_lazy("修改抽样任务"), gettext_lazy("保存"),
                       gettext_lazy("任务已修改")),
    "withdraw": TaskChange(forms.TaskStopForm, actions.do_withdraw_task, gettext_lazy("撤回抽样任务"),
                           gettext_lazy("确认撤回"), gettext_lazy("任务已撤回"),
                           gettext_lazy("确定撤回该任务？承检机构将收到通知。")),
    "close": TaskChange(forms.TaskStopForm, actions.do_close_task, gettext_lazy("关闭抽样任务"),
                        gettext_lazy("确认关闭"), gettext_lazy("任务已关闭"),
                        gettext_lazy("确定关闭该任务？已抽样的批次照常检验，不再接收新的抽样。")),
}


def _task_or_404(request, pk, task_pk):
    plan = get_object_or_404(visible_plans(request.user), pk=pk)
    task = get_object_or_404(visible_tasks(request.user, plan.tasks.select_related("lab", "plan"))
                             .annotate(sampled=Count("records")), pk=task_pk)
    task.actions = actions.task_actions(request.user, task, task.sampled)
    return plan, task


def _task_row_context(plan, task, **extra):
    planned = plan.tasks.exclude(selection="").exists()
    return {"plan": plan, "t": task, "has_planned_tasks": planned, "task_columns": 9 if planned else 7, **extra}


@login_required
def task_row(request, pk, task_pk):
    plan, task = _task_or_404(request, pk, task_pk)
    return render(request, "inspections/_task_row.html", _task_row_context(plan, task))


@login_required
def task_change(request, pk, task_pk, name):
    """Edit, withdraw or close one task. With HTMX the row turns into its form and back (the answer is always a
    row, so htmx swaps errors too); without it, a page of its own."""
    if name not in TASK_CHANGES:
        raise Http404
    plan, task = _task_or_404(request, pk, task_pk)
    change = TASK_CHANGES[name]
    if not actions.may_manage_task(request.user, task):
        raise PermissionDenied(_("只有组织该计划的监管部门可以修改任务"))
    if name not in task.actions:
        message = _("计划已结束或任务状态为“%(s)s”，当前不能%(a)s") % {"s": task.get_status_display(), "a": change.title}
        if request.htmx:
            return render(request, "inspections/_task_row.html", _task_row_context(plan, task, row_error=message))
        messages.error(request, message)
        return redirect(plan)
    data = request.POST if request.method == "POST" else None
    if change.form is None:
        form = forms.TaskForm.for_task(task, task.sampled, data)
    else:
        form = change.form(data, auto_id=f"id_task{task.pk}_%s")
    quota_before = task.quota
    done = {}

    def act(d):
        done["task"] = change.perform(request.user, task, form.changes() if change.form is None else d["reason"])

    if request.method == "POST" and run_action(request, form, act):
        # Say it where the regulator looks: a changed quota or a withdrawal moves the scheme's probabilities.
        warning = actions.scheme_warning(task) if task.is_planned and (
            name != "edit" or done["task"].quota != quota_before) else ""
        if not request.htmx:
            messages.success(request, change.done)
            if warning:
                messages.warning(request, warning)
            return redirect(plan)
        plan, task = _task_or_404(request, pk, task_pk)
        return render(request, "inspections/_task_row.html", _task_row_context(
            plan, task, notice=change.done, warning=warning))
    context = _task_row_context(plan, task, form=form, name=name, change=change,
                                scheme_warning=actions.scheme_warning(task) if task.is_planned else "")
    if request.htmx:
        return render(request, "inspections/_task_form_row.html", context)
    return render(request, "inspections/task_form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def plan_publish(request, pk):
    plan = get_object_or_404(visible_plans(request.user), pk=pk)
    try:
        count = actions.do_publish_plan_results(request.user, plan)
    except actions.InvalidTransition as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已公布 %(n)s 批次结果") % {"n": count})
    return redirect(plan)


# ---------------------------------------------------------------- sampling records

def _filtered_records(request, base):
    filterset = SamplingRecordFilter(request.GET or None, queryset=base)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    sort = request.GET.get("sort", "-date")
    return filterset, qs.order_by(SORTS.get(sort, "-sampling_date"), "-id"), sort


def record_rows(qs):
    for r in qs.select_related("plan").iterator(chunk_size=2000):
        yield [r.number, r.plan.name, r.product_name, r.product_category, r.specification, r.batch_no,
               r.manufacturer_name, r.manufacturer_uscc, r.sampled_unit_name, r.get_city_display(),
               r.get_stage_display(), r.sampling_date, r.lab_name, r.get_status_display(),
               r.get_conclusion_display(), r.failed_items_text, _("是") if r.published else _("否")]


@login_required
def record_list(request):
    base = visible_records(request.user).select_related("plan")
    filterset, qs, sort = _filtered_records(request, base)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_("抽样检验记录") + ".xlsx", _("抽样检验记录"), record_rows(qs[:100000]),
                             RECORD_COLUMNS)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    from nqi.analytics.aggregation import category_choices  # the dashboards' cached category menu

    context = {"filter": filterset, "page": page, "sort": sort, "query": query.urlencode(),
               "cities": City.choices, "stages": Stage.choices, "statuses": RecordStatus.choices,
               "categories": category_choices(request.user)}
    template = "inspections/_record_table.html" if request.htmx else "inspections/record_list.html"
    return render(request, template, context)


@login_required
def record_new(request, plan_pk):
    plan = get_object_or_404(visible_plans(request.user), pk=plan_pk)
    tasks = visible_tasks(request.user, plan.tasks.select_related("lab"))
    initial = {"city": plan.cities[0] if len(plan.cities) == 1 else "",
               "product_category": plan.product_categories[0] if plan.product_categories else ""}
    form = forms.SamplingForm(request.POST or None, tasks=tasks, initial=initial)
    created = {}

    def perform(data):
        created["record"] = actions.do_record_sampling(request.user, plan, form.to_sample(), task=data["task"])

    if request.method == "POST" and run_action(request, form, perform):
        messages.success(request, _("抽样信息已登记，编号 %(n)s") % {"n": created["record"].number})
        return redirect(created["record"])
    return render(request, "inspections/record_form.html", {"form": form, "plan": plan},
                  status=400 if form.errors else 200)


ACTION_FORMS = {
    "notify": forms.NotifyForm, "receipt": forms.ReceiptForm, "override": forms.OverrideForm,
    "objection": forms.ObjectionForm, "assign_retest": forms.RetestLabForm, "retest_result": forms.RetestResultForm,
    "order_correction": forms.OrderCorrectionForm, "rectify": forms.RectifyForm, "recheck": forms.RecheckForm,
    "publish": forms.PublishForm,
}
ACTION_TITLES = {
    "notify": gettext_lazy("告知企业检验结果"), "receipt": gettext_lazy("登记企业签收日期"),
    "override": gettext_lazy("人工修改结论"), "objection": gettext_lazy("申请复检"),
    "assign_retest": gettext_lazy("指定复检机构"), "retest_result": gettext_lazy("录入复检结论"),
    "order_correction": gettext_lazy("责令限期改正"), "rectify": gettext_lazy("提交整改报告"),
    "recheck": gettext_lazy("复查"), "publish": gettext_lazy("公布结果"),
}


def _perform(name, user, record):
    return {
        "notify": lambda d: actions.do_notify_enterprise(user, record, d["received_on"]),
        "receipt": lambda d: actions.do_confirm_receipt(user, record, d["received_on"]),
        "override": lambda d: actions.do_override_conclusion(user, record, d["conclusion"], d["reason"]),
        "objection": lambda d: actions.do_request_retest(user, record, d["reason"], d["items"]),
        "assign_retest": lambda d: actions.do_assign_retest(user, record, d["lab"]),
        "retest_result": lambda d: actions.do_record_retest(user, record, d["conclusion"], d["note"]),
        "order_correction": lambda d: actions.do_order_correction(user, record, d["due"], d["note"]),
        "rectify": lambda d: actions.do_submit_rectification(user, record.follow_up, d["report"]),
        "recheck": lambda d: actions.do_record_recheck(user, record.follow_up, d["passed"], d["note"], d["next_due"]),
        "publish": lambda d: actions.do_publish_record(user, record),
    }[name]


def _detail_context(request, record, bound=None):
    allowed = actions.allowed_actions(request.user, record)
    allowed.discard("results")
    if bound:
        allowed.add(bound[0])
    action_forms = {name: (bound[1] if bound and bound[0] == name else ACTION_FORMS[name]())
                    for name in sorted(allowed)}
    labels = dict(Action.choices)
    entries = list(timeline(record))
    for e in entries:
        e.action_label = labels.get(e.action, e.action)
    return {
        "record": record, "items": record.items.all(), "objection": getattr(record, "objection", None),
        "follow_up": getattr(record, "follow_up", None), "timeline": entries,
        "action_forms": [(name, ACTION_TITLES[name], form) for name, form in action_forms.items()],
        "may_enter_results": "results" in actions.allowed_actions(request.user, record),
        "assistance_url": actions.assistance_url(record) if (
            request.user.role == Role.ENTERPRISE and record.conclusion == Conclusion.FAIL) else "",
        "open_action": bound[0] if bound else "",
    }


def _record_or_404(request, pk):
    return get_object_or_404(visible_records(request.user).select_related(
        "plan", "lab", "manufacturer", "sampled_unit", "task"), pk=pk)


@login_required
def record_detail(request, pk):
    record = _record_or_404(request, pk)
    return render(request, "inspections/record_detail.html", _detail_context(request, record))


@login_required
@require_POST
def record_action(request, pk, name):
    record = _record_or_404(request, pk)
    if name not in ACTION_FORMS:
        raise Http404
    form = ACTION_FORMS[name](request.POST)
    if run_action(request, form, _perform(name, request.user, record)):
        messages.success(request, _("操作成功"))
        return redirect(record)
    record = _record_or_404(request, pk)
    return render(request, "inspections/record_detail.html", _detail_context(request, record, (name, form)),
                  status=400)


@login_required
def record_results(request, pk):
    record = _record_or_404(request, pk)
    if "results" not in actions.allowed_actions(request.user, record):
        raise PermissionDenied(_("只有承检机构可以录入检验结果"))
    initial = [{"item": i.item, "standard": i.standard, "clause": i.clause, "unit": i.unit, "measured": i.measured,
                "limit": i.limit, "judgement": i.judgement} for i in record.items.all()]
    formset = forms.ItemFormSet(request.POST or None, initial=initial or None, prefix="items")
    error = ""
    if request.method == "POST" and formset.is_valid():
        items = [actions.ItemResult(**f.cleaned_data) for f in formset.forms if f.cleaned_data.get("item")]
        try:
            actions.do_enter_results(request.user, record, items)
        except actions.ValidationError as exc:
            error = "；".join(exc.messages)
        except actions.InvalidTransition as exc:
            error = exc.message
        else:
            messages.success(request, _("检验结果已录入"))
            return redirect(record)
    return render(request, "inspections/results_form.html", {"record": record, "formset": formset, "error": error},
                  status=400 if error or formset.errors and request.method == "POST" else 200)


FOLLOW_UP_COLUMNS = [gettext_lazy("抽样单编号"), gettext_lazy("标称生产企业"), gettext_lazy("产品名称"),
                     gettext_lazy("所在地市"), gettext_lazy("状态"), gettext_lazy("责令改正日期"), gettext_lazy("整改期限"),
                     gettext_lazy("整改报告提交"), gettext_lazy("复查次数"), gettext_lazy("升级处置"),
                     gettext_lazy("需现场检查")]
FOLLOW_UP_SORTS = {"due": "correction_due", "-due": "-correction_due", "ordered": "ordered_at", "-ordered": "-ordered_at"}


def _follow_up_rows(qs):
    for f in qs.iterator(chunk_size=2000):
        yield [f.record.number, f.enterprise_name, f.record.product_name, f.get_city_display(), f.get_status_display(),
               timezone.localtime(f.ordered_at).date() if f.ordered_at else None, f.correction_due,
               timezone.localtime(f.reported_at).date() if f.reported_at else None, f.recheck_count,
               f.get_escalation_display() if f.escalation else "", _("是") if f.onsite_required else ""]


@login_required
def follow_up_list(request):
    """Follow-ups of failures (不合格后处理) in the user's scope, filtered, sorted by deadline, with an Excel export."""
    if not (request.user.is_regulator or request.user.is_platform_admin):
        raise PermissionDenied(_("仅监管人员可以查看不合格后处理台账"))
    base = visible_follow_ups(request.user).select_related("record")
    filterset = FollowUpFilter(request.GET or None, queryset=base)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    sort = request.GET.get("sort", "due")
    # Open cases first (closed ones are history), then by the chosen order.
    qs = (qs.annotate(closed=Case(When(status=FollowUpStatus.CLOSED, then=Value(1)), default=Value(0)))
          .order_by("closed", FOLLOW_UP_SORTS.get(sort, "correction_due"), "id"))
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_("不合格后处理台账") + ".xlsx", _("不合格后处理"), _follow_up_rows(qs), FOLLOW_UP_COLUMNS)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("sort", None)
    return render(request, "inspections/follow_up_list.html", {
        "filter": filterset, "page": page, "sort": sort, "query": query.urlencode(), "today": timezone.localdate(),
        "city_locked": request.user.role == Role.CITY_REGULATOR})


@login_required
def my_results(request):
    """The enterprise's own spot-check results and follow-ups (any user sees what scoping lets them)."""
    records = visible_records(request.user).select_related("plan").order_by("-sampling_date", "-id")
    follow_ups = visible_follow_ups(request.user).select_related("record").exclude(status="closed")
    page = Paginator(records, 25).get_page(request.GET.get("page"))
    return render(request, "inspections/mine.html", {
        "page": page, "follow_ups": follow_ups, "query": "",
        "failed": records.filter(conclusion=Conclusion.FAIL).count(), "total": records.count()})


# ---------------------------------------------------------------- imports

@login_required
def import_new(request):
    if not can_import(request.user):
        raise PermissionDenied(_("只有监管人员可以导入抽查结果"))
    plans = visible_plans(request.user).exclude(status=PlanStatus.CLOSED)  # closed plans take no more results
    form = forms.UploadForm(request.POST or None, request.FILES or None, plans=plans)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = ImportJob.objects.create(file=upload, original_name=upload.name[:200], size=upload.size,
                                       plan=form.cleaned_data["plan"], created_by=request.user,
                                       plan_kind=form.cleaned_data["plan"].kind if form.cleaned_data["plan"]
                                       else form.cleaned_data["plan_kind"],
                                       publish=form.cleaned_data["publish"])
        return redirect("inspections:import_preview", pk=job.pk)
    jobs = visible_imports(request.user)[:20]
    return render(request, "inspections/import_new.html", {"form": form, "jobs": jobs},
                  status=400 if form.errors else 200)


def _start(job):
    """Small files import at once; large ones go to the worker with a progress bar."""
    if job.size <= INLINE_IMPORT_BYTES:
        importer.run_job(job)
        return
    from .tasks import run_import_task

    job.status = ImportStatus.QUEUED
    job.save(update_fields=["status"])
    result = run_import_task.enqueue(job.pk, translation.get_language())
    ImportJob.objects.filter(pk=job.pk).update(task_id=str(result.id))


@login_required
def import_preview(request, pk):
    job = get_object_or_404(visible_imports(request.user), pk=pk)
    if job.status != ImportStatus.UPLOADED:
        return redirect(job)
    header_row = job.header_row
    mapping = job.mapping or None
    if request.method == "POST":
        try:
            header_row = int(request.POST.get("header_row") or 0) or None
        except ValueError:
            header_row = None
    try:
        preview = preview_file(job.file.path, mapping=mapping, header_row=header_row, limit=15)
    except (MappingError, FileFormatError) as exc:
        preview = None
        problem = str(exc)
    else:
        problem = preview["problem"]
    form = forms.MappingForm(request.POST or None, columns=preview["columns"] if preview else (),
                             initial={"header_row": preview["header_row"] if preview else None})
    if request.method == "POST" and preview is not None and form.is_valid():
        job.mapping, job.header_row = form.mapping(), form.cleaned_data["header_row"] or preview["header_row"]
        job.save(update_fields=["mapping", "header_row"])
        try:
            checked = preview_file(job.file.path, mapping=job.mapping, header_row=job.header_row, limit=15)
        except (MappingError, FileFormatError) as exc:
            form.add_error(None, str(exc))
        else:
            if request.POST.get("do") == "import" and not checked["problem"]:
                _start(job)
                return redirect(job)
            if checked["problem"]:
                form.add_error(None, checked["problem"])
            preview, problem = checked, checked["problem"]
            form = forms.MappingForm(columns=preview["columns"], initial={"header_row": preview["header_row"]})
    return render(request, "inspections/import_preview.html",
                  {"job": job, "preview": preview, "problem": problem, "form": form},
                  status=400 if request.method == "POST" and (form.errors or problem) else 200)


@login_required
def import_detail(request, pk, withdraw_form=None):
    job = get_object_or_404(visible_imports(request.user), pk=pk)
    done, total = importer.live_progress(job)
    finished = job.status in (ImportStatus.DONE, ImportStatus.WITHDRAWN)
    context = {"job": job, "done": done, "total": total,
               "percent": job.percent if not total else (100 if finished else min(99, int(done * 100 / total))),
               "summary": job.summary if finished else None}
    if request.htmx:
        return render(request, "inspections/_import_progress.html", context)
    if job.status == ImportStatus.DONE and job.inserted and actions.may_withdraw_import(request.user, job):
        context["withdraw_form"] = withdraw_form or forms.ImportWithdrawForm()
    return render(request, "inspections/import_detail.html", context)


@login_required
@require_POST
def import_withdraw(request, pk):
    """Undo a finished import: its records are deleted (see actions.do_withdraw_import)."""
    job = get_object_or_404(visible_imports(request.user), pk=pk)
    form = forms.ImportWithdrawForm(request.POST)
    deleted = {}

    def perform(data):
        deleted["n"] = actions.do_withdraw_import(request.user, job, data["reason"])

    if run_action(request, form, perform):
        messages.success(request, _("已撤销导入，删除 %(n)s 批次") % {"n": deleted["n"]})
        return redirect("inspections:import_detail", pk=job.pk)
    job.refresh_from_db()
    return import_detail(request, job.pk, withdraw_form=form)


# The example row of the template: an invented batch, written the way bureaus write them.
TEMPLATE_EXAMPLE = {
    "seq": 1, "product_name": "袋装螺蛳粉", "product_category": "方便食品", "specification": "300g/袋",
    "batch": "2026-03-01/20260301A", "trademark": "螺香阁", "manufacturer_name": "柳州某某食品有限公司",
    "manufacturer_address": "广西柳州市柳南区某某路1号", "manufacturer_uscc": "", "sampled_unit": "柳州某某食品有限公司",
    "sampled_unit_uscc": "", "city": "柳州市", "sampling_date": "2026-03-05", "stage": "生产",
    "lab": "（承检机构名称）", "conclusion": "合格", "failed_items": "/", "remarks": "",
}


@login_required
def import_template(request):
    """An empty results sheet with the headers the importer knows (required ones marked *) and one example row."""
    if not can_import(request.user):
        raise PermissionDenied(_("只有监管人员可以导入抽查结果"))
    headers = [field.label + ("*" if field.required else "") for field in FIELDS]
    example = [TEMPLATE_EXAMPLE.get(field.key, "") for field in FIELDS]
    return xlsx_response(_("抽查结果导入模板.xlsx"), _("抽查结果"), [example], headers)


@login_required
def import_errors(request, pk):
    job = get_object_or_404(visible_imports(request.user), pk=pk)
    if job.status not in (ImportStatus.DONE, ImportStatus.WITHDRAWN):
        raise Http404
    summary = job.summary
    errors = [[e["row"], e["column"], e["message"]] for e in summary.get("errors", [])]
    duplicates = [[d["row"], d["message"]] for d in summary.get("duplicate_rows", []) + summary.get(
        "db_duplicate_rows", [])]
    return xlsx_response(_("导入错误报告-%(n)s.xlsx") % {"n": job.pk}, "", None, sheets=[
        (_("被拒绝的行"), [_("行号"), _("列"), _("原因")], errors),
        (_("重复的行"), [_("行号"), _("说明")], sorted(duplicates)),
    ])


# ---------------------------------------------------------------- public results (no login)

def public_index(request):
    plans = [p for p in InspectionPlan.objects.filter(records__published=True).distinct().order_by("-year", "-batch")
             if p.results_publishable]
    return render(request, "inspections/public_index.html", {"plans": plans})


def public_plan(request, pk):
    plan = get_object_or_404(InspectionPlan, pk=pk)
    records = published_records(plan)
    if not records.exists():
        raise Http404
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_("%(n)s-抽查结果.xlsx") % {"n": plan.name}, _("抽查结果"), publication.rows(records),
                             publication.COLUMNS)
    stats = publication.stats(records)
    categories = [c for c in records.values_list("product_category", flat=True).distinct().order_by("product_category")
                  if c]
    # What a reader looks for: the failed batches, one product, one enterprise.
    conclusion = request.GET.get("conclusion", "")
    category = request.GET.get("category", "")
    q = request.GET.get("q", "").strip()[:60]
    shown = records
    if conclusion in (Conclusion.PASS, Conclusion.FAIL):
        shown = shown.filter(conclusion=conclusion)
    if category in categories:
        shown = shown.filter(product_category=category)
    if q:
        shown = shown.filter(Q(manufacturer_name__icontains=q) | Q(product_name__icontains=q) |
                             Q(sampled_unit_name__icontains=q))
    page = Paginator(shown.order_by("product_name", "city", "sampling_date", "id"), 50).get_page(
        request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "inspections/public_plan.html", {
        "plan": plan, "page": page, "stats": stats, "query": query.urlencode(), "categories": categories,
        "conclusion": conclusion, "category": category, "q": q, "filtered": shown is not records,
        "xlsx_url": reverse("inspections:public_plan", args=[plan.pk])})
