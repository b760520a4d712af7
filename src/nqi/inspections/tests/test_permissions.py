"""Who sees what: enterprises their own results (as maker or sampled unit), labs what they test or re-test, city
regulators their city, the region everything. Another tenant's object is a 404 in the pages and the API."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from nqi import testing
from nqi.core.choices import City
from nqi.inspections import actions
from nqi.inspections.choices import Conclusion, PlanKind

from .conftest import moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(spot, desk):
    """A failed Liuzhou record with an objection at the Guilin lab and a follow-up, and a Guilin record."""
    record = spot.notified()
    actions.do_request_retest(desk.enterprise_user, record, "有异议", at=moment(2026, 9, 20))
    actions.do_assign_retest(desk.regulator, record, spot.other_lab)
    actions.do_record_retest(spot.other_lab_user, record, Conclusion.FAIL)
    follow_up = actions.do_order_correction(desk.regulator, record, at=moment(2026, 10, 12))
    guilin_plan = actions.do_create_plan(desk.other_regulator, actions.NewPlan(
        name="桂林市米粉专项抽查", year=2026, kind=PlanKind.SPECIAL), labs=[spot.other_lab])
    third_lab, third_user, _ = testing.make_provider(City.GUILIN, name="第三检测所")
    guilin = actions.do_record_sampling(desk.other_regulator, guilin_plan, actions.NewSample(
        product_name="鲜湿米粉", manufacturer_name=desk.other_enterprise.name,
        manufacturer_uscc=desk.other_enterprise.credit_code, city=City.GUILIN, sampling_date=dt.date(2026, 8, 2),
        stage="production", samplers=["甲", "乙"], sample_quantity="4袋", backup_quantity="4袋"))
    return {"record": record, "follow_up": follow_up, "guilin": guilin, "guilin_plan": guilin_plan,
            "third_user": third_user}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def visible(user, world):
    client = api(user)
    ids = {row["id"] for row in client.get("/api/v1/sampling-records/").json()["results"]}
    return {name for name in ("record", "guilin") if world[name].pk in ids}


def test_each_role_sees_its_own_records(world, desk, spot):
    assert visible(desk.enterprise_user, world) == {"record"}
    assert visible(desk.other_enterprise_user, world) == {"guilin"}
    assert visible(spot.lab_user, world) == {"record"}
    assert visible(spot.other_lab_user, world) == {"record"}  # it re-tested the Liuzhou sample
    assert visible(world["third_user"], world) == set()
    assert visible(desk.regulator, world) == {"record"}
    assert visible(desk.other_regulator, world) == {"guilin"}
    assert visible(desk.region, world) == {"record", "guilin"}


@pytest.mark.parametrize("who", ["other_enterprise_user", "other_regulator"])
def test_other_tenant_gets_404_for_record_in_ui_and_api(world, desk, client, who):
    user = getattr(desk, who)
    record = world["record"]
    client.force_login(user)
    assert client.get(record.get_absolute_url()).status_code == 404
    assert client.post(f"/inspections/records/{record.pk}/do/notify/").status_code == 404
    assert api(user).get(f"/api/v1/sampling-records/{record.pk}/").status_code == 404
    assert api(user).post(f"/api/v1/sampling-records/{record.pk}/objection/", {"reason": "x"}).status_code == 404
    assert api(user).get(f"/api/v1/inspection-follow-ups/{world['follow_up'].pk}/").status_code == 404
    assert api(user).get(f"/api/v1/inspection-objections/{record.objection.pk}/").status_code == 404
    item = record.items.first()
    assert api(user).get(f"/api/v1/inspection-results/{item.pk}/").status_code == 404


def test_unrelated_lab_gets_404(world, client):
    client.force_login(world["third_user"])
    assert client.get(world["record"].get_absolute_url()).status_code == 404
    assert client.get(f"/inspections/records/{world['record'].pk}/results/").status_code == 404


def test_owner_sees_results_objection_and_follow_up(world, desk, client):
    record = world["record"]
    client.force_login(desk.enterprise_user)
    page = client.get(record.get_absolute_url()).content.decode()
    assert "菌落总数" in page and "申请人承担" in page and "责令限期改正" in page
    assert 'id="action-rectify"' in page
    data = api(desk.enterprise_user).get(f"/api/v1/sampling-records/{record.pk}/").json()
    assert data["objection"]["payer"] == "applicant" and data["follow_up"]["status"] == "ordered"
    mine = client.get("/inspections/mine/").content.decode()
    assert record.number in mine and world["guilin"].number not in mine


def test_city_plan_of_another_city_is_404(world, desk, client):
    plan = world["guilin_plan"]
    client.force_login(desk.regulator)
    assert client.get(plan.get_absolute_url()).status_code == 404
    assert api(desk.regulator).get(f"/api/v1/inspection-plans/{plan.pk}/").status_code == 404
    client.force_login(desk.other_regulator)
    assert client.get(plan.get_absolute_url()).status_code == 200
    # Enterprises do not see plans at all.
    assert api(desk.enterprise_user).get("/api/v1/inspection-plans/").json()["count"] == 0


def test_api_actions_follow_the_rules(spot, desk):
    record = spot.tested(passed=False)
    lab = api(spot.lab_user)
    assert lab.post(f"/api/v1/sampling-records/{record.pk}/notify/", {}, format="json").status_code == 403
    response = api(desk.regulator).post(f"/api/v1/sampling-records/{record.pk}/notify/",
                                        {"received_on": "2026-09-16"}, format="json")
    assert response.status_code == 200 and response.json()["objection_due"] == "2026-10-08"
    again = api(desk.regulator).post(f"/api/v1/sampling-records/{record.pk}/notify/", {}, format="json")
    assert again.status_code == 409
    bad = api(desk.regulator).post(f"/api/v1/sampling-records/{record.pk}/override/",
                                   {"conclusion": "pass", "reason": ""}, format="json")
    assert bad.status_code == 400


def test_lab_enters_results_through_api(spot):
    record = spot.sample()
    response = api(spot.lab_user).post(f"/api/v1/sampling-records/{record.pk}/results/", {"items": [
        {"item": "菌落总数", "judgement": "pass", "measured": "3000", "limit": "≤10⁵"},
        {"item": "大肠菌群", "judgement": "fail", "measured": "120", "limit": "≤10"}]}, format="json")
    assert response.status_code == 200
    assert (response.json()["conclusion"], response.json()["failed_items_text"]) == ("fail", "大肠菌群")


def test_sampling_through_api_with_one_sampler_is_a_field_error(spot):
    response = api(spot.lab_user).post("/api/v1/sampling-records/", {
        "plan": spot.plan.pk, "task": spot.task.pk, "product_name": "袋装螺蛳粉", "manufacturer_name": "某厂",
        "city": City.LIUZHOU, "sampling_date": "2026-08-20", "stage": "circulation", "samplers": ["韦明"],
        "sample_quantity": "8袋", "backup_quantity": "8袋"}, format="json")
    assert response.status_code == 400 and "samplers" in response.json()
