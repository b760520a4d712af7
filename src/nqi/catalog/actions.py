"""Providers keep their own catalog and accredited scopes current."""

from django.db import transaction
from django.utils.translation import gettext as _

from nqi.accounts.choices import Role
from nqi.core import audit
from nqi.core.exceptions import ActionNotAllowed


def _check_provider_staff(actor, provider):
    if not (actor.is_platform_admin or (actor.role == Role.PROVIDER and actor.organisation_id == provider.pk)):
        raise ActionNotAllowed(_("只有本机构人员可以维护服务目录"))


@transaction.atomic
def do_save_catalog_entry(actor, provider, form):
    """Create or update a service item or an accreditation of `provider` from a valid ModelForm."""
    _check_provider_staff(actor, provider)
    entry = form.save(commit=False)
    created = entry.pk is None
    entry.provider = provider
    entry.full_clean()
    entry.save()
    audit.record(entry, actor, "create" if created else "update", note=str(entry))
    return entry
