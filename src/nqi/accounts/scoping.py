"""Which organisations a user may see: their own; regulators see those of their city (region: all)."""

from django.db.models import Q

from .choices import OrgKind, Role
from .models import Organisation


def visible_organisations(user):
    qs = Organisation.objects.all()
    if not user.is_authenticated:
        return qs.none()
    if user.is_platform_admin or user.role == Role.REGION_REGULATOR:
        return qs
    if user.role == Role.CITY_REGULATOR and user.organisation_id:
        return qs.filter(Q(city=user.organisation.city) | Q(kind=OrgKind.PROVIDER))
    # Everyone may see providers (the catalog) and their own organisation.
    return qs.filter(Q(kind=OrgKind.PROVIDER) | Q(pk=user.organisation_id))
