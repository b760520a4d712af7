"""The catalog loader: idempotent upserts by number, exact service-line links, replacements, and the index."""

import csv

import pytest
from django.core.management import call_command

from nqi.search.models import SearchEntry
from nqi.standards.loader import DEFAULT_CSV, load_standards
from nqi.standards.models import Standard

pytestmark = pytest.mark.django_db


def test_loading_twice_creates_nothing_new(db):
    first = load_standards()
    assert first["created"] == first["rows"] == Standard.objects.count()
    second = load_standards()
    assert second == {"rows": first["rows"], "created": 0, "updated": first["rows"]}
    assert Standard.objects.count() == first["rows"]


def test_loaded_rows_match_the_file(db):
    load_standards()
    with open(DEFAULT_CSV, encoding="utf-8", newline="") as handle:
        rows = {row["number"]: row for row in csv.DictReader(handle)}
    for standard in Standard.objects.select_related("replaced_by").prefetch_related("service_lines"):
        row = rows[standard.number]
        assert standard.title == row["title_zh"] and standard.status == row["status"]
        assert (standard.replaced_by.number if standard.replaced_by else "") == row["replaced_by"]
        assert sorted(line.code for line in standard.service_lines.all()) == sorted(row["service_lines"].split(";"))


def test_a_changed_file_updates_fields_links_and_replacements(db, tmp_path):
    load_standards()
    with open(DEFAULT_CSV, encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    for row in rows:
        if row["number"] == "GB 7718-2011":
            row["title_zh"] = "预包装食品标签通则（测试修订）"
            row["service_lines"] = "standards;testing"
        if row["number"] == "GB 2760-2014":
            row["replaced_by"] = ""
    changed = tmp_path / "standards.csv"
    with open(changed, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    call_command("load_standards", str(changed))
    label = Standard.objects.get(number="GB 7718-2011")
    assert label.title == "预包装食品标签通则（测试修订）"
    assert set(label.service_lines.values_list("code", flat=True)) == {"standards", "testing"}
    assert Standard.objects.get(number="GB 2760-2014").replaced_by is None
    # The search index followed the bulk load (it listens to standards_loaded, not to per-row saves).
    entry = SearchEntry.objects.get(kind="standard", object_id=label.pk)
    assert "测试修订" in entry.title and SearchEntry.objects.filter(kind="standard").count() == len(rows)
