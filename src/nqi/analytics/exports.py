"""Excel sheets of the statistics pages (columns in the user's language, rates in percent, intervals beside them)."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .stats import FUNNEL_STATUS_LABELS


def _pct(value):
    return "" if value is None else round(100 * value, 2)


RATE_COLUMNS = [gettext_lazy("批次"), gettext_lazy("合格批次"), gettext_lazy("不合格批次"), gettext_lazy("合格率(%)"),
                gettext_lazy("95%区间下限(%)"), gettext_lazy("95%区间上限(%)"), gettext_lazy("样本量小")]


def rate_cells(rate):
    return [rate.total, rate.passed, rate.failed, _pct(rate.rate), _pct(rate.low), _pct(rate.high),
            _("是") if rate.small_sample else ""]


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
                           "" if c is None or c.change_pp is None else (_("是") if c.significant else _("否"))])
    funnel_rows = [[p.label, p.total, p.passed, _pct(p.rate), str(FUNNEL_STATUS_LABELS[p.status])]
                   for p in funnel.points]
    return [
        (str(DIMENSION_LABELS[table.by]), [str(DIMENSION_LABELS[table.by]), *RATE_COLUMNS], by_rows),
        (_("趋势"), [_("期间"), *RATE_COLUMNS, _("环比变化(百分点)"), _("P值"), _("检验"), _("显著")], trend_rows),
        (_("漏斗图"), [str(DIMENSION_LABELS[funnel.by]), _("批次"), _("合格批次"), _("合格率(%)"), _("与总体比较")],
         funnel_rows),
    ]


ITEM_COLUMNS = [gettext_lazy("产品类别"), gettext_lazy("不合格项目"), gettext_lazy("不合格批次"),
                gettext_lazy("占该类别不合格批次(%)"), gettext_lazy("每百批次不合格")]


def item_rows(groups):
    for _category, items in groups:
        for item in items:
            yield [item.category, item.item, item.failed_batches, _pct(item.share_of_failures),
                   _pct(item.rate_per_batch)]


def bulletin_sheets(report):
    columns = [_("批次"), _("合格批次"), _("不合格批次"), _("合格率(%)")]

    def rows(table):
        return [[r.label, r.rate.total, r.rate.passed, r.rate.failed, _pct(r.rate.rate)] for r in table] + [
            [_("合计"), report.overall.total, report.overall.passed, report.overall.failed, _pct(report.overall.rate)]]

    return [(_("按产品类别"), [_("产品类别"), *columns], rows(report.by_category)),
            (_("按地市"), [_("地市"), *columns], rows(report.by_city)),
            (_("按抽样环节"), [_("抽样环节"), *columns], rows(report.by_stage))]


HISTORY_COLUMNS = [gettext_lazy("抽样单编号"), gettext_lazy("抽样日期"), gettext_lazy("产品名称"), gettext_lazy("产品类别"),
                   gettext_lazy("抽查类型"), gettext_lazy("地市"), gettext_lazy("检验结论"), gettext_lazy("主要不合格项目"),
                   gettext_lazy("后处理状态"), gettext_lazy("处置升级")]


def history_rows(history):
    for r in history.records:
        try:
            follow = r.follow_up
        except ObjectDoesNotExist:
            follow = None
        yield [r.number, r.sampling_date.isoformat(), r.product_name, r.product_category, r.get_plan_kind_display(),
               r.get_city_display(), r.get_conclusion_display(), r.failed_items_text,
               follow.get_status_display() if follow else "", follow.get_escalation_display() if follow else ""]
