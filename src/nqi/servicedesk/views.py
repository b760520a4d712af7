"""Service desk pages: thin views over the scoped querysets and the do_* actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from nqi.accounts.choices import Role
from nqi.core.audit import timeline
from nqi.core.choices import ServiceLine as ServiceLineCode
from nqi.core.exceptions import InvalidTransition
from nqi.core.exports import xlsx_response
from nqi.routing.service import dispatch_suggestion

from . import actions, forms, overview
from .choices import Action, RequestStatus
from .filters import ServiceRequestFilter
from .models import Attachment, SolvedCase
from .scoping import visible_requests

SORTS = {
    "submitted": "submitted_at", "-submitted": "-submitted_at",
    "due": "resolve_due_at", "-due": "-resolve_due_at",
    "rating": "rating", "-rating": "-rating", "number": "number", "-number": "-number",
}


def _apply_errors(form, exc: ValidationError):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def run_action(request, form, perform):
    """Validate the form and call the action; on failure keep the form with field-level errors."""
    if not form.is_valid():
        return False
    try:
        perform(form.cleaned_data)
    except ValidationError as exc:
        _apply_errors(form, exc)
        return False
    except InvalidTransition as exc:
        form.add_error(None, exc.message)
        return False
    except PermissionDenied as exc:
        form.add_error(None, str(exc) or _("无权执行此操作"))
        return False
    return True


@login_required
def request_list(request):
    base = visible_requests(request.user).select_related("enterprise", "provider", "line")
    filterset = ServiceRequestFilter(request.GET or None, queryset=base)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    sort = request.GET.get("sort", "-submitted")
    qs = qs.order_by(SORTS.get(sort, "-submitted_at"), "-id")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_("服务需求") + ".xlsx", _("服务需求"), overview.request_rows(qs[:50000]),
                             overview.REQUEST_COLUMNS)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": filterset, "page": page, "sort": sort, "query": query.urlencode(),
               "lines": ServiceLineCode.choices}
    template = "servicedesk/_request_table.html" if request.htmx else "servicedesk/request_list.html"
    return render(request, template, context)


@login_required
def request_new(request):
    if request.user.role != Role.ENTERPRISE:
        raise PermissionDenied(_("只有企业用户可以提交服务需求"))
    # Other pages prefill the form through GET parameters (e.g. a failed spot check asking for assistance).
    prefill = {k: request.GET[k][:5000] for k in ("kind", "title", "description", "product", "line")
               if request.GET.get(k)}
    form = forms.SubmitRequestForm(request.POST or None, request.FILES or None, initial=prefill)
    if request.method == "POST":
        created = {}

        def perform(data):
            req = actions.do_submit_request(request.user, actions.NewRequest(
                kind=data["kind"], title=data["title"], description=data["description"], product=data["product"],
                line_id=data["line"].pk if data["line"] else None,
                service_item_id=data["service_item"].pk if data["service_item"] else None, urgency=data["urgency"]))
            if data.get("attachment"):
                actions.do_attach_file(request.user, req, data["attachment"])
            created["req"] = req

        if run_action(request, form, perform):
            messages.success(request, _("需求已提交，编号 %(n)s，平台将尽快分派") % {"n": created["req"].number})
            return redirect(created["req"])
    return render(request, "servicedesk/request_form.html", {"form": form})


ACTION_ORDER = ["dispatch", "accept", "decline", "progress", "resolve", "close", "reopen", "joint", "publish_case",
                "cancel", "attach"]
ACTION_FORMS = {
    "dispatch": forms.DispatchForm, "accept": forms.NoteForm, "decline": forms.ReasonForm,
    "progress": forms.ProgressForm, "resolve": forms.ResolveForm, "close": forms.CloseForm,
    "reopen": forms.ReasonForm, "cancel": forms.NoteForm, "joint": forms.JointForm,
    "publish_case": forms.PublishCaseForm, "attach": forms.AttachmentForm,
}


def _perform(name, user, req):
    return {
        "dispatch": lambda d: actions.do_dispatch_request(user, req, d["provider"], d["expert"], d["line"],
                                                          d["service_item"], d["note"]),
        "accept": lambda d: actions.do_accept_request(user, req, d["note"]),
        "decline": lambda d: actions.do_decline_request(user, req, d["reason"]),
        "progress": lambda d: actions.do_add_progress(user, req, d["text"], d["percent"]),
        "resolve": lambda d: actions.do_resolve_request(user, req, d["solution"]),
        "close": lambda d: actions.do_close_request(user, req, d["rating"], d["comment"]),
        "reopen": lambda d: actions.do_reopen_request(user, req, d["reason"]),
        "cancel": lambda d: actions.do_cancel_request(user, req, d["note"]),
        "joint": lambda d: actions.do_start_joint_tackling(user, req, list(d["providers"]), list(d["experts"]),
                                                           d["note"]),
        "publish_case": lambda d: actions.do_publish_case(user, req, **d),
        "attach": lambda d: actions.do_attach_file(user, req, d["file"]),
    }[name]


def _labelled(entries):
    actions_labels, states = dict(Action.choices), dict(RequestStatus.choices)
    entries = list(entries)
    for e in entries:
        e.action_label = actions_labels.get(e.action, e.action)
        e.from_label, e.to_label = states.get(e.from_state, e.from_state), states.get(e.to_state, e.to_state)
    return entries


def _detail_context(request, req, bound=None):
    allowed = actions.allowed_actions(request.user, req)
    if bound:
        allowed.add(bound[0])  # keep a refused form on the page, with its error
    # Routing suggestion for whoever may dispatch; the dispatch form is prefilled with it where still empty.
    routing = dispatch_suggestion(req) if "dispatch" in allowed else None
    proposed = routing["proposal"]["objects"] if routing else {}
    action_forms = {}
    for name in sorted(allowed, key=ACTION_ORDER.index):
        if bound and bound[0] == name:
            action_forms[name] = bound[1]
        elif name == "dispatch":
            action_forms[name] = forms.DispatchForm(initial={
                "line": req.line_id or getattr(proposed.get("line"), "pk", None),
                "provider": req.provider_id or getattr(proposed.get("provider"), "pk", None),
                "service_item": req.service_item_id or (
                    None if req.provider_id else getattr(proposed.get("service_item"), "pk", None)),
                "expert": req.expert_id or (None if req.provider_id else getattr(proposed.get("expert"), "pk", None))})
        elif name == "publish_case":
            action_forms[name] = forms.PublishCaseForm(initial={
                "title": req.title, "industry": req.enterprise.industry, "problem": req.description,
                "solution": req.solution})
        else:
            action_forms[name] = ACTION_FORMS[name]()
    return {
        "req": req, "timeline": _labelled(timeline(req)), "notes": req.notes.select_related("author"),
        "attachments": req.attachments.all(), "participants": req.participants.select_related("provider", "expert"),
        "action_forms": action_forms, "open_action": bound[0] if bound else "", "routing": routing,
    }


@login_required
def request_detail(request, pk):
    req = get_object_or_404(visible_requests(request.user).select_related(
        "enterprise", "provider", "expert", "line", "service_item", "created_by"), pk=pk)
    return render(request, "servicedesk/request_detail.html", _detail_context(request, req))


@login_required
@require_POST
def request_action(request, pk, name):
    req = get_object_or_404(visible_requests(request.user).select_related("enterprise", "provider", "line"), pk=pk)
    if name not in ACTION_FORMS:
        raise Http404
    form = ACTION_FORMS[name](request.POST, request.FILES)
    if run_action(request, form, _perform(name, request.user, req)):
        messages.success(request, _("操作成功"))
        return redirect(reverse("servicedesk:request_detail", args=[req.pk]))
    req.refresh_from_db()
    context = _detail_context(request, req, bound=(name, form))
    return render(request, "servicedesk/request_detail.html", context, status=400)


@login_required
def attachment_download(request, pk, attachment_id):
    req = get_object_or_404(visible_requests(request.user), pk=pk)
    attachment = get_object_or_404(Attachment, pk=attachment_id, request=req)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("附件文件不存在"))
    return FileResponse(handle, as_attachment=True, filename=attachment.original_name,
                        content_type=attachment.content_type)


@login_required
def case_list(request):
    qs = SolvedCase.objects.select_related("line")
    q = request.GET.get("q", "").strip()
    line = request.GET.get("line", "")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(problem__icontains=q) | Q(solution__icontains=q) |
                       Q(result__icontains=q) | Q(tags__icontains=q) | Q(industry__icontains=q))
    if line:
        qs = qs.filter(line_id=line)
    page = Paginator(qs, 12).get_page(request.GET.get("page"))
    from nqi.core.models import ServiceLine

    return render(request, "servicedesk/case_list.html", {"page": page, "q": q, "line": line,
                                                          "lines": ServiceLine.objects.all()})


@login_required
def case_detail(request, pk):
    case = get_object_or_404(SolvedCase.objects.select_related("line", "request"), pk=pk)
    return render(request, "servicedesk/case_detail.html", {"case": case})


@login_required
def overview_page(request):
    if not (request.user.is_regulator or request.user.is_platform_admin):
        raise PermissionDenied(_("统计总览仅对监管人员开放"))
    scope = visible_requests(request.user)
    months = request.GET.get("months", "")
    data = overview.build(scope, months=min(int(months), 120) if months.isdigit() and int(months) > 0 else 24)
    if request.GET.get("format") == "xlsx":
        return overview.xlsx(data)
    return render(request, "servicedesk/overview.html", {"data": data, "statuses": RequestStatus})
