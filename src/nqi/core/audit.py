"""Writing the audit trail and reading an object's timeline."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .models import AuditEntry


def record(target, actor, action: str, from_state: str = "", to_state: str = "", note: str = "", at=None):
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        note=note or "",
        created_at=at or timezone.now(),
    )


def timeline(target):
    return (AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)
            .select_related("actor").order_by("created_at", "id"))
