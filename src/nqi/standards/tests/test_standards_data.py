"""Checks on the shipped standards catalog CSV (no database): shape, numbering, status and coverage."""

import csv
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from nqi.core.choices import SERVICE_LINE_CODES

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "standards.csv"

# The catalog's statuses were judged as of this day (see data/README.md).
AS_OF = dt.date(2026, 11, 1)

FIELDS = [
    "number", "title_zh", "title_en", "kind", "status", "issued", "effective", "replaced_by",
    "service_lines", "product_categories", "test_items", "keywords",
]
STATUSES = {"in_force", "upcoming", "withdrawn"}

_YEAR = r"(19|20)\d{2}"
_SERIAL = r"\d+(\.\d+)*"
NUMBER_PATTERNS = {
    "GB": rf"GB {_SERIAL}-{_YEAR}",
    "GB/T": rf"GB/T {_SERIAL}-{_YEAR}",
    "GB/Z": rf"GB/Z {_SERIAL}-{_YEAR}",
    "DB45": rf"DB45/{_SERIAL}-{_YEAR}",
    "DB45/T": rf"DB45/T {_SERIAL}-{_YEAR}",
    "DBS45": rf"DBS45/\d{{3}}-{_YEAR}",
    "JJG": rf"JJG {_SERIAL}-{_YEAR}",
    "JJF": rf"JJF {_SERIAL}-{_YEAR}",
    "TSG": rf"TSG ([A-Z]{{1,2}}\d{{3,4}}|\d{{2}})-{_YEAR}",
    # Sector codes: NY, NY/T, RB/T, FZ/T, JGJ, QB/T, SB/T, LY/T, GH/T ...
    "industry": rf"[A-Z]{{2,3}}(/T)? {_SERIAL}-{_YEAR}",
    "group": rf"T/[A-Z]+ {_SERIAL}-{_YEAR}",
}

# Each demo industry and the product categories that count as belonging to it.
DEMO_INDUSTRIES = {
    "螺蛳粉": {"螺蛳粉"},
    "米粉": {"米粉"},
    "食品通用": {"预包装食品"},
    "食糖": {"食糖", "白砂糖", "绵白糖"},
    "甘蔗": {"甘蔗"},
    "包装饮用水": {"包装饮用水"},
    "天然矿泉水": {"天然矿泉水"},
    "茶叶": {"茶叶"},
    "六堡茶/黑茶": {"六堡茶", "黑茶"},
    "铝型材与铝合金": {"铝型材", "铝合金"},
    "工程机械": {"装载机", "挖掘机"},
    "汽车零部件": {"汽车零部件"},
    "胶合板与人造板": {"胶合板", "人造板"},
    "电动自行车": {"电动自行车"},
    "纺织服装": {"纺织品", "服装"},
    "家用电器": {"家用电器"},
    "肥料": {"肥料"},
    "水泥": {"水泥"},
    "钢筋": {"钢筋"},
}


def _split(value):
    return [part for part in value.split(";") if part]


def _parse_date(value):
    """'YYYY-MM-DD' -> that date; 'YYYY' -> 1 January of that year (the catalog allows year-only)."""
    if re.fullmatch(r"\d{4}", value):
        return dt.date(int(value), 1, 1)
    return dt.date.fromisoformat(value)


@pytest.fixture(scope="module")
def rows():
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == FIELDS
        return list(reader)


@pytest.fixture(scope="module")
def by_number(rows):
    return {row["number"]: row for row in rows}


def test_catalog_has_a_demo_sized_number_of_rows(rows):
    assert 250 <= len(rows) <= 400


def test_every_row_has_number_title_kind_and_status(rows):
    for row in rows:
        assert row["number"] and row["title_zh"], row
        assert row["kind"] in NUMBER_PATTERNS, row["number"]
        assert row["status"] in STATUSES, row["number"]


def test_numbers_are_unique(rows):
    duplicates = [number for number, n in Counter(r["number"] for r in rows).items() if n > 1]
    assert duplicates == []


def test_numbers_are_well_formed_for_their_kind(rows):
    bad = [r["number"] for r in rows if not re.fullmatch(NUMBER_PATTERNS[r["kind"]], r["number"])]
    assert bad == []


def test_number_year_matches_issued_year_when_number_carries_it(rows):
    # A standard's number ends in its year of approval; the issue date may fall in the next year
    # (GB 5009.11-2014 was published in 2015), never earlier.
    for row in rows:
        number_year = int(row["number"].rsplit("-", 1)[1])
        issued_year = _parse_date(row["issued"]).year
        assert number_year <= issued_year <= number_year + 1, row["number"]


