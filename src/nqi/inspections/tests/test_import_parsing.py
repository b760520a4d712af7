"""Parsing of hand-made spot-check results sheets (no database): formats, header, mapping, values, rejects."""

import csv
import datetime as dt
import json
from dataclasses import replace

import pytest
from openpyxl import Workbook

from nqi.core import uscc
from nqi.inspections.importing import (
    FileFormatError,
    ImportParser,
    MappingError,
    dedup_key,
    match_header,
    parse_file,
    preview_file,
    samples,
)
from nqi.inspections.importing import normalize as norm

LIUZHOU_CODE = uscc.generate("450200", rng=__import__("random").Random(7))
HEADER = ["序号", "产品名称", "标称生产企业名称", "统一社会信用代码", "受检单位", "所在地市", "抽样日期",
          "承检机构", "检验结论", "主要不合格项目"]


def good_row(seq=1, **changes):
    row = {"序号": seq, "产品名称": "螺蛳粉", "标称生产企业名称": "柳州市螺香食品有限公司",
           "统一社会信用代码": LIUZHOU_CODE, "受检单位": "柳州市螺香食品有限公司", "所在地市": "柳州市",
           "抽样日期": "2026-03-05", "承检机构": "广西壮族自治区产品质量检验研究院", "检验结论": "合格",
           "主要不合格项目": "/"}
    row.update(changes)
    return [row[name] for name in HEADER]


