"""Spot-check history in, sampling plan out: read and validate the history CSV, write the plan CSV.

The history has one row per (period, enterprise, product category) with the batches sampled and failed;
every error names the CSV line and column so a bureau clerk can fix the file in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nqi.core.choices import city_code_from_name

HISTORY_COLUMNS = ("period", "region", "product_category", "enterprise_id", "sampled", "failed")
PLAN_COLUMNS = (
    "enterprise_id",
    "product_category",
    "batches",
    "region",
    "random_batches",
    "targeted_batches",
    "estimated_risk",
    "risk_low",
    "risk_high",
    "history_sampled",
    "history_failed",
    "reason",
)
COLUMN_LABELS = {
    "period": "期次",
    "region": "地区",
    "product_category": "产品类别",
    "enterprise_id": "企业标识",
    "sampled": "抽样批次",
    "failed": "不合格批次",
}
MAX_REPORTED_ERRORS = 20
_CITY_NAMES = {
    "450100": "南宁市", "450200": "柳州市", "450300": "桂林市", "450400": "梧州市", "450500": "北海市",
    "450600": "防城港市", "450700": "钦州市", "450800": "贵港市", "450900": "玉林市", "451000": "百色市",
    "451100": "贺州市", "451200": "河池市", "451300": "来宾市", "451400": "崇左市",
}


class HistoryError(ValueError):
    """The history cannot be used; `problems` lists every issue found (up to MAX_REPORTED_ERRORS)."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("；".join(self.problems) if len(self.problems) == 1 else "\n".join(self.problems))


@dataclass(frozen=True)
class HistoryRow:
    """One validated history row. `line` is the CSV line number (header = line 1), 0 for non-CSV input."""

    period: str
    region: str
    product_category: str
    enterprise_id: str
    sampled: int
    failed: int
    line: int = 0


def normalize_region(text: str) -> str:
    """'柳州', '柳州市', '450200' -> '柳州市' so one city is one effect; unknown names are kept as written."""
    text = (text or "").strip()
    if text in _CITY_NAMES:
        return _CITY_NAMES[text]
    code = city_code_from_name(text)
    return _CITY_NAMES[code] if code else text


def _parse_count(raw: object, line: int, column: str) -> tuple[int | None, str | None]:
    text = str(raw if raw is not None else "").strip().replace(",", "")
    label = f"第 {line} 行，列 {column}（{COLUMN_LABELS[column]}）" if line else f"列 {column}（{COLUMN_LABELS[column]}）"
    if not text:
        return None, f"{label}：不能为空"
    try:
        value = float(text)
    except ValueError:
        return None, f"{label}：“{text}” 不是整数"
    if value != value or value != int(value):
        return None, f"{label}：“{text}” 不是整数"
    if value < 0:
        return None, f"{label}：不能为负数（{text}）"
    return int(value), None


def validate_rows(records: Iterable[Mapping[str, object]], first_line: int = 2) -> list[HistoryRow]:
    """Validate mappings with the history columns (CSV rows, form data or model values).

    Raises HistoryError listing the problems, each naming the line (counted from `first_line`; 0 = no line
    numbers) and the column. Zero-batch rows are kept: they put enterprises never sampled into the frame.
    """
    numbered = ((first_line + offset if first_line else 0, record) for offset, record in enumerate(records))
    return _validate_numbered(numbered)


def _validate_numbered(numbered: Iterable[tuple[int, Mapping[str, object]]]) -> list[HistoryRow]:
    rows: list[HistoryRow] = []
    problems: list[str] = []
    for line, record in numbered:
        where = f"第 {line} 行" if line else "记录"
        values: dict[str, str] = {}
        for column in ("period", "region", "product_category", "enterprise_id"):
            value = record.get(column)
            text = str(value if value is not None else "").strip()
            if not text:
                problems.append(f"{where}，列 {column}（{COLUMN_LABELS[column]}）：不能为空")
            values[column] = text
        sampled, error_sampled = _parse_count(record.get("sampled"), line, "sampled")
        failed, error_failed = _parse_count(record.get("failed"), line, "failed")
        problems.extend(e for e in (error_sampled, error_failed) if e)
        if sampled is not None and failed is not None and failed > sampled:
            problems.append(f"{where}，列 failed（不合格批次）：不合格批次 {failed} 大于抽样批次 {sampled}")
        if len(problems) >= MAX_REPORTED_ERRORS:
            problems.append(f"错误过多，仅列出前 {MAX_REPORTED_ERRORS} 条")
            raise HistoryError(problems)
        if not problems:
            rows.append(
                HistoryRow(
                    period=values["period"],
                    region=normalize_region(values["region"]),
                    product_category=values["product_category"],
                    enterprise_id=values["enterprise_id"],
                    sampled=sampled,
                    failed=failed,
                    line=line,
                )
            )
    if problems:
        raise HistoryError(problems)
    if not rows:
        raise HistoryError(["历史数据为空：至少需要一行抽检记录"])
    return rows


def _decode(data: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GBK; try UTF-8 (with or without BOM) first.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise HistoryError(["无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"])


def parse_history_csv(text: str) -> list[HistoryRow]:
    """Parse CSV text (header row first) into validated rows; extra columns and blank lines are ignored."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    header = [(name or "").strip() for name in (header or [])]
    if not any(header):
        raise HistoryError(["历史数据为空：缺少表头行"])
    missing = [column for column in HISTORY_COLUMNS if column not in header]
    if missing:
        listed = "、".join(f"{c}（{COLUMN_LABELS[c]}）" for c in missing)
        raise HistoryError([f"第 1 行（表头）缺少列：{listed}；应包含 {','.join(HISTORY_COLUMNS)}"])
    positions = {column: header.index(column) for column in HISTORY_COLUMNS}

    def numbered() -> Iterable[tuple[int, Mapping[str, object]]]:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            # reader.line_num is the physical line where this record ends, as a spreadsheet counts it.
            yield reader.line_num, {
                column: cells[index] if index < len(cells) else "" for column, index in positions.items()
            }

    try:
        return _validate_numbered(numbered())
    except csv.Error as exc:
        raise HistoryError([f"第 {reader.line_num} 行：CSV 格式错误（{exc}）"])


def read_history_csv(path: str | Path) -> list[HistoryRow]:
    """Read and validate a history CSV file (UTF-8 or GBK)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise HistoryError([f"找不到历史数据文件：{path}"])
    except OSError as exc:
        raise HistoryError([f"无法读取历史数据文件 {path}：{exc.strerror or exc}"])
    return parse_history_csv(_decode(data))


def plan_rows(allocations: Iterable[object]) -> list[dict[str, object]]:
    """Allocation objects -> dicts in PLAN_COLUMNS order, rates rounded for people."""
    rows = []
    for a in allocations:
        rows.append(
            {
                "enterprise_id": a.enterprise_id,
                "product_category": a.product_category,
                "batches": a.batches,
                "region": a.region,
                "random_batches": a.random_batches,
                "targeted_batches": a.targeted_batches,
                "estimated_risk": f"{a.estimated_risk:.4f}",
                "risk_low": f"{a.risk_low:.4f}",
                "risk_high": f"{a.risk_high:.4f}",
                "history_sampled": a.history_sampled,
                "history_failed": a.history_failed,
                "reason": a.reason,
            }
        )
    return rows


def write_plan_csv(allocations: Iterable[object], path: str | Path) -> int:
    """Write the plan CSV (UTF-8 with BOM so Excel shows the Chinese reasons); returns the row count."""
    rows = plan_rows(allocations)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=PLAN_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)
