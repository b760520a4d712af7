"""Testing-capability lookup: which accredited lab can test which item, on which product, under which standard.

Read from the providers' accredited scopes (catalog.Accreditation.scope) and active catalog items. A query term
matches in any of its synonym spellings (菌落总数 = 细菌总数 = 菌落数); a lab whose scope cites a standard that
the standards catalog links to the item and product (GB 4789.2 for 菌落总数, DBS45/034 for 螺蛳粉) counts as able
to test them under that standard. Every match comes back with character offsets for highlighting.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.urls import reverse

from nqi.accounts.choices import OrgKind, OrgStatus
from nqi.accounts.models import Organisation
from nqi.catalog.choices import AccreditationKind
from nqi.catalog.models import ServiceItem
from nqi.standards.models import Standard

from . import text as routing_text

# Words that say "test" but not what: they would match every lab, or make every scope fail an all-terms test.
GENERIC_TERMS = frozenset({"检测", "检验", "检测报告", "测定", "项目", "全项检测", "第三方检测", "能力", "资质", "实验室"})
ACCREDITED_KINDS = (AccreditationKind.CMA, AccreditationKind.CNAS)
MAX_QUERY_CHARS = 100


@dataclass
class Term:
    """One query term: its canonical token and every spelling that counts as it."""

    canonical: str
    forms: tuple[str, ...]


def _reverse_synonyms() -> dict[str, set[str]]:
    groups: dict[str, set[str]] = {}
    for word, canonical in routing_text.synonym_map().items():
        groups.setdefault(canonical, {canonical}).add(word)
    return groups


def query_terms(query: str) -> list[Term]:
    """The distinct canonical terms of a query, each with its spellings (longest first, for greedy matching)."""
    query = (query or "").strip()[:MAX_QUERY_CHARS]
    if not query:
        return []
    groups = _reverse_synonyms()
    tokens = [t for t in dict.fromkeys(routing_text.tokenize(query)) if t not in GENERIC_TERMS]
    if not tokens:
        tokens = [routing_text.normalize(query)]
    terms = []
    for token in tokens:
        forms = groups.get(token, set()) | {token}
        terms.append(Term(token, tuple(sorted(forms, key=lambda form: (-len(form), form)))))
    return terms


def standard_key(code: str) -> str:
    """'GB 4789.2-2022' and 'GB4789.2' -> 'GB4789.2': standards compare without the year and the spaces."""
    match = routing_text.STANDARD_CODE_RE.search(routing_text.normalize(code or ""))
    return (match["prefix"] + match["number"]) if match else ""


def _find_terms(haystack: str, terms: list[Term]) -> tuple[set[str], list[tuple[int, int]]]:
    """Which terms occur in the (upper-cased) text, and the spans of every occurrence."""
    found: set[str] = set()
    spans: list[tuple[int, int]] = []
    for term in terms:
        pattern = re.compile("|".join(re.escape(form) for form in term.forms))
        for match in pattern.finditer(haystack):
            found.add(term.canonical)
            spans.append(match.span())
    return found, spans


def _find_standards(haystack: str, keys: set[str]) -> tuple[set[str], list[tuple[int, int]]]:
    found: set[str] = set()
    spans: list[tuple[int, int]] = []
    for match in routing_text.STANDARD_CODE_RE.finditer(haystack):
        key = match["prefix"] + match["number"]
        if key in keys:
            found.add(key)
            spans.append(match.span())
    return found, spans


def segments(text: str, spans: list[tuple[int, int]]) -> list[dict]:
    """The text cut into plain and marked pieces (overlapping spans merged), for the template to render."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    pieces, position = [], 0
    for start, end in merged:
        if start > position:
            pieces.append({"text": text[position:start], "mark": False})
        pieces.append({"text": text[start:end], "mark": True})
        position = end
    if position < len(text):
        pieces.append({"text": text[position:], "mark": False})
    return pieces


def _searchable(text: str) -> str:
    # Offsets must point into the original text, so only a length-preserving normalisation is allowed here.
    upper = (text or "").upper()
    return upper if len(upper) == len(text or "") else (text or "")


def applicable_standards(item_terms: list[Term], product_terms: list[Term], standard: str = "") -> list[Standard]:
    """Catalog standards that list the item among their test items and the product among their products."""
    wanted = standard_key(standard)
    query = Q()
    for term in item_terms:
        for form in term.forms:
            query |= Q(test_items__icontains=form) | Q(keywords__icontains=form)
    if wanted:
        number = routing_text.STANDARD_CODE_RE.search(routing_text.normalize(standard))["number"]
        candidates = [s for s in Standard.objects.filter(number__contains=number) if standard_key(s.number) == wanted]
    elif item_terms:
        candidates = list(Standard.objects.filter(query))
    else:
        candidates = []
    chosen = []
    for candidate in candidates:
        if product_terms and not wanted:
            products = _searchable(candidate.product_categories + ";" + candidate.title + ";" + candidate.keywords)
            found, _spans = _find_terms(products, product_terms)
            if not found:
                continue
        chosen.append(candidate)
    status_order = {"in_force": 0, "upcoming": 1, "withdrawn": 2}
    chosen.sort(key=lambda s: (status_order.get(s.status, 3), s.number))
    return chosen[:20]


