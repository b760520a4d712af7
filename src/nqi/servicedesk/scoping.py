"""Who may see which requests: one queryset used by the UI, the API and the exports alike."""

from django.db.models import Q

from nqi.accounts.choices import Role

from .models import RequestParticipant, ServiceRequest


def visible_requests(user, base=None):
    qs = ServiceRequest.objects.all() if base is None else base
    if user is None or not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_platform_admin or user.role == Role.REGION_REGULATOR:
        return qs
    if user.role == Role.CITY_REGULATOR:
        return qs.filter(city=user.organisation.city) if user.organisation_id else qs.none()
    if user.role == Role.ENTERPRISE:
        return qs.filter(enterprise_id=user.organisation_id) if user.organisation_id else qs.none()
    if user.role == Role.PROVIDER:
        if not user.organisation_id:
            return qs.none()
        # A materialised id list (joint tackling is rare) keeps both sides of the OR on indexes; an IN (subquery)
        # made PostgreSQL scan every request.
        joint = list(RequestParticipant.objects.filter(provider_id=user.organisation_id)
                     .values_list("request_id", flat=True))
        return qs.filter(Q(provider_id=user.organisation_id) | Q(pk__in=joint)) if joint else \
            qs.filter(provider_id=user.organisation_id)
    if user.role == Role.EXPERT:
        joint = list(RequestParticipant.objects.filter(expert__user=user).values_list("request_id", flat=True))
        return qs.filter(Q(expert__user=user) | Q(pk__in=joint)) if joint else qs.filter(expert__user=user)
    return qs.none()


def can_see(user, service_request) -> bool:
    return visible_requests(user).filter(pk=service_request.pk).exists()
