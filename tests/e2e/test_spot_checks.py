"""End to end in a real browser, one failed batch from sampling to published result and closed follow-up:
the lab registers the sampling and enters a failed result, the city regulator notifies the enterprise, the
enterprise objects within its window and asks for a re-test, the regulator sends the backup sample to another
lab, that lab confirms the failure, the regulator orders a correction, the enterprise reports its rectification,
the follow-up check passes, the plan's results are published, and anyone can read them without logging in."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from nqi import testing
from nqi.accounts.choices import RegulatorLevel
from nqi.core.choices import City
from nqi.inspections import actions
from nqi.inspections.choices import PlanKind
from nqi.inspections.models import SamplingRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def plan_with_task():
    enterprise, enterprise_user = testing.make_enterprise(City.LIUZHOU, name="柳州市螺香阁食品有限公司")
    lab, lab_user, _ = testing.make_provider(City.LIUZHOU, name="柳州市产品质量检验检测中心")
    retest_lab, retest_user, _ = testing.make_provider(City.NANNING, name="广西壮族自治区产品质量检验研究院")
    region = testing.make_regulator(City.NANNING, RegulatorLevel.REGION)
    plan = actions.do_create_plan(region, actions.NewPlan(
        name="2026年第4批自治区产品质量监督抽查", year=2026, kind=PlanKind.PROVINCIAL, batch=4,
        product_categories=["方便食品"], quota=10), labs=[lab, retest_lab])
    actions.do_assign_task(region, plan, lab=lab, product_category="方便食品", quota=10, city=City.LIUZHOU)
    return {"enterprise": enterprise, "enterprise_user": enterprise_user, "lab_user": lab_user,
            "retest_lab": retest_lab, "retest_user": retest_user, "plan": plan,
            "regulator": testing.make_regulator(City.LIUZHOU), "region": region}


def act(page, name, **fields):
    """Fill and submit the record page's action card `name`; fields by input name (radio values as given)."""
    card = page.locator(f"#action-{name}")
    expect(card).to_be_visible()
    for field, value in fields.items():
        control = card.locator(f"[name={field}]")
        kind = control.first.get_attribute("type")
        if kind == "radio":
            card.locator(f"input[name={field}][value='{value}']").check()
        elif control.first.evaluate("e => e.tagName") == "SELECT":
            control.select_option(str(value))
        else:
            control.fill(str(value))
    card.get_by_role("button", name="确定").click()
    expect(page.locator(".alert-success")).to_contain_text("操作成功")


def test_a_failed_batch_goes_from_sampling_to_published_result_and_closed_follow_up(open_as, browser, live_server,
                                                                                     plan_with_task, shot):
    w = plan_with_task
    plan, today = w["plan"], timezone.localdate()

    # The lab registers the sampling; the form refuses a single sampler first.
    lab = open_as(w["lab_user"])
    lab.goto(f"/inspections/plans/{plan.pk}/")
    lab.get_by_role("link", name="登记抽样").click()
    lab.select_option("#id_task", index=1)
    lab.fill("#id_product_name", "袋装螺蛳粉")
    lab.fill("#id_product_category", "方便食品")
    lab.fill("#id_batch_no", "20261101A")
    lab.fill("#id_manufacturer_name", w["enterprise"].name)
    lab.fill("#id_manufacturer_uscc", w["enterprise"].credit_code)
    lab.select_option("#id_stage", "production")
    lab.select_option("#id_city", City.LIUZHOU.value)
    lab.fill("#id_sampling_date", (today - dt.timedelta(days=20)).isoformat())
    lab.fill("#id_samplers", "韦明")
    lab.fill("#id_sample_quantity", "8袋")
    lab.fill("#id_backup_quantity", "8袋")
    lab.get_by_role("button", name="保存").click()
    expect(lab.locator(".invalid-feedback, .field-error, .errorlist").first).to_contain_text("抽样人员不得少于2名")
    lab.fill("#id_samplers", "韦明、覃芳")
    lab.get_by_role("button", name="保存").click()
    expect(lab.locator(".alert-success")).to_contain_text("抽样信息已登记")
    record = SamplingRecord.objects.get()
    assert record.manufacturer_id == w["enterprise"].pk  # linked by its credit code

    lab.get_by_role("link", name="录入检验结果").click()
    lab.fill("#id_items-0-item", "菌落总数")
    lab.fill("#id_items-0-measured", "3.2×10⁵")
    lab.fill("#id_items-0-limit", "≤10⁵")
    lab.select_option("#id_items-0-judgement", "fail")
    lab.fill("#id_items-1-item", "过氧化值")
    lab.get_by_role("button", name="保存结果").click()
    expect(lab.locator("#record-conclusion")).to_have_text("不合格")
    shot(lab, "spot-01-tested")

    # The city regulator tells the enterprise; the 15-day objection window starts from its receipt.
    regulator = open_as(w["regulator"])
    regulator.goto(record.get_absolute_url())
    act(regulator, "notify", received_on=today.isoformat())
    expect(regulator.locator("#objection-due")).to_contain_text(today.isoformat())

    # The enterprise sees the failure, with an offer of help, and asks for a re-test.
    enterprise = open_as(w["enterprise_user"])
    enterprise.goto(record.get_absolute_url())
    expect(enterprise.locator("#assistance")).to_be_visible()
    act(enterprise, "objection", reason="我方自检菌落总数合格，对检验结果有异议，申请用备份样品复检。", items="菌落总数")
    expect(enterprise.locator("#objection")).to_be_visible()

    regulator.reload()
    act(regulator, "assign_retest", lab=w["retest_lab"].pk)
    retest = open_as(w["retest_user"])
    retest.goto(record.get_absolute_url())
    act(retest, "retest_result", conclusion="fail", note="复检菌落总数 2.9×10⁵ CFU/g，仍不合格。")
    expect(retest.locator("#objection")).to_contain_text("与初检一致")
    shot(retest, "spot-02-retested")

    # The failure is final: correction ordered, rectification reported, follow-up check passed.
    regulator.reload()
    act(regulator, "order_correction", note="停止销售该批次产品，查明原因并整改，30日内提交整改报告。")
    enterprise.reload()
    act(enterprise, "rectify", report="已召回该批次产品，更换杀菌设备，加强车间卫生管理，送检三批均合格。")
    regulator.reload()
    act(regulator, "recheck", passed="1", note="现场复查整改到位，抽检复查合格。")
    expect(regulator.locator("#follow-up")).to_contain_text("已结案")
    shot(regulator, "spot-03-closed")

    # The region, whose plan it is, publishes its results; anyone can read them without logging in.
    region = open_as(w["region"])
    region.goto(f"/inspections/plans/{plan.pk}/")
    region.get_by_role("button", name="公布已确定的结果").click()
    expect(region.locator(".alert-success")).to_contain_text("已公布 1 批次结果")
    public = browser.new_context(locale="zh-CN", base_url=live_server.url)
    try:
        page = public.new_page()
        page.goto(f"/inspections/public/{plan.pk}/")
        expect(page.locator("table")).to_contain_text("袋装螺蛳粉")
        expect(page.locator("table")).to_contain_text(w["enterprise"].name)
        expect(page.locator("table")).to_contain_text("菌落总数")
        shot(page, "spot-04-public")
    finally:
        public.close()
    record.refresh_from_db()
    assert (record.status, record.conclusion, record.published) == ("final", "fail", True)
