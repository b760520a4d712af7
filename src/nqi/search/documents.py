"""What each searchable model contributes to the index: title, display lines, the text to segment and the
ids used for permission filtering. One builder per kind; `DOCUMENTS` maps models to builders."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.text import Truncator

from .choices import EntryKind
from .text import document_text


@dataclass
class Document:
    kind: str
    object_id: int
    title: str
    subtitle: str
    summary: str
    title_text: str
    body_text: str
    city: str = ""
    enterprise_id: int | None = None
    provider_id: int | None = None

    def entry_fields(self) -> dict:
        return {
            "title": Truncator(self.title).chars(300), "subtitle": Truncator(self.subtitle).chars(300),
            "summary": Truncator(" ".join(self.summary.split())).chars(300),
            "title_tokens": document_text(self.title_text), "body_tokens": document_text(self.body_text),
            "city": self.city or "", "enterprise_id": self.enterprise_id, "provider_id": self.provider_id,
        }


def _join(*parts) -> str:
    return "\n".join(str(p) for p in parts if p)


def standard_document(s) -> Document:
    return Document(
        kind=EntryKind.STANDARD, object_id=s.pk, title=f"{s.number} {s.title}",
        subtitle=f"{s.get_kind_display()} · {s.get_status_display()}",
        summary="、".join(s.product_list[:8]),
        title_text=_join(s.number, s.title),
        body_text=_join(s.title_en, s.keywords.replace(";", " "), s.product_categories.replace(";", " "),
                        s.test_items.replace(";", " ")))


def case_document(c) -> Document:
    return Document(
        kind=EntryKind.CASE, object_id=c.pk, title=c.title,
        subtitle=" · ".join(str(p) for p in (c.line, c.industry, c.get_city_display()) if p),
        summary=c.result or c.problem, title_text=c.title,
        body_text=_join(c.industry, c.problem, c.cause, c.solution, c.result, c.tags, c.providers_text),
        city=c.city)


def request_document(r) -> Document:
    return Document(
        kind=EntryKind.REQUEST, object_id=r.pk, title=f"{r.number} {r.title}",
        subtitle=" · ".join(str(p) for p in (r.get_status_display(), r.enterprise.name, r.get_city_display()) if p),
        summary=r.description, title_text=_join(r.number, r.title),
        body_text=_join(r.product, r.description, r.solution, r.enterprise.name,
                        r.provider.name if r.provider_id else ""),
        city=r.city, enterprise_id=r.enterprise_id, provider_id=r.provider_id)


def provider_document(org) -> Document:
    lines = "、".join(str(line) for line in org.service_lines.all())
    items = list(org.service_items.filter(active=True).values_list("name", "description"))
    scopes = list(org.accreditations.values_list("kind", "scope"))
    return Document(
        kind=EntryKind.PROVIDER, object_id=org.pk, title=org.name,
        subtitle=" · ".join(p for p in (org.get_city_display(), lines) if p),
        summary=org.description, title_text=_join(org.name, org.short_name),
        body_text=_join(org.description, lines, *(f"{n} {d}" for n, d in items), *(f"{k} {s}" for k, s in scopes)),
        city=org.city, provider_id=org.pk)


def expert_document(e) -> Document:
    where = e.organisation.name if e.organisation_id else e.affiliation
    return Document(
        kind=EntryKind.EXPERT, object_id=e.pk, title=e.name,
        subtitle=" · ".join(p for p in (e.title, where) if p), summary=e.fields,
        title_text=e.name, body_text=_join(e.title, where, e.fields, e.bio, "、".join(str(x) for x in e.lines.all())),
        city=e.city, provider_id=e.organisation_id)


def _models():
    from nqi.accounts.models import Organisation
    from nqi.catalog.models import Expert
    from nqi.servicedesk.models import ServiceRequest, SolvedCase
    from nqi.standards.models import Standard

    return Organisation, Expert, ServiceRequest, SolvedCase, Standard


def indexed_querysets():
    """kind -> (queryset of every object to index, builder); used by the full reindex."""
    from nqi.accounts.choices import OrgKind

    Organisation, Expert, ServiceRequest, SolvedCase, Standard = _models()
    return {
        EntryKind.STANDARD: (Standard.objects.all(), standard_document),
        EntryKind.CASE: (SolvedCase.objects.select_related("line"), case_document),
        EntryKind.REQUEST: (ServiceRequest.objects.select_related("enterprise", "provider"), request_document),
        EntryKind.PROVIDER: (Organisation.objects.filter(kind=OrgKind.PROVIDER).prefetch_related(
            "service_lines", "service_items", "accreditations"), provider_document),
        EntryKind.EXPERT: (Expert.objects.select_related("organisation").prefetch_related("lines"), expert_document),
    }


def document_for(instance) -> Document | None:
    """The document of a saved object, or None when it is not searchable (e.g. an enterprise)."""
    from nqi.accounts.choices import OrgKind

    Organisation, Expert, ServiceRequest, SolvedCase, Standard = _models()
    if isinstance(instance, Standard):
        return standard_document(instance)
    if isinstance(instance, SolvedCase):
        return case_document(instance)
    if isinstance(instance, ServiceRequest):
        return request_document(instance)
    if isinstance(instance, Organisation):
        return provider_document(instance) if instance.kind == OrgKind.PROVIDER else None
    if isinstance(instance, Expert):
        return expert_document(instance)
    return None


def kind_of(instance) -> str | None:
    Organisation, Expert, ServiceRequest, SolvedCase, Standard = _models()
    return {Standard: EntryKind.STANDARD, SolvedCase: EntryKind.CASE, ServiceRequest: EntryKind.REQUEST,
            Organisation: EntryKind.PROVIDER, Expert: EntryKind.EXPERT}.get(type(instance))
