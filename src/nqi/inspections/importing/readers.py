"""Readers that turn an uploaded results file (xlsx, xls, csv) into a stream of rows of raw cells.

A reader yields every row of one sheet from spreadsheet row 1 on, as a list of cells (str, int,
float, bool, date, datetime; "" for an empty cell). The format is told by the file's content, not
its name: government systems often export a CSV or a web page under a ".xls" name.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Iterator
from pathlib import Path

from .i18n import gettext

CSV_SAMPLE_BYTES = 1 << 20
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"


class FileFormatError(ValueError):
    """The file cannot be read as a table; the message says why (translated, for the user)."""


def detect_format(path: str | os.PathLike) -> str:
    """'xlsx' (also xlsm/ods, any zip workbook), 'xls' (OLE2 workbook) or 'csv' (any text)."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if not head:
        raise FileFormatError(gettext("文件为空"))
    if head.startswith(_ZIP_MAGIC):
        return "xlsx"
    if head.startswith(_OLE_MAGIC):
        return "xls"
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text_head.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise FileFormatError(gettext(
            "该文件是网页（HTML/XML）格式，并非真正的 Excel 文件；请用 Excel 打开后另存为 xlsx 再导入"))
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileFormatError(gettext("无法识别的文件格式：请上传 xlsx、xls 或 csv 文件"))
    return "csv"


def detect_encoding(sample: bytes) -> str:
    """BOM first, then strict UTF-8, else GB18030 (a superset of GBK and GB2312, as WPS/Excel save them)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # An incremental decoder tolerates a character cut at the end of the sample.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
        return "gb18030"
    except UnicodeDecodeError:
        raise FileFormatError(gettext("无法识别文件编码：请保存为 UTF-8 或 GBK 编码的 CSV")) from None


def detect_delimiter(text: str) -> str:
    """The delimiter that splits the sample's busiest lines most consistently (',', tab, ';' or '|')."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", 0
    for delimiter in (",", "\t", ";", "|"):
        counts = sorted(line.count(delimiter) for line in lines)
        if not counts:
            continue
        # The header and data rows share the largest count; title and note lines have few.
        score = counts[len(counts) * 3 // 4]
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _count_lines(path: str | os.PathLike) -> int:
    """Physical lines of a text file, counted in 1 MiB blocks (a quoted cell with line breaks adds more)."""
    lines, last = 0, b"\n"
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            lines += block.count(b"\n")
            last = block[-1:]
    return lines + (last != b"\n")


class CsvReader:
    format = "csv"

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        with open(self.path, "rb") as handle:
            sample = handle.read(CSV_SAMPLE_BYTES)
        self.encoding = detect_encoding(sample)
        sample_text = codecs.getincrementaldecoder(self.encoding)(errors="replace").decode(sample)
        self.delimiter = detect_delimiter(sample_text)
        self.sheet_name = None
        self.sheet_names: list[str] = []
        self.col_offset = 0
        self.total_rows: int | None = _count_lines(self.path)
        self._handle = None

    def rows(self) -> Iterator[list]:
        self._handle = open(self.path, encoding=self.encoding, newline="")  # noqa: SIM115 closed in close()
        try:
            yield from csv.reader(self._handle, delimiter=self.delimiter)
        except UnicodeDecodeError:
            raise FileFormatError(gettext("文件编码不一致：开头按 %(encoding)s 读取，后面有无法解码的内容")
                                  % {"encoding": self.encoding}) from None
        except csv.Error as exc:
            raise FileFormatError(gettext("CSV 格式错误：%(error)s") % {"error": exc}) from None
        finally:
            self.close()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class WorkbookReader:
    """xlsx / xls / ods through python-calamine (Rust): fast, and gives date cells as dates."""

    def __init__(self, path: str | os.PathLike, sheet: str | int | None = None, *, fmt: str = "xlsx"):
        from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

        self.path = Path(path)
        self.format = fmt
        self.encoding = None
        try:
            self._workbook = CalamineWorkbook.from_path(str(self.path))
        except (CalamineError, OSError, ValueError) as exc:
            raise FileFormatError(gettext("无法打开 Excel 文件：%(error)s") % {"error": exc}) from None
        self.sheet_names = list(self._workbook.sheet_names)
        self.visible_sheets = [
            meta.name for meta in self._workbook.sheets_metadata if meta.visible == SheetVisibleEnum.Visible
        ] or self.sheet_names
        self._select(sheet if sheet is not None else self.visible_sheets[0])

    def _select(self, sheet: str | int) -> None:
        from python_calamine import CalamineError

        try:
            if isinstance(sheet, int):
                self._sheet = self._workbook.get_sheet_by_index(sheet)
            else:
                self._sheet = self._workbook.get_sheet_by_name(sheet)
        except (CalamineError, IndexError, ValueError):
            raise FileFormatError(gettext("工作表不存在：%(sheet)s") % {"sheet": sheet}) from None
        self.sheet_name = self._sheet.name
        start = self._sheet.start
        # calamine yields rows from row 1 but columns only from the first used column.
        self.col_offset = start[1] if start else 0
        end = self._sheet.end
        self.total_rows = end[0] + 1 if end else 0

    def select_sheet(self, sheet: str | int) -> None:
        self._select(sheet)

    def _vertical_merges(self) -> dict[int, list[tuple[int, tuple[int, int]]]]:
        """row -> [(column, top-left cell)] for the cells of vertically merged ranges below their first row."""
        fills: dict[int, list[tuple[int, tuple[int, int]]]] = {}
        for (top, left), (bottom, right) in self._sheet.merged_cell_ranges or ():
            if bottom <= top:
                continue
            for row in range(top, bottom + 1):
                for col in range(left, right + 1):
                    if (row, col) != (top, left):
                        fills.setdefault(row, []).append((col - self.col_offset, (top, left - self.col_offset)))
        return fills

    def rows(self) -> Iterator[list]:
        fills = self._vertical_merges()
        if not fills:
            yield from self._sheet.iter_rows()
            return
        # A vertically merged cell (one city or lab for a block of rows) holds its value only in the
        # first row; people read it as repeated in every row of the block, so the reader repeats it.
        sources_by_row: dict[int, set[tuple[int, int]]] = {}
        for cells in fills.values():
            for _col, source in cells:
                sources_by_row.setdefault(source[0], set()).add(source)
        seen: dict[tuple[int, int], object] = {}
        for index, row in enumerate(self._sheet.iter_rows()):
            for source in sources_by_row.get(index, ()):
                if 0 <= source[1] < len(row):
                    seen[source] = row[source[1]]
            for col, source in fills.get(index, ()):
                if 0 <= col < len(row) and row[col] == "":
                    row[col] = seen.get(source, "")
            yield row

    def close(self) -> None:
        try:
            self._workbook.close()
        except Exception:  # noqa: BLE001 already closed
            pass


def open_reader(path: str | os.PathLike, sheet: str | int | None = None) -> CsvReader | WorkbookReader:
    fmt = detect_format(path)
    if fmt == "csv":
        return CsvReader(path)
    return WorkbookReader(path, sheet, fmt=fmt)
