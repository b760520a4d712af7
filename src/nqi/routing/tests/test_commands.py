"""`nqi route` (one JSON object per text, in order) and `nqi routing train|status`."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from nqi.routing.models import RoutingModel

pytestmark = pytest.mark.django_db

CONTRACT_LISTS = ("providers", "experts", "similar_cases", "standards")


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_route_json_for_one_text(catalog):
    result = json.loads(run("route", "--json", "袋装螺蛳粉胀袋，想测菌落总数"))
    assert len(result["service_types"]) == 7 and result["service_types"][0]["code"] == "testing"
    assert {"code", "score"} <= set(result["service_types"][0])
    for key in CONTRACT_LISTS:
        assert isinstance(result[key], list)
    assert {"id", "name", "score", "why"} <= set(result["providers"][0])
    assert result["providers"][0]["name"] == catalog.food_lab.name


def test_route_file_prints_one_json_line_per_input_line_in_order(catalog, tmp_path):
    texts = ["小区电梯定期检验到期了", "袋装螺蛳粉胀袋，想测菌落总数", "", "电子秤要检定，出检定证书", "想注册商标"]
    path = tmp_path / "texts.txt"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    lines = run("route", "--json", "--file", str(path)).splitlines()
    assert len(lines) == len(texts)
    results = [json.loads(line) for line in lines]
    assert [r["service_types"][0]["code"] for i, r in enumerate(results) if texts[i]] == [
        "special_equipment", "testing", "metrology", "ip"]
    assert results[2]["providers"] == [] and len(results[2]["service_types"]) == 7
    assert results[0]["providers"][0]["id"] == catalog.lift.pk


def test_route_needs_exactly_one_source(catalog, tmp_path):
    with pytest.raises(CommandError):
        run("route", "--json")
    with pytest.raises(CommandError):
        run("route", "--json", "--file", str(tmp_path / "missing.txt"))


def test_routing_train_stores_a_new_version_and_status_reports_it(catalog):
    before = RoutingModel.objects.order_by("-version").first().version
    output = run("routing", "train", "--min-samples", "500", "--note", "nightly")
    row = RoutingModel.objects.order_by("-version").first()
    assert row.version == before + 1 and row.note == "nightly"
    assert row.synthetic_samples == 500 - row.history_samples
    assert f"v{row.version}" in output
    assert f"v{row.version}" in run("routing", "status")
