"""The spot-check procedure as the law sets it: sampling, results, the 15-day objection window (calendar days,
extended past a holiday), re-tests and who pays, follow-up of failures and escalation. Idempotent deadline pass."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from nqi import testing
from nqi.core.audit import timeline
from nqi.core.choices import City
from nqi.core.exceptions import ActionNotAllowed, InvalidTransition
from nqi.core.models import Notification
from nqi.inspections import actions, deadlines, rollups
from nqi.inspections.choices import (
    Conclusion,
    Escalation,
    FollowUpStatus,
    PlanKind,
    RecordStatus,
    RetestPayer,
)
from nqi.inspections.models import InspectionRollup, SamplingRecord

from .conftest import Spot, moment

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- the 15-day window

@pytest.mark.parametrize(("received", "due"), [
    # 15 calendar days end on Oct 1, inside National Day (Oct 1-7): the period runs to the next working day.
    (dt.date(2026, 9, 16), dt.date(2026, 10, 8)),
    # Ends on Sat Oct 10, a makeup working day (调休上班): that Saturday is the last day.
    (dt.date(2026, 9, 25), dt.date(2026, 10, 10)),
    # Ends on Sun Oct 11, a plain rest day: Monday Oct 12.
    (dt.date(2026, 9, 26), dt.date(2026, 10, 12)),
    # An ordinary Wednesday: calendar days, no working-day counting.
    (dt.date(2026, 6, 2), dt.date(2026, 6, 17)),
])
def test_objection_period_is_15_calendar_days_extended_past_holidays(received, due):
    assert deadlines.objection_due(received) == due


def test_window_across_national_day_then_results_accepted_once(spot, desk):
    record = spot.notified(received=dt.date(2026, 9, 16))
    assert record.status == RecordStatus.NOTIFIED and record.objection_due == dt.date(2026, 10, 8)
    assert Notification.objects.filter(recipient=desk.enterprise_user, event="inspection_notify").exists()
    # Still open on Oct 8 (first working day after the holiday) ...
    assert actions.run_deadlines(now=moment(2026, 10, 8, 18)) == {"accepted": 0, "escalated": 0}
    # ... and on Oct 9 the result stands, once.
    assert actions.run_deadlines(now=moment(2026, 10, 9, 1)) == {"accepted": 1, "escalated": 0}
    assert actions.run_deadlines(now=moment(2026, 10, 9, 2)) == {"accepted": 0, "escalated": 0}
    record.refresh_from_db()
    assert record.status == RecordStatus.FINAL
    assert [e.action for e in timeline(record)].count("accept") == 1


def test_objection_inside_window_accepted_and_after_window_refused(spot, desk):
    record = spot.notified(received=dt.date(2026, 9, 16))
    with pytest.raises(InvalidTransition, match="异议期已于 2026-10-08 届满"):
        actions.do_request_retest(desk.enterprise_user, record, "样品储存条件不当", at=moment(2026, 10, 9, 9))
    objection = actions.do_request_retest(desk.enterprise_user, record, "样品储存条件不当", at=moment(2026, 10, 8, 16))
    record.refresh_from_db()
    assert record.status == RecordStatus.RETEST and objection.items == "菌落总数"
    # A record under re-test is not accepted by the deadline pass.
    assert actions.run_deadlines(now=moment(2026, 10, 20))["accepted"] == 0


def test_paper_receipt_date_moves_the_window(spot, desk):
    record = spot.notified(received=dt.date(2026, 9, 10))
    # Sep 25 is the Mid-Autumn Festival (a Friday), then the weekend: Monday Sep 28.
    assert record.objection_due == dt.date(2026, 9, 28)
    record = actions.do_confirm_receipt(desk.regulator, record, dt.date(2026, 9, 16))
    assert record.objection_due == dt.date(2026, 10, 8)


def test_deadlines_command_is_idempotent(spot, desk, capsys):
    spot.notified(received=dt.date(2026, 1, 5))
    call_command("inspections", "deadlines", "--json")
    assert capsys.readouterr().out.strip() == '{"accepted": 1, "escalated": 0}'
    call_command("inspections", "deadlines", "--json")
    assert capsys.readouterr().out.strip() == '{"accepted": 0, "escalated": 0}'


# ---------------------------------------------------------------- sampling and results

def test_sampling_needs_two_samplers_and_a_backup_sample(spot, desk):
    data = actions.NewSample(product_name="袋装螺蛳粉", manufacturer_name=desk.enterprise.name, city=City.LIUZHOU,
                             sampling_date=dt.date(2026, 8, 20), stage="production", samplers=["韦明"],
                             sample_quantity="8袋", backup_quantity="")
    with pytest.raises(ValidationError) as err:
        actions.do_record_sampling(spot.lab_user, spot.plan, data, task=spot.task)
    assert set(err.value.message_dict) == {"samplers", "backup_quantity"}
    assert SamplingRecord.objects.count() == 0


def test_manufacturer_linked_by_credit_code_and_duplicate_sample_refused(spot, desk):
    record = spot.sample()
    assert record.manufacturer == desk.enterprise and record.sampled_unit == desk.enterprise
    assert record.number.startswith("CJ2026") and record.lab == spot.lab
    with pytest.raises(ValidationError, match="已登记"):
        spot.sample()


def test_other_lab_cannot_record_for_the_task(spot, desk):
    data = actions.NewSample(product_name="袋装螺蛳粉", manufacturer_name="某厂", city=City.LIUZHOU,
                             sampling_date=dt.date(2026, 8, 20), stage="circulation", samplers=["甲", "乙"],
                             sample_quantity="8袋", backup_quantity="8袋")
    with pytest.raises(ActionNotAllowed):
        actions.do_record_sampling(spot.other_lab_user, spot.plan, data, task=spot.task)


def test_conclusion_follows_items_and_rollup_counts_it(spot):
    failed = spot.tested(passed=False, batch_no="A1")
    passed = spot.tested(passed=True, batch_no="A2")
    assert (failed.conclusion, failed.failed_items_text) == (Conclusion.FAIL, "菌落总数")
    assert (passed.conclusion, passed.failed_items_text) == (Conclusion.PASS, "")
    (row,) = InspectionRollup.objects.all()
    assert (row.period, row.city, row.stage, row.plan_kind, row.enterprise_size) == (
        dt.date(2026, 8, 1), City.LIUZHOU, "production", PlanKind.PROVINCIAL, "small")
    assert (row.batches, row.passed, row.failed) == (2, 1, 1)


def test_manual_override_needs_a_reason_and_is_audited(spot, desk):
    record = spot.tested(passed=False)
    with pytest.raises(ValidationError):
        actions.do_override_conclusion(desk.regulator, record, Conclusion.PASS, "")
    with pytest.raises(ActionNotAllowed):
        actions.do_override_conclusion(spot.lab_user, record, Conclusion.PASS, "实验室自行修改结论")
    record = actions.do_override_conclusion(desk.regulator, record, Conclusion.PASS, "检验依据标准适用错误，经专家论证改判")
    assert record.conclusion == Conclusion.PASS and record.conclusion_overridden
    entry = [e for e in timeline(record) if e.action == "override"][0]
    assert entry.actor == desk.regulator and "检验依据标准适用错误" in entry.note and "不合格 → 合格" in entry.note
    row = InspectionRollup.objects.get()
    assert (row.batches, row.passed, row.failed) == (1, 1, 0)


# ---------------------------------------------------------------- re-test and who pays

def _retest(spot, desk, retest_conclusion):
    record = spot.notified()
    actions.do_request_retest(desk.enterprise_user, record, "对菌落总数结果有异议", at=moment(2026, 9, 20))
    with pytest.raises(ValidationError, match="初检以外"):
        actions.do_assign_retest(desk.regulator, record, spot.lab)
    actions.do_assign_retest(desk.regulator, record, spot.other_lab)
    objection = actions.do_record_retest(spot.other_lab_user, record, retest_conclusion, "备份样品复检")
    record.refresh_from_db()
    return record, objection


def test_retest_agrees_applicant_pays(spot, desk):
    record, objection = _retest(spot, desk, Conclusion.FAIL)
    assert objection.retest_agrees is True and objection.payer == RetestPayer.APPLICANT
    assert (record.status, record.conclusion) == (RecordStatus.FINAL, Conclusion.FAIL)


def test_retest_differs_department_pays_and_result_changes(spot, desk):
    record, objection = _retest(spot, desk, Conclusion.PASS)
    assert objection.retest_agrees is False and objection.payer == RetestPayer.DEPARTMENT
    assert (record.status, record.conclusion, record.failed_items_text) == (RecordStatus.FINAL, Conclusion.PASS, "")
    row = InspectionRollup.objects.get()
    assert (row.batches, row.passed, row.failed) == (1, 1, 0)
    # The retest lab sees the record it re-tested; a pass needs no follow-up.
    assert "order_correction" not in actions.allowed_actions(desk.regulator, record)


# ---------------------------------------------------------------- follow-up of failures

def test_failure_follow_up_rectification_and_recheck(spot, desk):
    record = spot.final_failure()
    assert record.status == RecordStatus.FINAL
    follow_up = actions.do_order_correction(desk.regulator, record, note="停止销售该批次产品", at=moment(2026, 10, 12))
    assert follow_up.correction_due == dt.date(2026, 11, 11) and not follow_up.onsite_required
    with pytest.raises(ActionNotAllowed):
        actions.do_submit_rectification(desk.other_enterprise_user, follow_up, "报告")
    actions.do_submit_rectification(desk.enterprise_user, follow_up, "更换杀菌工艺，增加出厂检验", at=moment(2026, 11, 1))
    follow_up = actions.do_record_recheck(desk.regulator, follow_up, True, "复查合格", at=moment(2026, 11, 5))
    assert (follow_up.status, follow_up.escalation) == (FollowUpStatus.CLOSED, Escalation.NONE)
    assert [e.action for e in timeline(record)][-3:] == ["order_correction", "rectify", "recheck"]


def test_failed_rechecks_climb_the_ladder(spot, desk):
    follow_up = actions.do_order_correction(desk.regulator, spot.final_failure(), at=moment(2026, 10, 12))
    ladder = []
    for n in range(4):
        follow_up = actions.do_record_recheck(desk.regulator, follow_up, False, f"第{n + 1}次复查仍不合格",
                                              at=moment(2026, 11, 20 + n))
        ladder.append(follow_up.escalation)
    assert ladder == [Escalation.PUBLIC_NOTICE, Escalation.SUSPENSION, Escalation.LICENCE_REVOKED,
                      Escalation.LICENCE_REVOKED]
    assert follow_up.status == FollowUpStatus.ORDERED and follow_up.recheck_count == 4


def test_overdue_correction_escalates_once_per_deadline(spot, desk):
    follow_up = actions.do_order_correction(desk.regulator, spot.final_failure(), due=dt.date(2026, 11, 2),
                                            at=moment(2026, 10, 12))
    assert actions.run_deadlines(now=moment(2026, 11, 2, 20))["escalated"] == 0
    assert actions.run_deadlines(now=moment(2026, 11, 3))["escalated"] == 1
    assert actions.run_deadlines(now=moment(2026, 11, 4))["escalated"] == 0
    follow_up.refresh_from_db()
    assert follow_up.escalation == Escalation.PUBLIC_NOTICE


def test_two_failures_in_a_row_flag_onsite_inspection(spot, desk):
    first = spot.final_failure(batch_no="B1", sampled_on=dt.date(2026, 3, 2))
    second = spot.final_failure(batch_no="B2", sampled_on=dt.date(2026, 8, 20))
    assert not actions.do_order_correction(desk.regulator, first, at=moment(2026, 10, 12)).onsite_required
    follow_up = actions.do_order_correction(desk.regulator, second, at=moment(2026, 10, 12))
    assert follow_up.onsite_required
    assert "现场检查" in timeline(second).last().note


def test_risk_monitoring_results_never_trigger_penalties(desk):
    spot = Spot(desk, kind=PlanKind.RISK_MONITORING)
    record = spot.final_failure()
    assert record.conclusion == Conclusion.FAIL
    assert "order_correction" not in actions.allowed_actions(desk.regulator, record)
    with pytest.raises(InvalidTransition, match="风险监测"):
        actions.do_order_correction(desk.regulator, record)
    with pytest.raises(InvalidTransition, match="风险监测"):
        actions.do_publish_record(desk.regulator, record)


def test_failed_result_offers_prefilled_assistance_request(spot, desk, client):
    record = spot.notified()
    url = actions.assistance_url(record)
    assert url.startswith("/requests/new/?") and "kind=problem" in url and "line=quality_mgmt" in url
    client.force_login(desk.enterprise_user)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "申请质量帮扶" in page
    form = client.get(url).content.decode()
    assert "菌落总数" in form and "袋装螺蛳粉" in form


def test_rollup_kept_in_step_equals_rebuild(spot, desk):
    for n in range(6):
        spot.tested(passed=n % 3 != 0, batch_no=f"R{n}", sampled_on=dt.date(2026, 7 + n % 2, 10))
    record = SamplingRecord.objects.filter(conclusion=Conclusion.FAIL).first()
    actions.do_override_conclusion(desk.regulator, record, Conclusion.PASS, "复核后改判为合格")
    kept = sorted(InspectionRollup.objects.values_list("period", "city", "batches", "passed", "failed"))
    rollups.rebuild()
    assert sorted(InspectionRollup.objects.values_list("period", "city", "batches", "passed", "failed")) == kept
    assert sum(row[2] for row in kept) == 6


def test_city_regulator_plans_only_its_city(desk):
    with pytest.raises(ValidationError):
        actions.do_create_plan(desk.regulator, actions.NewPlan(name="x", year=2026, kind=PlanKind.PROVINCIAL))
    plan = actions.do_create_plan(desk.regulator, actions.NewPlan(name="柳州市螺蛳粉专项抽查", year=2026,
                                                                  kind=PlanKind.SPECIAL, cities=[City.GUILIN]))
    assert (plan.owner_city, plan.cities) == (City.LIUZHOU, [City.LIUZHOU])
    lab, _user, _items = testing.make_provider(City.LIUZHOU, lines=("metrology",))
    with pytest.raises(ValidationError, match="检验检测"):
        actions.do_assign_task(desk.regulator, plan, lab=lab, product_category="方便食品", quota=5)
