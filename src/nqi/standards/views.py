"""Standards catalog pages: a searchable, filterable list with Excel export, and a detail page."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nqi.core.exports import xlsx_response
from nqi.core.models import ServiceLine
from nqi.servicedesk.models import SolvedCase
from nqi.servicedesk.scoping import visible_requests

from . import editions
from .choices import StandardKind, StandardStatus
from .filters import StandardFilter
from .scoping import visible_standards

SORTS = {
    "number": ("number",), "-number": ("-number",),
    "title": ("title", "number"), "-title": ("-title", "number"),
    "effective": ("effective", "number"), "-effective": ("-effective", "number"),
    "status": ("status", "number"), "kind": ("kind", "number"),
}
DEFAULT_SORT = "kind"

EXPORT_COLUMNS = [gettext_lazy("标准号"), gettext_lazy("标准名称"), gettext_lazy("英文名称"), gettext_lazy("类别"),
                  gettext_lazy("状态"), gettext_lazy("发布日期"), gettext_lazy("实施日期"), gettext_lazy("被代替为"),
                  gettext_lazy("服务类别"), gettext_lazy("适用产品"), gettext_lazy("检验项目"), gettext_lazy("关键词")]


def product_choices(qs):
    """Every product category named by some standard, for the filter's drop-down."""
    products = set()
    for value in qs.values_list("product_categories", flat=True):
        products.update(p for p in value.split(";") if p)
    return sorted(products)


def export_rows(qs):
    for s in qs:
        yield [s.number, s.title, s.title_en, s.get_kind_display(), s.get_status_display(), s.issued,
               s.effective.isoformat() if s.effective else "", s.replaced_by.number if s.replaced_by else "",
               "、".join(str(line) for line in s.service_lines.all()), "、".join(s.product_list),
               "、".join(s.test_item_list), "、".join(s.keyword_list)]


@login_required
def standard_list(request):
    base = visible_standards(request.user)
    filterset = StandardFilter(request.GET or None, queryset=base)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    sort = request.GET.get("sort", DEFAULT_SORT)
    qs = qs.select_related("replaced_by").order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_("标准目录") + ".xlsx", _("标准目录"), export_rows(qs.prefetch_related("service_lines")),
                             EXPORT_COLUMNS)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sortless = query.copy()
    sortless.pop("sort", None)
    filters_used = any(request.GET.get(k) for k in ("q", "kind", "status", "line", "product", "test_item"))
    context = {
        "filter": filterset, "page": page, "sort": sort, "query": query.urlencode(),
        "sortless_query": sortless.urlencode(), "filters_used": filters_used,
        "kinds": StandardKind.choices, "statuses": StandardStatus.choices, "lines": ServiceLine.objects.all(),
        "products": product_choices(base), "values": {k: request.GET.get(k, "") for k in
                                                      ("q", "kind", "status", "line", "product", "test_item")},
        "total": base.count(),
    }
    template = "standards/_standard_table.html" if request.htmx else "standards/standard_list.html"
    return render(request, template, context)


@login_required
def standard_detail(request, pk):
    standard = get_object_or_404(visible_standards(request.user).select_related("replaced_by"), pk=pk)
    requests = visible_requests(request.user).filter(
        editions.mention_filter(standard.number, editions.REQUEST_TEXT_FIELDS)).select_related("enterprise")
    cases = SolvedCase.objects.filter(editions.mention_filter(standard.number, editions.CASE_TEXT_FIELDS))
    return render(request, "standards/standard_detail.html", {
        "standard": standard, "editions": editions.edition_info(standard),
        "lines": standard.service_lines.all(),
        "mentioning_requests": requests.order_by("-submitted_at")[:20], "mentioning_request_count": requests.count(),
        "mentioning_cases": cases.select_related("line")[:20], "mentioning_case_count": cases.count(),
    })
