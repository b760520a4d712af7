"""The search page (results grouped by kind, or one kind paged) and the navbar's HTMX drop-down."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.http import urlencode

from .choices import KIND_ORDER
from .service import kind_hits, run_search
from .text import MAX_QUERY_CHARS

EXAMPLES = ["螺蛳粉 胀袋", "预包装食品 标签", "GB 2760", "电子秤 检定", "CMA 微生物", "电梯 定期检验"]


def _query(request):
    return request.GET.get("q", "").strip()[:MAX_QUERY_CHARS]


@login_required
def search_page(request):
    q = _query(request)
    kind = request.GET.get("type", "")
    kind = kind if kind in KIND_ORDER else ""
    context = {"q": q, "kind": kind, "examples": EXAMPLES, "results": None, "page": None}
    if q:
        results = run_search(request.user, q, kind=kind or None)
        context["results"] = results
        if kind:
            context["page"] = Paginator(kind_hits(request.user, results, kind), 20).get_page(
                request.GET.get("page"))
            context["kind_label"] = next(g.label for g in results.groups if g.kind == kind)
            context["query"] = urlencode({"q": q, "type": kind})
    return render(request, "search/search.html", context)


@login_required
def suggest(request):
    q = _query(request)
    if not q:
        return HttpResponse("")
    results = run_search(request.user, q, per_kind=3)
    return render(request, "search/_suggest.html", {"q": q, "results": results})
