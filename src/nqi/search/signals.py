"""Signal receivers that keep the search index in step with requests, cases, standards, providers and experts.

Indexing runs in the saving transaction, so a rolled-back save leaves no stray entry. A provider's entry
also depends on its service items and accreditations (their scopes are what people search for), so saving
those re-indexes the provider.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save

from . import indexing
from .choices import EntryKind
from .documents import kind_of

# Saves that touch only these fields change nothing the index holds (e.g. SLA bookkeeping).
_IRRELEVANT_FIELDS = {"escalated_at", "resolved_on_time", "deadline_fallback", "accept_due_at", "resolve_due_at",
                      "updated_at", "rating", "rating_comment", "available", "max_load"}


def _on_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or indexing.is_suspended():
        return
    if update_fields and set(update_fields) <= _IRRELEVANT_FIELDS:
        return
    indexing.index_object(instance)


def _on_delete(sender, instance, **kwargs):
    kind = kind_of(instance)
    if kind is not None:
        indexing.remove_object(kind, instance.pk)


def _on_provider_part_change(sender, instance, raw=False, **kwargs):
    if raw or indexing.is_suspended():
        return
    from nqi.accounts.models import Organisation

    provider = Organisation.objects.filter(pk=instance.provider_id).first()
    if provider is not None:
        indexing.index_object(provider)


def _on_lines_change(sender, instance, action, reverse=False, **kwargs):
    # Service lines are part of a provider's and an expert's text; only the forward side carries the object.
    if reverse or indexing.is_suspended() or action not in ("post_add", "post_remove", "post_clear"):
        return
    indexing.index_object(instance)


def _on_standards_loaded(sender, **kwargs):
    # The loader writes in bulk, so no post_save fired for its rows.
    if not indexing.is_suspended():
        indexing.reindex_all(kinds=[EntryKind.STANDARD])


def connect():
    from nqi.accounts.models import Organisation
    from nqi.catalog.models import Accreditation, Expert, ServiceItem
    from nqi.servicedesk.models import ServiceRequest, SolvedCase
    from nqi.standards.models import Standard
    from nqi.standards.signals import standards_loaded

    for model in (Standard, SolvedCase, ServiceRequest, Organisation, Expert):
        post_save.connect(_on_save, sender=model, dispatch_uid=f"search-save-{model.__name__}")
        post_delete.connect(_on_delete, sender=model, dispatch_uid=f"search-delete-{model.__name__}")
    for model in (ServiceItem, Accreditation):
        post_save.connect(_on_provider_part_change, sender=model, dispatch_uid=f"search-save-{model.__name__}")
        post_delete.connect(_on_provider_part_change, sender=model, dispatch_uid=f"search-delete-{model.__name__}")
    standards_loaded.connect(_on_standards_loaded, dispatch_uid="search-standards-loaded")
    for through in (Organisation.service_lines.through, Expert.lines.through):
        m2m_changed.connect(_on_lines_change, sender=through, dispatch_uid=f"search-m2m-{through.__name__}")
