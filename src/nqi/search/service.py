"""Run a user's search: segment the query, match within what the user may see, group by kind.

All terms must match; when nothing does and the query had several terms, any term may match instead, and the
result says so (`partial`), which suits short Chinese queries that jieba segments finer than the documents.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .backends import get_backend
from .choices import KIND_ORDER, EntryKind
from .models import SearchEntry
from .scoping import visible_entries
from .text import query_terms


@dataclass
class SearchHit:
    entry: SearchEntry
    score: float

    @property
    def url(self):
        return self.entry.get_absolute_url()


@dataclass
class SearchGroup:
    kind: str
    label: str
    count: int
    hits: list[SearchHit] = field(default_factory=list)


@dataclass
class SearchResults:
    query: str
    terms: list[str]
    mode: str = "all"
    groups: list[SearchGroup] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    @property
    def partial(self) -> bool:
        return self.mode == "any"


def _hits(ranked: list[tuple[int, float]]) -> list[SearchHit]:
    entries = SearchEntry.objects.in_bulk([pk for pk, _score in ranked])
    return [SearchHit(entries[pk], score) for pk, score in ranked if pk in entries]


class KindHits:
    """A lazily fetched, sliceable list of one kind's hits, so Django's Paginator can page through them."""

    def __init__(self, user, terms, mode, kind, count):
        self._allowed, self._terms, self._mode, self._kind, self._count = (
            visible_entries(user), terms, mode, kind, count)

    def __len__(self):
        return self._count

    def count(self):
        return self._count

    def __getitem__(self, item):
        if isinstance(item, slice):
            start, stop = item.start or 0, item.stop if item.stop is not None else self._count
            return _hits(get_backend().search(self._allowed, self._terms, self._mode, self._kind,
                                              limit=max(0, stop - start), offset=start))
        return self[item:item + 1][0]


def run_search(user, query: str, kind: str | None = None, per_kind: int = 5) -> SearchResults:
    """Counts for every kind and the top `per_kind` hits of each (or only of `kind` when given)."""
    terms = query_terms(query)
    results = SearchResults(query=query, terms=terms)
    if not terms:
        return results
    backend, allowed = get_backend(), visible_entries(user)
    counts = backend.counts(allowed, terms, "all")
    if not counts and len(terms) > 1:
        results.mode = "any"
        counts = backend.counts(allowed, terms, "any")
    labels = dict(EntryKind.choices)
    for kind_code in KIND_ORDER:
        count = counts.get(kind_code, 0)
        if not count or (kind and kind_code != kind):
            results.groups.append(SearchGroup(kind_code, str(labels[kind_code]), count))
            continue
        ranked = backend.search(allowed, terms, results.mode, kind_code, limit=per_kind)
        results.groups.append(SearchGroup(kind_code, str(labels[kind_code]), count, _hits(ranked)))
    return results


def kind_hits(user, results: SearchResults, kind: str) -> KindHits:
    count = next((g.count for g in results.groups if g.kind == kind), 0)
    return KindHits(user, results.terms, results.mode, kind, count)