def test_titles_have_no_stray_whitespace(rows):
    for row in rows:
        assert row["title_zh"] == row["title_zh"].strip()
        assert "  " not in row["title_zh"], row["number"]


def test_dates_parse_and_effective_is_not_before_issued(rows):
    for row in rows:
        issued = _parse_date(row["issued"])
        if row["effective"]:
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["effective"]), row["number"]
            effective = _parse_date(row["effective"])
            assert effective >= issued, row["number"]


def test_status_agrees_with_dates_as_of_catalog_day(rows):
    for row in rows:
        effective = _parse_date(row["effective"]) if row["effective"] else None
        if row["status"] == "upcoming":
            assert effective is not None and effective > AS_OF, row["number"]
        elif row["status"] == "in_force" and effective is not None:
            assert effective <= AS_OF, row["number"]
        assert _parse_date(row["issued"]) <= AS_OF, row["number"]


def test_replaced_by_points_to_a_number_in_the_catalog(rows, by_number):
    missing = [(r["number"], r["replaced_by"]) for r in rows if r["replaced_by"] and r["replaced_by"] not in by_number]
    assert missing == []


def test_only_withdrawn_standards_are_replaced_and_by_something_newer_and_in_effect(rows, by_number):
    for row in rows:
        if not row["replaced_by"]:
            continue
        assert row["status"] == "withdrawn", row["number"]
        successor = by_number[row["replaced_by"]]
        assert successor["status"] in {"in_force", "withdrawn"}, row["number"]
        assert _parse_date(successor["issued"]) > _parse_date(row["issued"]), row["number"]


def test_replacement_chains_end_in_a_standard_in_force(by_number):
    for number in by_number:
        seen = set()
        current = by_number[number]
        while current["replaced_by"]:
            assert current["number"] not in seen, f"cycle through {number}"
            seen.add(current["number"])
            current = by_number[current["replaced_by"]]
        if seen:
            assert current["status"] == "in_force", number


def test_catalog_shows_replacement_chains(rows):
    withdrawn_with_successor = [r for r in rows if r["status"] == "withdrawn" and r["replaced_by"]]
    assert len(withdrawn_with_successor) >= 10
    # At least one chain of two steps, e.g. GB 2760-2011 -> GB 2760-2014 -> GB 2760-2024.
    by = {r["number"]: r for r in rows}
    assert any(by[r["replaced_by"]]["replaced_by"] for r in withdrawn_with_successor)


def test_known_versions_carry_the_expected_status(by_number):
    assert by_number["GB 2760-2024"]["status"] == "in_force"
    assert by_number["GB 2760-2014"]["replaced_by"] == "GB 2760-2024"
    assert by_number["GB 7718-2011"]["status"] == "in_force"
    assert by_number["GB 7718-2025"]["status"] == "upcoming"
    assert by_number["GB 7718-2025"]["effective"] == "2027-03-16"


def test_service_lines_are_valid_codes(rows):
    for row in rows:
        lines = _split(row["service_lines"])
        assert lines, row["number"]
        assert set(lines) <= set(SERVICE_LINE_CODES), row["number"]
        assert len(lines) == len(set(lines)), row["number"]


def test_list_fields_have_no_empty_or_padded_items(rows):
    for row in rows:
        for field in ("service_lines", "product_categories", "test_items", "keywords"):
            value = row[field]
            if value:
                items = value.split(";")
                assert all(item and item == item.strip() for item in items), (row["number"], field)


@pytest.mark.parametrize("industry", sorted(DEMO_INDUSTRIES))
def test_every_demo_industry_has_at_least_three_standards(rows, industry):
    categories = DEMO_INDUSTRIES[industry]
    matching = [r for r in rows if categories & set(_split(r["product_categories"]))]
    assert len(matching) >= 3, industry


@pytest.mark.parametrize("line", SERVICE_LINE_CODES)
def test_every_service_line_has_standards_in_force(rows, line):
    matching = [r for r in rows if line in _split(r["service_lines"]) and r["status"] == "in_force"]
    assert len(matching) >= 3, line


def test_guangxi_local_food_standards_are_present(rows):
    local = [r for r in rows if r["kind"] == "DBS45"]
    assert len(local) >= 3
    assert any("螺蛳粉" in r["title_zh"] for r in local if r["status"] == "in_force")


def test_at_most_one_edition_of_a_standard_is_in_force(rows):
    editions = Counter(r["number"].rsplit("-", 1)[0] for r in rows if r["status"] == "in_force")
    assert [base for base, n in editions.items() if n > 1] == []
