"""The pages a user walks through: plans with progress, the record list (filters, export), sampling and result
entry, the workflow forms with field errors, and the public results page (no login)."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from nqi.core.models import AuditEntry
from nqi.inspections import actions
from nqi.inspections.choices import PlanKind, RecordStatus
from nqi.inspections.models import SamplingRecord

from .conftest import Spot, moment

pytestmark = pytest.mark.django_db


def test_plan_list_and_detail_show_progress(spot, desk, client):
    spot.tested(batch_no="P1")
    spot.tested(batch_no="P2", passed=True)
    client.force_login(desk.region)
    listing = client.get("/inspections/").content.decode()
    assert spot.plan.name in listing and "2 / 20" in listing
    detail = client.get(spot.plan.get_absolute_url()).content.decode()
    assert "已抽样 2 批次 / 计划 20 批次" in detail and "10%" in detail and spot.lab.name in detail


def test_a_long_plan_trail_shows_the_latest_entries_and_says_how_many_are_hidden(spot, desk, client):
    for n in range(35):
        actions.do_assign_task(desk.region, spot.plan, lab=spot.lab, product_category=f"类别{n:02d}", quota=1)
    client.force_login(desk.region)
    detail = client.get(spot.plan.get_absolute_url()).content.decode()
    trail = detail[detail.index("计划轨迹"):]
    assert "类别34 1批" in trail and "类别00 1批" not in trail
    shown = trail.count("<li>")
    total = AuditEntry.objects.filter(content_type__model="inspectionplan", object_id=spot.plan.pk).count()
    assert shown == 30 and f"另有 {total - 30} 条更早的记录未显示" in trail


def test_regulator_creates_plan_with_field_errors_first(desk, spot, client):
    client.force_login(desk.region)
    bad = client.post("/inspections/plans/new/", {"name": "", "year": "2026", "batch": "1", "kind": "provincial",
                                                  "quota": "-1"})
    assert bad.status_code == 400 and "field-error" in bad.content.decode()
    ok = client.post("/inspections/plans/new/", {"name": "2026年白砂糖专项", "year": "2026", "batch": "1",
                                                 "kind": "special", "quota": "40", "labs": [spot.lab.pk],
                                                 "product_categories": "糖、食糖"})
    assert ok.status_code == 302


def test_record_list_filters_sorts_and_exports(spot, desk, client):
    bad = spot.tested(batch_no="L1", passed=False)
    good = spot.tested(batch_no="L2", passed=True)
    client.force_login(desk.regulator)
    failed = client.get("/inspections/records/?conclusion=fail").content.decode()
    assert bad.number in failed and good.number not in failed
    by_number = client.get("/inspections/records/?sort=-number").content.decode()
    assert by_number.index(good.number) < by_number.index(bad.number)
    export = client.get("/inspections/records/?format=xlsx&sort=number")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "抽样单编号" and len(rows) == 3
    assert "没有符合条件" in client.get("/inspections/records/?q=不存在的产品").content.decode()


def test_lab_samples_and_enters_results_through_pages(spot, desk, client):
    client.force_login(spot.lab_user)
    form = {"task": spot.task.pk, "product_name": "袋装螺蛳粉", "manufacturer_name": desk.enterprise.name,
            "manufacturer_uscc": desk.enterprise.credit_code, "stage": "production", "city": "450200",
            "sampling_date": "2026-08-20", "samplers": "韦明", "sample_quantity": "8袋", "backup_quantity": "8袋"}
    bad = client.post(f"/inspections/plans/{spot.plan.pk}/sample/", form)
    assert bad.status_code == 400 and "抽样人员不得少于2名" in bad.content.decode()
    form["samplers"] = "韦明、覃芳"
    response = client.post(f"/inspections/plans/{spot.plan.pk}/sample/", form)
    record = SamplingRecord.objects.get()
    assert response["Location"] == record.get_absolute_url()
    data = {"items-TOTAL_FORMS": "6", "items-INITIAL_FORMS": "0", "items-0-item": "酸价", "items-0-judgement": "fail",
            "items-0-measured": "5.2", "items-0-limit": "≤3", "items-1-item": "过氧化值", "items-1-judgement": "pass"}
    for n in range(2, 6):
        data[f"items-{n}-judgement"] = "pass"
    assert client.post(f"/inspections/records/{record.pk}/results/", data).status_code == 302
    record.refresh_from_db()
    assert (record.status, record.conclusion, record.failed_items_text) == (RecordStatus.TESTED, "fail", "酸价")


def test_workflow_form_error_stays_on_page(spot, desk, client):
    record = spot.tested()
    client.force_login(desk.regulator)
    response = client.post(f"/inspections/records/{record.pk}/do/override/", {"conclusion": "pass", "reason": "改"})
    assert response.status_code == 400 and "至少5个字" in response.content.decode()
    assert client.post(f"/inspections/records/{record.pk}/do/notify/", {}).status_code == 302
    record.refresh_from_db()
    assert record.status == RecordStatus.NOTIFIED


def test_public_page_lists_only_published_results_without_login(spot, desk, client):
    published = spot.final_failure(batch_no="PUB1")
    spot.final_failure(batch_no="PUB2")
    spot.tested(batch_no="NOTYET")
    actions.do_publish_record(desk.regulator, published)
    page = client.get(f"/inspections/public/{spot.plan.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "PUB1" in text and "PUB2" not in text and "NOTYET" not in text
    assert "共抽查 1 批次，合格 0 批次，不合格 1 批次" in text and "菌落总数" in text
    assert actions.do_publish_plan_results(desk.region, spot.plan) == 1  # PUB2 (final); NOTYET is not final
    export = client.get(f"/inspections/public/{spot.plan.pk}/?format=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "产品名称", "规格型号") and {r[3] for r in rows[1:]} == {"PUB1", "PUB2"}
    assert spot.plan.name in client.get("/inspections/public/").content.decode()


def test_risk_monitoring_is_public_only_when_marked_publishable(desk, client):
    spot = Spot(desk, kind=PlanKind.RISK_MONITORING)
    spot.final_failure()
    SamplingRecord.objects.update(published=True)  # even if flagged by mistake
    assert client.get(f"/inspections/public/{spot.plan.pk}/").status_code == 404
    spot.plan.publish_risk_results = True
    spot.plan.save()
    assert client.get(f"/inspections/public/{spot.plan.pk}/").status_code == 200


def test_unpublished_plan_public_page_is_404(spot, client):
    spot.tested(sampled_on=dt.date(2026, 8, 1))
    assert client.get(f"/inspections/public/{spot.plan.pk}/").status_code == 404


def test_the_regulators_home_lists_spot_check_work_in_their_own_city(spot, desk, client):
    from nqi import testing
    from nqi.core.choices import City

    overdue = actions.do_order_correction(desk.regulator, spot.final_failure(batch_no="H1"), due=dt.date(2026, 10, 20),
                                          at=moment(2026, 10, 12))
    reported = actions.do_order_correction(desk.regulator, spot.final_failure(batch_no="H2"), at=moment(2026, 10, 12))
    actions.do_submit_rectification(desk.enterprise_user, reported, "更换杀菌设备", at=moment(2026, 10, 20))
    spot.tested(batch_no="H3")  # a result not yet sent to the enterprise
    client.force_login(desk.regulator)
    card = client.get("/").content.decode().split('id="home-inspection-todo"')[1].split("</table>")[0]
    assert overdue.record.number in card and reported.record.number in card
    assert card.index(reported.record.number) < card.index(overdue.record.number)  # the report to recheck first
    assert "待复查" in card and "整改逾期" in card
    # Another city's regulator sees none of Liuzhou's follow-ups.
    client.force_login(testing.make_regulator(City.NANNING))
    other = client.get("/").content.decode().split('id="home-inspection-todo"')[1]
    assert overdue.record.number not in other and "没有待复查或逾期的不合格后处理" in other


def test_the_follow_up_ledger_filters_sorts_pages_and_exports_within_the_regulators_city(spot, desk, client):
    from nqi import testing
    from nqi.core.choices import City

    overdue = actions.do_order_correction(desk.regulator, spot.final_failure(batch_no="L1"), due=dt.date(2026, 10, 20),
                                          at=moment(2026, 10, 12))
    reported = actions.do_order_correction(desk.regulator, spot.final_failure(batch_no="L2"), at=moment(2026, 10, 12))
    actions.do_submit_rectification(desk.enterprise_user, reported, "更换杀菌设备", at=moment(2026, 10, 20))
    client.force_login(desk.regulator)
    page = client.get("/inspections/follow-ups/").content.decode()
    assert overdue.record.number in page and reported.record.number in page and "（已逾期）" in page
    only_overdue = client.get("/inspections/follow-ups/", {"overdue": "1"}).content.decode()
    assert overdue.record.number in only_overdue and reported.record.number not in only_overdue
    to_recheck = client.get("/inspections/follow-ups/", {"status": "reported"}).content.decode()
    assert reported.record.number in to_recheck and overdue.record.number not in to_recheck
    latest_first = client.get("/inspections/follow-ups/", {"sort": "-due"}).content.decode()
    assert latest_first.index(reported.record.number) < latest_first.index(overdue.record.number)
    book = load_workbook(io.BytesIO(client.get("/inspections/follow-ups/", {"format": "xlsx"}).content))
    numbers = [row[0] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert numbers == [overdue.record.number, reported.record.number]  # by deadline
    # Another city's regulator sees none of them; an enterprise user is refused.
    client.force_login(testing.make_regulator(City.NANNING))
    assert "没有符合条件的不合格后处理" in client.get("/inspections/follow-ups/").content.decode()
    client.force_login(desk.enterprise_user)
    assert client.get("/inspections/follow-ups/").status_code == 403


def test_paging_keeps_the_chosen_sort(spot, desk, client):
    for n in range(26):
        spot.tested(batch_no=f"S{n:02d}")
    client.force_login(desk.region)
    page = client.get("/inspections/records/", {"sort": "number"}).content.decode()
    assert "sort=number&page=2" in page


def test_public_readers_filter_the_published_results(spot, desk, client):
    spot.final_failure(batch_no="PUB1")
    spot.final_failure(batch_no="PUB2", product="酸笋")
    actions.do_publish_plan_results(desk.region, spot.plan)
    url = f"/inspections/public/{spot.plan.pk}/"
    by_product = client.get(url, {"q": "酸笋"}).content.decode()
    assert "PUB2" in by_product and "PUB1" not in by_product
    assert "PUB1" in client.get(url, {"conclusion": "fail"}).content.decode()
    assert "没有符合条件的公布结果" in client.get(url, {"conclusion": "pass"}).content.decode()
    # Unknown values are ignored, never an error; the totals stay those of the whole plan.
    odd = client.get(url, {"conclusion": "maybe", "category": "<script>", "q": "x" * 500})
    assert odd.status_code == 200 and "共抽查 2 批次" in odd.content.decode()


def test_filters_the_form_does_not_show_are_kept_and_named(spot, desk, client):
    number = spot.final_failure(batch_no="K1").number
    client.force_login(desk.region)
    page = client.get("/inspections/records/", {"product_category": "方便食品", "sampled_after": "2026-08-01",
                                                "conclusion": "fail"}).content.decode()
    assert number in page
    # The category is in the menu (it has results), so the menu shows it; the dates have no control: kept hidden.
    assert '<option value="方便食品" selected>' in page
    assert '<input type="hidden" name="sampled_after" value="2026-08-01">' in page
    assert "抽样起：<strong>2026-08-01</strong>" in page
    # A category the menu does not list is kept and named too.
    other = client.get("/inspections/records/", {"product_category": "食糖"}).content.decode()
    assert '<input type="hidden" name="product_category" value="食糖">' in other and "产品类别：<strong>食糖</strong>" in other
    assert number not in client.get("/inspections/records/", {"product_category": "食糖"}).content.decode()
