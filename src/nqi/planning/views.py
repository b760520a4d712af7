"""Sampling-plan pages: thin views over the scoped querysets (scoping.py) and the do_* actions (actions.py).
Non-regulators and other cities get 404: a plan names the enterprises a bureau is about to sample."""

import csv
import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from nqi.core.audit import timeline
from nqi.core.choices import City
from nqi.core.exceptions import InvalidTransition
from nqi.core.exports import xlsx_response
from nqi.servicedesk.views import run_action

from . import actions, charts, forms
from .choices import Action, SchemeStatus
from .estimates import scheme_estimate
from .history import PLAN_COLUMNS
from .scoping import can_plan, is_region_level, may_manage, planning_city, visible_schemes
from .sources import category_choices, load_history

CELLS_PER_PAGE = 25
EXPORT_COLUMNS = [gettext_lazy("风险排名"), gettext_lazy("企业名称"), gettext_lazy("统一社会信用代码"), gettext_lazy("产品类别"),
                  gettext_lazy("地市"), gettext_lazy("计划批次"), gettext_lazy("双随机批次"), gettext_lazy("风险定向批次"),
                  gettext_lazy("建议批次"), gettext_lazy("入样概率"), gettext_lazy("估计不合格率"), gettext_lazy("区间下限"),
                  gettext_lazy("区间上限"), gettext_lazy("历史抽检批次"), gettext_lazy("历史不合格批次"), gettext_lazy("人工调整"),
                  gettext_lazy("安排理由")]


def _require_planner(user):
    if not can_plan(user):
        raise Http404


def _scheme_or_404(request, pk):
    _require_planner(request.user)
    return get_object_or_404(visible_schemes(request.user), pk=pk)


@login_required
def scheme_list(request):
    _require_planner(request.user)
    form = forms.SchemeListForm(request.GET or None)
    schemes = visible_schemes(request.user).select_related("created_by", "adopted_plan").annotate(
        planned=Sum("cells__batches"), cell_count=Count("cells", filter=Q(cells__batches__gt=0)))
    if form.is_bound and form.is_valid():
        if form.cleaned_data["status"]:
            schemes = schemes.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["year"]:
            schemes = schemes.filter(year=form.cleaned_data["year"])
    page = Paginator(schemes.order_by("-year", "-created_at", "-id"), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "planning/scheme_list.html", {"page": page, "form": form, "query": query.urlencode()},
                  status=400 if form.errors else 200)


@login_required
def scheme_new(request):
    _require_planner(request.user)
    city = planning_city(request.user) or ""
    year = timezone.localdate().year + 1
    scope = City(city).label if city else _("自治区")
    initial = {"name": _("%(y)s年%(scope)s产品质量监督抽查风险抽样方案") % {"y": year, "scope": scope}, "year": year}
    form = forms.GenerateForm(request.POST or None, initial=initial, categories=category_choices(city),
                              region_level=is_region_level(request.user))
    if request.method == "GET":
        _suggest_budget(request.user, city, form)
    created = {}

    def perform(data):
        created["scheme"] = actions.do_generate(request.user, form.to_parameters())

    if request.method == "POST" and run_action(request, form, perform):
        scheme = created["scheme"]
        messages.success(request, _("抽样方案已生成（用时 %(s).1f 秒），请审核后采用") % {"s": scheme.generation_seconds})
        return redirect(scheme)
    return render(request, "planning/scheme_form.html", {"form": form, "city": city},
                  status=400 if form.errors else 200)


SUGGESTED_MAX_CAP = 12  # batches per enterprise-product cell in a year: a luosifen maker under a campaign gets ~9


