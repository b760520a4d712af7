"""Browsing the catalog: providers with their accreditations and items, service items, experts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from nqi.core.choices import City
from nqi.core.models import ServiceLine

from . import actions, scoping
from .forms import AccreditationForm, ServiceItemForm
from .models import Accreditation, ServiceItem


def _page(request, qs, per_page=20):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


@login_required
def provider_list(request):
    qs = scoping.visible_providers(request.user).annotate(item_count=Count("service_items")).prefetch_related(
        "service_lines")
    q, line, city = request.GET.get("q", "").strip(), request.GET.get("line", ""), request.GET.get("city", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(accreditations__scope__icontains=q)
                       ).distinct()
    if line:
        qs = qs.filter(service_lines=line)
    if city:
        qs = qs.filter(city=city)
    return render(request, "catalog/provider_list.html", {
        "page": _page(request, qs.order_by("name")), "q": q, "line": line, "city": city,
        "lines": ServiceLine.objects.all(), "cities": City.choices})


@login_required
def provider_detail(request, pk):
    provider = get_object_or_404(scoping.visible_providers(request.user), pk=pk)
    items = scoping.visible_items(request.user).filter(provider=provider)
    return render(request, "catalog/provider_detail.html", {
        "provider": provider, "items": items, "accreditations": provider.accreditations.all(),
        "experts": scoping.visible_experts(request.user).filter(organisation=provider)})


@login_required
def item_list(request):
    qs = scoping.visible_items(request.user)
    q, line = request.GET.get("q", "").strip(), request.GET.get("line", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q) | Q(provider__name__icontains=q))
    if line:
        qs = qs.filter(line_id=line)
    sort = request.GET.get("sort", "line")
    qs = qs.order_by({"fee": "fee_min", "turnaround": "turnaround_days", "name": "name"}.get(sort, "line"), "id")
    return render(request, "catalog/item_list.html", {"page": _page(request, qs, 25), "q": q, "line": line,
                                                      "sort": sort, "lines": ServiceLine.objects.all()})


@login_required
def expert_list(request):
    qs = scoping.visible_experts(request.user)
    q, line = request.GET.get("q", "").strip(), request.GET.get("line", "")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(fields__icontains=q) | Q(affiliation__icontains=q))
    if line:
        qs = qs.filter(lines=line)
    return render(request, "catalog/expert_list.html", {"page": _page(request, qs.order_by("name", "id"), 24),
                                                        "q": q, "line": line, "lines": ServiceLine.objects.all()})


def _own_provider(user):
    if user.role != "provider" or not user.organisation_id:
        raise PermissionDenied(_("只有服务机构人员可以维护本机构的服务目录"))
    return user.organisation


def _edit_entry(request, form_class, model, pk, title):
    provider = _own_provider(request.user)
    instance = get_object_or_404(model, pk=pk, provider=provider) if pk else None
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_save_catalog_entry(request.user, provider, form)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存"))
            return redirect("catalog:provider_detail", provider.pk)
    return render(request, "catalog/entry_form.html", {"form": form, "title": title, "provider": provider})


@login_required
def item_edit(request, pk=None):
    return _edit_entry(request, ServiceItemForm, ServiceItem, pk, _("服务项目"))


@login_required
def accreditation_edit(request, pk=None):
    return _edit_entry(request, AccreditationForm, Accreditation, pk, _("资质"))
