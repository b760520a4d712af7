"""Batches recorded under a planned task, through the sampling form and the API, carry the task's selection."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from nqi.core.choices import City
from nqi.inspections.choices import PlanKind, Selection
from nqi.inspections.models import SamplingRecord
from nqi.planning import actions

pytestmark = pytest.mark.django_db


@pytest.fixture
def adopted(history):
    scheme = history.generate()
    plan = actions.do_adopt(history.desk.region, scheme, actions.Adoption(
        name="2027年第1批", kind=PlanKind.PROVINCIAL, year=2027, end_date=dt.date(2027, 6, 30),
        labs=[history.desk.provider]))
    return plan


def sample(history, batch_no):
    return {"product_name": "袋装螺蛳粉", "manufacturer_name": history.bad.name,
            "manufacturer_uscc": history.bad.credit_code, "city": City.LIUZHOU, "sampling_date": "2026-11-02",
            "stage": "production", "samplers": "韦明、覃芳", "sample_quantity": "8袋", "backup_quantity": "8袋",
            "batch_no": batch_no}


def test_sampling_form_copies_selection_from_the_task(client, history, adopted):
    task = adopted.tasks.get(enterprise=history.bad, selection=Selection.TARGETED)
    client.force_login(history.desk.provider_user)
    form = client.get(f"/inspections/plans/{adopted.pk}/sample/").content.decode()
    assert "风险定向" in form and history.bad.name in form  # the task menu names the enterprise and selection
    response = client.post(f"/inspections/plans/{adopted.pk}/sample/", {**sample(history, "F1"), "task": task.pk})
    assert response.status_code == 302
    record = SamplingRecord.objects.get(batch_no="F1")
    assert record.selection == Selection.TARGETED and record.task == task
    wrong = client.post(f"/inspections/plans/{adopted.pk}/sample/", {
        **sample(history, "F2"), "manufacturer_uscc": history.good1.credit_code, "task": task.pk})
    assert wrong.status_code == 400 and "该任务指定的受检企业" in wrong.content.decode()


def test_api_copies_selection_and_lists_it(history, adopted):
    task = adopted.tasks.filter(selection=Selection.RANDOM).first()
    maker = task.enterprise
    client = APIClient()
    client.force_authenticate(history.desk.provider_user)
    data = {**sample(history, "A1"), "manufacturer_name": maker.name, "manufacturer_uscc": maker.credit_code,
            "city": maker.city, "samplers": ["韦明", "覃芳"], "plan": adopted.pk, "task": task.pk}
    created = client.post("/api/v1/sampling-records/", data, format="json")
    assert created.status_code == 201 and created.json()["selection"] == Selection.RANDOM
    ordinary = client.post("/api/v1/sampling-records/", {**data, "task": None, "batch_no": "A2"}, format="json")
    assert ordinary.status_code == 201 and ordinary.json()["selection"] == ""
