"""Analytics API: the rates equal the records, 400 on a bad `by`, scope per viewer, funnel and alarms present."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from nqi.inspections import rollups
from nqi.inspections.models import SamplingRecord

from . import factories as f

pytestmark = pytest.mark.django_db
URL = "/api/v1/analytics/pass-rates/"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def supervision(**filters):
    return SamplingRecord.objects.filter(conclusion__in=["pass", "fail"], **filters).exclude(
        plan_kind="risk_monitoring")


@pytest.mark.parametrize("by", ["", "lab", "city;drop", "CITY"])
def test_bad_by_is_400(spot, by):
    response = api(spot.desk.region).get(URL, {"by": by})
    assert response.status_code == 400
    assert "by" in response.json()


def test_bad_filter_is_400_with_field_errors(spot):
    response = api(spot.desk.region).get(URL, {"by": "city", "month_from": "May", "method": "bayes"})
    assert response.status_code == 400
    assert set(response.json()) >= {"month_from", "method"}


def test_rates_by_city_equal_the_records(spot):
    body = api(spot.desk.region).get(URL, {"by": "city", "method": "jeffreys"}).json()
    rates = {r["key"]: r for r in body["rates"]}
    for city in ("450200", "450300"):
        records = supervision(city=city)
        assert rates[city]["batches"] == records.count()
        assert rates[city]["failed"] == records.filter(conclusion="fail").count()
        assert rates[city]["low"] < rates[city]["rate"] < rates[city]["high"]
        assert rates[city]["method"] == "jeffreys"
    assert body["overall"]["batches"] == supervision().count()
    assert {p["label"] for p in body["funnel"]["points"]} == {"柳州市", "桂林市"}
    assert sum(t["batches"] for t in body["trend"]) == supervision().count()
    assert body["changes"] and {"p_value", "significant", "test"} <= set(body["changes"][0])
    assert "risk_monitoring" in body["notes"] and "targeted_samples" in body["notes"]


def test_period_trend_fills_empty_months(spot):
    # A July result added incrementally (as the inspections actions do), leaving June empty.
    july = f.records(spot.provincial, n=2, failed=1, city="450200", day=dt.date(2026, 7, 8))
    rollups.add_records(july)
    body = api(spot.desk.region).get(URL, {"by": "period"}).json()
    assert [r["label"] for r in body["rates"]] == ["2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
    months = {r["label"]: r["batches"] for r in body["rates"]}
    assert months["2026-03"] == supervision(sampling_date__month=3).count()
    assert months["2026-06"] == 0 and months["2026-07"] == 2
    quarters = api(spot.desk.region).get(URL, {"by": "period", "granularity": "quarter"}).json()["rates"]
    assert [(q["label"], q["batches"]) for q in quarters] == [
        ("2026Q1", supervision(sampling_date__month=3).count()),
        ("2026Q2", supervision(sampling_date__month__in=[4, 5, 6]).count()), ("2026Q3", 2)]


def test_risk_monitoring_only_by_kind(spot):
    body = api(spot.desk.region).get(URL, {"by": "category", "kind": "risk_monitoring"}).json()
    assert body["overall"]["batches"] == SamplingRecord.objects.filter(plan_kind="risk_monitoring").count()


def test_city_regulator_gets_its_city_only(spot):
    body = api(spot.desk.regulator).get(URL, {"by": "city", "city": "450300"}).json()
    assert [r["key"] for r in body["rates"]] == ["450200"]
    assert body["overall"]["batches"] == supervision(city="450200").count()
    assert body["filters"]["city"] == "450200"


def test_enterprise_and_anonymous_are_refused(spot):
    assert api(spot.desk.enterprise_user).get(URL, {"by": "city"}).status_code == 403
    assert APIClient().get(URL, {"by": "city"}).status_code in (401, 403)
    assert api(spot.desk.enterprise_user).get("/api/v1/analytics/alarms/").status_code == 403
