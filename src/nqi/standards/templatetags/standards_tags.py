"""Template helpers for the standards catalog: the status badge."""

from django import template
from django.utils.html import format_html

from nqi.standards.choices import StandardStatus

register = template.Library()

_BADGE_CLASSES = {
    StandardStatus.IN_FORCE: "bg-success",
    StandardStatus.UPCOMING: "bg-info text-dark",
    StandardStatus.WITHDRAWN: "bg-secondary",
}


@register.filter
def standard_badge(standard):
    """<span class="badge ...">现行</span> for a Standard (现行 / 即将实施 / 废止)."""
    css = _BADGE_CLASSES.get(standard.status, "bg-light text-dark")
    return format_html('<span class="badge {} standard-status" data-status="{}">{}</span>', css, standard.status,
                       standard.get_status_display())
