"""GET /api/v1/search/?q=...&type=...: the same search and permission rules as the search page."""

from django.core.paginator import Paginator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from nqi.search.choices import KIND_ORDER
from nqi.search.service import kind_hits, run_search
from nqi.search.text import MAX_QUERY_CHARS

from .serializers import SearchHitSerializer, SearchResultsSerializer


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=MAX_QUERY_CHARS * 5)
    type = serializers.ChoiceField(choices=KIND_ORDER, required=False, allow_blank=True, default="")
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100, default=20)


class SearchAPIView(APIView):
    """Without `type`: counts per kind and the top 5 of each. With `type`: that kind, paged."""

    @extend_schema(parameters=[
        OpenApiParameter("q", OpenApiTypes.STR, description="关键词（中文自动分词）"),
        OpenApiParameter("type", OpenApiTypes.STR, enum=KIND_ORDER, description="只查某一类并分页"),
        OpenApiParameter("page", OpenApiTypes.INT), OpenApiParameter("page_size", OpenApiTypes.INT),
    ], responses=SearchResultsSerializer)
    def get(self, request):
        params = SearchQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        q, kind = params.validated_data["q"].strip()[:MAX_QUERY_CHARS], params.validated_data["type"]
        results = run_search(request.user, q, kind=kind or None)
        data = SearchResultsSerializer(results).data
        if kind and results.terms:
            paginator = Paginator(kind_hits(request.user, results, kind), params.validated_data["page_size"])
            page = paginator.get_page(params.validated_data["page"])
            data["page"] = {"number": page.number, "num_pages": paginator.num_pages, "count": paginator.count,
                            "results": SearchHitSerializer(page.object_list, many=True).data}
        return Response(data)
