"""What each role sees first: the queue that needs them, with deadlines."""

from django.utils import timezone

from nqi.accounts.choices import Role

from . import deadlines
from .choices import OPEN_STATUSES
from .choices import RequestStatus as S
from .scoping import visible_requests


def context_for(user):
    scope = visible_requests(user).select_related("enterprise", "provider", "line")
    now = timezone.now()
    ctx = {"role": user.role}
    if user.role == Role.ENTERPRISE:
        ctx["awaiting_me"] = scope.filter(status=S.RESOLVED)[:10]
        ctx["open_requests"] = scope.filter(status__in=OPEN_STATUSES).order_by("resolve_due_at", "-submitted_at")[:10]
        ctx["counts"] = {"open": scope.filter(status__in=OPEN_STATUSES).count(),
                         "closed": scope.filter(status=S.CLOSED).count()}
        ctx["org_pending"] = user.organisation is not None and not user.organisation.is_approved
    elif user.role in (Role.PROVIDER, Role.EXPERT):
        ctx["to_accept"] = scope.filter(status=S.DISPATCHED).order_by("accept_due_at")[:10]
        ctx["working"] = scope.filter(status__in=[S.ACCEPTED, S.IN_PROGRESS]).order_by("resolve_due_at")[:10]
        ctx["due_soon"] = deadlines.due_soon(scope, now).count()
        ctx["overdue"] = deadlines.overdue(scope, now).count()
    elif user.is_regulator or user.is_platform_admin:
        ctx["dispatch_queue"] = scope.filter(status=S.SUBMITTED).order_by("submitted_at")[:10]
        ctx["dispatch_count"] = scope.filter(status=S.SUBMITTED).count()
        ctx["overdue_list"] = deadlines.overdue(scope, now).order_by("resolve_due_at")[:10]
        ctx["overdue"] = deadlines.overdue(scope, now).count()
        ctx["due_soon"] = deadlines.due_soon(scope, now).count()
    return ctx
