"""Routing API: the suggestion contract for a text, and the testing-capability lookup."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from nqi.core.authentication import TokenAuthentication
from nqi.routing import capability, service

from .serializers import CapabilityInputSerializer, SuggestInputSerializer

# Token first, so an anonymous caller gets 401 with a WWW-Authenticate header rather than a bare 403.
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class SuggestView(APIView):
    authentication_classes = AUTHENTICATION
    parser_classes = [JSONParser, FormParser]

    @extend_schema(request=SuggestInputSerializer, responses={200: OpenApiTypes.OBJECT},
                   description="服务类别（7个，按概率排序）、机构、服务项目、专家、相似案例与相关标准，均附理由（匹配词）。")
    def post(self, request):
        serializer = SuggestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        city = data.get("city") or None
        if city is None and request.user.organisation_id:
            city = request.user.organisation.city
        return Response(service.suggest(data["text"], city=city, top_k=data["top_k"]))


class CapabilityView(APIView):
    authentication_classes = AUTHENTICATION

    @extend_schema(parameters=[OpenApiParameter("item", str), OpenApiParameter("product", str),
                               OpenApiParameter("standard", str), OpenApiParameter("limit", int)],
                   responses={200: OpenApiTypes.OBJECT}, description="哪家获资质认定/认可的机构能按哪项标准检测哪种产品的哪个项目。")
    def get(self, request):
        serializer = CapabilityInputSerializer(data=request.query_params)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = capability.lookup(data["item"], data["product"], data["standard"], limit=data["limit"])
        for row in result["results"]:
            for entry in row["accreditations"] + row["service_items"]:
                entry.pop("segments", None)  # the template's rendering aid; API clients get the offsets
        return Response(result)
