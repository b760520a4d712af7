"""Risk-targeted batches of a sampling plan fail more often by design. The rollup keeps them apart, the filters
select them in or out, the dashboard warns when they are in its figures, and the CUSUM alarms ignore them."""

import datetime as dt

import pytest

from nqi.analytics import aggregation as agg
from nqi.analytics import monitoring
from nqi.inspections import rollups
from nqi.inspections.choices import PlanKind, Selection
from nqi.inspections.models import InspectionRollup

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(desk):
    """An ordinary provincial plan in Liuzhou (95% pass), plus a risk-based plan's random (95%) and targeted (60%)
    batches in the same month and category."""
    plan = f.plan(PlanKind.PROVINCIAL)
    f.records(plan, n=40, failed=2, category="方便食品")
    f.records(plan, n=20, failed=1, category="方便食品", selection=Selection.RANDOM)
    f.records(plan, n=20, failed=8, category="方便食品", selection=Selection.TARGETED)
    f.rebuild()
    return desk


def test_rollup_keeps_selection_apart_and_ordinary_rows_unchanged(planned):
    rows = {r.selection: (r.batches, r.failed) for r in InspectionRollup.objects.all()}
    assert rows == {"": (40, 2), "random": (20, 1), "targeted": (20, 8)}
    kept = sorted(InspectionRollup.objects.values_list("selection", "batches", "failed"))
    rollups.rebuild()
    assert sorted(InspectionRollup.objects.values_list("selection", "batches", "failed")) == kept


def test_selection_filter_on_rollup_and_records(planned):
    region = planned.region
    assert agg.totals(region, agg.Filters()) == (80 - 11, 80)
    assert agg.totals(region, agg.Filters(selection="random")) == (60 - 3, 60)
    assert agg.totals(region, agg.Filters(selection="targeted")) == (12, 20)
    assert agg.targeted_total(region, agg.Filters()) == (12, 20)
    assert agg.targeted_total(region, agg.Filters(selection="random")) == (0, 0)
    from nqi.inspections.models import SamplingRecord

    assert SamplingRecord.objects.filter(agg.Filters(selection="random").record_q()).count() == 60


def test_dashboard_warns_about_targeted_batches_and_offers_random_only(planned, client):
    client.force_login(planned.region)
    page = client.get("/analytics/?month_from=2026-05&month_to=2026-05").content.decode()
    assert 'id="targeted-notice"' in page and "风险定向批次 20 批" in page
    assert "selection=random" in page and 'id="stat-batches">80<' in page
    random_only = client.get("/analytics/?month_from=2026-05&month_to=2026-05&selection=random").content.decode()
    assert 'id="targeted-notice"' not in random_only and 'id="random-only-notice"' in random_only
    assert 'id="stat-batches">60<' in random_only and 'id="stat-rate">95.0%<' in random_only
    bad = client.get("/analytics/?selection=nonsense")
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()  # shown, not a 500


def test_api_filters_by_selection(planned):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(planned.region)
    body = client.get("/api/v1/analytics/pass-rates/?by=category&selection=random&month_from=2026-05").json()
    assert body["overall"]["batches"] == 60 and body["filters"]["selection"] == "random"
    everything = client.get("/api/v1/analytics/pass-rates/?by=category&month_from=2026-05").json()
    assert everything["targeted_batches"] == 20 and everything["overall"]["batches"] == 80
    assert client.get("/api/v1/analytics/pass-rates/?by=category&selection=x").status_code == 400


def test_cusum_ignores_targeted_batches(planned):
    counts = list(monitoring.daily_counts(dt.date(2026, 1, 1), dt.date(2026, 12, 31)))
    assert sum(row[4] for row in counts) == 60