def write_csv(path, rows, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def write_xlsx(path, rows, merges=()):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    workbook.save(path)
    return path


def with_title(rows):
    return [["2026年广西产品质量监督抽查结果"], ["（第一批）"], [], HEADER, *rows, [], ["注：本表结果仅对所抽样品负责。"]]


# --- whole sheets from the sample generator: the parser's counts equal the generator's truth ----

def assert_matches_truth(summary, sheet):
    assert summary.header_row == sheet.header_row
    assert summary.data_rows == sheet.data_rows
    assert summary.rejected == len(sheet.bad_rows)
    assert summary.duplicates == len(sheet.duplicate_rows)
    assert summary.valid == sheet.expected_valid
    assert {error.row for error in summary.errors} == set(sheet.bad_rows)
    assert {(dup.row, dup.first_row) for dup in summary.duplicate_rows} == set(sheet.duplicate_rows.items())
    assert [column.name for column in summary.unknown_columns] == ["任务来源"]
    assert len(summary.notes) == len(samples.NOTES)


@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")])
def test_messy_csv_in_each_encoding_matches_truth(tmp_path, encoding, detected):
    sheet = samples.write_csv(tmp_path / "results.csv", 600, encoding=encoding, seed=11, bad_share=0.1,
                              duplicate_share=0.05)
    records, summary = parse_file(sheet.path)
    assert summary.format == "csv" and summary.encoding == detected
    assert_matches_truth(summary, sheet)
    assert len(records) == summary.valid
    assert {record.product_name for record in records} <= {product for _c, product, _s, _f in samples.PRODUCTS}


def test_messy_xlsx_matches_truth(tmp_path):
    sheet = samples.write_xlsx(tmp_path / "results.xlsx", 600, seed=5, bad_share=0.1, duplicate_share=0.05)
    records, summary = parse_file(sheet.path)
    assert summary.format == "xlsx" and summary.sheet == "抽查结果"
    assert_matches_truth(summary, sheet)
    assert all(isinstance(record.sampling_date, dt.date) for record in records)


@pytest.mark.parametrize(("fmt", "bad_share", "duplicate_share"), [
    ("csv", 0.1, 0.05), ("xlsx", 0.1, 0.05), ("csv", 0, 0.05), ("csv", 0, 0)])
def test_record_batches_give_what_records_gives(tmp_path, fmt, bad_share, duplicate_share):
    """The importer reads the sheet column by column; the rows, rejects, duplicates and notes are the same,
    with bad rows or without, with repeated rows (also across batches) or none."""
    write = samples.write_csv if fmt == "csv" else samples.write_xlsx
    sheet = write(tmp_path / f"results.{fmt}", 1500, seed=13, bad_share=bad_share, duplicate_share=duplicate_share)
    records, by_row = parse_file(sheet.path)
    with ImportParser(sheet.path) as parser:
        batches = list(parser.record_batches(400, first_size=50))
    assert [len(batch.rows) <= 400 for batch in batches] == [True] * len(batches) and len(batches[0]) <= 50
    assert [record for batch in batches for record in batch.records()] == [replace(r, seq="") for r in records]
    assert [key for batch in batches for key in batch.keys] == [dedup_key(r) for r in records]
    assert parser.summary == by_row
    assert_matches_truth(parser.summary, sheet)


def test_a_clean_batch_still_finds_a_row_repeated_from_an_earlier_batch(tmp_path):
    rows = [good_row(n, 标称生产企业名称=f"柳州市螺香食品有限公司第{n}分厂") for n in range(1, 121)]
    rows.append(good_row(121, 标称生产企业名称="柳州市螺香食品有限公司 第5分厂"))  # row 6 again (row 1 is the header)
    path = write_csv(tmp_path / "clean.csv", [HEADER, *rows])
    with ImportParser(path) as parser:
        batches = list(parser.record_batches(50))
    assert [len(batch) for batch in batches] == [50, 50, 20]
    assert parser.summary.valid == 120 and [(d.row, d.first_row) for d in parser.summary.duplicate_rows] == [(122, 6)]
    assert parser.summary == parse_file(path)[1]


def test_every_bad_row_kind_is_rejected_with_its_reason(tmp_path):
    sheet = samples.write_csv(tmp_path / "bad.csv", 400, seed=2, bad_share=0.5, duplicate_share=0)
    _records, summary = parse_file(sheet.path)
    reasons = {error.row: error for error in summary.errors}
    expected_field = {"no_product": "product_name", "no_manufacturer": "manufacturer_name", "no_city": "city",
                      "unknown_city": "city", "no_date": "sampling_date", "bad_date": "sampling_date",
                      "bad_conclusion": "conclusion", "bad_uscc": "manufacturer_uscc"}
    assert set(sheet.bad_rows.values()) == set(samples.BAD_KINDS)
    for row, kind in sheet.bad_rows.items():
        assert reasons[row].field == expected_field[kind], (row, kind, reasons[row])


# --- header, title rows, notes, unknown columns -------------------------------------------------

def test_header_is_found_below_title_and_notes_are_not_data(tmp_path):
    path = write_csv(tmp_path / "t.csv", with_title([good_row(1), [], good_row(2, 产品名称="白砂糖")]))
    records, summary = parse_file(path)
    assert summary.header_row == 4
    assert [record.row for record in records] == [5, 7]
    assert summary.data_rows == 2 and summary.skipped_rows == 3  # two blank rows and the note
    assert summary.notes == ["注:本表结果仅对所抽样品负责。"]


def test_header_repeated_on_each_printed_page_is_skipped(tmp_path):
    path = write_csv(tmp_path / "t.csv", [HEADER, good_row(1), HEADER, good_row(2, 产品名称="六堡茶")])
    records, summary = parse_file(path)
    assert [record.row for record in records] == [2, 4] and summary.rejected == 0


@pytest.mark.parametrize(("header", "field"), [
    ("产品名称", "product_name"), ("样品名称", "product_name"), ("标称生产企业名称", "manufacturer_name"),
    ("生产者名称", "manufacturer_name"), ("生产企业", "manufacturer_name"), ("受检单位", "sampled_unit"),
    ("被抽样单位", "sampled_unit"), ("所在地市", "city"), ("抽样地区", "city"), ("地区", "city"),
    ("抽样日期", "sampling_date"), ("抽样时间", "sampling_date"), ("承检机构", "lab"), ("检验机构", "lab"),
    ("检验结论", "conclusion"), ("检验结果", "conclusion"), ("结论", "conclusion"),
    ("主要不合格项目", "failed_items"), ("不合格项目", "failed_items"), ("统一社会信用代码", "manufacturer_uscc"),
    ("标称生产企业统一社会信用代码", "manufacturer_uscc"), ("受检单位统一社会信用代码", "sampled_unit_uscc"),
    ("生产日期/批号", "batch"), ("规格型号", "specification"), ("产品种类", "product_category"),
    ("抽样环节", "stage"), (" 产品\u3000名称：", "product_name"), ("抽样日期（必填）", "sampling_date"),
    ("受检单位地址", None), ("任务来源", None),
])
def test_header_synonyms(header, field):
    assert match_header(header) == field


def test_synonym_header_maps_and_unknown_columns_are_reported(tmp_path):
    header = ["样品名称", "生产者名称", "被抽样单位", "抽样地区", "抽样时间", "检验机构", "检验结果", "不合格项目", "公告编号"]
    row = ["白砂糖", "广西南国糖业有限公司", "南宁市青秀区某超市", "南宁", "2026/03/05", "广西-东盟食品检验检测中心",
           "不 合 格", "二氧化硫残留量", "2026-01"]
    records, summary = parse_file(write_csv(tmp_path / "s.csv", [header, row]))
    assert summary.mapping == {0: "product_name", 1: "manufacturer_name", 2: "sampled_unit", 3: "city",
                               4: "sampling_date", 5: "lab", 6: "conclusion", 7: "failed_items"}
    assert summary.to_json()["unknown_columns"] == ["公告编号"]
    (record,) = records
    assert (record.city_code, record.passed, record.failed_items) == ("450100", False, ("二氧化硫残留量",))


def test_two_row_header_and_vertically_merged_city(tmp_path):
    rows = [
        ["2026年柳州市螺蛳粉专项抽查结果"],
        ["产品名称", "标称生产企业", None, "所在地市", "抽样日期", "检验结论"],
        [None, "名称", "地址", None, None, None],
        ["螺蛳粉", "柳州市螺香食品有限公司", "柳州市柳南区", "柳州", dt.date(2026, 3, 5), "合格"],
        ["螺蛳粉", "柳州市桂柳食品有限公司", "柳州市鱼峰区", None, dt.date(2026, 3, 6), "不合格"],
    ]
    path = write_xlsx(tmp_path / "two.xlsx", rows, merges=["A1:F1", "B2:C2", "D4:D5"])
    records, summary = parse_file(path)
    assert summary.header_row == 2 and summary.rejected == 0
    assert summary.mapping == {0: "product_name", 1: "manufacturer_name", 2: "manufacturer_address", 3: "city",
                               4: "sampling_date", 5: "conclusion"}
    assert [record.city_code for record in records] == ["450200", "450200"]
    assert records[1].manufacturer_address == "柳州市鱼峰区"


def test_sheet_not_starting_in_column_a_keeps_spreadsheet_positions(tmp_path):
    rows = [[None, None, *line] for line in with_title([good_row(1, 所在地市="北京市")])]
    _records, summary = parse_file(write_xlsx(tmp_path / "offset.xlsx", rows))
    (error,) = summary.errors
    assert (error.row, error.column) == (5, "所在地市")
    assert summary.columns[0].letter == "C" and summary.mapping[3] == "product_name"


# --- mapping override ---------------------------------------------------------------------------

ODD_HEADER = ["品名", "厂家", "市县", "日子", "判定"]
ODD_ROW = ["六堡茶", "梧州市茶源茶业有限公司", "梧州", "2026.3.5", "合格"]


def test_unrecognised_header_needs_a_mapping_and_the_override_works(tmp_path):
    path = write_csv(tmp_path / "odd.csv", [["抽查结果"], ODD_HEADER, ODD_ROW])
    parser = ImportParser(path)
    assert parser.header_row is None and "未找到表头" in parser.problem
    with pytest.raises(MappingError):
        list(parser.records())
    mapping = {0: "product_name", 1: "manufacturer_name", 2: "city", 3: "sampling_date", 4: "conclusion"}
    records, summary = parse_file(path, mapping=mapping, header_row=2)
    assert summary.mapping == mapping and [column.source for column in summary.columns] == ["override"] * 5
    (record,) = records
    assert (record.product_name, record.city_code, record.sampling_date) == ("六堡茶", "450400", dt.date(2026, 3, 5))


def test_override_moves_a_field_and_ignores_a_column(tmp_path):
    header = ["产品名称", "生产企业", "受检单位", "地区", "抽样日期", "结论"]
    row = ["胶合板", "/", "贵港市西江木业有限公司", "贵港", "2026年3月5日", "不符合"]
    path = write_csv(tmp_path / "m.csv", [header, row])
    _records, summary = parse_file(path)
    assert summary.rejected == 1 and summary.errors[0].message == "标称生产企业名称为空（必填）"
    records, summary = parse_file(path, mapping={"2": "manufacturer_name", 1: "ignore"})
    assert summary.mapping[2] == "manufacturer_name" and 1 not in summary.mapping
    assert records[0].manufacturer_name == "贵港市西江木业有限公司" and records[0].passed is False


def test_missing_required_column_is_reported_and_bad_overrides_refused(tmp_path):
    path = write_csv(tmp_path / "m.csv", [["产品名称", "生产企业", "所在地市", "抽样日期"], ["螺蛳粉", "某厂", "柳州", "2026-03-05"]])
    parser = ImportParser(path)
    assert parser.problem == "缺少必填列：检验结论；请在列对应关系中指定"
    with pytest.raises(MappingError, match="未知字段"):
        ImportParser(path, mapping={0: "product"})
    with pytest.raises(MappingError, match="同一字段不能对应多列"):
        ImportParser(path, mapping={0: "city", 1: "city"})


# --- values --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-03-05", dt.date(2026, 3, 5)), ("2026/03/05", dt.date(2026, 3, 5)), ("2026.3.5", dt.date(2026, 3, 5)),
    ("2026年3月5日", dt.date(2026, 3, 5)), ("２０２６年３月５日", dt.date(2026, 3, 5)), (" 2026-3-5 ", dt.date(2026, 3, 5)),
    ("20260305", dt.date(2026, 3, 5)), ("2026-03-05 10:30:00", dt.date(2026, 3, 5)), (46086, dt.date(2026, 3, 5)),
    (46086.5, dt.date(2026, 3, 5)), ("46086", dt.date(2026, 3, 5)), (dt.datetime(2026, 3, 5, 9), dt.date(2026, 3, 5)),
    (dt.date(2026, 3, 5), dt.date(2026, 3, 5)),
])
def test_dates(raw, expected):
    assert norm.parse_date(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("2026-02-30", "日期不存在"), ("待定", "日期无法识别"), ("2026.13.5", "日期不存在"), ("1850-01-01", "超出合理范围"),
])
def test_bad_dates(raw, reason):
    with pytest.raises(ValueError, match=reason):
        norm.parse_date(raw)


