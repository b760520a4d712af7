"""Load the standards catalog from a CSV (the shipped data/standards.csv by default). Idempotent: upserts by
number. Writes in bulk (a few queries for the whole file, not several per row) and then sends
`signals.standards_loaded`, since bulk writes send no post_save."""

import csv
import datetime as dt
from pathlib import Path

from django.db import transaction

from nqi.core.models import ServiceLine

from .models import Standard
from .signals import standards_loaded

DEFAULT_CSV = Path(__file__).resolve().parent / "data" / "standards.csv"
FIELDS = ["title", "title_en", "kind", "status", "issued", "effective", "product_categories", "test_items",
          "keywords"]
BATCH = 200


def _date(value):
    try:
        return dt.date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def _values(row) -> dict:
    return {
        "title": row["title_zh"].strip(), "title_en": (row.get("title_en") or "").strip(), "kind": row["kind"],
        "status": row["status"], "issued": row.get("issued") or "", "effective": _date(row.get("effective") or ""),
        "product_categories": row.get("product_categories") or "", "test_items": row.get("test_items") or "",
        "keywords": row.get("keywords") or "",
    }


def load_standards(path=DEFAULT_CSV) -> dict:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with transaction.atomic():
        result = _load_rows(rows)
        numbers = [row["number"].strip() for row in rows]
        standards_loaded.send(sender=Standard, numbers=numbers)
    return result


def _load_rows(rows) -> dict:
    line_codes = set(ServiceLine.objects.values_list("code", flat=True))
    existing = {s.number: s for s in Standard.objects.all()}
    to_create, to_update = [], []
    for row in rows:
        number = row["number"].strip()
        values = _values(row)
        standard = existing.get(number)
        if standard is None:
            to_create.append(Standard(number=number, **values))
        elif any(getattr(standard, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(standard, name, value)
            to_update.append(standard)
    Standard.objects.bulk_create(to_create, batch_size=BATCH)
    Standard.objects.bulk_update(to_update, FIELDS, batch_size=BATCH)
    by_number = {s.number: s for s in Standard.objects.all()}

    # Service lines: make the link table match the file exactly, touching only the differences.
    through = Standard.service_lines.through
    wanted = {(by_number[row["number"].strip()].pk, code)
              for row in rows for code in (row.get("service_lines") or "").split(";") if code in line_codes}
    loaded_ids = [by_number[row["number"].strip()].pk for row in rows]
    present = set(through.objects.filter(standard_id__in=loaded_ids).values_list("standard_id", "serviceline_id"))
    stale = present - wanted
    if stale:
        for standard_id, code in stale:
            through.objects.filter(standard_id=standard_id, serviceline_id=code).delete()
    through.objects.bulk_create([through(standard_id=s, serviceline_id=c) for s, c in wanted - present],
                                batch_size=BATCH)

    # Replacements last: a row may name a successor that appears later in the file.
    relinked = []
    for row in rows:
        standard = by_number[row["number"].strip()]
        successor = by_number.get((row.get("replaced_by") or "").strip())
        target_id = successor.pk if successor else None
        if standard.replaced_by_id != target_id:
            standard.replaced_by_id = target_id
            relinked.append(standard)
    Standard.objects.bulk_update(relinked, ["replaced_by"], batch_size=BATCH)
    created = len(to_create)
    return {"rows": len(rows), "created": created, "updated": len(rows) - created}