def lookup(item: str = "", product: str = "", standard: str = "", limit: int = 20, today=None) -> dict:
    """Labs able to test `item` on `product` (under `standard`), best first, with highlighted scope text."""
    today = today or dt.date.today()
    item_terms, product_terms = query_terms(item), query_terms(product)
    standards = applicable_standards(item_terms, product_terms, standard)
    standard_keys = {standard_key(s.number) for s in standards} - {""}
    wanted_standard = standard_key(standard)
    if wanted_standard:
        standard_keys.add(wanted_standard)
    # Which catalog standards cover the item and which the product, for labs that cite a method standard only.
    item_keys = standard_keys if item_terms else set()
    product_keys = {standard_key(s.number) for s in standards} if product_terms else set()

    providers = (Organisation.objects.filter(kind=OrgKind.PROVIDER, status=OrgStatus.APPROVED)
                 .prefetch_related("accreditations",
                                   Prefetch("service_items", queryset=ServiceItem.objects.filter(active=True)))
                 .order_by("name"))
    results = []
    if not (item_terms or product_terms or wanted_standard):
        return {"query": {"item": item, "product": product, "standard": standard}, "standards": [], "results": []}
    for provider in providers:
        found_items: set[str] = set()
        found_products: set[str] = set()
        cited: set[str] = set()
        accreditations = []
        for accreditation in provider.accreditations.all():
            haystack = _searchable(accreditation.scope)
            items_found, item_spans = _find_terms(haystack, item_terms)
            products_found, product_spans = _find_terms(haystack, product_terms)
            standards_found, standard_spans = _find_standards(haystack, standard_keys)
            if not (items_found or products_found or standards_found):
                continue
            found_items |= items_found
            found_products |= products_found
            cited |= standards_found
            spans = item_spans + product_spans + standard_spans
            accreditations.append({
                "id": accreditation.pk, "kind": accreditation.kind, "kind_label": accreditation.get_kind_display(),
                "number": accreditation.number, "valid_until": accreditation.valid_until.isoformat(),
                "valid": accreditation.valid_until >= today and accreditation.kind in ACCREDITED_KINDS,
                "scope": accreditation.scope, "highlights": [list(span) for span in sorted(spans)],
                "segments": segments(accreditation.scope, spans)})
        items = []
        for service_item in provider.service_items.all():
            label = f"{service_item.name}：{service_item.description}" if service_item.description else service_item.name
            haystack = _searchable(label)
            items_found, item_spans = _find_terms(haystack, item_terms)
            products_found, product_spans = _find_terms(haystack, product_terms)
            standards_found, standard_spans = _find_standards(haystack, standard_keys)
            if not (items_found or standards_found) and (item_terms or wanted_standard):
                continue
            if not items_found and not products_found and not standards_found:
                continue
            found_items |= items_found
            found_products |= products_found
            cited |= standards_found
            spans = item_spans + product_spans + standard_spans
            items.append({"id": service_item.pk, "name": service_item.name, "line": service_item.line_id,
                          "text": label, "highlights": [list(span) for span in sorted(spans)],
                          "segments": segments(label, spans)})
        item_ok = not item_terms or len(found_items) == len(item_terms) or bool(cited & item_keys)
        product_ok = not product_terms or len(found_products) == len(product_terms) or bool(cited & product_keys)
        standard_ok = not wanted_standard or wanted_standard in cited
        accredited = any(a["valid"] for a in accreditations)
        if not (accreditations or items):
            continue
        primary_ok = item_ok if item_terms else (product_ok if product_terms else standard_ok)
        if not primary_ok:
            continue
        # A scope that names the item itself is stronger evidence than one citing a method standard only.
        named_item = bool(item_terms) and len(found_items) == len(item_terms)
        named_product = bool(product_terms) and len(found_products) == len(product_terms)
        score = (3 * item_ok + 2 * product_ok + 2 * standard_ok + 1.5 * accredited + 0.5 * bool(cited)
                 + 1.0 * named_item + 0.5 * named_product)
        results.append({
            "provider": {"id": provider.pk, "name": provider.name, "city": provider.city,
                         "city_label": provider.get_city_display(),
                         "url": reverse("catalog:provider_detail", args=[provider.pk])},
            "score": score,
            "full_match": item_ok and product_ok and standard_ok,
            "accredited": accredited,
            "matched": {"item": item_ok, "product": product_ok, "standard": standard_ok},
            "standards": sorted(s.number for s in standards if standard_key(s.number) in cited)
            or sorted(cited),
            "accreditations": accreditations,
            "service_items": items[:5],
        })
    results.sort(key=lambda row: (-row["score"], row["provider"]["name"]))
    return {
        "query": {"item": item, "product": product, "standard": standard},
        "standards": [{"id": s.pk, "number": s.number, "title": s.title, "status": s.status,
                       "status_label": s.get_status_display()} for s in standards],
        "results": results[:limit],
    }
