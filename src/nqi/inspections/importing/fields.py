"""The fields of a spot-check results table and the column names people use for them.

Published results tables (产品质量监督抽查结果公告) name the same column in many ways; each `Field`
lists the names seen in practice, and `match_header` maps a header cell to a field key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .i18n import gettext, gettext_noop


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    label: str  # Chinese, as in published tables (also a header synonym); `verbose_label` is for display
    required: bool = False
    synonyms: tuple[str, ...] = ()

    @property
    def verbose_label(self) -> str:
        """The label in the active language, for messages and the upload page."""
        return gettext(self.label)


FIELDS: tuple[Field, ...] = (
    Field("seq", gettext_noop("序号"), synonyms=("序号", "编号", "序", "No", "No.", "行号")),
    Field("product_name", gettext_noop("产品名称"), required=True, synonyms=(
        "产品名称", "样品名称", "抽样产品名称", "抽查产品名称", "产品", "样品", "商品名称", "食品名称",
    )),
    Field("product_category", gettext_noop("产品类别"), synonyms=(
        "产品类别", "产品种类", "产品大类", "产品分类", "类别", "食品类别", "食品大类", "抽查类别",
    )),
    Field("specification", gettext_noop("规格型号"), synonyms=(
        "规格型号", "规格", "型号", "型号规格", "规格/型号", "规格(型号)", "产品规格", "样品规格", "规格等级",
    )),
    Field("batch", gettext_noop("生产日期/批号"), synonyms=(
        "生产日期/批号", "生产日期或批号", "生产日期(批号)", "生产日期批号", "批号/生产日期", "生产日期、批号",
        "批号", "生产批号", "批次号", "批次", "生产日期", "生产日期/批次号", "生产日期或批次",
    )),
    Field("trademark", gettext_noop("商标"), synonyms=("商标", "品牌", "商标/品牌", "注册商标")),
    Field("manufacturer_name", gettext_noop("标称生产企业名称"), required=True, synonyms=(
        "标称生产企业名称", "标称生产企业", "生产者名称", "生产企业", "生产企业名称", "生产单位", "生产单位名称",
        "标称生产单位", "标称生产单位名称", "生产者", "标称生产者名称", "标称生产者", "企业名称", "生产厂家",
        "标称生产厂家", "制造商", "标称制造商",
    )),
    Field("manufacturer_address", gettext_noop("标称生产企业地址"), synonyms=(
        "标称生产企业地址", "生产企业地址", "生产者地址", "标称生产者地址", "生产单位地址", "企业地址",
        "标称生产单位地址", "地址",
    )),
    Field("manufacturer_uscc", gettext_noop("统一社会信用代码"), synonyms=(
        "统一社会信用代码", "社会信用代码", "信用代码", "生产企业统一社会信用代码", "标称生产企业统一社会信用代码",
        "生产者统一社会信用代码", "企业统一社会信用代码", "统一代码",
    )),
    Field("sampled_unit", gettext_noop("受检单位"), synonyms=(
        "受检单位", "被抽样单位", "被抽样单位名称", "受检单位名称", "被抽查单位", "被抽查单位名称", "受检企业",
        "受检企业名称", "被检单位", "被抽样企业", "被抽样企业名称",
    )),
    Field("sampled_unit_uscc", gettext_noop("受检单位统一社会信用代码"), synonyms=(
        "受检单位统一社会信用代码", "被抽样单位统一社会信用代码", "受检单位信用代码", "被抽样单位信用代码",
    )),
    Field("city", gettext_noop("所在地市"), required=True, synonyms=(
        "所在地市", "抽样地区", "地区", "所在地", "地市", "所属地市", "设区市", "受检单位所在地", "被抽样单位所在地",
        "被抽样单位所在地市", "受检单位所在地市", "抽样地点", "城市", "市", "所在市", "区域",
    )),
    Field("sampling_date", gettext_noop("抽样日期"), required=True, synonyms=(
        "抽样日期", "抽样时间", "抽检日期", "抽查日期", "采样日期", "抽样年月日",
    )),
    Field("stage", gettext_noop("抽样环节"), synonyms=("抽样环节", "环节", "抽样场所", "抽查环节", "抽检环节", "业态")),
    Field("lab", gettext_noop("承检机构"), synonyms=(
        "承检机构", "检验机构", "检测机构", "承检单位", "检验单位", "检测单位", "承检机构名称", "检验机构名称",
    )),
    Field("conclusion", gettext_noop("检验结论"), required=True, synonyms=(
        "检验结论", "检验结果", "结论", "检测结论", "检测结果", "判定结果", "抽查结果", "抽检结果", "结果",
        "判定结论", "综合判定",
    )),
    Field("failed_items", gettext_noop("主要不合格项目"), synonyms=(
        "主要不合格项目", "不合格项目", "不合格项", "主要不合格项", "不合格项目名称", "不合格项目及检验结果",
        "主要不合格项目名称",
    )),
    Field("remarks", gettext_noop("备注"), synonyms=("备注", "说明", "附注")),
)

FIELDS_BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}
REQUIRED_KEYS: tuple[str, ...] = tuple(f.key for f in FIELDS if f.required)

# Header text is compared after this cleanup, so "产品 名称", "产品名称：", "*产品名称" and
# "标称生产企业\n名称" all read the same.
_HEADER_NOISE = re.compile(r"[\s*＊:：·•\"'“”‘’]+")


def normalize_header(text: object) -> str:
    if text is None:
        return ""
    value = unicodedata.normalize("NFKC", str(text))
    value = _HEADER_NOISE.sub("", value)
    # "产品名称(必填)" / "抽样日期（yyyy-mm-dd）": a trailing bracketed note is not part of the name.
    value = re.sub(r"\((必填|选填|可选|非必填|[a-zA-Z/\-.年月日]+)\)$", "", value)
    return value.lower()


_EXACT: dict[str, str] = {}
for _field in FIELDS:
    for _name in (_field.label, *_field.synonyms):
        _EXACT.setdefault(normalize_header(_name), _field.key)

# For names not listed, a header that contains a listed name of 4+ characters is taken for the
# field whose name it contains at the longest (so "标称生产企业统一社会信用代码" goes to the code,
# not to the manufacturer). Short names ("地区", "结论") only match exactly: they hide in other names.
_CONTAINED = sorted(((name, key) for name, key in _EXACT.items() if len(name) >= 4),
                    key=lambda item: -len(item[0]))


# Columns of published tables that look like a known field by the containment rule but are not it.
_NOT_FIELDS = frozenset(normalize_header(name) for name in (
    "受检单位地址", "被抽样单位地址", "被抽查单位地址", "抽样单位", "抽样单位名称", "抽样机构",
    "受检单位联系人", "被抽样单位联系电话",
))


def match_header_detail(text: object) -> tuple[str | None, bool]:
    """(field key or None, whether the name matched exactly rather than by containment)."""
    name = normalize_header(text)
    if not name or name in _NOT_FIELDS:
        return None, False
    key = _EXACT.get(name)
    if key is not None:
        return key, True
    for synonym, candidate in _CONTAINED:
        if synonym in name:
            return candidate, False
    return None, False


def match_header(text: object) -> str | None:
    """The field key that a header cell names, or None when it names no known field."""
    return match_header_detail(text)[0]


def field_label(key: str) -> str:
    """A field's label in the active language."""
    return FIELDS_BY_KEY[key].verbose_label
