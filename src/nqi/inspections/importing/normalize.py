"""Value parsers for hand-made results tables: text cleanup, dates, cities, conclusions, codes, stages.

Every parser takes a raw cell (str, int, float, date, datetime, bool or None, as the readers give it)
and returns a clean value or raises `ValueError` whose message is the reason for the user, translated
into the active language.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from nqi.core import uscc
from nqi.core.choices import CITY_SHORT_NAMES, city_code_from_name

from .i18n import gettext

# Cells that people fill in to say "nothing here".
NULL_MARKERS = frozenset({
    "", "/", "\\", "-", "--", "---", "—", "——", "―", "无", "空", "暂无", "n/a", "N/A", "NA", "na",
    "null", "NULL", "None", "none", "nan", "NaN", "#N/A",
})

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_WHITESPACE = re.compile(r"\s+")
# A space between two Chinese characters is a typing slip ("合 格", "螺 蛳 粉"), never meaningful.
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")


def clean_text(value: object) -> str:
    """Cell -> text: full-width to half-width (NFKC), zero-width marks dropped, spaces collapsed."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        return "是" if value else "否"
    elif isinstance(value, float):
        # Numbers typed into text columns (序号 3, 批号 20260105) come back from Excel as floats.
        return str(int(value)) if value.is_integer() else repr(value)
    elif isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    elif isinstance(value, dt.date):
        return value.isoformat()
    else:
        text = str(value)
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH)
        text = _CJK_GAP.sub("", text)
    if "  " in text or "\n" in text or "\t" in text or "\r" in text:
        text = _WHITESPACE.sub(" ", text)
    return text.strip()


def is_blank(text: str) -> bool:
    return text in NULL_MARKERS


def compact(text: str) -> str:
    """Text with every space removed and case folded: the form used to compare names."""
    return _WHITESPACE.sub("", text).casefold()


# --- dates -------------------------------------------------------------------------------------

EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 in the 1900 system (its 1900-02-29 bug included)
_DATE_TEXT = re.compile(
    r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?\.?"
    r"(?:(?:\s+|T)\d{1,2}[:：]\d{2}(?:[:：]\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def _checked(year: int, month: int, day: int, shown: str) -> dt.date:
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise ValueError(gettext("日期不存在：%(value)s") % {"value": shown}) from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(gettext("日期超出合理范围：%(value)s") % {"value": shown})
    return value


def _from_number(number: float, shown: str) -> dt.date:
    if number != int(number):
        number = int(number)  # a serial with a time of day: the day is what counts
    number = int(number)
    if 19000101 <= number <= 21001231:  # 20260305 typed as a number
        return _checked(number // 10000, number // 100 % 100, number % 100, shown)
    if 1 <= number <= 2958465:  # an Excel date serial in a cell formatted as a number or text
        value = _EXCEL_EPOCH + dt.timedelta(days=number)
        return _checked(value.year, value.month, value.day, shown)
    raise ValueError(gettext("日期无法识别：%(value)s") % {"value": shown})


def parse_date(value: object) -> dt.date:
    """Date cells, Excel serials, '2026.3.5', '2026年3月5日', '2026/03/05', '2026-03-05', '20260305'."""
    if isinstance(value, dt.datetime):
        return _checked(value.year, value.month, value.day, value.isoformat(sep=" "))
    if isinstance(value, dt.date):
        return _checked(value.year, value.month, value.day, value.isoformat())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _from_number(value, clean_text(value))
    text = clean_text(value)
    match = _DATE_TEXT.match(text)
    if match:
        return _checked(int(match[1]), int(match[2]), int(match[3]), text)
    match = _COMPACT_DATE.match(text)
    if match:
        return _checked(int(match[1]), int(match[2]), int(match[3]), text)
    if text.isdigit() and len(text) <= 7:
        return _from_number(int(text), text)
    raise ValueError(gettext("日期无法识别：%(value)s（可用格式如 2026-03-05、2026/3/5、2026.3.5、2026年3月5日）")
                     % {"value": text})


# --- cities ------------------------------------------------------------------------------------

# Built from the short names, not City.label: those are lazy translations that need Django settings.
CITY_LABELS: dict[str, str] = {code: f"{short}市" for short, code in CITY_SHORT_NAMES.items()}
_REGION_PREFIXES = ("广西壮族自治区", "广西自治区", "广西省", "广西")


def parse_city(value: object) -> str:
    """'柳州', '柳州市', '广西柳州市', '柳州市柳南区' -> '450200' (Guangxi division code)."""
    text = clean_text(value)
    code = city_code_from_name(text)
    if code:
        return code
    rest = text.replace(" ", "")
    for prefix in _REGION_PREFIXES:
        if rest.startswith(prefix):
            rest = rest[len(prefix):]
            break
    # "柳州市柳南区", "柳州柳江区": a county or district written after the city.
    for short, code in CITY_SHORT_NAMES.items():
        if rest.startswith(short):
            return code
    raise ValueError(gettext("无法识别的地市：%(value)s（应为广西14个设区市之一，如 柳州、柳州市）") % {"value": text})


# --- conclusions -------------------------------------------------------------------------------

_PASS = frozenset({"合格", "符合", "通过", "符合要求", "符合标准", "所检项目合格", "所检项目符合标准要求", "合格品"})
_FAIL = frozenset({"不合格", "不符合", "不通过", "不符合要求", "不符合标准", "不合格品", "部分项目不合格"})


def parse_conclusion(value: object) -> bool:
    """'合格', '合 格', '符合' -> True; '不合格', '不 合 格', '不符合' -> False."""
    text = clean_text(value)
    word = text.replace(" ", "").rstrip("。.")
    if word in _PASS:
        return True
    if word in _FAIL:
        return False
    if "不合格" in word or "不符合" in word:
        return False
    raise ValueError(gettext("检验结论应为“合格”或“不合格”，实际为“%(value)s”") % {"value": text})


# --- codes, stages, failed items ---------------------------------------------------------------

def parse_uscc(value: object) -> str:
    """A valid 统一社会信用代码, upper-cased; raises with the reason (length, letters, check character)."""
    return uscc.validate(clean_text(value))


STAGE_LABELS = {"production": "生产", "circulation": "流通", "ecommerce": "电商"}
_STAGES = {
    "生产": "production", "生产环节": "production", "生产企业": "production", "生产领域": "production",
    "工厂": "production", "生产者": "production",
    "流通": "circulation", "流通环节": "circulation", "流通领域": "circulation", "销售": "circulation",
    "销售环节": "circulation", "经营": "circulation", "市场": "circulation", "商超": "circulation",
    "超市": "circulation", "批发": "circulation", "零售": "circulation", "餐饮": "circulation",
    "电商": "ecommerce", "电子商务": "ecommerce", "网络": "ecommerce", "网购": "ecommerce",
    "网络销售": "ecommerce", "电商平台": "ecommerce", "网络交易": "ecommerce", "电商环节": "ecommerce",
    "网店": "ecommerce", "网络平台": "ecommerce",
}


def parse_stage(value: object) -> str:
    """'生产' / '流通' / '电商' (and their usual variants) -> 'production' / 'circulation' / 'ecommerce'."""
    text = clean_text(value)
    word = text.replace(" ", "")
    code = _STAGES.get(word) or _STAGES.get(word.lower())
    if code:
        return code
    if word in STAGE_LABELS:  # already a code
        return word
    raise ValueError(gettext("抽样环节应为“生产”“流通”或“电商”，实际为“%(value)s”") % {"value": text})


_ITEM_SEPARATORS = re.compile(r"[;；、,，\n]+")


def split_failed_items(value: object) -> tuple[str, ...]:
    """'菌落总数、大肠菌群' -> ('菌落总数', '大肠菌群'); '/', '无' -> ()."""
    # Line breaks separate items too; split on them before cleanup joins the lines.
    lines = value.splitlines() if isinstance(value, str) else [value]
    items: list[str] = []
    for line in lines:
        text = clean_text(line)
        if not is_blank(text):
            items.extend(item.strip() for item in _ITEM_SEPARATORS.split(text))
    return tuple(item for item in items if not is_blank(item))