@pytest.mark.parametrize("raw", ["柳州", "柳州市", "广西柳州市", "广西壮族自治区柳州市", " 柳州市 ", "柳州市柳南区", "柳 州"])
def test_city_variants(raw):
    assert norm.parse_city(raw) == "450200"


@pytest.mark.parametrize(("raw", "passed"), [
    ("合格", True), ("合 格", True), (" 合\u3000格 ", True), ("符合", True), ("不合格", False), ("不 合 格", False),
    ("不符合", False), ("部分项目不合格", False),
])
def test_conclusions(raw, passed):
    assert norm.parse_conclusion(raw) is passed


@pytest.mark.parametrize(("raw", "stage"), [("生产", "production"), ("流通环节", "circulation"), ("电商", "ecommerce"),
                                            ("网络销售", "ecommerce")])
def test_stages(raw, stage):
    assert norm.parse_stage(raw) == stage


def test_text_cleanup():
    assert norm.clean_text("\u3000柳州市 螺香食品有限公司 ") == "柳州市螺香食品有限公司"
    assert norm.clean_text("ＡＢＣ（Ｋ）  型") == "ABC(K) 型"
    assert norm.clean_text(3.0) == "3"
    assert norm.split_failed_items("菌落总数、大肠菌群；过氧化值\n酸价") == ("菌落总数", "大肠菌群", "过氧化值", "酸价")
    assert norm.split_failed_items("——") == ()


