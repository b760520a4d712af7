"""Who may read the standards catalog: every logged-in, active user (it is public reference data)."""

from .models import Standard


def visible_standards(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return Standard.objects.none()
    return Standard.objects.all()
