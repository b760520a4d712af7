"""`{% failure_rate_alarms %}`: the CUSUM alarm list on the regulator's home, from the cached table."""

from django import template

from nqi.analytics import monitoring

register = template.Library()


@register.inclusion_tag("analytics/_alarm_list.html", takes_context=True)
def failure_rate_alarms(context, limit=8):
    user = context.get("user") or context["request"].user
    alarms = list(monitoring.current_alarms(user)[: limit + 1])
    return {"alarms": alarms[:limit], "more": len(alarms) > limit, "refresh": monitoring.last_refresh(),
            "user": user}
