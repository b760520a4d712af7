"""API plumbing shared by every app: paging and an exception handler that never answers 500 for bad input."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import InvalidTransition


class StandardPagination(PageNumberPagination):
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    if isinstance(exc, InvalidTransition):
        return Response({"detail": exc.message, "code": "invalid_transition"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        if "__all__" in detail:  # Django's key for errors of no one field; DRF clients know "non_field_errors"
            detail["non_field_errors"] = detail.pop("__all__")
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, minus the work of building a filter form when the request filters nothing:
    on the busiest lists that form cost more than the database queries (a quarter of the request)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not set(filterset_class.base_filters) & set(request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
