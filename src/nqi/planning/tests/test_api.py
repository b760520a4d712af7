"""The sampling-plan API: generate, read with cells, edit a cell, adopt - the same actions and errors as the pages."""

import pytest
from rest_framework.test import APIClient

from nqi.inspections.choices import Selection
from nqi.inspections.models import SamplingTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def region_api(history):
    client = APIClient()
    client.force_authenticate(history.desk.region)
    return client


def test_generate_read_edit_and_adopt_through_the_api(region_api, history):
    bad = region_api.post("/api/v1/planning/schemes/", {"name": "方案", "year": 2027, "budget": 30, "max_per_cell": 3},
                          format="json")
    assert bad.status_code == 400 and "超过抽样框容量" in bad.json()["budget"][0]
    created = region_api.post("/api/v1/planning/schemes/", {
        "name": "2027年API方案", "year": 2027, "budget": 8, "max_per_cell": 3, "random_share": 0.25, "seed": 3},
        format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "draft" and body["totals"]["batches"] == 8 and body["frame_size"] == 6
    assert sum(c["batches"] for c in body["cells"]) == 8 and all(c["batches"] > 0 for c in body["cells"])
    full = region_api.get(f"/api/v1/planning/schemes/{body['id']}/?cells=all").json()
    assert len(full["cells"]) == 6
    zero = next(c for c in full["cells"] if c["batches"] == 0)
    edited = region_api.post(f"/api/v1/planning/schemes/{body['id']}/edit-cell/", {"cell": zero["id"], "batches": 1},
                             format="json")
    assert edited.status_code == 200 and edited.json()["edited"] and edited.json()["targeted_batches"] == 1
    over = region_api.post(f"/api/v1/planning/schemes/{body['id']}/edit-cell/", {"cell": zero["id"], "batches": 9},
                           format="json")
    assert over.status_code == 400 and "不能超过每单元上限 3 批" in over.json()["batches"][0]
    adopt = {"name": "2027年第1批", "kind": "provincial", "year": 2027, "end_date": "2027-06-30",
             "labs": [history.desk.provider.pk]}
    refused = region_api.post(f"/api/v1/planning/schemes/{body['id']}/adopt/", adopt, format="json")
    assert refused.status_code == 400 and "不一致" in refused.json()["non_field_errors"][0]
    region_api.post(f"/api/v1/planning/schemes/{body['id']}/edit-cell/", {"cell": zero["id"], "batches": 0},
                    format="json")
    adopted = region_api.post(f"/api/v1/planning/schemes/{body['id']}/adopt/", adopt, format="json")
    assert adopted.status_code == 201 and adopted.json()["quota"] == 8
    tasks = SamplingTask.objects.filter(plan_id=adopted.json()["id"])
    assert {t.selection for t in tasks} == {Selection.RANDOM, Selection.TARGETED}
    tasks_api = region_api.get(f"/api/v1/inspection-plans/{adopted.json()['id']}/tasks/").json()
    assert {"enterprise", "selection", "inclusion_probability"} <= set(tasks_api[0])
    estimate = region_api.get(f"/api/v1/planning/schemes/{body['id']}/estimate/").json()
    assert estimate["decided"] == 0 and estimate["problems"]
    again = region_api.post(f"/api/v1/planning/schemes/{body['id']}/adopt/", adopt, format="json")
    assert again.status_code == 409


def test_the_schema_documents_the_planning_api(region_api):
    schema = region_api.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert "/api/v1/planning/schemes/" in paths and "/api/v1/planning/schemes/{id}/adopt/" in paths
    assert "/api/v1/planning/schemes/{id}/edit-cell/" in paths
    assert "post" in paths["/api/v1/planning/schemes/"]
