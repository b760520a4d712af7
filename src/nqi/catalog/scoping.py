"""The catalog is public to every logged-in user, except inactive items, which only their provider sees."""

from django.db.models import Count, Q

from nqi.accounts.choices import OrgKind, OrgStatus, Role
from nqi.accounts.models import Organisation
from nqi.servicedesk.choices import ACTIVE_FOR_PROVIDER

from .models import Expert, ServiceItem


def visible_providers(user):
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(kind=OrgKind.PROVIDER, status=OrgStatus.APPROVED)


def visible_items(user):
    if not user.is_authenticated:
        return ServiceItem.objects.none()
    qs = ServiceItem.objects.select_related("provider", "line")
    if user.role == Role.PROVIDER and user.organisation_id:
        return qs.filter(Q(active=True) | Q(provider_id=user.organisation_id))
    if user.is_platform_admin:
        return qs
    return qs.filter(active=True)


def experts_with_load():
    return Expert.objects.select_related("organisation").prefetch_related("lines").annotate(
        current_load=Count("assigned_requests", filter=Q(assigned_requests__status__in=ACTIVE_FOR_PROVIDER)))


def visible_experts(user):
    if not user.is_authenticated:
        return Expert.objects.none()
    return experts_with_load()