def _suggest_budget(user, city, form) -> None:
    """Offer last year's size as the budget (the area's supervision batches over the last twelve months, risk
    monitoring left out, from the rollup), and a cap per cell that leaves the targeting room to choose: the
    frame should hold about twice the budget."""
    from nqi.analytics.scoping import visible_rollup
    from nqi.inspections.choices import PlanKind

    today = timezone.localdate()
    since = (today - dt.timedelta(days=365)).replace(day=1)
    recent = (visible_rollup(user).filter(period__gte=since).exclude(plan_kind=PlanKind.RISK_MONITORING)
              .aggregate(n=Sum("batches"))["n"] or 0)
    if not recent:
        return
    history = load_history(city=city, date_from=dt.date(today.year - 2, 1, 1), date_to=today)
    cells = len({(r.enterprise_id, r.product_category) for r in history.rows})
    if not cells:
        return
    default_cap = form.fields["max_per_cell"].initial
    cap = min(SUGGESTED_MAX_CAP, max(default_cap, -(-2 * recent // cells)))
    form.initial["budget"] = min(recent, cap * cells)
    form.fields["budget"].help_text = _("近12个月本辖区监督抽查 %(n)s 批次（不含风险监测），已按此预填") % {
        "n": form.initial["budget"]} if form.initial["budget"] == recent else _(
        "近12个月本辖区监督抽查 %(n)s 批次（不含风险监测），超过抽样框容量，已按容量预填") % {"n": recent}
    if cap != default_cap:
        form.initial["max_per_cell"] = cap
        form.fields["max_per_cell"].help_text = _(
            "抽样框共 %(c)s 个企业-产品单元，按往年抽查量建议每单元上限 %(k)s 批，使定向抽样有选择余地") % {"c": cells, "k": cap}


def _cells_context(request, scheme):
    cells = scheme.cells.select_related("enterprise")
    categories = list(scheme.cells.values_list("product_category", flat=True).distinct().order_by("product_category"))
    cities = list(scheme.cells.exclude(city="").values_list("city", flat=True).distinct().order_by("city"))
    form = forms.CellFilterForm(request.GET or None, categories=categories, cities=cities)
    filtered, sort = form.filter(cells)
    page = Paginator(filtered, CELLS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("part", None)
    return {"scheme": scheme, "cell_form": form, "cells": page, "page": page, "sort": sort,
            "query": query.urlencode(), "may_edit": scheme.is_draft and may_manage(request.user, scheme)}


def _summary_context(scheme):
    totals = actions.scheme_totals(scheme)
    return {"totals": totals, "difference": totals.batches - scheme.budget,
            "gain": totals.expected_failures / scheme.uniform_expected_failures
            if scheme.uniform_expected_failures else None}


@login_required
def scheme_detail(request, pk):
    scheme = _scheme_or_404(request, pk)
    context = _cells_context(request, scheme)
    if request.htmx and request.GET.get("part") == "cells":
        return render(request, "planning/_cells.html", context)
    context.update(_summary_context(scheme))
    entries = list(timeline(scheme))
    labels = dict(Action.choices)
    for e in entries:
        e.action_label = labels.get(e.action, e.action)
    context.update({
        "may_manage": may_manage(request.user, scheme), "timeline": entries[-30:],
        "chart": charts.batches_by_category_chart(scheme), "estimate": scheme_estimate(scheme),
        "discard_form": forms.DiscardForm()})
    return render(request, "planning/scheme_detail.html", context)


def _cell_or_404(request, pk, cell_pk):
    scheme = _scheme_or_404(request, pk)
    return scheme, get_object_or_404(scheme.cells.select_related("enterprise"), pk=cell_pk)


@login_required
def cell_row(request, pk, cell_pk):
    scheme, cell = _cell_or_404(request, pk, cell_pk)
    return render(request, "planning/_cell_row.html", {"scheme": scheme, "cell": cell,
                                                        "may_edit": scheme.is_draft and may_manage(request.user, scheme)})


@login_required
def cell_edit(request, pk, cell_pk):
    """GET: the row as an inline form. POST: save; answers the row and (out of band) the new totals."""
    scheme, cell = _cell_or_404(request, pk, cell_pk)
    if not (scheme.is_draft and may_manage(request.user, scheme)):
        if request.htmx:
            return render(request, "planning/_cell_row.html", {"scheme": scheme, "cell": cell, "may_edit": False,
                                                                "row_error": _("方案不是草案或您无权调整")})
        messages.error(request, _("方案不是草案或您无权调整"))
        return redirect(scheme)
    form = forms.CellEditForm(request.POST or None, initial={"batches": cell.batches})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            cell = actions.do_edit_cell(request.user, cell, form.cleaned_data["batches"])
        except ValidationError as exc:
            error = "；".join(exc.messages)
        except InvalidTransition as exc:
            error = exc.message
        else:
            if not request.htmx:
                messages.success(request, _("已调整"))
                return redirect(scheme)
            scheme.refresh_from_db()
            context = {"scheme": scheme, "cell": cell, "may_edit": True, "oob": True}
            context.update(_summary_context(scheme))
            return render(request, "planning/_cell_saved.html", context)
        if not request.htmx:
            messages.error(request, error)
            return redirect(scheme)
    return render(request, "planning/_cell_edit.html", {"scheme": scheme, "cell": cell, "form": form,
                                                         "error": error})


def _export_rows(scheme):
    for c in scheme.cells.filter(batches__gt=0).order_by("risk_rank", "id"):
        yield [c.risk_rank, c.enterprise_name, c.enterprise_uscc, c.product_category, c.city_label, c.batches,
               c.random_batches, c.targeted_batches, c.proposed_batches, round(c.inclusion_probability, 4),
               round(c.estimated_risk, 4), round(c.risk_low, 4), round(c.risk_high, 4), c.history_sampled,
               c.history_failed, _("是") if c.edited else _("否"), c.reason]


@login_required
def scheme_export(request, pk, fmt):
    scheme = _scheme_or_404(request, pk)
    if fmt == "xlsx":
        summary = [[_("方案名称"), scheme.name], [_("计划年度"), scheme.year], [_("范围"), scheme.scope_label],
                   [_("状态"), scheme.get_status_display()], [_("抽样总批次"), scheme.budget],
                   [_("每单元上限"), scheme.max_per_cell], [_("每类别最低批次"), scheme.min_per_category],
                   [_("双随机抽取比例"), scheme.random_share], [_("随机种子"), str(scheme.seed)],
                   [_("抽样框单元数"), scheme.frame_size],
                   [_("历史数据"), _("%(a)s 至 %(b)s（%(n)s 批）") % {
                       "a": scheme.history_from, "b": scheme.history_to, "n": scheme.history_batches}]]
        return xlsx_response(f"{scheme.name}.xlsx", "", None, sheets=[
            (_("抽样方案"), EXPORT_COLUMNS, _export_rows(scheme)), (_("方案参数"), [_("项目"), _("内容")], summary)])
    if fmt != "csv":
        raise Http404
    # The `nqi plan-sampling` plan format, so the offline command's users read it the same way.
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=PLAN_COLUMNS)
    writer.writeheader()
    for c in scheme.cells.filter(batches__gt=0).order_by("risk_rank", "id"):
        writer.writerow({
            "enterprise_id": c.enterprise_uscc or c.enterprise_name, "product_category": c.product_category,
            "batches": c.batches, "region": c.city_label, "random_batches": c.random_batches,
            "targeted_batches": c.targeted_batches, "estimated_risk": f"{c.estimated_risk:.4f}",
            "risk_low": f"{c.risk_low:.4f}", "risk_high": f"{c.risk_high:.4f}", "history_sampled": c.history_sampled,
            "history_failed": c.history_failed, "reason": c.reason + ("（人工调整）" if c.edited else "")})
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(scheme.name)}.csv"
    return response


@login_required
def scheme_adopt(request, pk):
    scheme = _scheme_or_404(request, pk)
    if not may_manage(request.user, scheme):
        raise Http404
    if scheme.status != SchemeStatus.DRAFT:
        messages.error(request, _("方案状态为“%(s)s”，不能采用") % {"s": scheme.get_status_display()})
        return redirect(scheme)
    form = forms.AdoptForm(request.POST or None, initial=forms.default_adoption(scheme),
                           region_level=not scheme.owner_city)
    created = {}

    def perform(data):
        created["plan"] = actions.do_adopt(request.user, scheme, form.to_adoption())

    if request.method == "POST" and run_action(request, form, perform):
        messages.success(request, _("已采用抽样方案，生成抽查计划及 %(n)s 个抽样任务") % {"n": created["plan"].tasks.count()})
        return redirect(created["plan"])
    context = {"scheme": scheme, "form": form}
    context.update(_summary_context(scheme))
    return render(request, "planning/scheme_adopt.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def scheme_discard(request, pk):
    scheme = _scheme_or_404(request, pk)
    form = forms.DiscardForm(request.POST)
    if run_action(request, form, lambda d: actions.do_discard(request.user, scheme, d["reason"])):
        messages.success(request, _("方案已作废"))
    else:
        messages.error(request, "；".join(str(e) for e in form.non_field_errors()) or _("无法作废"))
    return redirect(scheme)
