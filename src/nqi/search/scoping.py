"""Which search entries a user may see: each kind defers to the owning app's scoping function, as a subquery,
so the search never shows a request, provider or expert the user could not open."""

from django.db.models import Q

from nqi.catalog.scoping import visible_experts, visible_providers
from nqi.servicedesk.scoping import visible_requests
from nqi.standards.scoping import visible_standards

from .choices import EntryKind
from .models import SearchEntry


def visible_entries(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return SearchEntry.objects.none()
    allowed = (
        # The case library is open to every logged-in user.
        Q(kind=EntryKind.CASE)
        | Q(kind=EntryKind.STANDARD, object_id__in=visible_standards(user).values("pk"))
        | Q(kind=EntryKind.REQUEST, object_id__in=visible_requests(user).order_by().values("pk"))
        | Q(kind=EntryKind.PROVIDER, object_id__in=visible_providers(user).order_by().values("pk"))
        | Q(kind=EntryKind.EXPERT, object_id__in=visible_experts(user).order_by().values("pk"))
    )
    return SearchEntry.objects.filter(allowed)
