"""BM25 indexes over the platform's own data (providers, catalog items, experts, solved cases, standards),
built from the database and cached per process.

Each index carries a fingerprint of its source tables (row count and latest `updated_at`, plus the size of the
many-to-many tables that tag rows with service lines). The fingerprints are read at most every
`NQI_ROUTING_REFRESH_SECONDS` (default 30), and only an index whose sources changed is rebuilt.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db.models import Count, Max, Prefetch, Q
from django.urls import reverse

from nqi.accounts.choices import OrgKind, OrgStatus
from nqi.accounts.models import Organisation
from nqi.catalog.models import Accreditation, Expert, ServiceItem
from nqi.servicedesk.models import SolvedCase
from nqi.standards.models import Standard

from .ranking import BM25Index, Document

INDEX_NAMES = ("providers", "service_items", "experts", "similar_cases", "standards")


def _provider_documents() -> list[Document]:
    providers = (Organisation.objects.filter(kind=OrgKind.PROVIDER, status=OrgStatus.APPROVED)
                 .prefetch_related("service_lines", "accreditations",
                                   Prefetch("service_items", queryset=ServiceItem.objects.filter(active=True)))
                 .order_by("pk"))
    documents = []
    for org in providers:
        scopes = [f"{a.kind} {a.scope}" for a in org.accreditations.all()]
        items = [f"{item.name} {item.description}" for item in org.service_items.all()]
        documents.append(Document(
            id=org.pk, name=org.name,
            text="\n".join([org.short_name, org.description, *scopes, *items]),
            fields={"lines": [line.code for line in org.service_lines.all()], "city": org.city,
                    "short_name": org.short_name, "url": reverse("catalog:provider_detail", args=[org.pk])}))
    return documents


def _item_documents() -> list[Document]:
    items = (ServiceItem.objects.filter(active=True, provider__kind=OrgKind.PROVIDER,
                                        provider__status=OrgStatus.APPROVED)
             .select_related("provider").order_by("pk"))
    return [
        Document(id=item.pk, name=item.name, text=item.description, fields={
            "lines": [item.line_id], "line": item.line_id, "provider_id": item.provider_id,
            "provider_name": item.provider.name, "city": item.provider.city, "fee_min": int(item.fee_min),
            "fee_max": int(item.fee_max), "turnaround_days": item.turnaround_days})
        for item in items
    ]


def _expert_documents() -> list[Document]:
    # Only experts who take assignments: dispatching to an unavailable one is refused anyway.
    experts = Expert.objects.filter(available=True).select_related("organisation").prefetch_related("lines")
    return [
        Document(id=expert.pk, name=str(expert),
                 # The specialties are what a request is matched on, so they count twice against the bio.
                 text="\n".join([expert.fields, expert.fields, expert.bio, expert.affiliation]),
                 fields={"lines": [line.code for line in expert.lines.all()], "city": expert.city,
                         "fields_text": expert.fields, "organisation": expert.affiliation or (
                             expert.organisation.name if expert.organisation_id else "")})
        for expert in experts.order_by("pk")
    ]


def _case_documents() -> list[Document]:
    return [
        Document(id=case.pk, name=case.title,
                 text="\n".join([case.industry, case.tags, case.problem, case.cause, case.solution, case.result]),
                 fields={"lines": [case.line_id], "industry": case.industry, "url": reverse("servicedesk:case_detail", args=[case.pk])})
        for case in SolvedCase.objects.order_by("pk")
    ]


def _standard_documents() -> list[Document]:
    standards = Standard.objects.select_related("replaced_by").prefetch_related("service_lines").order_by("pk")
    documents = []
    for standard in standards:
        text = " ".join(part.replace(";", " ") for part in (standard.product_categories, standard.test_items,
                                                               standard.keywords))
        documents.append(Document(
            id=standard.pk, name=f"{standard.number} {standard.title}", text=text,
            fields={"lines": [line.code for line in standard.service_lines.all()], "number": standard.number,
                    "title": standard.title, "status": standard.status,
                    "status_label": standard.get_status_display(),
                    "replaced_by": standard.replaced_by.number if standard.replaced_by_id else ""}))
    return documents


BUILDERS: dict[str, Callable[[], list[Document]]] = {
    "providers": _provider_documents,
    "service_items": _item_documents,
    "experts": _expert_documents,
    "similar_cases": _case_documents,
    "standards": _standard_documents,
}


def _table_state(queryset) -> tuple:
    state = queryset.aggregate(n=Count("pk"), latest=Max("updated_at"))
    return state["n"], state["latest"].isoformat() if state["latest"] else ""


def _fingerprints() -> dict[str, tuple]:
    """Six aggregate queries and three counts: cheap enough to run every few seconds."""
    providers = _table_state(Organisation.objects.filter(kind=OrgKind.PROVIDER))
    accreditations = _table_state(Accreditation.objects.all())
    items = _table_state(ServiceItem.objects.all())
    provider_lines = Organisation.service_lines.through.objects.filter(
        organisation__kind=OrgKind.PROVIDER).count()
    return {
        "providers": (providers, accreditations, items, provider_lines),
        "service_items": (providers, items),
        "experts": (_table_state(Expert.objects.all()), Expert.lines.through.objects.count()),
        "similar_cases": (_table_state(SolvedCase.objects.all()),),
        "standards": (_table_state(Standard.objects.all()), Standard.service_lines.through.objects.count(),
                      Standard.objects.filter(~Q(replaced_by=None)).count()),
    }


class IndexCache:
    """The process-wide indexes; `get()` rebuilds those whose source tables changed since the last check."""

    def __init__(self):
        self._lock = threading.Lock()
        self._indexes: dict[str, BM25Index] = {}
        self._fingerprints: dict[str, tuple] = {}
        self._checked_at = float("-inf")
        self.builds = 0  # how many index builds this process did (the benchmark and tests read it)

    def invalidate(self) -> None:
        with self._lock:
            self._indexes.clear()
            self._fingerprints.clear()
            self._checked_at = float("-inf")

    def get(self) -> dict[str, BM25Index]:
        interval = float(getattr(settings, "NQI_ROUTING_REFRESH_SECONDS", 30))
        now = time.monotonic()
        if self._indexes and now - self._checked_at < interval:
            return self._indexes
        with self._lock:
            if self._indexes and time.monotonic() - self._checked_at < interval:
                return self._indexes
            current = _fingerprints()
            indexes = dict(self._indexes)
            for name in INDEX_NAMES:
                if name not in indexes or self._fingerprints.get(name) != current[name]:
                    indexes[name] = BM25Index(BUILDERS[name]())
                    self.builds += 1
            self._indexes, self._fingerprints = indexes, current
            self._checked_at = time.monotonic()
            return indexes


cache = IndexCache()


def get_indexes() -> dict[str, BM25Index]:
    return cache.get()
