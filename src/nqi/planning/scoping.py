"""Who may see and change sampling plans: city and region regulators and the operator. A city bureau sees its
own city's plans only; everyone else gets an empty queryset (404 in the pages and the API)."""

from nqi.accounts.choices import Role

from .models import PlanCell, SamplingScheme


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


def is_region_level(user) -> bool:
    return user.is_platform_admin or user.role == Role.REGION_REGULATOR


def planning_city(user) -> str | None:
    """The city a city regulator plans for; None for region level; "" for anyone who may not plan."""
    if not _active(user):
        return ""
    if is_region_level(user):
        return None
    if user.role == Role.CITY_REGULATOR and user.organisation_id:
        return user.organisation.city
    return ""


def can_plan(user) -> bool:
    return planning_city(user) != ""


def visible_schemes(user, base=None):
    qs = SamplingScheme.objects.all() if base is None else base
    city = planning_city(user)
    if city is None:
        return qs
    return qs.filter(owner_city=city) if city else qs.none()


def visible_cells(user):
    return PlanCell.objects.filter(scheme__in=visible_schemes(user).values("pk"))


def may_manage(user, scheme) -> bool:
    """The bureau that owns the plan edits and adopts it: the region (or the operator) for a region-wide plan,
    the city bureau for its city's plan. The region reads city plans without changing them."""
    if not _active(user):
        return False
    if user.is_platform_admin:
        return True
    if not scheme.owner_city:
        return user.role == Role.REGION_REGULATOR
    return planning_city(user) == scheme.owner_city
