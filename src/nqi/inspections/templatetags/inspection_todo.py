"""`{% inspection_todo %}`: the spot-check work waiting for a regulator, on the home page."""

from django import template
from django.utils import timezone

from nqi.inspections.choices import FollowUpStatus, ObjectionStatus, RecordStatus
from nqi.inspections.deadlines import overdue_corrections
from nqi.inspections.scoping import visible_follow_ups, visible_objections, visible_records

register = template.Library()


@register.inclusion_tag("inspections/_todo.html", takes_context=True)
def inspection_todo(context, limit=8):
    """Counts of results to notify, re-tests to arrange, rectification reports to recheck and corrections past
    their deadline, in the user's scope, with the follow-ups that need the regulator first."""
    user = context.get("user") or context["request"].user
    today = timezone.localdate()
    follow_ups = visible_follow_ups(user)
    to_recheck = follow_ups.filter(status=FollowUpStatus.REPORTED)
    overdue = overdue_corrections(follow_ups, today)
    # Reports to recheck first ("reported" sorts after "ordered"), then by deadline.
    waiting = list((to_recheck | overdue).select_related("record").order_by("-status", "correction_due")[: limit + 1])
    return {
        "to_notify": visible_records(user).filter(status=RecordStatus.TESTED).count(),
        "to_arrange": visible_objections(user).filter(status=ObjectionStatus.REQUESTED).count(),
        "to_recheck": to_recheck.count(),
        "overdue": overdue.count(),
        "follow_ups": waiting[:limit],
        "more": len(waiting) > limit,
        "today": today,
    }
