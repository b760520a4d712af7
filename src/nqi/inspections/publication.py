"""The published results table, as bureaus publish it (产品质量监督抽查结果公告): per batch, and totals."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .choices import Conclusion

COLUMNS = [_("序号"), _("产品名称"), _("规格型号"), _("生产日期/批号"), _("标称生产企业"), _("统一社会信用代码"), _("受检单位"),
           _("所在地市"), _("抽样环节"), _("抽样日期"), _("承检机构"), _("检验结论"), _("主要不合格项目")]


def rows(records):
    for n, r in enumerate(records.order_by("product_name", "city", "sampling_date", "id").iterator(chunk_size=2000),
                          start=1):
        yield [n, r.product_name, r.specification, r.batch_no, r.manufacturer_name, r.manufacturer_uscc,
               r.sampled_unit_name, r.get_city_display(), r.get_stage_display(), r.sampling_date, r.lab_name,
               r.get_conclusion_display(), r.failed_items_text or "/"]


def stats(records) -> dict:
    """Batches, passed, failed and pass rate, overall and by product."""
    totals = records.aggregate(batches=Count("id"), failed=Count("id", filter=Q(conclusion=Conclusion.FAIL)))
    totals["passed"] = totals["batches"] - totals["failed"]
    totals["rate"] = totals["passed"] / totals["batches"] if totals["batches"] else None
    by_product = list(records.values("product_name").annotate(
        batches=Count("id"), failed=Count("id", filter=Q(conclusion=Conclusion.FAIL))).order_by("-batches")[:30])
    for row in by_product:
        row["rate"] = (row["batches"] - row["failed"]) / row["batches"]
    return {"totals": totals, "by_product": by_product}
