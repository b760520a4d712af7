"""Realistic messy results sheets (csv, xlsx) for tests, demos and benchmarks.

They look like what Guangxi's bureaus receive: a title and a subtitle above the header, column names
picked among the usual synonyms, stray and full-width spaces, dates written five ways, city names with
or without 市 / 广西, '合 格', blank rows, notes under the table, a share of bad rows and of rows
repeated inside the file. `SampleSheet` records which rows are bad and which repeat, so a test can
compare the parser's counts with the truth.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nqi.core import uscc
from nqi.core.choices import CITY_SHORT_NAMES

# (category, product, specifications, failed items seen in published results, typical stages)
PRODUCTS: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("方便食品", "螺蛳粉", ("300g/袋", "400g/袋", "280g/盒"), ("菌落总数", "大肠菌群", "过氧化值", "酸价", "霉菌")),
    ("糖", "白砂糖", ("一级 1kg/袋", "优级 500g/袋", "50kg/袋"), ("二氧化硫残留量", "色值", "螨")),
    ("饮料", "包装饮用水", ("550mL/瓶", "18.9L/桶", "380mL/瓶"), ("铜绿假单胞菌", "溴酸盐", "大肠菌群")),
    ("茶叶及相关制品", "六堡茶", ("500g/饼", "250g/盒", "散装称重"), ("铅(以Pb计)", "氯氰菊酯和高效氯氰菊酯", "草甘膦")),
    ("人造板", "胶合板", ("2440mm×1220mm×18mm", "2440mm×1220mm×9mm"), ("甲醛释放量", "胶合强度", "含水率")),
    ("建筑材料", "铝合金建筑型材", ("6063-T5 壁厚1.4mm", "6063-T6 壁厚2.0mm"), ("膜厚", "壁厚", "硬度", "抗拉强度")),
    ("电动自行车", "电动自行车", ("TDT-1203Z 48V", "TDR-2104 60V"), ("最高车速", "整车质量", "防篡改", "充电器")),
    ("汽车零部件", "汽车制动软管", ("φ10.5mm", "φ3.2mm"), ("爆裂压力", "拉断力", "耐臭氧性能")),
    ("汽车零部件", "汽车用轮胎", ("205/55R16 91V", "195/65R15 91H"), ("强度性能", "耐久性能")),
    ("食用油、油脂及其制品", "花生油", ("5L/桶", "1.8L/瓶"), ("酸价", "过氧化值", "苯并[a]芘", "溶剂残留量")),
    ("糕点", "月饼", ("100g/个", "500g/盒"), ("菌落总数", "霉菌", "过氧化值", "酸价")),
    ("调味品", "桂林三花酒", ("450mL/瓶 52%vol",), ("甲醇", "氰化物", "酒精度")),
    ("肉制品", "腊肠", ("500g/袋", "散装称重"), ("亚硝酸盐", "过氧化值", "菌落总数")),
    ("日用消费品", "塑料一次性餐饮具", ("500mL", "750mL"), ("脱色试验", "总迁移量", "高锰酸钾消耗量")),
    ("电器", "电热水壶", ("1.7L 1800W", "1.5L 1500W"), ("输入功率和电流", "发热", "结构")),
    ("纸制品", "纸巾纸", ("3层 130抽", "2层 200抽"), ("细菌菌落总数", "荧光性物质", "横向吸液高度")),
)
TRADE_NAMES = (
    "螺香", "桂柳", "鲜达", "漓江", "南国", "八桂", "金田", "壮锦", "红河", "西江", "百合", "青秀", "山水", "鸿运",
    "银海", "北部湾", "茶源", "岭南", "凤凰", "丰泰", "远航", "福满", "瑶山", "侗乡", "秀峰", "象山", "锦华", "荔浦",
)
INDUSTRY_WORDS = {
    "螺蛳粉": "食品", "白砂糖": "糖业", "包装饮用水": "饮品", "六堡茶": "茶业", "胶合板": "木业", "铝合金建筑型材": "铝业",
    "电动自行车": "车业", "汽车制动软管": "汽车配件", "汽车用轮胎": "轮胎", "花生油": "粮油", "月饼": "食品",
    "桂林三花酒": "酒业", "腊肠": "食品", "塑料一次性餐饮具": "塑料制品", "电热水壶": "电器", "纸巾纸": "纸业",
}
LABS = (
    "广西壮族自治区产品质量检验研究院", "广西-东盟食品检验检测中心", "柳州市质量检验检测研究中心",
    "桂林市产品质量检验所", "梧州市产品质量检验所", "玉林市产品质量检验检测中心", "广西壮族自治区纤维检验所",
)
DISTRICTS = {"南宁": "青秀区", "柳州": "柳南区", "桂林": "七星区", "梧州": "万秀区", "玉林": "玉州区", "钦州": "钦南区"}

HEADER_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("seq", ("序号",)),
    ("product_category", ("产品类别", "产品种类")),
    ("product_name", ("产品名称", "样品名称")),
    ("specification", ("规格型号", "规格")),
    ("trademark", ("商标",)),
    ("batch", ("生产日期/批号", "生产日期或批号", "批号")),
    ("manufacturer_name", ("标称生产企业名称", "生产者名称", "生产企业")),
    ("manufacturer_address", ("标称生产企业地址",)),
    ("manufacturer_uscc", ("统一社会信用代码",)),
    ("sampled_unit", ("受检单位", "被抽样单位")),
    ("city", ("所在地市", "抽样地区", "地区")),
    ("stage", ("抽样环节",)),
    ("sampling_date", ("抽样日期", "抽样时间")),
    ("lab", ("承检机构", "检验机构")),
    ("conclusion", ("检验结论", "检验结果", "结论")),
    ("failed_items", ("主要不合格项目", "不合格项目")),
    ("remarks", ("备注",)),
    ("task_source", ("任务来源",)),  # a column the import does not know: reported as unknown
)
NOTES = (
    "注：1. 本表所列结果仅对所抽样品负责。",
    "2. 标称生产企业名称、地址以产品标签标示为准；如有异议，可自收到检验结果之日起15日内申请复检。",
    "制表单位：广西壮族自治区市场监督管理局",
)
BAD_KINDS = (
    "no_product", "no_manufacturer", "no_city", "unknown_city", "no_date", "bad_date", "bad_conclusion", "bad_uscc",
)


@dataclass
class SampleSheet:
    """Where the sheet went and the truth about it (row numbers are 1-based spreadsheet rows)."""

    path: Path
    header_row: int
    headers: list[str]
    data_rows: int = 0
    bad_rows: dict[int, str] = field(default_factory=dict)  # row -> kind (one of BAD_KINDS)
    duplicate_rows: dict[int, int] = field(default_factory=dict)  # row -> first row with the same sample

    @property
    def expected_valid(self) -> int:
        return self.data_rows - len(self.bad_rows) - len(self.duplicate_rows)


class _Company:
    __slots__ = ("name", "address", "code", "city")

    def __init__(self, rng: random.Random, product: str, city: str, number: int):
        trade = rng.choice(TRADE_NAMES) + (rng.choice(TRADE_NAMES) if number > len(TRADE_NAMES) * 4 else "")
        form = rng.choice(("有限公司", "有限公司", "有限责任公司", "股份有限公司"))
        self.city = city
        self.name = f"{city}市{trade}{INDUSTRY_WORDS[product]}{form}"
        district = DISTRICTS.get(city, "")
        self.address = f"广西壮族自治区{city}市{district}{rng.choice(TRADE_NAMES)}路{rng.randint(1, 399)}号"
        self.code = uscc.generate(CITY_SHORT_NAMES[city], rng)


class SampleGenerator:
    """Yields the rows of one sheet (title, header, data, notes); `sheet` collects the truth."""

    def __init__(self, rows: int, *, seed: int = 0, bad_share: float = 0.05, duplicate_share: float = 0.02,
                 blank_share: float = 0.01, excel: bool = False, year: int = 2026):
        self.rng = random.Random(seed)
        self.n = rows
        self.bad_share, self.duplicate_share, self.blank_share = bad_share, duplicate_share, blank_share
        self.excel = excel  # True: dates may be date cells or Excel serial numbers
        self.year = year
        self.columns = [(key, self.rng.choice(names)) for key, names in HEADER_CHOICES]
        self.headers = [name for _key, name in self.columns]
        self._companies: dict[tuple[str, str], list[_Company]] = {}
        self._recent: list[dict] = []

    def _company(self, product: str, city: str) -> _Company:
        pool = self._companies.setdefault((product, city), [])
        # A few makers per product and city, as in a real province; bounded so memory stays flat.
        if len(pool) < 12 and (not pool or self.rng.random() < 0.3):
            pool.append(_Company(self.rng, product, city, len(pool)))
        return self.rng.choice(pool)

    def _date_cell(self, value: dt.date) -> object:
        roll = self.rng.random()
        if self.excel and roll < 0.5:
            return value
        if self.excel and roll < 0.6:
            return (value - dt.date(1899, 12, 30)).days
        style = self.rng.randrange(5)
        return (value.isoformat(), f"{value.year}/{value.month}/{value.day}", f"{value.year}.{value.month}.{value.day}",
                f"{value.year}年{value.month}月{value.day}日", value.strftime("%Y%m%d"))[style]

    def _city_cell(self, city: str) -> str:
        return self.rng.choice((city, f"{city}市", f"{city}市", f"广西{city}市", f"广西壮族自治区{city}市", f" {city}市 "))

    def _messy(self, text: str) -> str:
        roll = self.rng.random()
        if roll < 0.05:
            return f"\u3000{text} "
        if roll < 0.08 and len(text) > 2:
            return text[:2] + " " + text[2:]
        return text

    def _sample(self, index: int) -> dict:
        rng = self.rng
        category, product, specs, failed_items = rng.choice(PRODUCTS)
        city = rng.choice(tuple(CITY_SHORT_NAMES))
        company = self._company(product, city)
        sampled_on = dt.date(self.year, 1, 1) + dt.timedelta(days=rng.randrange(300))
        made_on = sampled_on - dt.timedelta(days=rng.randrange(5, 120))
        stage = rng.choices(("生产", "流通", "电商"), weights=(6, 3, 1))[0]
        passed = rng.random() < 0.94
        return {
            "product_category": category, "product_name": product, "specification": rng.choice(specs),
            "trademark": rng.choice(TRADE_NAMES) if rng.random() < 0.8 else "/",
            "batch": f"{made_on:%Y-%m-%d}/{made_on:%Y%m%d}{chr(65 + index % 26)}{index:06d}",
            "manufacturer_name": company.name, "manufacturer_address": company.address,
            "manufacturer_uscc": company.code,
            "sampled_unit": company.name if stage == "生产" else f"{city}市{rng.choice(TRADE_NAMES)}商贸有限公司",
            "city": city, "stage": stage, "sampling_date": sampled_on, "lab": rng.choice(LABS),
            "passed": passed,
            "failed_items": "" if passed else "、".join(rng.sample(failed_items, rng.randint(1, min(2, len(failed_items))))),
            "remarks": "", "task_source": rng.choice(("省抽", "市抽", "专项抽查")),
        }

    def _cells(self, sample: dict, seq: int) -> list:
        rng = self.rng
        values = {
            "seq": seq, "product_category": sample["product_category"],
            "product_name": self._messy(sample["product_name"]), "specification": sample["specification"],
            "trademark": sample["trademark"], "batch": sample["batch"],
            "manufacturer_name": self._messy(sample["manufacturer_name"]),
            "manufacturer_address": sample["manufacturer_address"],
            "manufacturer_uscc": sample["manufacturer_uscc"] if rng.random() < 0.9 else sample["manufacturer_uscc"].lower(),
            "sampled_unit": sample["sampled_unit"], "city": self._city_cell(sample["city"]),
            "stage": sample["stage"] + ("环节" if rng.random() < 0.2 else ""),
            "sampling_date": self._date_cell(sample["sampling_date"]), "lab": sample["lab"],
            "conclusion": rng.choice(("合格", "合 格", " 合格", "符合")) if sample["passed"]
            else rng.choice(("不合格", "不 合 格", "不符合")),
            "failed_items": sample["failed_items"] or rng.choice(("", "/", "——")),
            "remarks": sample["remarks"], "task_source": sample["task_source"],
        }
        return [values[key] for key, _name in self.columns]

    def _spoil(self, cells: list, kind: str) -> None:
        position = {key: i for i, (key, _name) in enumerate(self.columns)}
        if kind == "no_product":
            cells[position["product_name"]] = ""
        elif kind == "no_manufacturer":
            cells[position["manufacturer_name"]] = " "
        elif kind == "no_city":
            cells[position["city"]] = "/"
        elif kind == "unknown_city":
            cells[position["city"]] = self.rng.choice(("北京市", "广州市", "湛江"))
        elif kind == "no_date":
            cells[position["sampling_date"]] = ""
        elif kind == "bad_date":
            cells[position["sampling_date"]] = self.rng.choice(("2026-02-30", "待定", "2026.13.5"))
        elif kind == "bad_conclusion":
            cells[position["conclusion"]] = self.rng.choice(("待定", "复检中", "基本合格"))
        elif kind == "bad_uscc":
            code = cells[position["manufacturer_uscc"]].upper()
            wrong = next(c for c in uscc.ALPHABET if c != code[17])
            cells[position["manufacturer_uscc"]] = code[:17] + wrong

    def rows(self, sheet: SampleSheet) -> Iterator[list]:
        rng = self.rng
        yield [f"{self.year}年广西壮族自治区产品质量监督抽查结果公告（第{rng.randint(1, 4)}批）"]
        yield [f"发布单位：广西壮族自治区市场监督管理局\u3000\u3000发布日期：{self.year}年11月{rng.randint(1, 28)}日"]
        yield []
        yield list(self.headers)
        number = sheet.header_row
        for index in range(1, self.n + 1):
            if rng.random() < self.blank_share:
                number += 1
                yield []
            number += 1
            roll = rng.random()
            if self._recent and roll < self.duplicate_share:
                # The same sample typed in again, written differently (dates, city, spaces).
                first_row, sample = rng.choice(self._recent)
                sheet.duplicate_rows[number] = first_row
                cells = self._cells(sample, index)
            elif roll < self.duplicate_share + self.bad_share:
                kind = rng.choice(BAD_KINDS)
                sample = self._sample(index)
                cells = self._cells(sample, index)
                self._spoil(cells, kind)
                sheet.bad_rows[number] = kind
            else:
                sample = self._sample(index)
                cells = self._cells(sample, index)
                if len(self._recent) < 2000:
                    self._recent.append((number, sample))
                elif rng.random() < 0.01:
                    self._recent[rng.randrange(2000)] = (number, sample)
            sheet.data_rows += 1
            yield cells
        yield []
        for note in NOTES:
            yield [note]


def write_csv(path: str | Path, rows: int = 200, *, encoding: str = "utf-8", seed: int = 0,
              bad_share: float = 0.05, duplicate_share: float = 0.02, blank_share: float = 0.01) -> SampleSheet:
    """A messy results table as CSV; encoding 'utf-8', 'utf-8-sig' (Excel's) or 'gbk' (WPS, old Excel)."""
    generator = SampleGenerator(rows, seed=seed, bad_share=bad_share, duplicate_share=duplicate_share,
                                blank_share=blank_share)
    sheet = SampleSheet(Path(path), header_row=4, headers=generator.headers)
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        for cells in generator.rows(sheet):
            writer.writerow(cells)
    return sheet


def write_xlsx(path: str | Path, rows: int = 200, *, seed: int = 0, bad_share: float = 0.05,
               duplicate_share: float = 0.02, blank_share: float = 0.01) -> SampleSheet:
    """A messy results table as xlsx (openpyxl write-only, so big sheets stay light), dates partly as date cells."""
    from openpyxl import Workbook

    generator = SampleGenerator(rows, seed=seed, bad_share=bad_share, duplicate_share=duplicate_share,
                                blank_share=blank_share, excel=True)
    sheet = SampleSheet(Path(path), header_row=4, headers=generator.headers)
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet("抽查结果")
    for cells in generator.rows(sheet):
        worksheet.append(cells)
    workbook.save(path)
    return sheet


# --- legacy .xls (BIFF8) ----------------------------------------------------------------------
# Neither openpyxl nor calamine writes .xls, and old desktop systems still send it; this small
# writer (text and number cells, one sheet) lets tests and demos produce a real BIFF8 workbook.

def _biff_record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _biff_sheet_name(text: str) -> bytes:
    return struct.pack("<BB", len(text), 1) + text.encode("utf-16-le")


def _biff_workbook(rows: list[list], sheet_name: str) -> bytes:
    bof = struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0x06)
    globals_head = _biff_record(0x0809, bof) + _biff_record(0x0042, struct.pack("<H", 1200))
    xf = struct.pack("<HHHBBBBIIH", 0, 0, 0x0001, 0x20, 0, 0, 0, 0, 0, 0x20C0)  # one cell XF, General format
    globals_head += b"".join(_biff_record(0x00E0, xf) for _ in range(16))
    sheet_entry_size = len(_biff_record(0x0085, b"\0" * 6 + _biff_sheet_name(sheet_name)))
    sheet_offset = len(globals_head) + sheet_entry_size + 4  # + the globals EOF record
    globals_part = (globals_head + _biff_record(0x0085, struct.pack("<IBB", sheet_offset, 0, 0)
                                                + _biff_sheet_name(sheet_name)) + _biff_record(0x000A, b""))
    width = max((len(row) for row in rows), default=0)
    cells = [_biff_record(0x0809, struct.pack("<HHHHII", 0x0600, 0x0010, 0x0DBB, 0x07CC, 0, 0x06)),
             _biff_record(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, width, 0))]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                cells.append(_biff_record(0x0203, struct.pack("<HHHd", r, c, 15, float(value))))
            else:
                text = value.isoformat() if isinstance(value, dt.date) else str(value)
                encoded = text.encode("utf-16-le")
                cells.append(_biff_record(0x0204, struct.pack("<HHHHB", r, c, 15, len(encoded) // 2, 1) + encoded))
    cells.append(_biff_record(0x000A, b""))
    return globals_part + b"".join(cells)


def _cfb_container(stream: bytes, name: str = "Workbook") -> bytes:
    """An OLE2 compound file holding one stream, padded past 4096 bytes so no mini stream is needed."""
    sector = 512
    stream = stream.ljust(max(4096, -(-len(stream) // sector) * sector), b"\0")
    n_stream = len(stream) // sector
    n_fat = 1
    while n_fat * 128 < n_fat + 1 + n_stream:
        n_fat += 1
    if n_fat > 109:
        raise ValueError("xls sample too large for this writer")
    end, free, fat_mark = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    fat = [fat_mark] * n_fat + [end]  # FAT sectors, then the one directory sector
    first_stream = n_fat + 1
    fat += [first_stream + i + 1 for i in range(n_stream - 1)] + [end]
    fat += [free] * (n_fat * 128 - len(fat))
    difat = list(range(n_fat)) + [free] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, n_fat, 0, 4096, end, 0, end, 0)
              + struct.pack("<109I", *difat))

    def entry(entry_name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (entry_name + "\0").encode("utf-16-le") if entry_name else b""
        return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded), kind, 1 if entry_name else 0)
                + struct.pack("<III", free, free, child) + b"\0" * 36 + struct.pack("<IQ", start, size))

    directory = (entry("Root Entry", 5, 1, end, 0) + entry(name, 2, free, first_stream, len(stream))
                 + entry("", 0, free, 0, 0) * 2)
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + stream


def write_xls(path: str | Path, rows: list[list], sheet_name: str = "Sheet1") -> Path:
    """Write `rows` (text, numbers, dates as ISO text) to a legacy .xls workbook."""
    Path(path).write_bytes(_cfb_container(_biff_workbook(rows, sheet_name)))
    return Path(path)
