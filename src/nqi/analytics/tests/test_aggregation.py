"""The rollup-reading layer: the extra-filter hook (for the coming random / targeted `selection` dimension), the
scope of each viewer, and that the rollup and the records give the same counts."""

import datetime as dt

import pytest

from nqi.analytics import aggregation as agg
from nqi.inspections.models import SamplingRecord

pytestmark = pytest.mark.django_db


def test_extra_filter_reaches_the_rollup_and_the_records(spot):
    region = spot.desk.region
    extra = agg.Filters(extra={"stage": "circulation"})
    assert agg.totals(region, extra) == agg.totals(region, agg.Filters(stage="circulation"))
    passed, total = agg.totals(region, extra)
    records = SamplingRecord.objects.filter(extra.record_q())
    assert (records.filter(conclusion="pass").count(), records.count()) == (passed, total) == (9, 10)


def test_counts_by_every_dimension_add_up_to_the_records(spot):
    region = spot.desk.region
    decided = SamplingRecord.objects.filter(conclusion__in=["pass", "fail"]).exclude(plan_kind="risk_monitoring")
    for by in agg.DIMENSIONS:
        rows = agg.counts_by(region, by, agg.Filters())
        assert sum(n for _k, _p, n in rows) == decided.count(), by
        assert sum(p for _k, p, _n in rows) == decided.filter(conclusion="pass").count(), by


def test_scope_of_each_viewer(spot):
    desk = spot.desk
    assert agg.totals(desk.regulator, agg.Filters())[1] == SamplingRecord.objects.filter(
        city="450200", conclusion__in=["pass", "fail"]).exclude(plan_kind="risk_monitoring").count()
    for outsider in (desk.enterprise_user, desk.provider_user, desk.expert.user):
        assert agg.totals(outsider, agg.Filters()) == (0, 0)
        assert agg.top_failing_items(outsider, agg.Filters()) == []


def test_month_window_and_bulletin_quarter(spot):
    region = spot.desk.region
    april = agg.Filters(month_from=dt.date(2026, 4, 1), month_to=dt.date(2026, 4, 1))
    assert agg.totals(region, april) == (9, 10)
    report = agg.bulletin(region, 2026, 2)
    assert (report.month_from, report.month_to) == (dt.date(2026, 4, 1), dt.date(2026, 6, 1))
    assert report.risk_monitoring == (5, 10)
    assert sum(r.rate.total for r in report.by_city) == report.overall.total


def test_dashboard_panels_from_one_query_equal_the_separate_queries(spot):
    region, filters = spot.desk.region, agg.Filters()
    for by in agg.DIMENSIONS:
        for funnel_by in agg.FUNNEL_DIMENSIONS:
            panels = agg.dashboard_panels(region, by, filters, "jeffreys", "quarter", funnel_by)
            assert panels.table == agg.breakdown(region, by, filters, "jeffreys", "quarter")
            assert (panels.trend, panels.changes) == agg.trend(region, filters, "quarter", "jeffreys")
            assert panels.funnel == agg.funnel(region, funnel_by, filters)
    assert agg.latest_month(region) == dt.date(2026, 5, 1)
    assert agg.latest_month(spot.desk.enterprise_user) is None


def test_one_dimension_rollup_gives_the_same_figures_as_the_full_rollup(spot, monkeypatch):
    """Queries that need at most one of category / stage / size read InspectionMarginal; forcing them onto the
    full rollup must change nothing, for every breakdown, filter and viewer."""
    desk = spot.desk
    category = SamplingRecord.objects.exclude(product_category="").values_list("product_category", flat=True)[0]
    cases = [agg.Filters(), agg.Filters(city="450200"), agg.Filters(category=category), agg.Filters(stage="production"),
             agg.Filters(size="small", kind="provincial"), agg.Filters(selection="random"),
             agg.Filters(month_from=dt.date(2026, 3, 1), month_to=dt.date(2026, 6, 1)),
             agg.Filters(kind="risk_monitoring")]

    def figures():
        out = []
        for user in (desk.region, desk.regulator):
            for filters in cases:
                out.append(agg.totals(user, filters))
                out.extend(agg.counts_by(user, by, filters) for by in agg.DIMENSIONS)
                panels = agg.dashboard_panels(user, "category", filters)
                out.append([(r.key, r.rate.passed, r.rate.total) for r in panels.table.rows])
        return out

    assert agg._marginal_dimension(agg.Filters(), ["product_category", "period", "city"]) == "product_category"
    assert agg._marginal_dimension(agg.Filters(), ["period"]) == "stage"
    assert agg._marginal_dimension(agg.Filters(stage="production"), ["product_category"]) is None
    from_marginal = figures()
    assert any(total for total in from_marginal if isinstance(total, tuple))
    monkeypatch.setattr(agg, "_marginal_dimension", lambda filters, columns: None)
    assert figures() == from_marginal
