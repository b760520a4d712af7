"""Regulators correct and withdraw what they planned: edit a plan, close and reopen it, edit a task, withdraw a task
nobody sampled for or close one that has batches. Each change is audited (old -> new) and the labs are told."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from nqi.core.audit import timeline
from nqi.core.choices import City
from nqi.core.exceptions import ActionNotAllowed, InvalidTransition
from nqi.core.models import Notification
from nqi.inspections import actions
from nqi.inspections.choices import Judgement, PlanKind, PlanStatus, Selection, TaskStatus
from nqi.inspections.models import InspectionPlan

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def last_note(plan, action):
    return [e for e in timeline(plan) if e.action == action][-1].note


def titles(user):
    return list(Notification.objects.filter(recipient=user).values_list("title", flat=True))


def liuzhou_plan(desk, **extra):
    return actions.do_create_plan(desk.regulator, actions.NewPlan(
        name="柳州市螺蛳粉专项抽查", year=2026, kind=PlanKind.SPECIAL, quota=10, **extra), labs=[desk.provider])


HTMX = {"HX-Request": "true"}


# ---------------------------------------------------------------- editing a plan

def test_region_corrects_plan_and_audit_names_each_change(spot, desk):
    plan = actions.do_update_plan(desk.region, spot.plan, {
        "quota": 30, "end_date": dt.date(2026, 12, 31), "labs": [spot.lab, spot.other_lab],
        "name": "2026年第3批自治区产品质量监督抽查（调整）"})
    plan.refresh_from_db()
    assert (plan.quota, plan.end_date, set(plan.labs.all())) == (30, dt.date(2026, 12, 31), {spot.lab, spot.other_lab})
    note = last_note(plan, "update_plan")
    assert "计划批次数：20 → 30" in note and "结束日期：— → 2026-12-31" in note
    assert f"承检机构：{spot.lab.name} → " in note and spot.other_lab.name in note
    assert "计划名称：2026年第3批自治区产品质量监督抽查 → 2026年第3批自治区产品质量监督抽查（调整）" in note
    assert "新的监督抽查计划：2026年第3批自治区产品质量监督抽查（调整）" in titles(spot.other_lab_user)
    assert any(t.startswith("抽查计划已调整") for t in titles(spot.lab_user))


def test_saving_unchanged_values_writes_no_audit(spot, desk):
    before = timeline(spot.plan).count()
    actions.do_update_plan(desk.region, spot.plan, {"quota": 20, "labs": [spot.lab], "cities": []})
    assert timeline(spot.plan).count() == before


def test_kind_fixed_once_batches_are_sampled(spot, desk):
    plan = actions.do_update_plan(desk.region, spot.plan, {"kind": PlanKind.SPECIAL})
    assert plan.kind == PlanKind.SPECIAL
    spot.sample()
    with pytest.raises(ValidationError) as err:
        actions.do_update_plan(desk.region, spot.plan, {"kind": PlanKind.PROVINCIAL})
    assert err.value.message_dict == {"kind": ["计划已有抽样记录，不能更改抽查类型"]}


def test_quota_never_below_batches_sampled_and_end_not_before_start(spot, desk):
    spot.sample(batch_no="Q1")
    spot.sample(batch_no="Q2")
    with pytest.raises(ValidationError) as err:
        actions.do_update_plan(desk.region, spot.plan, {"quota": 1, "start_date": dt.date(2026, 9, 1),
                                                        "end_date": dt.date(2026, 8, 1)})
    assert err.value.message_dict == {"quota": ["计划批次数不能少于已抽样的 2 批次"],
                                      "end_date": ["结束日期不能早于开始日期"]}
    assert actions.do_update_plan(desk.region, spot.plan, {"quota": 2}).quota == 2


def test_imported_plan_changes_only_its_name(desk):
    plan = InspectionPlan.objects.create(name="2025年导入结果", year=2025, kind=PlanKind.PROVINCIAL, is_imported=True,
                                         import_source="results.xlsx", quota=0)
    with pytest.raises(ValidationError) as err:
        actions.do_update_plan(desk.region, plan, {"name": "2025年自治区抽查结果", "quota": 50, "year": 2024})
    assert set(err.value.message_dict) == {"quota", "year"}
    assert "只能修改名称" in err.value.message_dict["quota"][0]
    assert actions.do_update_plan(desk.region, plan, {"name": "2025年自治区抽查结果"}).name == "2025年自治区抽查结果"


def test_lab_with_tasks_stays_on_the_plan(spot, desk):
    with pytest.raises(ValidationError, match="承担本计划的抽样任务"):
        actions.do_update_plan(desk.region, spot.plan, {"labs": [spot.other_lab]})


def test_city_bureau_edits_only_its_own_city_plans(spot, desk):
    own = liuzhou_plan(desk)
    assert actions.do_update_plan(desk.regulator, own, {"quota": 12}).quota == 12
    with pytest.raises(ValidationError, match="市级计划的抽查地市固定为本市"):
        actions.do_update_plan(desk.regulator, own, {"cities": [City.GUILIN]})
    with pytest.raises(ValidationError, match="市级监管部门只能制定"):
        actions.do_update_plan(desk.regulator, own, {"kind": PlanKind.PROVINCIAL})
    for outsider in (desk.other_regulator, spot.lab_user, desk.enterprise_user):
        with pytest.raises(ActionNotAllowed):
            actions.do_update_plan(outsider, own, {"quota": 15})
    with pytest.raises(ActionNotAllowed):  # a regional plan is the region's to change
        actions.do_update_plan(desk.regulator, spot.plan, {"quota": 15})


# ---------------------------------------------------------------- closing and reopening

def test_closed_plan_takes_no_new_tasks_or_batches_but_results_go_on(spot, desk):
    record = spot.sample(batch_no="C1")
    plan = actions.do_close_plan(desk.region, spot.plan, "本批次抽查工作结束")
    assert (plan.status, plan.closed_by, plan.close_reason) == (PlanStatus.CLOSED, desk.region, "本批次抽查工作结束")
    assert "本批次抽查工作结束；尚有 1 个任务未完成" == last_note(plan, "close_plan")
    assert any(t.startswith("抽查计划已结束") for t in titles(spot.lab_user))
    with pytest.raises(InvalidTransition, match="计划已结束"):
        actions.do_assign_task(desk.region, plan, lab=spot.lab, product_category="米粉", quota=2)
    with pytest.raises(InvalidTransition, match="计划已结束"):
        spot.sample(batch_no="C2")
    with pytest.raises(InvalidTransition, match="计划已结束"):
        actions.do_update_plan(desk.region, plan, {"quota": 25})
    with pytest.raises(InvalidTransition, match="计划已结束"):
        actions.do_update_task(desk.region, spot.task, {"quota": 5})
    with pytest.raises(InvalidTransition, match="计划已结束"):
        actions.do_close_plan(desk.region, plan)
    # The batch already sampled is still tested.
    tested = actions.do_enter_results(spot.lab_user, record, [actions.ItemResult("菌落总数", Judgement.PASS)])
    assert tested.conclusion == "pass"
    plan = actions.do_reopen_plan(desk.region, plan, "补充抽样")
    assert (plan.status, plan.closed_at, plan.closed_by) == (PlanStatus.ACTIVE, None, None)
    assert [e.action for e in timeline(plan)][-2:] == ["close_plan", "reopen_plan"]
    assert spot.sample(batch_no="C2").plan == plan


def test_reopening_is_for_the_level_that_closed(desk):
    plan = liuzhou_plan(desk)
    actions.do_close_plan(desk.region, plan)
    with pytest.raises(ActionNotAllowed, match="只能由自治区监管部门重新启用"):
        actions.do_reopen_plan(desk.regulator, plan)
    actions.do_reopen_plan(desk.region, plan)
    actions.do_close_plan(desk.regulator, plan)
    with pytest.raises(ActionNotAllowed):
        actions.do_reopen_plan(desk.other_regulator, plan)
    assert actions.do_reopen_plan(desk.regulator, plan).status == PlanStatus.ACTIVE
    with pytest.raises(InvalidTransition, match="计划未结束"):
        actions.do_reopen_plan(desk.regulator, plan)


# ---------------------------------------------------------------- editing, withdrawing and closing tasks

def test_task_moves_to_another_lab_and_both_labs_are_told(spot, desk):
    task = actions.do_update_task(desk.region, spot.task, {"lab": spot.other_lab, "quota": 6,
                                                            "due_date": dt.date(2026, 11, 30)})
    assert (task.lab, task.quota, task.due_date, task.status) == (spot.other_lab, 6, dt.date(2026, 11, 30),
                                                                  TaskStatus.ASSIGNED)
    assert spot.other_lab in spot.plan.labs.all()
    note = last_note(spot.plan, "update_task")
    assert f"承检机构：{spot.lab.name} → {spot.other_lab.name}" in note and "任务批次数：10 → 6" in note
    assert any(t.startswith("抽样任务已改由其他机构承担") for t in titles(spot.lab_user))
    assert any(t.startswith("新的抽样任务") for t in titles(spot.other_lab_user))


def test_sampled_task_keeps_lab_category_and_city_and_quota_covers_its_batches(spot, desk):
    spot.tested(batch_no="T1")
    spot.tested(batch_no="T2")
    with pytest.raises(ValidationError) as err:
        actions.do_update_task(desk.region, spot.task, {"lab": spot.other_lab, "city": City.GUILIN, "quota": 1})
    assert set(err.value.message_dict) == {"lab", "city", "quota"}
    assert err.value.message_dict["quota"] == ["任务批次数不能少于已抽样的 2 批次"]
    # Lowering the quota to the batches already decided completes the task; raising it reopens it.
    assert actions.do_update_task(desk.region, spot.task, {"quota": 2}).status == TaskStatus.DONE
    assert actions.do_update_task(desk.region, spot.task, {"quota": 4}).status == TaskStatus.ASSIGNED


def test_due_date_not_before_plan_start(spot, desk):
    actions.do_update_plan(desk.region, spot.plan, {"start_date": dt.date(2026, 8, 1)})
    with pytest.raises(ValidationError) as err:
        actions.do_update_task(desk.region, spot.task, {"due_date": dt.date(2026, 7, 1)})
    assert err.value.message_dict == {"due_date": ["完成期限不能早于计划开始日期 2026-08-01"]}


def test_withdraw_task_without_batches_with_a_reason(spot, desk):
    with pytest.raises(ValidationError) as err:
        actions.do_withdraw_task(desk.region, spot.task, "  ")
    assert err.value.message_dict == {"reason": ["请填写撤回任务理由"]}
    with pytest.raises(InvalidTransition, match="尚无抽样记录，请直接撤回"):
        actions.do_close_task(desk.region, spot.task, "提前结束")
    task = actions.do_withdraw_task(desk.region, spot.task, "该类别改由国抽覆盖")
    assert (task.status, task.status_reason) == (TaskStatus.CANCELLED, "该类别改由国抽覆盖")
    assert "该类别改由国抽覆盖" in last_note(spot.plan, "cancel_task")
    assert any(t.startswith("抽样任务已撤回") for t in titles(spot.lab_user))
    with pytest.raises(ValidationError, match="已撤回"):
        spot.sample()
    with pytest.raises(InvalidTransition, match="已撤回"):
        actions.do_update_task(desk.region, task, {"quota": 3})


def test_task_with_batches_is_closed_not_withdrawn_and_stays_closed(spot, desk):
    record = spot.sample(batch_no="W1")
    with pytest.raises(InvalidTransition, match="不能撤回，只能关闭"):
        actions.do_withdraw_task(desk.region, spot.task, "不抽了")
    task = actions.do_close_task(desk.region, spot.task, "企业停产，剩余批次无法完成")
    assert task.status == TaskStatus.CLOSED
    assert any(t.startswith("抽样任务已关闭") for t in titles(spot.lab_user))
    actions.do_enter_results(spot.lab_user, record, [actions.ItemResult("菌落总数", Judgement.PASS)])
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED
    with pytest.raises(ValidationError, match="已关闭"):
        spot.sample(batch_no="W2")


def test_city_bureau_manages_its_own_tasks_of_a_regional_plan(spot, desk):
    nanning = actions.do_assign_task(desk.region, spot.plan, lab=spot.lab, product_category="方便食品", quota=3,
                                     city=City.NANNING)
    assert actions.do_update_task(desk.regulator, spot.task, {"quota": 8}).quota == 8
    with pytest.raises(ValidationError, match="只能把任务安排在本市"):
        actions.do_update_task(desk.regulator, spot.task, {"city": City.GUILIN})
    for outsider in (desk.regulator, spot.lab_user):
        with pytest.raises(ActionNotAllowed):
            actions.do_withdraw_task(outsider, nanning, "不需要")


# ---------------------------------------------------------------- tasks of a risk-based sampling scheme

@pytest.fixture
def adopted(desk):
    from nqi.planning import actions as planning
    from nqi.planning.tests.world import History

    history = History(desk)
    return planning.do_adopt(desk.region, history.generate(), planning.Adoption(
        name="2027年第1批（风险抽样）", kind=PlanKind.PROVINCIAL, year=2027, end_date=dt.date(2027, 6, 30),
        labs=[desk.provider]))


def test_scheme_task_keeps_its_selection_and_warns_on_quota(adopted, desk, client):
    task = adopted.tasks.filter(selection=Selection.RANDOM).first()
    enterprise, probability = task.enterprise, task.inclusion_probability
    with pytest.raises(ValidationError, match="由方案确定"):
        actions.do_update_task(desk.region, task, {"product_category": "米粉"})
    task = actions.do_update_task(desk.region, task, {"quota": task.quota + 1})
    assert (task.selection, task.enterprise, task.inclusion_probability) == (Selection.RANDOM, enterprise, probability)
    assert "入样概率未重新计算" in last_note(adopted, "update_task")
    client.force_login(desk.region)
    form = client.get(f"/inspections/plans/{adopted.pk}/tasks/{task.pk}/edit/", headers=HTMX).content.decode()
    assert "修改批次数或撤回任务会改变方案的入样概率" in form
    saved = client.post(f"/inspections/plans/{adopted.pk}/tasks/{task.pk}/edit/",
                        {"lab": task.lab_id, "quota": task.quota + 1}, headers=HTMX).content.decode()
    assert "任务已修改" in saved and "会改变方案的入样概率" in saved
    withdrawn = actions.do_withdraw_task(desk.region, task, "企业已注销")
    assert (withdrawn.status, withdrawn.selection, withdrawn.enterprise) == (TaskStatus.CANCELLED, Selection.RANDOM,
                                                                           enterprise)
    with pytest.raises(ValidationError, match="风险抽样方案"):
        actions.do_update_plan(desk.region, adopted, {"kind": PlanKind.RISK_MONITORING})


# ---------------------------------------------------------------- pages

def test_plan_edit_page_with_field_errors_then_saved(spot, desk, client):
    client.force_login(desk.region)
    url = f"/inspections/plans/{spot.plan.pk}/edit/"
    assert spot.plan.name in client.get(url).content.decode()
    form = {"name": spot.plan.name, "year": "2026", "batch": "3", "kind": "provincial", "quota": "20",
            "labs": [spot.lab.pk], "product_categories": "方便食品", "start_date": "2026-09-01",
            "end_date": "2026-08-01"}
    bad = client.post(url, form)
    assert bad.status_code == 400 and "结束日期不能早于开始日期" in bad.content.decode()
    form["end_date"] = "2026-12-31"
    assert client.post(url, form)["Location"] == spot.plan.get_absolute_url()
    page = client.get(spot.plan.get_absolute_url()).content.decode()
    assert "修改计划" in page and "结束日期：— → 2026-12-31" in page


def test_imported_plan_form_disables_all_but_the_name(desk, client):
    plan = InspectionPlan.objects.create(name="导入计划", year=2025, kind=PlanKind.PROVINCIAL, is_imported=True,
                                         import_source="a.xlsx")
    client.force_login(desk.region)
    response = client.post(f"/inspections/plans/{plan.pk}/edit/", {"name": "导入计划（更名）", "quota": "99"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.name, plan.quota) == ("导入计划（更名）", 0)


def test_close_and_reopen_from_the_plan_page_and_filter_the_list(spot, desk, client):
    client.force_login(desk.region)
    page = client.get(spot.plan.get_absolute_url()).content.decode()
    assert 'id="close-plan"' in page and "确定结束该计划" in page
    assert client.post(f"/inspections/plans/{spot.plan.pk}/close/", {"reason": "提前完成"}).status_code == 302
    page = client.get(spot.plan.get_absolute_url()).content.decode()
    assert 'id="plan-closed"' in page and "提前完成" in page and 'id="reopen-plan"' in page
    assert 'id="edit-plan"' not in page and 'id="action-task"' not in page
    other = actions.do_create_plan(desk.region, actions.NewPlan(name="另一个实施中的计划", year=2026,
                                                                kind=PlanKind.PROVINCIAL))
    closed = client.get("/inspections/?status=closed").content.decode()
    assert spot.plan.name in closed and other.name not in closed and "已结束" in closed
    assert other.name in client.get("/inspections/?status=active").content.decode()
    again = client.post(f"/inspections/plans/{spot.plan.pk}/close/", headers=HTMX)
    assert again["HX-Redirect"] == spot.plan.get_absolute_url()
    assert "计划已结束" in client.get(spot.plan.get_absolute_url()).content.decode()
    assert client.post(f"/inspections/plans/{spot.plan.pk}/reopen/", {}).status_code == 302
    spot.plan.refresh_from_db()
    assert spot.plan.status == PlanStatus.ACTIVE


def test_task_row_edits_inline_with_htmx(spot, desk, client):
    client.force_login(desk.region)
    url = f"/inspections/plans/{spot.plan.pk}/tasks/{spot.task.pk}/edit/"
    form = client.get(url, headers=HTMX).content.decode()
    assert form.startswith("<tr") and "<html" not in form and 'hx-post="' + url + '"' in form
    wrong = client.post(url, {"lab": spot.lab.pk, "product_category": "方便食品", "quota": "0"}, headers=HTMX)
    assert wrong.status_code == 200 and "field-error" in wrong.content.decode()
    saved = client.post(url, {"lab": spot.lab.pk, "product_category": "方便食品", "city": City.LIUZHOU, "quota": "7"},
                        headers=HTMX).content.decode()
    assert saved.startswith("<tr") and "0 / 7" in saved and "任务已修改" in saved
    row = client.get(f"/inspections/plans/{spot.plan.pk}/tasks/{spot.task.pk}/", headers=HTMX).content.decode()
    assert "0 / 7" in row and "edit-task" in row and "withdraw-task" in row


def test_withdraw_from_the_page_asks_for_confirmation_and_a_reason(spot, desk, client):
    client.force_login(desk.region)
    url = f"/inspections/plans/{spot.plan.pk}/tasks/{spot.task.pk}/withdraw/"
    form = client.get(url, headers=HTMX).content.decode()
    assert "hx-confirm=" in form and "确定撤回该任务" in form
    assert "请填写撤回任务理由" not in form
    empty = client.post(url, {"reason": ""})
    assert empty.status_code == 400 and "field-error" in empty.content.decode()
    row = client.post(url, {"reason": "企业已停产"}, headers=HTMX).content.decode()
    assert "已撤回" in row and "企业已停产" in row and "withdraw-task" not in row
    assert "已撤回" in client.get(spot.plan.get_absolute_url()).content.decode()


def test_pages_refuse_those_who_do_not_run_the_plan(spot, desk, client):
    guilin = actions.do_create_plan(desk.other_regulator, actions.NewPlan(
        name="桂林市米粉专项抽查", year=2026, kind=PlanKind.SPECIAL), labs=[spot.other_lab])
    task = actions.do_assign_task(desk.other_regulator, guilin, lab=spot.other_lab, product_category="米粉", quota=3)
    client.force_login(desk.regulator)
    for path in (f"/inspections/plans/{guilin.pk}/edit/", f"/inspections/plans/{guilin.pk}/tasks/{task.pk}/edit/"):
        assert client.get(path).status_code == 404
    assert client.post(f"/inspections/plans/{guilin.pk}/close/").status_code == 404
    assert client.post(f"/inspections/plans/{guilin.pk}/tasks/{task.pk}/withdraw/", {"reason": "x"}).status_code == 404
    client.force_login(spot.other_lab_user)  # the lab sees the plan but does not run it
    assert client.get(f"/inspections/plans/{guilin.pk}/edit/").status_code == 403
    assert client.post(f"/inspections/plans/{guilin.pk}/tasks/{task.pk}/edit/", {"quota": "9"}).status_code == 403
    assert 'id="edit-plan"' not in client.get(guilin.get_absolute_url()).content.decode()
    client.force_login(desk.enterprise_user)
    assert client.get(f"/inspections/plans/{guilin.pk}/edit/").status_code == 404
    task.refresh_from_db()
    assert task.quota == 3 and task.status == TaskStatus.ASSIGNED


# ---------------------------------------------------------------- API

def test_api_corrects_closes_and_reopens_a_plan(spot, desk):
    region = api(desk.region)
    url = f"/api/v1/inspection-plans/{spot.plan.pk}/"
    response = region.patch(url, {"quota": 25, "end_date": "2026-12-31"}, format="json")
    assert response.status_code == 200 and (response.json()["quota"], response.json()["end_date"]) == (
        25, "2026-12-31")
    spot.sample()
    bad = region.patch(url, {"quota": 0, "kind": "special"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"quota", "kind"}
    closed = region.post(f"{url}close/", {"reason": "按期结束"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["close_reason"] == "按期结束"
    assert region.post(f"{url}close/", {}, format="json").status_code == 409
    assert region.patch(url, {"quota": 30}, format="json").status_code == 409
    assert region.post(f"{url}reopen/", {}, format="json").json()["status"] == "active"


def test_api_edits_withdraws_and_closes_tasks(spot, desk):
    region = api(desk.region)
    base = f"/api/v1/inspection-plans/{spot.plan.pk}/tasks/"
    second = actions.do_assign_task(desk.region, spot.plan, lab=spot.lab, product_category="米粉", quota=2,
                                    city=City.LIUZHOU)
    response = region.patch(f"{base}{second.pk}/", {"quota": 4, "due_date": "2026-11-30"}, format="json")
    assert response.status_code == 200 and (response.json()["quota"], response.json()["due_date"]) == (
        4, "2026-11-30")
    assert region.patch(f"{base}{second.pk}/", {"lab": desk.enterprise.pk}, format="json").json() == {
        "lab": ["承检机构须为具有检验检测服务类别的机构"]}
    assert region.post(f"{base}{second.pk}/withdraw/", {}, format="json").status_code == 400
    withdrawn = region.post(f"{base}{second.pk}/withdraw/", {"reason": "类别调整"}, format="json").json()
    assert (withdrawn["status"], withdrawn["status_reason"]) == ("cancelled", "类别调整")
    spot.sample()
    refused = region.post(f"{base}{spot.task.pk}/withdraw/", {"reason": "不抽了"}, format="json")
    assert refused.status_code == 409 and "只能关闭" in refused.json()["detail"]
    assert region.post(f"{base}{spot.task.pk}/close/", {"reason": "提前结束"}, format="json").json()[
        "status"] == "closed"
    listed = {t["id"]: t["status_display"] for t in region.get(base).json()}
    assert listed == {spot.task.pk: "已关闭", second.pk: "已撤回"}


def test_api_permissions_match_the_pages(spot, desk):
    plan = liuzhou_plan(desk)
    task = actions.do_assign_task(desk.regulator, plan, lab=spot.lab, product_category="方便食品", quota=3)
    url = f"/api/v1/inspection-plans/{plan.pk}/"
    other = api(desk.other_regulator)
    assert other.patch(url, {"quota": 5}, format="json").status_code == 404
    assert other.post(f"{url}close/", {}, format="json").status_code == 404
    assert other.patch(f"{url}tasks/{task.pk}/", {"quota": 5}, format="json").status_code == 404
    lab = api(spot.lab_user)
    assert lab.patch(url, {"quota": 5}, format="json").status_code == 403
    assert lab.post(f"{url}tasks/{task.pk}/withdraw/", {"reason": "x"}, format="json").status_code == 403
    assert api(desk.enterprise_user).post(f"{url}close/", {}, format="json").status_code == 404
    assert api(desk.regulator).patch(f"{url}tasks/{task.pk}/", {"quota": 5}, format="json").status_code == 200


def test_openapi_schema_lists_the_new_operations(desk, client):
    client.force_login(desk.region)
    schema = client.get("/api/schema/").content.decode()
    for path in ("/api/v1/inspection-plans/{id}/close/", "/api/v1/inspection-plans/{id}/reopen/",
                 "/api/v1/inspection-plans/{id}/tasks/{task_pk}/", "/api/v1/inspection-plans/{id}/tasks/{task_pk}/withdraw/",
                 "/api/v1/inspection-plans/{id}/tasks/{task_pk}/close/"):
        assert path in schema
