"""CUSUM refresh: a category whose failure rate rose raises an alarm, a steady one does not; the command, the
task and the regulator's home list the alarms in each viewer's scope only."""

import datetime as dt
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from nqi.analytics import monitoring
from nqi.analytics.models import CusumRefresh, FailureRateCusum
from nqi.analytics.tasks import refresh_cusum_task
from nqi.inspections.choices import PlanKind

from . import factories as f

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 30)  # window 2024-07 .. 2026-06, monitoring from 2025-07-01


@pytest.fixture
def rising(desk):
    plan = f.plan(PlanKind.PROVINCIAL)
    # 螺蛳粉 in Liuzhou: 2% failing in the baseline year, 25% since July 2025.
    f.records(plan, n=300, failed=6, city="450200", category="螺蛳粉", day=dt.date(2024, 8, 1), spread_days=300)
    f.records(plan, n=120, failed=30, city="450200", category="螺蛳粉", day=dt.date(2025, 9, 1), spread_days=120)
    # 白砂糖 in Guilin: 5% failing throughout.
    f.records(plan, n=300, failed=15, city="450300", category="白砂糖", day=dt.date(2024, 8, 1), spread_days=300)
    f.records(plan, n=200, failed=10, city="450300", category="白砂糖", day=dt.date(2025, 8, 1), spread_days=200)
    # A rise seen only in risk monitoring is not a supervision alarm.
    risk = f.plan(PlanKind.RISK_MONITORING)
    f.records(risk, n=300, failed=3, city="450300", category="茶叶", day=dt.date(2024, 8, 1), spread_days=300)
    f.records(risk, n=100, failed=60, city="450300", category="茶叶", day=dt.date(2025, 8, 1), spread_days=100)
    return desk


def test_refresh_flags_the_rising_category_only(rising):
    log = monitoring.refresh(TODAY)
    assert (log.window_start, log.baseline_end) == (dt.date(2024, 7, 1), dt.date(2025, 7, 1))
    region = {r.product_category: r for r in FailureRateCusum.objects.filter(city="")}
    assert set(region) == {"螺蛳粉", "白砂糖"}
    snail = region["螺蛳粉"]
    assert snail.status == "alarm" and dt.date(2025, 9, 1) <= snail.alarm_date <= dt.date(2025, 12, 31)
    assert (snail.baseline_failed, snail.baseline_total, snail.recent_failed, snail.recent_total) == (6, 300, 30, 120)
    assert snail.still_above and snail.path and snail.path[0][0] >= "2025-07-01"
    assert region["白砂糖"].status == "quiet" and region["白砂糖"].path == []
    per_city = {(r.city, r.product_category): r.status for r in FailureRateCusum.objects.exclude(city="")}
    assert per_city == {("450200", "螺蛳粉"): "alarm", ("450300", "白砂糖"): "quiet"}
    assert log.alarms == 2
    # A second refresh replaces the rows rather than adding to them.
    monitoring.refresh(TODAY)
    assert FailureRateCusum.objects.count() == 4 and CusumRefresh.objects.count() == 2


def test_alarms_are_scoped(rising):
    monitoring.refresh(TODAY)
    desk = rising
    assert [a.product_category for a in monitoring.current_alarms(desk.region)] == ["螺蛳粉"]
    assert {a.city for a in monitoring.current_alarms(desk.regulator)} == {"450200"}
    assert list(monitoring.current_alarms(desk.other_regulator)) == []  # Guilin: nothing rose there
    assert list(monitoring.current_alarms(desk.enterprise_user)) == []


def test_command_and_task(rising):
    out = StringIO()
    call_command("analytics", "refresh", "--today", TODAY.isoformat(), stdout=out)
    assert "报警 2 组" in out.getvalue()
    result = refresh_cusum_task.enqueue()  # the ImmediateBackend runs it inline in tests
    assert result.return_value["groups"] == FailureRateCusum.objects.count()
    with pytest.raises(Exception, match="基线月数"):
        call_command("analytics", "refresh", "--months", "6", "--baseline-months", "6")


def test_home_lists_alarms_for_regulators_in_scope(client, rising):
    monitoring.refresh(TODAY)
    desk = rising
    client.force_login(desk.regulator)
    html = client.get(reverse("home")).content.decode()
    assert 'id="home-alarms"' in html and "螺蛳粉" in html and "2.0%" in html and "25.0%" in html
    client.force_login(desk.other_regulator)
    html = client.get(reverse("home")).content.decode()
    assert 'id="home-alarms"' in html and "当前没有不合格率上升预警" in html
    client.force_login(desk.enterprise_user)
    assert 'id="home-alarms"' not in client.get(reverse("home")).content.decode()


def test_alarm_page_and_api_show_the_alarm(client, rising):
    monitoring.refresh(TODAY)
    client.force_login(rising.region)
    html = client.get(reverse("analytics:alarms")).content.decode()
    assert 'data-chart="cusum-1"' in html and "螺蛳粉" in html and "白砂糖" in html
    # Each alarm links to its category's failed batches since monitoring began.
    link = re.search(r'class="alarm-records" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "product_category=%E8%9E%BA%E8%9B%B3%E7%B2%89" in link and "conclusion=fail" in link
    assert client.get(link).status_code == 200
    body = client.get("/api/v1/analytics/alarms/").json()
    assert [a["product_category"] for a in body["alarms"]] == ["螺蛳粉"]
    assert body["alarms"][0]["recent_failure_rate"] == 25.0


def test_home_before_any_refresh(client, desk):
    client.force_login(desk.region)
    assert "预警尚未计算" in client.get(reverse("home")).content.decode()
