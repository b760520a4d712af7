"""Which spot-check figures a user may read: the rollup rows for pass rates, the records for item and
enterprise histories. Pages, the API, exports and the home alarms all go through these functions."""

from nqi.accounts.choices import Role
from nqi.inspections.models import InspectionRollup
from nqi.inspections.scoping import visible_records

__all__ = ["can_view_dashboards", "regulated_city", "visible_rollup", "visible_records"]


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


def can_view_dashboards(user) -> bool:
    """Pass-rate dashboards compare cities and enterprises' categories: regulators and the operator only."""
    return _active(user) and (user.is_regulator or user.is_platform_admin)


def regulated_city(user) -> str | None:
    """The one city whose figures the user reads, or None for all cities (region regulator, admin)."""
    if user.role == Role.CITY_REGULATOR:
        return user.organisation.city if user.organisation_id else ""
    return None


def visible_rollup(user, base=None):
    qs = InspectionRollup.objects.all() if base is None else base
    if not can_view_dashboards(user):
        return qs.none()
    city = regulated_city(user)
    if city is None:
        return qs
    # A city regulator without an organisation (misconfigured account) sees nothing rather than everything.
    return qs.filter(city=city) if city else qs.none()
