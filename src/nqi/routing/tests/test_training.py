"""Training from dispatch history: corrections come from stored suggestions and the audit trail, and weigh more."""

import datetime as dt

import pytest
from django.utils import timezone

from nqi import testing
from nqi.core.models import ServiceLine
from nqi.routing import capability, store, training
from nqi.routing.models import DispatchFeedback, RoutingModel, Suggestion
from nqi.servicedesk import actions

pytestmark = pytest.mark.django_db

PROPOLIS = "蜂胶产品想做一下蜂胶真伪鉴别"


def dispatched(desk, text, line, suggested_line=None, suggested_before=True):
    """A request dispatched to `line`, with the platform's earlier (or later) suggestion of `suggested_line`."""
    req = testing.submit(desk.enterprise_user, title=text)
    req.description = text
    req.save(update_fields=["description"])
    at = timezone.now() - dt.timedelta(hours=2)
    if suggested_line:
        Suggestion.objects.create(request=req, model_version=1, line_id=suggested_line,
                                  created_at=at if suggested_before else timezone.now() + dt.timedelta(hours=1))
    actions.do_dispatch_request(desk.regulator, req, desk.provider, line=ServiceLine.objects.get(pk=line),
                                at=at + dt.timedelta(minutes=30))
    return req


def test_corrections_are_derived_from_suggestions_and_the_audit_trail(desk, routing_model):
    corrected = dispatched(desk, PROPOLIS, "testing", suggested_line="quality_mgmt")
    confirmed = dispatched(desk, "螺蛳粉菌落总数检测", "testing", suggested_line="testing")
    late = dispatched(desk, "蜂胶鉴别", "testing", suggested_line="ip", suggested_before=False)
    plain = dispatched(desk, "电子秤检定", "metrology")
    ids = training.correction_request_ids()
    assert corrected.pk in ids
    assert confirmed.pk not in ids and plain.pk not in ids
    # A suggestion made after the dispatch was not what the dispatcher overrode.
    assert late.pk not in ids


def test_one_click_feedback_counts_as_a_correction_too(desk, routing_model):
    req = dispatched(desk, PROPOLIS, "testing")
    DispatchFeedback.objects.create(request=req, actor=desk.regulator, suggested_line="ip", chosen_line="testing",
                                    chosen_provider=desk.provider)
    assert req.pk in training.correction_request_ids()


def test_training_set_uses_history_weights_corrections_and_fills_with_synthetic(desk, routing_model):
    dispatched(desk, PROPOLIS, "testing", suggested_line="quality_mgmt")
    dispatched(desk, "电子秤检定", "metrology")
    testing.submit(desk.enterprise_user, title="没有分派的需求")  # not dispatched: not an example
    training_set = training.build_training_set(min_samples=50)
    assert training_set.history == 2 and training_set.corrections == 1 and training_set.synthetic == 48
    weighted = [example for example in training_set.examples if len(example) == 3]
    assert len(weighted) == 1 and weighted[0][1:] == ("testing", "correction") and "蜂胶" in weighted[0][0]


def test_corrections_weigh_more_in_the_retrained_model(desk, routing_model):
    for n in range(3):
        dispatched(desk, f"{PROPOLIS}{'，急' * n}", "testing", suggested_line="quality_mgmt")
    plain = training.train(min_samples=1500, correction_weight=1.0)
    weighted = training.train(min_samples=1500, correction_weight=6.0)
    assert weighted.correction_samples == 3 and weighted.version == plain.version + 1
    store.cache.invalidate()
    assert store.current_model().version == weighted.version
    probability = {row.version: training_model(row).classify(PROPOLIS).probabilities()["testing"]
                   for row in (plain, weighted)}
    assert probability[weighted.version] > probability[plain.version]
    assert training_model(weighted).classify(PROPOLIS).top.code == "testing"


def training_model(row):
    from nqi.routing.classifier import ServiceLineClassifier

    return ServiceLineClassifier.from_npz_bytes(RoutingModel.objects.get(pk=row.pk).blob)


def test_old_model_versions_are_pruned(desk, routing_model, trained_classifier):
    for _ in range(training.KEEP_VERSIONS + 2):
        training.store(trained_classifier)
    versions = list(RoutingModel.objects.values_list("version", flat=True))
    assert len(versions) == training.KEEP_VERSIONS and max(versions) == training.KEEP_VERSIONS + 3


def test_capability_counts_a_lab_citing_the_method_standard(catalog):
    result = capability.lookup(item="菌落总数", product="螺蛳粉")
    by_provider = {row["provider"]["id"]: row for row in result["results"]}
    method_lab = by_provider[catalog.method_lab.pk]
    assert method_lab["matched"]["item"] and "GB 4789.2-2022" in method_lab["standards"]
    assert result["results"][0]["provider"]["id"] == catalog.food_lab.pk
    assert catalog.metrology.pk not in by_provider
    only_standard = capability.lookup(standard="GB 4789.2")
    assert {row["provider"]["id"] for row in only_standard["results"]} == {catalog.method_lab.pk}


def test_retraining_runs_as_a_background_task(desk, routing_model):
    from nqi.routing.tasks import retrain_routing_model

    dispatched(desk, PROPOLIS, "testing", suggested_line="quality_mgmt")
    result = retrain_routing_model.enqueue(note="nightly")
    row = RoutingModel.objects.order_by("-version").first()
    assert result.return_value == {"version": row.version, "history": 1, "corrections": 1, "synthetic": 399}
