"""Dashboard pages: the numbers shown equal the counts in the database, each viewer sees only its scope, empty
states, risk monitoring kept apart, and the Excel exports open."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from nqi.inspections.models import SamplingRecord
from nqi.testing import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def supervision(**filters):
    """Decided supervision records (what the pass rates count), straight from the records table."""
    return SamplingRecord.objects.filter(conclusion__in=["pass", "fail"], **filters).exclude(
        plan_kind="risk_monitoring")


def stat(html, element_id):
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, element_id
    return match.group(1).strip()


def row_cells(html, table_id, label):
    table = re.search(rf'id="{table_id}".*?</table>', html, re.S).group(0)
    # Bulletin tables start with a serial number cell.
    row = re.search(rf"<tr[^>]*>(?:<td[^>]*>\d+</td>)?<td>{re.escape(label)}</td>(.*?)</tr>", table, re.S)
    assert row, label
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]


def test_region_dashboard_totals_equal_the_records(client, spot):
    html = login(client, spot.desk.region).get(reverse("analytics:dashboard")).content.decode()
    assert stat(html, "stat-batches") == str(supervision().count())
    assert stat(html, "stat-passed") == str(supervision(conclusion="pass").count())
    assert stat(html, "stat-failed") == str(supervision(conclusion="fail").count())
    total, passed = supervision().count(), supervision(conclusion="pass").count()
    assert stat(html, "stat-rate") == f"{100 * passed / total:.1f}%"
    cells = row_cells(html, "rates-table", "桂林米粉")
    guilin = supervision(product_category="桂林米粉")
    assert cells[:3] == [str(guilin.count()), str(guilin.filter(conclusion="pass").count()),
                         str(guilin.filter(conclusion="fail").count())]
    # Risk monitoring is not in the rate, but is reported on its own with the note saying so.
    assert "不含风险监测" in html
    risk = SamplingRecord.objects.filter(plan_kind="risk_monitoring")
    assert f"同期风险监测 {risk.count()} 批次，发现问题 {risk.filter(conclusion='fail').count()} 批次" in html
    assert "定向" in html  # the targeted-sample caveat is on the page
    assert "chart.umd.js" in html and 'data-chart="chart-funnel"' in html


def test_dashboard_by_city_and_risk_monitoring_on_its_own(client, spot):
    login(client, spot.desk.region)
    html = client.get(reverse("analytics:dashboard"), {"by": "city"}).content.decode()
    liuzhou = supervision(city="450200")
    assert row_cells(html, "rates-table", "柳州市")[0] == str(liuzhou.count())
    html = client.get(reverse("analytics:dashboard"), {"kind": "risk_monitoring"}).content.decode()
    assert stat(html, "stat-batches") == str(SamplingRecord.objects.filter(plan_kind="risk_monitoring").count())
    assert "当前显示风险监测结果" in html


def test_city_regulator_sees_only_its_city(client, spot):
    login(client, spot.desk.regulator)  # Liuzhou
    html = client.get(reverse("analytics:dashboard"), {"by": "category", "city": "450300"}).content.decode()
    assert stat(html, "stat-batches") == str(supervision(city="450200").count())
    assert "桂林米粉" not in html
    assert 'name="city"' not in html  # no city menu for a city regulator
    html = client.get(reverse("analytics:bulletin"), {"year": 2026, "quarter": 2}).content.decode()
    assert "桂林米粉" not in html and "螺蛳粉" in html
    html = client.get(reverse("analytics:items")).content.decode()
    assert "二氧化硫残留量" not in html and "酸价" in html


def test_enterprises_and_providers_get_no_dashboards(client, spot):
    for user in (spot.desk.enterprise_user, spot.desk.provider_user):
        client.force_login(user)
        for name in ("dashboard", "items", "alarms", "bulletin"):
            assert client.get(reverse(f"analytics:{name}")).status_code == 403


def test_enterprise_sees_only_its_own_history(client, spot):
    html = login(client, spot.desk.enterprise_user).get(reverse("analytics:enterprise")).content.decode()
    for record in spot.own:
        assert record.number in html
    for record in spot.other:
        assert record.number not in html
    # Parameters cannot point an enterprise at someone else's history.
    html = client.get(reverse("analytics:enterprise"), {"org": spot.desk.other_enterprise.pk}).content.decode()
    assert spot.other[0].number not in html and spot.own[0].number in html
    assert stat(html, "history-total") == "3" and stat(html, "history-failed") == "1"
    assert stat(html, "history-open-follow-ups") == "1"
    assert "责令限期改正" in html


def test_regulator_history_lookup_is_scoped(client, spot):
    login(client, spot.desk.regulator)  # Liuzhou
    html = client.get(reverse("analytics:enterprise"), {"org": spot.desk.enterprise.pk}).content.decode()
    assert spot.own[0].number in html
    html = client.get(reverse("analytics:enterprise"), {"org": spot.desk.other_enterprise.pk}).content.decode()
    assert spot.other[0].number not in html and 'id="history-empty"' in html
    html = client.get(reverse("analytics:enterprise"), {"q": spot.desk.other_enterprise.name}).content.decode()
    assert "没有找到匹配的企业" in html
    login(client, spot.desk.region)
    html = client.get(reverse("analytics:enterprise"), {"uscc": spot.desk.other_enterprise.credit_code}).content.decode()
    assert all(r.number in html for r in spot.other)


def test_empty_states(client, desk):
    login(client, desk.region)
    assert 'id="analytics-empty"' in client.get(reverse("analytics:dashboard")).content.decode()
    assert 'id="items-empty"' in client.get(reverse("analytics:items")).content.decode()
    assert 'id="alarms-empty"' in client.get(reverse("analytics:alarms")).content.decode()
    assert 'id="bulletin-empty"' in client.get(reverse("analytics:bulletin")).content.decode()
    login(client, desk.enterprise_user)
    assert 'id="history-empty"' in client.get(reverse("analytics:enterprise")).content.decode()


def test_bad_filters_are_field_errors_not_500(client, spot):
    login(client, spot.desk.region)
    response = client.get(reverse("analytics:dashboard"),
                          {"month_from": "2026-13", "month_to": "2026-01", "by": "nonsense"})
    assert response.status_code == 200
    assert "请按“年-月”填写" in response.content.decode()
    assert client.get(reverse("analytics:bulletin"), {"year": "x", "quarter": "9"}).status_code == 200


def test_top_failing_items_count_failed_batches(client, spot):
    html = login(client, spot.desk.region).get(reverse("analytics:items")).content.decode()
    group = re.search(r"<h2 class=\"h6\">螺蛳粉.*?</table>", html, re.S).group(0)
    acid = supervision(product_category="螺蛳粉", items__item="酸价", items__judgement="fail").count()
    assert re.search(rf"<td>酸价</td><td class=\"text-end\">{acid}</td>", group)
    assert "过氧化值" in group


def test_bulletin_numbers_and_print_css(client, spot):
    html = login(client, spot.desk.region).get(reverse("analytics:bulletin"),
                                               {"year": 2026, "quarter": 2}).content.decode()
    q2 = supervision(sampling_date__gte="2026-04-01", sampling_date__lt="2026-07-01")
    assert f"{q2.count()}批次，合格{q2.filter(conclusion='pass').count()}批次" in html
    cells = row_cells(html, "bulletin-city", "桂林市")
    assert cells[:3] == [str(q2.filter(city="450300").count()),
                          str(q2.filter(city="450300", conclusion="pass").count()),
                          str(q2.filter(city="450300", conclusion="fail").count())]
    assert "@media print" in html and "不含风险监测" in html
    assert "bulletin-as-of" not in html  # a finished quarter


def test_a_bulletin_of_the_quarter_under_way_says_it_is_as_of_today(client, spot):
    today = timezone.localdate()
    html = login(client, spot.desk.region).get(reverse("analytics:bulletin"), {
        "year": today.year, "quarter": (today.month - 1) // 3 + 1}).content.decode()
    assert f"本季度尚未结束，本通报为截至{today.year}年{today.month}月{today.day}日已出结论的结果" in html


def _sheet_rows(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return openpyxl.load_workbook(io.BytesIO(response.content))


def test_excel_exports_open_and_match(client, spot):
    login(client, spot.desk.region)
    book = _sheet_rows(client.get(reverse("analytics:dashboard"), {"by": "city", "format": "xlsx"}))
    rows = {r[0]: r for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert rows["柳州市"][1] == supervision(city="450200").count()
    assert rows["合计"][1] == supervision().count()
    assert [ws.title for ws in book.worksheets] == ["地市", "趋势", "漏斗图"]
    book = _sheet_rows(client.get(reverse("analytics:bulletin"), {"year": 2026, "quarter": 2, "format": "xlsx"}))
    assert book.worksheets[0]["A1"].value == "产品类别"
    book = _sheet_rows(client.get(reverse("analytics:items"), {"format": "xlsx"}))
    assert any(r[1] == "酸价" for r in book.worksheets[0].iter_rows(min_row=2, values_only=True))
    login(client, spot.desk.enterprise_user)
    book = _sheet_rows(client.get(reverse("analytics:enterprise"), {"format": "xlsx"}))
    numbers = {r[0] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert numbers == {r.number for r in spot.own}
