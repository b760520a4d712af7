"""Due-soon and overdue lists, counted in working days."""

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from nqi.core import workdays

from .choices import RequestStatus as S


def overdue(queryset, now=None):
    now = now or timezone.now()
    return queryset.filter(Q(status=S.DISPATCHED, accept_due_at__lt=now) |
                           Q(status__in=[S.ACCEPTED, S.IN_PROGRESS], resolve_due_at__lt=now))


def due_soon(queryset, now=None, days=None):
    """Open requests whose current deadline falls within the next N working days (not yet overdue)."""
    now = now or timezone.now()
    days = settings.NQI_DUE_SOON_WORKING_DAYS if days is None else days
    horizon_day, _fallback = workdays.add_working_days(timezone.localtime(now).date(), days)
    horizon = timezone.make_aware(dt.datetime.combine(horizon_day, dt.time(23, 59, 59)))
    return queryset.filter(Q(status=S.DISPATCHED, accept_due_at__gte=now, accept_due_at__lte=horizon) |
                           Q(status__in=[S.ACCEPTED, S.IN_PROGRESS], resolve_due_at__gte=now,
                             resolve_due_at__lte=horizon))
