"""Turns a hand-made spot-check results sheet into validated records.

The header row is searched for among the first rows, its columns are mapped to fields by synonyms
(or by a mapping the user confirmed), and each data row becomes a `ParsedRecord` or one or more
`RowError`s. Records stream out of `ImportParser.records()` one by one, or column by column in
`RecordBatch`es from `ImportParser.record_batches()` (the importer's way: same rows, same counts, a
fraction of the time); the counts land in `ImportSummary`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

from . import normalize as norm
from .fields import FIELDS, FIELDS_BY_KEY, REQUIRED_KEYS, match_header_detail
from .i18n import active_language, gettext, language_override
from .readers import CsvReader, FileFormatError, WorkbookReader, open_reader

HEADER_SCAN_ROWS = 40
DEFAULT_MAX_ERRORS = 5000
PROGRESS_EVERY = 10_000
# Parsed values are cached per column by raw text (cities, dates, companies and conclusions repeat
# all the time); the cache is emptied when it grows past this many entries to keep memory bounded.
CACHE_LIMIT = 20_000
IGNORE = "ignore"

ProgressCallback = Callable[[int, int | None], None]


class MappingError(ValueError):
    """The sheet cannot be imported with this header/mapping; the message says why (translated)."""


def column_letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass(frozen=True, slots=True)
class RowError:
    """Why a row was rejected: spreadsheet row (1-based), column name as in the file, reason."""

    row: int
    column: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return gettext("第%(row)s行【%(column)s】%(message)s") % {
            "row": self.row, "column": self.column, "message": self.message}

    def to_json(self) -> dict:
        return {"row": self.row, "column": self.column, "field": self.field, "message": self.message}


@dataclass(frozen=True, slots=True)
class DuplicateRow:
    row: int
    first_row: int

    def to_json(self) -> dict:
        return {"row": self.row, "first_row": self.first_row,
                "message": gettext("第%(row)s行与第%(first_row)s行重复（生产企业、产品、批号、抽样日期相同），已跳过")
                % {"row": self.row, "first_row": self.first_row}}


@dataclass(slots=True)
class ParsedRecord:
    """One valid result row. Optional text fields are '' when the sheet leaves them empty."""

    row: int
    product_name: str
    manufacturer_name: str
    city_code: str
    sampling_date: dt.date
    passed: bool
    seq: str = ""
    product_category: str = ""
    specification: str = ""
    batch: str = ""
    trademark: str = ""
    manufacturer_address: str = ""
    manufacturer_uscc: str = ""
    sampled_unit: str = ""
    sampled_unit_uscc: str = ""
    stage: str = ""
    lab: str = ""
    failed_items: tuple[str, ...] = ()
    remarks: str = ""

    @property
    def conclusion(self) -> str:
        return gettext("合格") if self.passed else gettext("不合格")

    @property
    def city_name(self) -> str:
        return gettext(norm.CITY_LABELS[self.city_code])  # "柳州市": the msgid of City's label

    def to_json(self) -> dict:
        data = {name: getattr(self, name) for name in self.__slots__}
        data["sampling_date"] = self.sampling_date.isoformat()
        data["failed_items"] = list(self.failed_items)
        data["conclusion"] = self.conclusion
        data["city_name"] = self.city_name
        return data


_RECORD_FIELDS = frozenset(ParsedRecord.__slots__) - {"row", "city_code", "passed"}
# ParsedRecord's defaults, for the columns a sheet does not have.
_DEFAULTS = {name: ParsedRecord.__dataclass_fields__[name].default for name in ParsedRecord.__slots__
             if name not in ("row", "product_name", "manufacturer_name", "city_code", "sampling_date", "passed")}
# Field key -> ParsedRecord attribute where they differ.
_ATTRIBUTE = {"city": "city_code", "conclusion": "passed"}


def dedup_key(record: ParsedRecord) -> tuple[str, str, str, dt.date]:
    """Same manufacturer, product, batch and sampling date = the same sample reported twice.

    Names are compared without spaces and case, so '柳州市 螺香食品有限公司' and '柳州市螺香食品有限公司' match.
    """
    # Parsed text has single spaces only, so replace() does what compact() would, faster.
    return (record.manufacturer_name.replace(" ", "").casefold(), record.product_name.replace(" ", "").casefold(),
            record.batch.replace(" ", "").casefold(), record.sampling_date)


@dataclass(slots=True)
class RecordBatch:
    """Valid, first-seen rows of one stretch of the sheet, column by column: what `records()` gives row by
    row, for the importer, which builds its database rows a column at a time."""

    rows: list[int]  # sheet row numbers
    columns: dict[str, list]  # ParsedRecord attribute (all but row and seq) -> one value per row
    keys: list[tuple[str, str, str, dt.date]]  # each row's dedup_key

    def __len__(self) -> int:
        return len(self.rows)

    def records(self) -> list[ParsedRecord]:
        names = tuple(self.columns)
        return [ParsedRecord(row, **dict(zip(names, values, strict=True)))
                for row, *values in zip(self.rows, *self.columns.values(), strict=True)]


def mapped(function: Callable, values: list) -> list:
    """[function(v) for v in values], calling function once per distinct value (columns repeat theirs)."""
    table = {value: function(value) for value in set(values)}
    return list(map(table.__getitem__, values))


def _squeezed(values: list[str | None]) -> list[str | None]:
    """dedup_key's form of a text column: spaces removed, case folded (None where a cell was rejected)."""
    return mapped(lambda text: text if text is None else text.replace(" ", "").casefold(), values)


