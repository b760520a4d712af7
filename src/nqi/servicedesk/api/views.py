"""Service desk API: requests (read, submit, and one POST per workflow action) and the case library."""

from functools import partial

from django.core.paginator import Paginator
from django.db import connection
from django.db.models.expressions import RawSQL
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from nqi.core.api import StandardPagination
from nqi.core.audit import timeline
from nqi.servicedesk import actions, rollups
from nqi.servicedesk.filters import ServiceRequestFilter
from nqi.servicedesk.models import SolvedCase
from nqi.servicedesk.scoping import visible_requests

from . import serializers as s


class RequestCountPaginator(Paginator):
    """Takes the count of a region's, a city's or a provider's unfiltered list from the rollups.

    COUNT(*) over a million requests costs more than the page itself; the rollups hold the same number, exact and
    updated in the same transaction as every request. Filtered or otherwise scoped lists are counted as usual.
    """

    def __init__(self, *args, provider_id=None, default_order=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.provider_id = provider_id
        self.default_order = default_order

    def page(self, number):
        """One page of list rows, read as values (no model instances; the list serializer takes dicts). A
        provider's unfiltered list in the default order merges its own requests (read in order from the
        (provider, -submitted_at) index) with the few joint-tackling ones in one statement, instead of the OR
        query that made PostgreSQL walk every request backwards by date."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if self.provider_id and self.default_order:
            page_ids = RawSQL(*provider_page_sql(self.provider_id, bottom, top))
            rows = self.object_list.filter(pk__in=page_ids).order_by("-submitted_at", "-id").values(*LIST_VALUES)
        else:
            rows = self.object_list.values(*LIST_VALUES)[bottom:top]
        return self._get_page(list(rows), number, self)

    @cached_property
    def count(self):
        """From the rollups when they stand for the list (one round trip), else counted."""
        if self.provider_id:
            return rollups.provider_list_count(self.provider_id)
        cities = rollups.scope_cities(self.object_list)
        counted = rollups.list_count(cities) if cities is not None else None
        return counted if counted is not None else super().count


def _tables():
    from nqi.servicedesk.models import RequestParticipant, ServiceRequest

    quote = connection.ops.quote_name
    return quote(ServiceRequest._meta.db_table), quote(RequestParticipant._meta.db_table)


def provider_page_sql(provider_id, bottom, top):
    """SQL and parameters selecting the ids of rows bottom..top of a provider's requests, newest first: the
    first `top` of its own (from the index) merged with its joint-tackling ones."""
    requests, participants = _tables()
    sql = (f"SELECT id FROM ("
           f"SELECT * FROM (SELECT submitted_at, id FROM {requests} WHERE provider_id = %s "
           f"ORDER BY submitted_at DESC, id DESC LIMIT %s) own "
           f"UNION ALL "
           f"SELECT r.submitted_at, r.id FROM {requests} r WHERE r.id IN "
           f"(SELECT request_id FROM {participants} WHERE provider_id = %s) "
           f"AND (r.provider_id IS NULL OR r.provider_id <> %s)"
           f") merged ORDER BY submitted_at DESC, id DESC LIMIT %s OFFSET %s")
    return sql, [provider_id, top, provider_id, provider_id, max(top - bottom, 0), bottom]


# What a list row reads (ServiceRequestListSerializer): not the description nor the organisations' other columns.
LIST_VALUES = s.LIST_VALUES

UNFILTERED_PARAMS = {"page", "page_size", "ordering", "format"}


class ServiceRequestPagination(StandardPagination):
    django_paginator_class = RequestCountPaginator

    def paginate_queryset(self, queryset, request, view=None):
        user = request.user
        unfiltered = set(request.query_params) <= UNFILTERED_PARAMS
        provider_id = user.organisation_id if unfiltered and user.role == "provider" else None
        self.django_paginator_class = partial(RequestCountPaginator, provider_id=provider_id,
                                              default_order="ordering" not in request.query_params)
        return super().paginate_queryset(queryset, request, view)


class ServiceRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                            viewsets.GenericViewSet):
    filterset_class = ServiceRequestFilter
    search_fields = ["number", "title", "description", "product", "enterprise__name"]
    ordering_fields = ["submitted_at", "accept_due_at", "resolve_due_at", "rating", "number"]
    ordering = ["-submitted_at", "-id"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    pagination_class = ServiceRequestPagination

    def get_queryset(self):
        qs = visible_requests(self.request.user).select_related("enterprise", "provider")
        if self.action == "retrieve":
            qs = qs.prefetch_related("notes__author", "attachments", "participants__provider",
                                     "participants__expert")
        return qs

    def get_serializer_class(self):
        if self.action == "list":
            return s.ServiceRequestListSerializer
        if self.action == "create":
            return s.SubmitRequestSerializer
        return s.ServiceRequestDetailSerializer

    def _respond(self, req, code=status.HTTP_200_OK):
        req = self.get_queryset().get(pk=req.pk)
        return Response(s.ServiceRequestDetailSerializer(req, context={"request": self.request}).data, status=code)

    def _input(self, serializer_class):
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    @extend_schema(request=s.SubmitRequestSerializer, responses={201: s.ServiceRequestDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = self._input(s.SubmitRequestSerializer)
        req = actions.do_submit_request(request.user, actions.NewRequest(
            kind=data["kind"], title=data["title"], description=data["description"], product=data["product"],
            line_id=data["line"].pk if data.get("line") else None,
            service_item_id=data["service_item"].pk if data.get("service_item") else None,
            urgency=data["urgency"]))
        return self._respond(req, status.HTTP_201_CREATED)

    @extend_schema(request=s.DispatchSerializer, responses=s.ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_request(self, request, pk=None):
        data = self._input(s.DispatchSerializer)
        req = actions.do_dispatch_request(request.user, self.get_object(), data["provider"], data.get("expert"),
                                          data.get("line"), data.get("service_item"), data["note"])
        return self._respond(req)

    @extend_schema(request=s.NoteSerializer, responses=s.ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._respond(actions.do_accept_request(request.user, self.get_object(),
                                                       self._input(s.NoteSerializer)["note"]))

    @extend_schema(request=s.ReasonSerializer, responses=s.ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        req = actions.do_decline_request(request.user, self.get_object(), self._input(s.ReasonSerializer)["reason"])
        return Response(s.ServiceRequestListSerializer(req).data)

    @extend_schema(request=s.ProgressSerializer, responses=s.ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        data = self._input(s.ProgressSerializer)
        req = self.get_object()
        actions.do_add_progress(request.user, req, data["text"], data.get("percent"))
        return self._respond(req)

    @extend_schema(request=s.ResolveSerializer, responses=s.ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._respond(actions.do_resolve_request(request.user, self.get_object(),
                                                        self._input(s.ResolveSerializer)["solution"]))

    @extend_schema(request=s.CloseSerializer, responses=s.ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        data = self._input(s.CloseSerializer)
        return self._respond(actions.do_close_request(request.user, self.get_object(), data["rating"],
                                                      data["comment"]))

    @extend_schema(request=s.ReasonSerializer, responses=s.ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._respond(actions.do_reopen_request(request.user, self.get_object(),
                                                       self._input(s.ReasonSerializer)["reason"]))

    @extend_schema(request=s.NoteSerializer, responses=s.ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._respond(actions.do_cancel_request(request.user, self.get_object(),
                                                       self._input(s.NoteSerializer)["note"]))

    @extend_schema(request=s.JointSerializer, responses=s.ServiceRequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def joint(self, request, pk=None):
        data = self._input(s.JointSerializer)
        return self._respond(actions.do_start_joint_tackling(request.user, self.get_object(), data["providers"],
                                                             data["experts"], data["note"]))

    @extend_schema(request=s.PublishCaseSerializer, responses={201: s.SolvedCaseSerializer})
    @action(detail=True, methods=["post"], url_path="publish-case")
    def publish_case(self, request, pk=None):
        case = actions.do_publish_case(request.user, self.get_object(), **self._input(s.PublishCaseSerializer))
        return Response(s.SolvedCaseSerializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": s.AttachmentUploadSerializer}, responses={201: s.AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, pk=None):
        data = self._input(s.AttachmentUploadSerializer)
        attachment = actions.do_attach_file(request.user, self.get_object(), data["file"])
        return Response(s.AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=s.TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        return Response(s.TimelineEntrySerializer(timeline(self.get_object()), many=True).data)


class SolvedCaseViewSet(viewsets.ReadOnlyModelViewSet):
    """The case library: every logged-in user may read it."""

    serializer_class = s.SolvedCaseSerializer
    filterset_fields = ["line", "industry", "city"]
    search_fields = ["title", "problem", "cause", "solution", "result", "tags", "industry"]
    ordering_fields = ["published_at", "title"]

    def get_queryset(self):
        return SolvedCase.objects.all()