def test_xlsx_date_cells_serials_and_text_dates(tmp_path):
    rows = with_title([good_row(1, 抽样日期=dt.date(2026, 3, 5)), good_row(2, 抽样日期=46087, 产品名称="白砂糖"),
                       good_row(3, 抽样日期="2026.3.8", 产品名称="六堡茶"), good_row(4, 抽样日期="2026-3-40", 产品名称="胶合板")])
    records, summary = parse_file(write_xlsx(tmp_path / "d.xlsx", rows))
    assert [record.sampling_date for record in records] == [dt.date(2026, 3, 5), dt.date(2026, 3, 6), dt.date(2026, 3, 8)]
    (error,) = summary.errors
    assert (error.row, error.column, error.message) == (8, "抽样日期", "日期不存在：2026-3-40")


def test_row_rejections_carry_row_column_and_chinese_reason(tmp_path):
    wrong_check = LIUZHOU_CODE[:17] + next(c for c in uscc.ALPHABET if c != LIUZHOU_CODE[17])
    rows = with_title([
        good_row(1, 产品名称=" "),
        good_row(2, 统一社会信用代码=wrong_check),
        good_row(3, 检验结论="待定"),
        good_row(4, 所在地市="", 抽样日期="不详"),
        good_row(5, 主要不合格项目="菌落总数"),
        good_row(6, 统一社会信用代码=LIUZHOU_CODE.lower()),
    ])
    records, summary = parse_file(write_csv(tmp_path / "r.csv", rows))
    messages = [(error.row, error.column, error.message) for error in summary.errors]
    assert messages[0] == (5, "产品名称", "产品名称为空（必填）")
    assert messages[1][:2] == (6, "统一社会信用代码") and "校验位错误" in messages[1][2]
    assert messages[2] == (7, "检验结论", "检验结论应为“合格”或“不合格”，实际为“待定”")
    assert messages[3] == (8, "所在地市", "所在地市为空（必填）")
    assert messages[4][:2] == (8, "抽样日期") and messages[4][2].startswith("日期无法识别：不详")
    assert messages[5] == (9, "主要不合格项目", "检验结论为合格，却填写了不合格项目")
    assert summary.rejected == 5 and summary.valid == 1
    assert records[0].manufacturer_uscc == LIUZHOU_CODE
    assert str(summary.errors[0]) == "第5行【产品名称】产品名称为空（必填）"


