"""Who may see which plans, tasks, records, objections, follow-ups and imports: one function per resource,
used by the pages, the API and the exports alike. Another tenant's object is simply not in the queryset (404)."""

from django.db.models import Q

from nqi.accounts.choices import Role

from .models import (
    FollowUp,
    ImportJob,
    InspectionPlan,
    Objection,
    SamplingRecord,
    SamplingTask,
    TestItemResult,
)


def _active(user):
    return user is not None and user.is_authenticated and user.is_active


def _sees_everything(user):
    return user.is_platform_admin or user.role == Role.REGION_REGULATOR


def visible_records(user, base=None):
    qs = SamplingRecord.objects.all() if base is None else base
    if not _active(user):
        return qs.none()
    if _sees_everything(user):
        return qs
    if user.role == Role.CITY_REGULATOR:
        return qs.filter(city=user.organisation.city) if user.organisation_id else qs.none()
    if not user.organisation_id:
        return qs.none()
    if user.role == Role.ENTERPRISE:
        return qs.filter(Q(manufacturer_id=user.organisation_id) | Q(sampled_unit_id=user.organisation_id))
    if user.role == Role.PROVIDER:
        # The lab that tested the sample, and the lab chosen for its re-test.
        retests = Objection.objects.filter(retest_lab_id=user.organisation_id).values("record_id")
        return qs.filter(Q(lab_id=user.organisation_id) | Q(pk__in=retests))
    return qs.none()


def visible_plans(user, base=None):
    qs = InspectionPlan.objects.all() if base is None else base
    if not _active(user):
        return qs.none()
    if _sees_everything(user):
        return qs
    if user.role == Role.CITY_REGULATOR and user.organisation_id:
        # Regional and national plans concern every city; a city plan only its own city.
        return qs.filter(Q(owner_city="") | Q(owner_city=user.organisation.city))
    if user.role == Role.PROVIDER and user.organisation_id:
        tasked = SamplingTask.objects.filter(lab_id=user.organisation_id).values("plan_id")
        return qs.filter(Q(labs=user.organisation_id) | Q(pk__in=tasked)).distinct()
    return qs.none()


def visible_tasks(user, base=None):
    qs = SamplingTask.objects.all() if base is None else base
    if not _active(user):
        return qs.none()
    if _sees_everything(user):
        return qs
    if user.role == Role.CITY_REGULATOR and user.organisation_id:
        # Tasks in its city, region-wide tasks of regional plans, and every task of its own city's plans.
        city = user.organisation.city
        return qs.filter(Q(city=city) | Q(city="", plan__owner_city="") | Q(plan__owner_city=city))
    if user.role == Role.PROVIDER and user.organisation_id:
        return qs.filter(lab_id=user.organisation_id)
    return qs.none()


def visible_items(user):
    return TestItemResult.objects.filter(record__in=visible_records(user).values("pk"))


def visible_objections(user):
    return Objection.objects.filter(record__in=visible_records(user).values("pk"))


def visible_follow_ups(user):
    qs = FollowUp.objects.all()
    if not _active(user):
        return qs.none()
    if _sees_everything(user):
        return qs
    if user.role == Role.CITY_REGULATOR:
        return qs.filter(city=user.organisation.city) if user.organisation_id else qs.none()
    if user.role == Role.ENTERPRISE and user.organisation_id:
        return qs.filter(enterprise_id=user.organisation_id)
    return qs.none()


def visible_imports(user):
    qs = ImportJob.objects.all()
    if not _active(user):
        return qs.none()
    if _sees_everything(user):
        return qs
    if user.role == Role.CITY_REGULATOR:
        return qs.filter(created_by=user)
    return qs.none()


def can_import(user):
    return _active(user) and (user.is_regulator or user.is_platform_admin)


def published_records(plan):
    """What the public results page shows for a plan: published records, never unpublishable risk monitoring."""
    if not plan.results_publishable:
        return SamplingRecord.objects.none()
    return SamplingRecord.objects.filter(plan=plan, published=True)