@dataclass(slots=True)
class ColumnInfo:
    index: int  # 0-based spreadsheet column (A = 0)
    name: str  # the header text as written (cleaned)
    field: str | None = None
    source: str = "auto"  # auto | override | none
    note: str = ""

    @property
    def letter(self) -> str:
        return column_letter(self.index)

    @property
    def label(self) -> str:
        """How the column is named in messages: its header, or its letter when the header is empty."""
        return self.name or gettext("%(letter)s列") % {"letter": self.letter}

    def to_json(self) -> dict:
        return {"index": self.index, "letter": self.letter, "name": self.name, "field": self.field,
                "field_label": FIELDS_BY_KEY[self.field].verbose_label if self.field else None,
                "source": self.source, "note": self.note}


@dataclass
class ImportSummary:
    """What a parse found; `to_json()` gives a JSON-ready dict for `--json`, the preview page and the job."""

    file_name: str = ""
    format: str = ""
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    data_rows: int = 0  # rows holding data: valid + rejected + duplicates
    valid: int = 0
    rejected: int = 0
    duplicates: int = 0
    skipped_rows: int = 0  # blank rows, notes, repeated headers
    errors: list[RowError] = field(default_factory=list)
    errors_truncated: bool = False
    duplicate_rows: list[DuplicateRow] = field(default_factory=list)
    columns: list[ColumnInfo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    finished: bool = False

    @property
    def mapping(self) -> dict[int, str]:
        return {col.index: col.field for col in self.columns if col.field}

    @property
    def unknown_columns(self) -> list[ColumnInfo]:
        return [col for col in self.columns if not col.field]

    @property
    def missing_fields(self) -> list[str]:
        mapped = {col.field for col in self.columns}
        return [key for key in REQUIRED_KEYS if key not in mapped]

    def to_json(self) -> dict:
        return {
            "file_name": self.file_name, "format": self.format, "encoding": self.encoding, "sheet": self.sheet,
            "header_row": self.header_row, "data_rows": self.data_rows, "valid": self.valid,
            "rejected": self.rejected, "duplicates": self.duplicates, "skipped_rows": self.skipped_rows,
            "finished": self.finished,
            "mapping": {str(index): key for index, key in self.mapping.items()},
            "columns": [col.to_json() for col in self.columns],
            "unknown_columns": [col.label for col in self.unknown_columns],
            "missing_fields": [FIELDS_BY_KEY[key].verbose_label for key in self.missing_fields],
            "errors": [error.to_json() for error in self.errors],
            "errors_truncated": self.errors_truncated,
            "duplicate_rows": [dup.to_json() for dup in self.duplicate_rows],
            "notes": self.notes,
        }


@dataclass(slots=True)
class RowOutcome:
    """One data row as the preview shows it: its cells, and the record or the errors or the duplicate."""

    row: int
    cells: list[str]
    record: ParsedRecord | None = None
    errors: list[RowError] = field(default_factory=list)
    duplicate_of: int | None = None

    @property
    def status(self) -> str:
        if self.record is not None:
            return "duplicate" if self.duplicate_of else "valid"
        return "rejected"

    def to_json(self) -> dict:
        return {"row": self.row, "cells": self.cells, "status": self.status,
                "record": self.record.to_json() if self.record else None,
                "errors": [error.to_json() for error in self.errors], "duplicate_of": self.duplicate_of}


# --- converters: (raw cell, cleaned text) -> value, raising ValueError with the reason ----------

def _as_text(raw: object, text: str) -> str:
    return text


def _as_date(raw: object, text: str) -> dt.date:
    return norm.parse_date(raw if not isinstance(raw, str) else text)


def _as_city(raw: object, text: str) -> str:
    return norm.parse_city(text)


def _as_conclusion(raw: object, text: str) -> bool:
    return norm.parse_conclusion(text)


def _as_uscc(raw: object, text: str) -> str:
    return norm.parse_uscc(text)


def _as_stage(raw: object, text: str) -> str:
    return norm.parse_stage(text)


def _as_items(raw: object, text: str) -> tuple[str, ...]:
    return norm.split_failed_items(raw)


_CONVERTERS: dict[str, Callable[[object, str], object]] = {
    "sampling_date": _as_date, "city": _as_city, "conclusion": _as_conclusion, "manufacturer_uscc": _as_uscc,
    "sampled_unit_uscc": _as_uscc, "stage": _as_stage, "failed_items": _as_items,
}
_EMPTY = {"failed_items": ()}
_SPACING = re.compile(r"  |[\t\n\r]").search  # what clean_text would collapse in ASCII text
_NOTE_START = re.compile(r"^(注|备注|说明|附|制表|填表|填报|审核|数据来源|合计|小计|总计|共计|以下空白|签字|盖章|负责人|联系人|联系电话)")


def _convert_cell(raw: object, spec: tuple, cache: dict) -> tuple[object, str | None, str]:
    """(value, reason the cell is rejected or None, cleaned text or '' when blank), remembered in cache."""
    key, _label, convert, required, empty = spec
    text = norm.clean_text(raw)
    if text in norm.NULL_MARKERS:
        result = (empty, gettext("%(field)s为空（必填）") % {"field": FIELDS_BY_KEY[key].verbose_label}
                  if required else None, "")
    else:
        try:
            result = (convert(raw, text), None, text)
        except ValueError as exc:  # InvalidCreditCode is a ValueError too
            result = (empty, str(exc), text)
    if len(cache) >= CACHE_LIMIT:
        cache.clear()
    cache[raw] = result
    return result


def _header_text(cell: object) -> str:
    return norm.clean_text(cell) if cell is not None else ""


def _score_header(row: list) -> tuple[int, int]:
    keys = {match_header_detail(cell)[0] for cell in row if isinstance(cell, str) and cell.strip()}
    keys.discard(None)
    return len(keys), len(keys & set(REQUIRED_KEYS))


def _looks_like_data(cell: object) -> bool:
    if isinstance(cell, (int, float, dt.date)):
        return True
    text = _header_text(cell)
    if not text:
        return False
    for parse in (norm.parse_conclusion, norm.parse_date):
        try:
            parse(text)
            return True
        except ValueError:
            pass
    return False


def _column_names(top: list, sub: list | None, width: int) -> list[str]:
    """Header names per column; with a second header row, group + sub name ('标称生产企业' + '名称')."""
    names, group = [], ""
    for index in range(width):
        head = _header_text(top[index]) if index < len(top) else ""
        if head:
            group = head
        if sub is None:
            names.append(head)
            continue
        below = _header_text(sub[index]) if index < len(sub) else ""
        names.append(group + below if below and group else (below or head))
    return names


class ImportParser:
    """One results file: header found and mapped on creation; `records()` streams the valid rows.

    `mapping` overrides the detected mapping: {column index (0-based, A = 0) -> field key, or None /
    'ignore' to drop a column}. `header_row` (1-based) overrides header detection. Opening never fails
    on a bad header: `problem` says what is wrong, and `records()` raises `MappingError` with it.
    """

    def __init__(self, path: str | os.PathLike, *, mapping: Mapping[int | str, str | None] | None = None,
                 sheet: str | int | None = None, header_row: int | None = None,
                 max_errors: int = DEFAULT_MAX_ERRORS):
        self.path = Path(path)
        self.max_errors = max_errors
        # Row messages are written in the language active where the parser is made, also when the records
        # are read in another thread (the importer's read-ahead thread does not inherit the language).
        self.language = active_language()
        self.reader = open_reader(self.path, sheet)
        self._override = self._check_override(mapping)
        self._header_row_arg = header_row
        self._header_rows: tuple[int, ...] = ()
        self.head: list[tuple[int, list]] = []
        self._rows = self._open_sheet(sheet, header_row)
        self.summary = ImportSummary(
            file_name=self.path.name, format=self.reader.format, encoding=self.reader.encoding,
            sheet=self.reader.sheet_name, header_row=self._header_rows[0] if self._header_rows else None,
            columns=self._columns(),
        )
        self.problem = self._find_problem()
        self._consumed = False
        self._plan_cache: list[tuple] | None = None

    # --- header and mapping --------------------------------------------------------------------

    @staticmethod
    def _check_override(mapping: Mapping[int | str, str | None] | None) -> dict[int, str | None]:
        checked: dict[int, str | None] = {}
        for raw_index, key in (mapping or {}).items():
            try:
                index = int(raw_index)
            except (TypeError, ValueError):
                raise MappingError(gettext("列号应为从 0 开始的整数：%(index)s") % {"index": raw_index}) from None
            if index < 0:
                raise MappingError(gettext("列号应为从 0 开始的整数：%(index)s") % {"index": raw_index})
            if key in (None, "", IGNORE):
                checked[index] = None
            elif key in FIELDS_BY_KEY:
                checked[index] = key
            else:
                raise MappingError(gettext("未知字段：%(key)s（可选：%(keys)s）") % {
                    "key": key, "keys": gettext("、").join(f.key for f in FIELDS)})
        assigned = [key for key in checked.values() if key]
        repeated = {key for key in assigned if assigned.count(key) > 1}
        if repeated:
            raise MappingError(gettext("同一字段不能对应多列：%(f)s") % {
                "f": gettext("、").join(FIELDS_BY_KEY[k].verbose_label for k in sorted(repeated))})
        return checked

    def _read_head(self) -> Iterator[list]:
        rows = self.reader.rows()
        self.head = [(number, row) for number, row in enumerate(islice(rows, HEADER_SCAN_ROWS), start=1)]
        return rows

    def _open_sheet(self, sheet: str | int | None, header_row: int | None) -> Iterator[list]:
        rows = self._read_head()
        if header_row is not None:
            if not 1 <= header_row <= len(self.head):
                raise MappingError(gettext("表头行应在第1行到第%(n)s行之间") % {"n": len(self.head)})
            self._set_header(header_row - 1, allow_subheader=False)
            return rows
        found = self._detect_header()
        if found is None and sheet is None and isinstance(self.reader, WorkbookReader):
            # The results may sit on a later sheet (the first one being a cover or a summary).
            for name in self.reader.visible_sheets:
                if name == self.reader.sheet_name:
                    continue
                self.reader.select_sheet(name)
                candidate_rows = self._read_head()
                found = self._detect_header()
                if found is not None:
                    rows = candidate_rows
                    break
            else:
                self.reader.select_sheet(self.reader.visible_sheets[0])
                rows = self._read_head()
        if found is not None:
            self._set_header(found, allow_subheader=True)
        return rows

    def _detect_header(self) -> int | None:
        best, best_score = None, (2, 0)
        for position, (_number, row) in enumerate(self.head):
            score, required = _score_header(row)
            if required >= 2 and score > best_score[0]:
                best, best_score = position, (score, required)
        return best

    def _set_header(self, position: int, *, allow_subheader: bool) -> None:
        top = self.head[position][1]
        sub = self.head[position + 1][1] if position + 1 < len(self.head) else None
        width = max(len(top), len(sub or ()))
        self._names = _column_names(top, None, width)
        self._header_rows = (position + 1,)
        if allow_subheader and sub and not any(_looks_like_data(cell) for cell in sub):
            names = _column_names(top, sub, width)
            before = {match_header_detail(n)[0] for n in self._names} - {None}
            after = {match_header_detail(n)[0] for n in names} - {None}
            if len(after) > len(before):
                self._names = names
                self._header_rows = (position + 1, position + 2)

    def _columns(self) -> list[ColumnInfo]:
        offset = self.reader.col_offset
        names = getattr(self, "_names", [])
        columns: dict[int, ColumnInfo] = {}
        claimed: dict[str, tuple[bool, int]] = {}  # field -> (exact match?, column index)
        for position, name in enumerate(names):
            if not name:
                continue
            index = position + offset
            key, exact = match_header_detail(name)
            column = columns[index] = ColumnInfo(index=index, name=name, source="auto" if key else "none")
            if key is None:
                continue
            if key in claimed:
                # Two columns name the same field: an exact name beats a contained one, then the first.
                other_exact, other_index = claimed[key]
                if exact and not other_exact:
                    columns[other_index].field, columns[other_index].source = None, "none"
                    columns[other_index].note = gettext("与%(letter)s列“%(name)s”重复，已忽略") % {
                        "letter": column.letter, "name": name}
                else:
                    column.source = "none"
                    column.note = gettext("与%(letter)s列“%(name)s”重复，已忽略") % {
                        "letter": columns[other_index].letter, "name": columns[other_index].name}
                    continue
            claimed[key] = (exact, index)
            column.field = key
        for index, key in self._override.items():
            if key:
                for other in columns.values():
                    if other.field == key and other.index != index:
                        other.field, other.source = None, "none"
            column = columns.get(index) or ColumnInfo(index=index, name="")
            column.field, column.source, column.note = key, "override", ""
            columns[index] = column
        return [columns[index] for index in sorted(columns)]

    def _find_problem(self) -> str | None:
        if not self._header_rows:
            return gettext("未找到表头：前%(n)s行中没有同时含有产品名称、生产企业、检验结论等列名的行，请指定表头行和列对应关系"
                           ) % {"n": len(self.head)}
        missing = self.summary.missing_fields
        if missing:
            return gettext("缺少必填列：%(fields)s；请在列对应关系中指定") % {
                "fields": gettext("、").join(FIELDS_BY_KEY[key].verbose_label for key in missing)}
        return None

    @property
    def columns(self) -> list[ColumnInfo]:
        return self.summary.columns

    @property
    def mapping(self) -> dict[int, str]:
        return self.summary.mapping

    @property
    def header_row(self) -> int | None:
        return self.summary.header_row

    # --- rows ----------------------------------------------------------------------------------

    def _plan(self) -> list[tuple]:
        """Per mapped column: (position in a row, attribute, value cache, its get, converter spec). Made once,
        so that records() and record_batches() share the caches."""
        if self._plan_cache is not None:
            return self._plan_cache
        offset = self.reader.col_offset
        plan = []
        for column in self.columns:
            if column.field:
                key = column.field
                required = key in REQUIRED_KEYS
                spec = (key, column.label, _CONVERTERS.get(key, _as_text), required,
                        _EMPTY.get(key, None if required else ""))
                cache: dict = {}
                plan.append((column.index - offset, _ATTRIBUTE.get(key, key), cache, cache.get, spec))
        self._plan_cache = plan
        return plan

    def _evaluate(self, rows: Iterable[tuple[int, list]], summary: ImportSummary, *,
                  outcomes: bool = False, seen: dict[int, int] | None = None) -> Iterator:
        """Yield a ParsedRecord per valid, first-seen row (or a RowOutcome per data row with outcomes=True).
        `seen` maps the hash of each dedup key met so far to its row."""
        plan = self._plan()
        width_needed = max((position for position, *_rest in plan), default=-1) + 1
        padding = [""] * width_needed
        header_names = {column.index - self.reader.col_offset: norm.compact(column.name)
                        for column in self.columns if column.name}
        seen = {} if seen is None else seen
        max_errors = self.max_errors
        errors = summary.errors
        new_record = ParsedRecord
        clean = norm.clean_text
        convert_cell = _convert_cell
        for number, row in rows:
            if len(row) < width_needed:
                row = row + padding[len(row):]
            values = {}
            row_errors = None
            filled = 0
            for position, attr, cache, cached_result, spec in plan:
                raw = row[position]
                # Cached by raw cell: a column repeats its cities, dates, companies and conclusions.
                # (True == 1 as a dict key; boolean cells do not occur in these tables.)
                value, error, text = cached_result(raw) or convert_cell(raw, spec, cache)
                if text:
                    filled += 1
                if error is not None:
                    if row_errors is None:
                        row_errors = []
                    row_errors.append(RowError(number, spec[1], error, spec[0]))
                values[attr] = value
            if filled == 0:
                summary.skipped_rows += 1
                continue
            if row_errors is not None and self._is_not_data(row, filled, header_names, summary):
                summary.skipped_rows += 1
                continue
            if row_errors is None and values.get("passed") is True and values.get("failed_items"):
                row_errors = [RowError(number, self._label_of("failed_items"),
                                       gettext("检验结论为合格，却填写了不合格项目"), "failed_items")]
            summary.data_rows += 1
            if row_errors is not None:
                summary.rejected += 1
                for error in row_errors:
                    if len(errors) < max_errors:
                        errors.append(error)
                    else:
                        summary.errors_truncated = True
                if outcomes:
                    yield RowOutcome(number, [clean(cell) for cell in row], errors=row_errors)
                continue
            record = new_record(number, **values)
            key_hash = hash(dedup_key(record))
            first = seen.get(key_hash)
            if first is not None:
                summary.duplicates += 1
                if len(summary.duplicate_rows) < max_errors:
                    summary.duplicate_rows.append(DuplicateRow(number, first))
                if outcomes:
                    yield RowOutcome(number, [clean(cell) for cell in row], record=record, duplicate_of=first)
                continue
            seen[key_hash] = number
            summary.valid += 1
            yield RowOutcome(number, [clean(cell) for cell in row], record=record) if outcomes else record

    def _label_of(self, key: str) -> str:
        for column in self.columns:
            if column.field == key:
                return column.label
        return FIELDS_BY_KEY[key].verbose_label

    @staticmethod
    def _is_not_data(row: list, filled: int, header_names: dict[int, str], summary: ImportSummary) -> bool:
        """Notes under the table ('注：…', '制表人：…'), subtotal lines and headers repeated on each page."""
        texts = [text for text in (norm.clean_text(cell) for cell in row) if not norm.is_blank(text)]
        if not texts:
            return False
        note = (len(texts) <= 3 and _NOTE_START.match(texts[0])) or (len(texts) == 1 and len(texts[0]) > 40)
        if note:
            if len(summary.notes) < 50:
                summary.notes.append(" ".join(texts))
            return True
        same = 0
        for checked, (position, name) in enumerate(header_names.items()):
            if position < len(row) and isinstance(row[position], str) and norm.compact(row[position]) == name:
                same += 1
            elif checked >= 3 and same == 0:
                return False  # a repeated header matches from its first columns on
        return same >= max(2, len(header_names) // 2)

    def _data_rows(self) -> Iterator[tuple[int, list]]:
        start = self._header_rows[-1]  # the head list is 1-based rows; skip up to the (last) header row
        return chain(self.head[start:], enumerate(self._rows, start=len(self.head) + 1))

    def records(self, progress: ProgressCallback | None = None,
                progress_every: int = PROGRESS_EVERY) -> Iterator[ParsedRecord]:
        """Stream the valid, first-seen records; the summary fills in as rows go by (done when exhausted)."""
        return self._read(lambda rows: self._evaluate(rows, self.summary), progress, progress_every)

    def record_batches(self, size: int, *, first_size: int | None = None, progress: ProgressCallback | None = None,
                       progress_every: int = PROGRESS_EVERY) -> Iterator[RecordBatch]:
        """The rows records() streams, in batches: the valid, first-seen rows of each `size` data rows
        (`first_size` for the first, twice as many for the next, and so on up to `size`, so that a database
        waiting for the first batch gets one soon). Values are converted a column at a time, once per distinct
        cell; rows with a problem go through the row-by-row checks, so the summary is exactly records()'s."""
        def batches(rows: Iterator[tuple[int, list]]) -> Iterator[RecordBatch]:
            seen: dict[int, int] = {}
            count = first_size or size
            while chunk := list(islice(rows, count)):
                batch = self._evaluate_columns(chunk, seen)
                if batch:
                    yield batch
                count = min(size, count * 2)

        return self._read(batches, progress, progress_every)

    def _read(self, evaluate: Callable[[Iterator[tuple[int, list]]], Iterator], progress: ProgressCallback | None,
              progress_every: int) -> Iterator:
        """evaluate(the data rows), once per parser; the summary is finished when the rows are."""
        if self.problem:
            raise MappingError(self.problem)
        if self._consumed:
            raise RuntimeError("records() can be iterated only once per ImportParser")
        self._consumed = True
        rows = self._data_rows()
        total = self.reader.total_rows
        if progress is not None:
            rows = _with_progress(rows, progress, progress_every, total)
        try:
            with language_override(self.language):
                yield from evaluate(rows)
            self.summary.finished = True
        finally:
            self.reader.close()
        if progress is not None:
            progress(self._last_row(), total)

    def _evaluate_columns(self, chunk: list[tuple[int, list]], seen: dict[int, int]) -> RecordBatch:
        """_evaluate for a list of rows, column by column."""
        summary, plan = self.summary, self._plan()
        width = max((position for position, *_rest in plan), default=-1) + 1
        padding = [""] * width
        cells = [row if len(row) >= width else row + padding[len(row):] for _number, row in chunk]
        numbers = [number for number, _row in chunk]
        # The sheet column by column (as far as the shortest row, which is at least `width` long).
        by_position = list(zip(*cells, strict=False))
        columns: dict[str, list] = {}
        troubled: set[int] = set()  # rows with a rejected cell: blank rows, notes and bad values
        for position, attr, cache, cached_result, spec in plan:
            if attr == "seq":  # the sheet's own numbering: not stored
                continue
            raw_column = by_position[position]
            values, bad, distinct = {}, set(), set(raw_column)
            if spec[2] is _as_text:  # plain ASCII text (batch numbers: one per row) is its own clean value
                plain = [raw for raw in distinct if type(raw) is str and raw.isascii() and raw == raw.strip()
                         and raw not in norm.NULL_MARKERS and not _SPACING(raw)]
                values.update(zip(plain, plain, strict=True))
                distinct.difference_update(plain)
            for raw in distinct:
                values[raw], error, _text = cached_result(raw) or _convert_cell(raw, spec, cache)
                if error is not None:
                    bad.add(raw)
            if bad:
                troubled.update(i for i, raw in enumerate(raw_column) if raw in bad)
            columns[attr] = list(map(values.__getitem__, raw_column))
        count = len(chunk)
        for name, default in _DEFAULTS.items():
            if name not in columns and name != "seq":
                columns[name] = [default] * count
        passed, items = columns["passed"], columns["failed_items"]
        troubled.update(i for i, (ok, names) in enumerate(zip(passed, items, strict=True)) if ok is True and names)
        if troubled:  # row by row, as records() would: each such row is rejected or skipped, never a record
            for _record in self._evaluate([chunk[i] for i in sorted(troubled)], summary, seen=seen):
                raise AssertionError("a row with a rejected cell became a record")
        keys = list(zip(_squeezed(columns["manufacturer_name"]), _squeezed(columns["product_name"]),
                        _squeezed(columns["batch"]), columns["sampling_date"], strict=True))
        hashes = list(map(hash, keys))
        unique = set(hashes)
        if not troubled and len(unique) == count and seen.keys().isdisjoint(unique):  # the usual case: all new
            seen.update(zip(hashes, numbers, strict=True))
            summary.data_rows += count
            summary.valid += count
            return RecordBatch(numbers, columns, keys)
        kept = []
        max_errors = self.max_errors
        for i, key_hash in enumerate(hashes):
            if i in troubled:
                continue
            first = seen.get(key_hash)
            if first is None:
                seen[key_hash] = numbers[i]
                kept.append(i)
                continue
            summary.duplicates += 1
            if len(summary.duplicate_rows) < max_errors:
                summary.duplicate_rows.append(DuplicateRow(numbers[i], first))
        summary.data_rows += count - len(troubled)
        summary.valid += len(kept)
        if len(kept) < count:
            columns = {name: [values[i] for i in kept] for name, values in columns.items()}
            numbers, keys = [numbers[i] for i in kept], [keys[i] for i in kept]
        return RecordBatch(numbers, columns, keys)

    def _last_row(self) -> int:
        return self.summary.data_rows + self.summary.skipped_rows + self._header_rows[-1]

    def preview(self, limit: int = 20) -> list[RowOutcome]:
        """The first `limit` data rows with their outcome, for the upload page (reads the file anew)."""
        if self.problem:
            return []
        again = ImportParser(self.path, mapping=self._override, sheet=self.reader.sheet_name,
                             header_row=self._header_row_arg, max_errors=self.max_errors)
        outcomes = list(islice(again._evaluate(again._data_rows(), again.summary, outcomes=True), limit))
        again.reader.close()
        self.preview_summary = again.summary  # counts over the previewed rows only
        return outcomes

    def head_cells(self) -> list[list[str]]:
        """The first rows as cleaned text, so the page can show them and let the user pick the header row."""
        offset = [""] * self.reader.col_offset
        return [offset + [norm.clean_text(cell) for cell in row] for _number, row in self.head]

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> ImportParser:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _with_progress(rows: Iterator[tuple[int, list]], progress: ProgressCallback, every: int,
                   total: int | None) -> Iterator[tuple[int, list]]:
    for number, row in rows:
        if number % every == 0:
            progress(number, total)
        yield number, row


def parse_file(path: str | os.PathLike, *, mapping: Mapping[int | str, str | None] | None = None,
               sheet: str | int | None = None, header_row: int | None = None,
               progress: ProgressCallback | None = None,
               max_errors: int = DEFAULT_MAX_ERRORS) -> tuple[list[ParsedRecord], ImportSummary]:
    """Parse a whole file into a list (for small files and tests; stream with `ImportParser.records()`)."""
    with ImportParser(path, mapping=mapping, sheet=sheet, header_row=header_row, max_errors=max_errors) as parser:
        records = list(parser.records(progress=progress))
    return records, parser.summary


def preview_file(path: str | os.PathLike, *, mapping: Mapping[int | str, str | None] | None = None,
                 sheet: str | int | None = None, header_row: int | None = None, limit: int = 20) -> dict:
    """Everything the upload page shows before import: detected header, mapping, problems, sample rows."""
    with ImportParser(path, mapping=mapping, sheet=sheet, header_row=header_row) as parser:
        rows = parser.preview(limit)
        summary = getattr(parser, "preview_summary", parser.summary)
        return {
            **summary.to_json(),
            "previewed_rows": len(rows),
            "sheets": parser.reader.sheet_names,
            "header_rows": list(parser._header_rows),
            "problem": parser.problem,
            "fields": [{"key": f.key, "label": f.verbose_label, "required": f.required} for f in FIELDS],
            "head": parser.head_cells(),
            "rows": [outcome.to_json() for outcome in rows],
        }


__all__ = [
    "ColumnInfo", "CsvReader", "DuplicateRow", "FileFormatError", "ImportParser", "ImportSummary", "MappingError",
    "ParsedRecord", "RecordBatch", "RowError", "RowOutcome", "WorkbookReader", "dedup_key", "parse_file", "preview_file",
]
