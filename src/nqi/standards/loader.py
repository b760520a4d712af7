"""Load the standards catalog from a CSV (the shipped data/standards.csv by default). Idempotent: upserts by number."""

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction

from nqi.core.models import ServiceLine

from .models import Standard

DEFAULT_CSV = Path(__file__).resolve().parent / "data" / "standards.csv"


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


@transaction.atomic
def load_standards(path=DEFAULT_CSV) -> dict:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    lines = {line.code: line for line in ServiceLine.objects.all()}
    created = updated = 0
    by_number = {}
    for row in rows:
        number = row["number"].strip()
        standard, was_created = Standard.objects.update_or_create(number=number, defaults={
            "title": row["title_zh"].strip(), "title_en": row.get("title_en", "").strip(), "kind": row["kind"],
            "status": row["status"], "issued": row.get("issued", ""), "effective": _date(row.get("effective", "")),
            "product_categories": row.get("product_categories", ""), "test_items": row.get("test_items", ""),
            "keywords": row.get("keywords", "")})
        standard.service_lines.set([lines[c] for c in row.get("service_lines", "").split(";") if c in lines])
        created += was_created
        updated += not was_created
        by_number[number] = (standard, row.get("replaced_by", "").strip())
    for standard, successor in by_number.values():
        target = by_number.get(successor, (None,))[0] if successor else None
        if standard.replaced_by_id != (target.pk if target else None):
            standard.replaced_by = target
            standard.save(update_fields=["replaced_by"])
    return {"rows": len(rows), "created": created, "updated": updated}
