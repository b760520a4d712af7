"""Routing suggestions over the database: the contract shared by `nqi route`, the API and the pages, and the
dispatch proposal (line, provider, item, expert) a dispatcher confirms in one click.

    suggest(text) -> {"service_types": [{code, label, score, terms}] x 7,
                      "providers" | "service_items" | "experts" | "similar_cases" | "standards":
                          [{id, name, score, why, matched_terms, ...}],
                      "terms": [...], "model_version": n}
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from nqi.accounts.models import Organisation
from nqi.catalog.models import Expert, ServiceItem
from nqi.core.models import ServiceLine

from . import indexes as routing_indexes
from . import store
from . import text as routing_text
from .models import Suggestion
from .ranking import LINE_LABELS, BM25Index, explain
from .training import request_text

logger = logging.getLogger(__name__)

TOP_K = 5
# A provider in the requester's own city is easier to reach for sampling and on-site work.
LOCAL_PROVIDER_BONUS = 0.15
# A withdrawn standard is still worth showing (its successor is named) but below the ones in force.
WITHDRAWN_STANDARD_FACTOR = 0.5
MAX_TEXT_CHARS = 5000


def _rank(index: BM25Index, tokens: list[str], probabilities: Mapping[str, float], top_k: int,
          adjust=None) -> list[dict]:
    """BM25 hits as contract rows; `adjust(hit) -> factor` re-weights a wider candidate list before the cut."""
    hits = index.search(tokens, top_k=top_k * 3 if adjust else top_k, line_boost=probabilities)
    scored = [(hit, hit.score * (adjust(hit) if adjust else 1.0)) for hit in hits]
    scored.sort(key=lambda pair: -pair[1])
    scored = scored[:top_k]
    top_score = scored[0][1] if scored else 1.0
    rows = []
    for hit, score in scored:
        row = {
            "id": hit.id,
            "name": hit.name,
            # Relative to the best hit of the list, so scores read the same whatever the index size.
            "score": round(score / top_score, 4) if top_score else 0.0,
            "why": explain(hit, probabilities),
            "matched_terms": hit.matched_terms,
        }
        row.update({key: value for key, value in hit.fields.items() if key not in row})
        rows.append(row)
    return rows


def search_tokens(tokens: list[str]) -> list[str]:
    """Tokens worth matching against the indexes: a lone character ('放', '月') is noise unless the domain
    dictionary knows it ('铅', '镉' are test items)."""
    synonyms = routing_text.synonym_map()
    return [token for token in tokens
            if len(token) > 1 or routing_text.term_category(token) or token in synonyms]


def suggest(text: str, *, city: str | None = None, top_k: int = TOP_K) -> dict[str, Any]:
    """The full suggestion for a request text (optionally the requester's city code, for local providers)."""
    text = (text or "")[:MAX_TEXT_CHARS]
    loaded = store.current_model()
    indexes = routing_indexes.get_indexes()
    classification = loaded.classifier.classify(text)
    probabilities = classification.probabilities()
    tokens = search_tokens(classification.tokens)

    def local_first(hit):
        return 1.0 + LOCAL_PROVIDER_BONUS if city and hit.fields.get("city") == city else 1.0

    def in_force_first(hit):
        return WITHDRAWN_STANDARD_FACTOR if hit.fields.get("status") == "withdrawn" else 1.0

    service_types = [{**line.as_dict(), "label": str(LINE_LABELS.get(line.code, line.code))}
                     for line in classification.lines]
    items = _rank(indexes["service_items"], tokens, probabilities, top_k * 4, local_first)
    providers = _rank(indexes["providers"], tokens, probabilities, top_k, local_first)
    for provider in providers:
        provider["items"] = [{"id": item["id"], "name": item["name"], "line": item["line"], "score": item["score"],
                              "why": item["why"]} for item in items if item["provider_id"] == provider["id"]][:3]
    return {
        "service_types": service_types,
        "providers": providers,
        "service_items": items[:top_k],
        "experts": _rank(indexes["experts"], tokens, probabilities, top_k),
        "similar_cases": _rank(indexes["similar_cases"], tokens, probabilities, top_k),
        "standards": _rank(indexes["standards"], tokens, probabilities, top_k, in_force_first),
        "terms": classification.tokens,
        "model_version": loaded.version,
    }


def suggest_for_request(req, top_k: int = TOP_K) -> dict[str, Any]:
    return suggest(request_text(req.title, req.description, req.product), city=req.city, top_k=top_k)


def dispatch_proposal(result: dict[str, Any]) -> dict[str, Any]:
    """What to dispatch to: the top line, the best provider offering it, that provider's best item in the
    line, and the best expert covering the line; each with the reason shown to the dispatcher."""
    top = result["service_types"][0]
    line = top["code"]
    provider = next((p for p in result["providers"] if line in (p.get("lines") or [])), None)
    item = None
    if provider is not None:
        item = next((i for i in provider["items"] if i["line"] == line), None)
    else:
        # No provider text matched well; the best matching catalog item of the line names its provider.
        item = next((i for i in result["service_items"] if i["line"] == line), None)
        if item is not None:
            provider = {"id": item["provider_id"], "name": item["provider_name"], "why": item["why"]}
    expert = next((e for e in result["experts"] if line in (e.get("lines") or [])), None)
    return {
        "line": {"code": line, "label": top.get("label", line), "score": top["score"], "terms": top.get("terms", [])},
        "provider": provider,
        "service_item": item,
        "expert": expert,
        "model_version": result.get("model_version", 0),
    }


def _existing(model, pk, **filters):
    if pk is None:
        return None
    return model.objects.filter(pk=pk, **filters).first()


def dispatch_suggestion(req, record: bool = True) -> dict[str, Any] | None:
    """The suggestion and proposal shown on a dispatcher's page; stored as a Suggestion row (one per request and
    model version) so training can tell a confirmed suggestion from a correction. Never raises: a routing
    failure must not take the request page down."""
    try:
        result = suggest_for_request(req)
        proposal = dispatch_proposal(result)
        provider = _existing(Organisation, (proposal["provider"] or {}).get("id"), kind="provider")
        item = _existing(ServiceItem, (proposal["service_item"] or {}).get("id"), active=True)
        expert = _existing(Expert, (proposal["expert"] or {}).get("id"), available=True)
        if item is not None and (provider is None or item.provider_id != provider.pk):
            item = None
        proposal["objects"] = {"line": ServiceLine.objects.filter(pk=proposal["line"]["code"]).first(),
                               "provider": provider, "service_item": item, "expert": expert}
        suggestion = None
        if record:
            suggestion = record_suggestion(req, proposal)
        return {"result": result, "proposal": proposal, "suggestion": suggestion}
    except Exception:  # noqa: BLE001 - logged; the page shows the plain dispatch form instead
        logger.exception("routing suggestion failed for request %s", getattr(req, "pk", None))
        return None


def record_suggestion(req, proposal: dict[str, Any]) -> Suggestion:
    objects = proposal["objects"]
    reasons = {
        "line": proposal["line"].get("terms", []),
        "provider": (proposal["provider"] or {}).get("why", ""),
        "service_item": (proposal["service_item"] or {}).get("why", ""),
        "expert": (proposal["expert"] or {}).get("why", ""),
    }
    defaults = {"line": objects["line"], "line_score": proposal["line"]["score"], "provider": objects["provider"],
                "service_item": objects["service_item"], "expert": objects["expert"], "reasons": reasons}
    try:
        with transaction.atomic():
            suggestion, _created = Suggestion.objects.get_or_create(
                request=req, model_version=proposal["model_version"], defaults=defaults)
    except IntegrityError:  # two dispatchers opened the page at once
        suggestion = Suggestion.objects.get(request=req, model_version=proposal["model_version"])
    return suggestion


def latest_suggestion(req) -> Suggestion | None:
    return Suggestion.objects.filter(request=req).order_by("-created_at", "-id").first()
