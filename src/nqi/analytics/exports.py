"""Excel sheets of the statistics pages (columns in Chinese, rates in percent, intervals beside them)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from .stats import FUNNEL_STATUS_LABELS


def _pct(value):
    return "" if value is None else round(100 * value, 2)


RATE_COLUMNS = ["批次", "合格批次", "不合格批次", "合格率(%)", "95%区间下限(%)", "95%区间上限(%)", "样本量小"]


def rate_cells(rate):
    return [rate.total, rate.passed, rate.failed, _pct(rate.rate), _pct(rate.low), _pct(rate.high),
            "是" if rate.small_sample else ""]


def dashboard_sheets(table, trend, changes, funnel):
    from .aggregation import DIMENSION_LABELS

    by_rows = [[r.label, *rate_cells(r.rate)] for r in table.rows] + [[_("合计"), *rate_cells(table.overall)]]
    change_by_label = {c.current.label: c for c in changes}
    trend_rows = []
    for r in trend.rows:
        c = change_by_label.get(r.label)
        trend_rows.append([r.label, *rate_cells(r.rate),
                           "" if c is None or c.change_pp is None else round(c.change_pp, 2),
                           "" if c is None or c.p_value is None else round(c.p_value, 4),
                           "" if c is None or c.test is None else c.test,
                           "" if c is None or c.change_pp is None else ("是" if c.significant else "否")])
    funnel_rows = [[p.label, p.total, p.passed, _pct(p.rate), str(FUNNEL_STATUS_LABELS[p.status])]
                   for p in funnel.points]
    return [
        (str(DIMENSION_LABELS[table.by]), [str(DIMENSION_LABELS[table.by]), *RATE_COLUMNS], by_rows),
        ("趋势", ["期间", *RATE_COLUMNS, "环比变化(百分点)", "P值", "检验", "显著"], trend_rows),
        ("漏斗图", [str(DIMENSION_LABELS[funnel.by]), "批次", "合格批次", "合格率(%)", "与总体比较"], funnel_rows),
    ]


ITEM_COLUMNS = ["产品类别", "不合格项目", "不合格批次", "占该类别不合格批次(%)", "每百批次不合格"]


def item_rows(groups):
    for _category, items in groups:
        for item in items:
            yield [item.category, item.item, item.failed_batches, _pct(item.share_of_failures),
                   _pct(item.rate_per_batch)]


def bulletin_sheets(report):
    columns = ["批次", "合格批次", "不合格批次", "合格率(%)"]

    def rows(table):
        return [[r.label, r.rate.total, r.rate.passed, r.rate.failed, _pct(r.rate.rate)] for r in table] + [
            [_("合计"), report.overall.total, report.overall.passed, report.overall.failed, _pct(report.overall.rate)]]

    return [("按产品类别", ["产品类别", *columns], rows(report.by_category)),
            ("按地市", ["地市", *columns], rows(report.by_city)),
            ("按抽样环节", ["抽样环节", *columns], rows(report.by_stage))]


HISTORY_COLUMNS = ["抽样单编号", "抽样日期", "产品名称", "产品类别", "抽查类型", "地市", "检验结论", "主要不合格项目",
                   "后处理状态", "处置升级"]


def history_rows(history):
    for r in history.records:
        try:
            follow = r.follow_up
        except ObjectDoesNotExist:
            follow = None
        yield [r.number, r.sampling_date.isoformat(), r.product_name, r.product_category, r.get_plan_kind_display(),
               r.get_city_display(), r.get_conclusion_display(), r.failed_items_text,
               follow.get_status_display() if follow else "", follow.get_escalation_display() if follow else ""]
