"""Keeping SearchEntry current: index or drop one object, reindex everything, pause indexing for bulk loads."""

from __future__ import annotations

import contextlib
import threading

from django.db import transaction

from .backends import get_backend
from .documents import document_for, indexed_querysets, kind_of
from .models import SearchEntry

_state = threading.local()
BATCH = 500


def is_suspended() -> bool:
    return getattr(_state, "suspended", 0) > 0


@contextlib.contextmanager
def suspended():
    """Skip per-save indexing inside the block (bulk imports, demo data); run `nqi search reindex` after."""
    _state.suspended = getattr(_state, "suspended", 0) + 1
    try:
        yield
    finally:
        _state.suspended -= 1


def index_object(instance) -> SearchEntry | None:
    """Create or refresh the entry of one object; drop it when the object is no longer searchable."""
    kind = kind_of(instance)
    if kind is None:
        return None
    document = document_for(instance)
    if document is None:
        SearchEntry.objects.filter(kind=kind, object_id=instance.pk).delete()
        return None
    entry, _created = SearchEntry.objects.update_or_create(
        kind=document.kind, object_id=document.object_id, defaults=document.entry_fields())
    return entry


def remove_object(kind: str, object_id: int) -> None:
    SearchEntry.objects.filter(kind=kind, object_id=object_id).delete()


@transaction.atomic
def reindex_all(kinds=None, stdout=None) -> dict[str, int]:
    """Rebuild the index from the models (all kinds, or the given ones); returns entries written per kind."""
    backend = get_backend()
    backend.ensure_schema()
    written = {}
    for kind, (queryset, build) in indexed_querysets().items():
        if kinds and kind not in kinds:
            continue
        SearchEntry.objects.filter(kind=kind).delete()
        batch, count = [], 0
        for obj in queryset.order_by("pk").iterator(chunk_size=BATCH):
            document = build(obj)
            batch.append(SearchEntry(kind=document.kind, object_id=document.object_id, **document.entry_fields()))
            if len(batch) >= BATCH:
                SearchEntry.objects.bulk_create(batch)
                count += len(batch)
                batch = []
        if batch:
            SearchEntry.objects.bulk_create(batch)
            count += len(batch)
        written[kind] = count
        if stdout is not None:
            stdout.write(f"{kind}: {count}")
    if not kinds:
        # The triggers already mirror every row; a full rebuild also repairs an index whose triggers were lost.
        backend.rebuild()
    return written
