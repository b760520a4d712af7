"""Routing pages: suggestions while an enterprise types, the one-click dispatch, the capability lookup."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from nqi.core.exceptions import InvalidTransition
from nqi.core.exports import xlsx_response
from nqi.servicedesk.scoping import visible_requests

from . import actions, capability, forms, service
from .training import request_text

MIN_SUGGEST_CHARS = 4


@login_required
@require_http_methods(["GET", "POST"])
def suggest_partial(request):
    """The suggestion column of the request form, refreshed by HTMX a moment after the user stops typing."""
    form = forms.SuggestForm(request.POST if request.method == "POST" else request.GET)
    text = ""
    if form.is_valid():
        data = form.cleaned_data
        text = data["text"] or request_text(data["title"], data["description"], data["product"])
    result = None
    if len(text.strip()) >= MIN_SUGGEST_CHARS:
        city = request.user.organisation.city if request.user.organisation_id else None
        result = service.suggest(text, city=city, top_k=3)
    return render(request, "routing/_suggestions.html", {"result": result,
                                                         "top_lines": result["service_types"][:3] if result else []})


@login_required
@require_POST
def dispatch_suggested(request, pk):
    """Dispatch exactly as the service desk form would, and record what was suggested against what was chosen."""
    req = get_object_or_404(visible_requests(request.user), pk=pk)
    form = forms.OneClickDispatchForm(request.POST)
    if not form.is_valid():
        errors = "；".join(str(e) for errors in form.errors.values() for e in errors)
        messages.error(request, _("一键分派未完成：%(e)s") % {"e": errors})
        return redirect(req)
    data = form.cleaned_data
    try:
        actions.do_dispatch_from_suggestion(request.user, req, line=data["line"], provider=data["provider"],
                                            service_item=data["service_item"], expert=data["expert"],
                                            note=data["note"], suggestion=data["suggestion"])
    except ValidationError as exc:
        messages.error(request, _("一键分派未完成：%(e)s") % {"e": "；".join(exc.messages)})
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("无权执行此操作"))
    else:
        messages.success(request, _("已按建议分派"))
    return redirect(req)


CAPABILITY_COLUMNS = [gettext_lazy("机构"), gettext_lazy("地市"), gettext_lazy("完全匹配"), gettext_lazy("有效CMA/CNAS"),
                      gettext_lazy("依据标准"), gettext_lazy("资质"), gettext_lazy("认可/资质范围"), gettext_lazy("相关服务项目")]


@login_required
def capability_page(request):
    form = forms.CapabilityForm(request.GET or None)
    result = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        result = capability.lookup(data["item"], data["product"], data["standard"], limit=50)
        if request.GET.get("format") == "xlsx":
            rows = [[row["provider"]["name"], row["provider"]["city_label"], _("是") if row["full_match"] else _("否"),
                     _("是") if row["accredited"] else _("否"), "、".join(row["standards"]),
                     "；".join(f"{a['kind']} {a['number']}" for a in row["accreditations"]),
                     "\n".join(a["scope"] for a in row["accreditations"]),
                     "、".join(i["name"] for i in row["service_items"])] for row in result["results"]]
            return xlsx_response(_("检测能力查询") + ".xlsx", _("检测能力查询"), rows, CAPABILITY_COLUMNS)
    return render(request, "routing/capability.html", {"form": form, "result": result,
                                                       "query": request.GET.urlencode()})