def test_in_file_duplicates_are_counted_and_skipped(tmp_path):
    rows = with_title([
        good_row(1),
        good_row(2, 抽样日期="2026年3月5日", 所在地市="广西柳州市", 标称生产企业名称="柳州市 螺香食品有限公司"),
        good_row(3, 抽样日期="2026-03-06"),
    ])
    records, summary = parse_file(write_csv(tmp_path / "d.csv", rows))
    assert [record.row for record in records] == [5, 7]
    assert summary.duplicates == 1 and summary.duplicate_rows[0].row == 6 and summary.duplicate_rows[0].first_row == 5
    assert dedup_key(records[0]) != dedup_key(records[1])


# --- files, streaming, progress, json ---------------------------------------------------------------

def test_html_saved_as_xls_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "export.xls"
    path.write_text("<html><body><table><tr><td>产品名称</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(FileFormatError, match="网页"):
        ImportParser(path)


def test_real_xls_file_is_read(tmp_path):
    path = samples.write_xls(tmp_path / "old.xls", with_title([good_row(1), good_row(2, 产品名称="月饼", 检验结论="不 合 格",
                                                                                    主要不合格项目="霉菌")]))
    records, summary = parse_file(path)
    assert summary.format == "xls" and summary.header_row == 4
    assert [(r.product_name, r.passed, r.failed_items) for r in records] == [("螺蛳粉", True, ()),
                                                                           ("月饼", False, ("霉菌",))]


def test_records_stream_and_progress_is_reported(tmp_path):
    sheet = samples.write_csv(tmp_path / "big.csv", 3000, seed=9)
    calls = []
    parser = ImportParser(sheet.path)
    stream = parser.records(progress=lambda done, total: calls.append((done, total)), progress_every=1000)
    first = next(stream)
    assert first.row == 5 and parser.summary.data_rows < 10 and not parser.summary.finished
    rest = list(stream)
    assert parser.summary.finished and len(rest) + 1 == parser.summary.valid == sheet.expected_valid
    totals = {total for _done, total in calls}
    assert totals == {parser.reader.total_rows} and parser.reader.total_rows >= sheet.data_rows
    assert [done for done, _total in calls[:3]] == [1000, 2000, 3000]
    assert calls[-1][0] == sheet.data_rows + parser.summary.skipped_rows + 4


def test_summary_and_preview_are_json(tmp_path):
    sheet = samples.write_xlsx(tmp_path / "p.xlsx", 50, seed=3, bad_share=0.2)
    preview = json.loads(json.dumps(preview_file(sheet.path, limit=10)))
    assert preview["header_row"] == 4 and preview["problem"] is None and len(preview["rows"]) == 10
    assert preview["head"][3] == sheet.headers
    statuses = {row["row"]: row["status"] for row in preview["rows"]}
    assert all(statuses[row] == "rejected" for row in sheet.bad_rows if row in statuses)
    _records, summary = parse_file(sheet.path)
    data = json.loads(json.dumps(summary.to_json()))
    assert (data["data_rows"], data["valid"], data["rejected"]) == (50, summary.valid, len(sheet.bad_rows))
    assert data["unknown_columns"] == ["任务来源"] and data["missing_fields"] == []
