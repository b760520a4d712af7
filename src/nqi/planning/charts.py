"""Chart.js configuration of a sampling plan (drawn by analytics/charts.js): batches per product category,
random and targeted stacked, against the category minimum."""

from django.db.models import Sum
from django.utils.translation import gettext as _

from nqi.analytics.charts import COLOURS


def batches_by_category_chart(scheme) -> dict:
    rows = list(scheme.cells.values("product_category").annotate(random=Sum("random_batches"),
                                                                 targeted=Sum("targeted_batches"))
                .order_by("product_category"))
    rows = [r for r in rows if (r["random"] or 0) + (r["targeted"] or 0) > 0 or
            scheme.category_minimums.get(r["product_category"])]
    labels = [r["product_category"] for r in rows]
    datasets = [
        {"type": "bar", "label": _("双随机抽取"), "data": [r["random"] or 0 for r in rows],
         "backgroundColor": COLOURS["rate_light"], "stack": "batches"},
        {"type": "bar", "label": _("风险定向"), "data": [r["targeted"] or 0 for r in rows],
         "backgroundColor": COLOURS["below_95"], "stack": "batches"},
    ]
    if any(scheme.category_minimums.values()):
        datasets.append({"type": "line", "label": _("类别最低批次"), "showLine": False, "pointStyle": "line",
                         "pointRadius": 12, "borderColor": COLOURS["target"], "borderWidth": 2,
                         "data": [scheme.category_minimums.get(label, 0) for label in labels]})
    return {"type": "bar", "data": {"labels": labels, "datasets": datasets},
            "options": {"indexAxis": "x", "plugins": {"title": {"display": True, "text": _("各产品类别计划批次")}},
                        "scales": {"x": {"stacked": True}, "y": {"stacked": True, "title": {
                            "display": True, "text": _("批次")}}}}}
