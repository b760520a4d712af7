from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from nqi.core import workdays

register = template.Library()


@register.filter
def bs(field, size=""):
    """Render a form field's widget with Bootstrap classes and the invalid state; `|bs:"sm"` for filter bars."""
    kind = field.widget_type
    css = {"select": "form-select", "selectmultiple": "form-select", "checkbox": "form-check-input"}.get(
        kind, "form-control")
    if size and kind != "checkbox":
        css += f" {css}-{size}"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def status_badge(req):
    return format_html('<span class="badge status-{}">{}</span>', req.status, req.get_status_display())


@register.filter
def due_label(moment):
    """'还剩3个工作日' / '已超期2个工作日' for a deadline."""
    if not moment:
        return ""
    today = timezone.localdate()
    due_day = timezone.localtime(moment).date()
    left = workdays.working_days_between(today, due_day)
    when = timezone.localtime(moment).strftime("%Y-%m-%d")
    if moment < timezone.now():
        late = max(1, workdays.working_days_between(due_day, today))
        return format_html('<span class="overdue">{}</span>',
                           _("%(day)s（已超期%(n)s个工作日）") % {"day": when, "n": late})
    if left == 0:
        return format_html('<span class="text-warning fw-semibold">{}</span>', _("%(day)s（今日到期）") % {"day": when})
    return _("%(day)s（还剩%(n)s个工作日）") % {"day": when, "n": left}


@register.filter
def pct(value):
    return "—" if value is None else f"{value * 100:.1f}%"
