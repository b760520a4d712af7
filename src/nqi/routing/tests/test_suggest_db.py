"""Suggestions over the database: ranking on a small catalog, reasons, index and model caching."""

import pytest
from django.test import override_settings

from nqi.catalog.models import ServiceItem
from nqi.core.choices import City
from nqi.routing import indexes, service, store, training
from nqi.routing.classifier import LINES, ServiceLineClassifier
from nqi.routing.history_corpus import generate_history

pytestmark = pytest.mark.django_db

LUOSIFEN = "我们厂的袋装螺蛳粉放两个月就胀袋，想送检看看菌落总数和大肠菌群是不是超标"


def test_luosifen_problem_ranks_testing_the_food_lab_the_case_and_the_standard(catalog):
    result = service.suggest(LUOSIFEN, city=City.LIUZHOU)
    assert [line["code"] for line in result["service_types"]][0] == "testing"
    assert sorted(line["code"] for line in result["service_types"]) == sorted(LINES)
    assert abs(sum(line["score"] for line in result["service_types"]) - 1) < 1e-3
    top_provider = result["providers"][0]
    assert top_provider["id"] == catalog.food_lab.pk
    assert "菌落总数" in top_provider["why"] and "检验检测" in top_provider["why"]
    assert top_provider["items"][0]["id"] in {item.pk for item in catalog.food_items}
    assert result["experts"][0]["id"] == catalog.food_expert.pk
    assert result["similar_cases"][0]["id"] == catalog.luosifen_case.pk
    assert "胀袋" in result["similar_cases"][0]["matched_terms"]
    assert result["standards"][0]["number"] == "DBS45/034-2021"
    # The scale case and the metrology institute have nothing to do with it.
    assert catalog.scale_case.pk not in [case["id"] for case in result["similar_cases"]]
    assert catalog.metrology.pk not in [p["id"] for p in result["providers"]]


def test_other_lines_route_to_their_own_providers(catalog):
    lift = service.suggest("小区电梯的定期检验到期了，找谁来检")
    assert lift["service_types"][0]["code"] == "special_equipment"
    assert lift["providers"][0]["id"] == catalog.lift.pk
    scale = service.suggest("车间电子秤要做检定，出检定证书")
    assert scale["service_types"][0]["code"] == "metrology"
    assert scale["providers"][0]["id"] == catalog.metrology.pk
    assert scale["standards"][0]["number"] == "JJG 539-2016"
    assert scale["experts"][0]["id"] == catalog.scale_expert.pk


def test_dispatch_proposal_takes_a_provider_and_item_of_the_top_line(catalog):
    proposal = service.dispatch_proposal(service.suggest(LUOSIFEN, city=City.LIUZHOU))
    assert proposal["line"]["code"] == "testing"
    assert proposal["provider"]["id"] == catalog.food_lab.pk
    assert proposal["service_item"]["line"] == "testing"
    assert proposal["expert"]["id"] == catalog.food_expert.pk


def test_indexes_are_cached_and_rebuilt_when_the_catalog_changes(catalog, settings):
    service.suggest(LUOSIFEN)
    builds = indexes.cache.builds
    service.suggest(LUOSIFEN)
    assert indexes.cache.builds == builds  # nothing changed: no rebuild
    settings.NQI_ROUTING_REFRESH_SECONDS = 3600
    new_item = ServiceItem.objects.create(provider=catalog.metrology, line_id="metrology", name="加油机检定",
                                          description="燃油加油机强制检定")
    # Within the refresh interval the cached indexes are used as they are.
    assert new_item.pk not in [i["id"] for i in service.suggest("加油机要检定")["service_items"]]
    settings.NQI_ROUTING_REFRESH_SECONDS = 0
    assert service.suggest("加油机要检定")["service_items"][0]["id"] == new_item.pk
    # Only the indexes fed by the item tables were rebuilt, not experts, cases or standards.
    assert indexes.cache.builds == builds + 2


def test_a_newer_model_version_is_loaded_by_the_running_process(catalog):
    first = store.current_model()
    assert first.version == catalog_model_version(catalog)
    newer = training.store(ServiceLineClassifier().fit(
        [(r.text, r.line) for r in generate_history(600, seed=9)]), note="newer")
    assert store.current_model().version == newer.version > first.version
    assert service.suggest(LUOSIFEN)["model_version"] == newer.version


def catalog_model_version(catalog):
    from nqi.routing.models import RoutingModel

    return RoutingModel.objects.order_by("-version").first().version


@override_settings(NQI_ROUTING_MIN_SAMPLES=300)
def test_first_use_trains_and_stores_a_model_when_the_database_has_none(desk):
    from nqi.routing.models import RoutingModel

    assert not RoutingModel.objects.exists()
    loaded = store.current_model()
    row = RoutingModel.objects.get()
    assert loaded.version == row.version == 1
    assert row.history_samples == 0 and row.synthetic_samples == 300
    assert loaded.classifier.classify("电梯年检").top.code == "special_equipment"
