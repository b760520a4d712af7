"""Editions of a standard: the replaced-by chain both ways, the editions sharing a base number, and where
a standard number is mentioned in requests and cases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Q

from .choices import StandardStatus
from .models import Standard

# A chain longer than this is a data error (a cycle the loader did not catch); stop rather than loop.
_MAX_CHAIN = 50


def base_number(number: str) -> str:
    """'GB 7718-2011' -> 'GB 7718'; a number without a year comes back unchanged."""
    match = re.fullmatch(r"(.+?)-(?:19|20)\d{2}", number.strip())
    return match.group(1) if match else number.strip()


def successors(standard: Standard) -> list[Standard]:
    """What replaced this standard, then what replaced that, ..., ending with the edition now in force."""
    chain, seen = [], {standard.pk}
    current = standard.replaced_by
    while current is not None and current.pk not in seen and len(chain) < _MAX_CHAIN:
        chain.append(current)
        seen.add(current.pk)
        current = current.replaced_by
    return chain


def predecessors(standard: Standard) -> list[Standard]:
    """Every standard this one replaced, directly or through earlier editions, newest first."""
    found, seen, frontier = [], {standard.pk}, [standard.pk]
    while frontier and len(found) < _MAX_CHAIN:
        batch = list(Standard.objects.filter(replaced_by_id__in=frontier).exclude(pk__in=seen)
                     .order_by("-effective", "-number"))
        frontier = [s.pk for s in batch]
        seen.update(frontier)
        found.extend(batch)
    return found


@dataclass
class EditionInfo:
    """What the detail page says about other editions of the same standard."""

    replaces: list[Standard] = field(default_factory=list)
    replaced_by: list[Standard] = field(default_factory=list)
    upcoming: Standard | None = None  # a new edition that will replace this in-force one
    will_replace: Standard | None = None  # the in-force edition this upcoming one will replace
    other_editions: list[Standard] = field(default_factory=list)


def edition_info(standard: Standard) -> EditionInfo:
    info = EditionInfo(replaces=predecessors(standard), replaced_by=successors(standard))
    base = base_number(standard.number)
    same_base = [s for s in Standard.objects.filter(number__startswith=base).exclude(pk=standard.pk)
                 .order_by("-number") if base_number(s.number) == base]
    if standard.status == StandardStatus.IN_FORCE:
        info.upcoming = next((s for s in same_base if s.status == StandardStatus.UPCOMING), None)
    elif standard.status == StandardStatus.UPCOMING:
        info.will_replace = next((s for s in same_base if s.status == StandardStatus.IN_FORCE), None)
    shown = {s.pk for s in info.replaces + info.replaced_by}
    info.other_editions = [s for s in same_base if s.pk not in shown]
    return info


def number_variants(number: str) -> list[str]:
    """Ways people write the same number: 'GB 7718-2011', 'GB7718-2011', 'GB 7718—2011'."""
    compact = number.replace(" ", "")
    variants = {number, compact}
    for dash in ("—", "–"):
        variants.update({number.replace("-", dash), compact.replace("-", dash)})
    return sorted(variants)


def mention_filter(number: str, fields: list[str]) -> Q:
    query = Q()
    for variant in number_variants(number):
        for name in fields:
            query |= Q(**{f"{name}__icontains": variant})
    return query


REQUEST_TEXT_FIELDS = ["title", "description", "solution"]
CASE_TEXT_FIELDS = ["title", "problem", "cause", "solution", "result", "tags"]
