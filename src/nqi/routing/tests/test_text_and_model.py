"""Routing text pipeline, service-line classifier and BM25 ranking, without the database."""

import json

import pytest

from nqi.routing import text as routing_text
from nqi.routing.classifier import LINES, ServiceLineClassifier
from nqi.routing.history_corpus import generate_history
from nqi.routing.ranking import BM25Index, Document, suggest


@pytest.fixture(scope="module")
def model():
    history = [(record.text, record.line) for record in generate_history(4000, seed=11)]
    return ServiceLineClassifier().fit(history)


def test_synonyms_map_to_the_canonical_term():
    assert routing_text.canonical("3C") == "CCC"
    assert routing_text.canonical("3c认证") == "CCC"
    assert routing_text.canonical("强制性产品认证") == "CCC"
    assert routing_text.canonical("检定") == routing_text.canonical("校验") == "校准"
    # Full-width letters and a common typo reach the same canonical tokens.
    assert routing_text.tokenize("插座要做３Ｃ认证") == routing_text.tokenize("插座要做CCC认证")
    assert "校准" in routing_text.tokenize("电子称较准")


def test_tokenisation_keeps_domain_terms_whole():
    tokens = routing_text.tokenize("我们的袋装螺蛳粉放两个月就胀袋了，想检测菌落总数")
    assert "螺蛳粉" in tokens
    assert "胀袋" in tokens
    assert "菌落总数" in tokens
    # Stopwords and punctuation are gone.
    assert "的" not in tokens and "，" not in tokens


def test_standard_numbers_are_kept_as_one_token():
    assert routing_text.find_standard_codes("按gb/t 19580—2012和DBS45/034-2021执行") == [
        "GB/T 19580-2012", "DBS45 034-2021"]
    assert "GB/T19580" in routing_text.tokenize("卓越绩效按GB/T 19580-2012评价")


def test_classifier_routes_microbiology_to_testing(model):
    result = model.classify("袋装螺蛳粉放两个月就胀袋，想送检看看菌落总数和大肠菌群是不是超标")
    assert result.top.code == "testing"
    assert sorted(line.code for line in result.lines) == sorted(LINES)
    assert abs(sum(line.score for line in result.lines) - 1.0) < 1e-6
    assert {"菌落总数", "大肠菌群"} & set(result.top.terms)


def test_classifier_routes_elevator_inspection_to_special_equipment(model):
    result = model.classify("小区的电梯今年的定期检验还没做，经常困人，找谁来检")
    assert result.top.code == "special_equipment"
    assert "电梯" in result.top.terms


def test_classifier_learns_from_dispatcher_corrections():
    # With no history, a request about "蜂胶" means nothing; corrections teach the model where it goes.
    base = [(record.text, record.line) for record in generate_history(1500, seed=3, label_noise=0.0)]
    before = ServiceLineClassifier().fit(base).classify("蜂胶产品想做一下蜂胶鉴别")
    corrections = [("蜂胶鉴别", "testing", "correction"), ("蜂胶产品鉴别", "testing", "correction")]
    after = ServiceLineClassifier().fit(base + corrections).classify("蜂胶产品想做一下蜂胶鉴别")
    assert after.probabilities()["testing"] > before.probabilities()["testing"]
    assert after.top.code == "testing"


def test_model_round_trips_through_json_and_npz(model, tmp_path):
    texts = ["电子秤要检定", "想注册商标", "ISO9001认证多少钱", "锅炉年检"]
    restored = ServiceLineClassifier.from_json(model.to_json())
    json.loads(model.to_json())  # plain JSON, storable in a DB column
    path = tmp_path / "model.npz"
    model.save(path)
    loaded = ServiceLineClassifier.load(path)
    for text in texts:
        original = model.classify(text).probabilities()
        for other in (restored, loaded):
            copy = other.classify(text).probabilities()
            assert copy.keys() == original.keys()
            assert all(abs(copy[line] - original[line]) < 1e-4 for line in LINES)
    with pytest.raises(ValueError):
        ServiceLineClassifier.from_dict({"format": "something-else"})


def test_bm25_ranks_by_matched_terms_and_reports_them():
    index = BM25Index([
        Document("lab", "食品微生物检测", "菌落总数、大肠菌群、霉菌检测，出具CMA报告", {"lines": ["testing"]}),
        Document("metro", "电子秤检定", "电子秤、台秤、地磅检定校准", {"lines": ["metrology"]}),
        Document("lift", "电梯定期检验", "电梯、自动扶梯定期检验与使用登记", {"lines": ["special_equipment"]}),
    ])
    hits = index.search("螺蛳粉胀袋，想测菌落总数和大肠杆菌")
    assert [hit.id for hit in hits] == ["lab"]
    assert set(hits[0].matched_terms) == {"菌落总数", "大肠菌群"}
    # Typo (称) and synonym (较准 -> 校准) still match the metrology item.
    assert set(index.search("电子称较准")[0].matched_terms) == {"电子秤", "校准"}
    assert index.search("完全无关的话") == []


def test_line_boost_reorders_equal_matches():
    index = BM25Index([
        Document("a", "检验服务", "锅炉检验", {"lines": ["testing"]}),
        Document("b", "检验服务", "锅炉检验", {"lines": ["special_equipment"]}),
    ])
    assert [hit.id for hit in index.search("锅炉检验", line_boost={"special_equipment": 0.8})] == ["b", "a"]
    assert [hit.id for hit in index.search("锅炉检验", line_boost={"testing": 0.8})] == ["a", "b"]


def test_suggest_returns_the_contract(model):
    index = BM25Index([Document("s1", "GB 4789.2 菌落总数测定", "食品微生物学检验 菌落总数测定", {})])
    result = suggest("螺蛳粉菌落总数超标，要复检", model, {"standards": index})
    assert [item["code"] for item in result["service_types"]][0] == "testing"
    assert len(result["service_types"]) == 7
    assert result["providers"] == [] and result["experts"] == [] and result["similar_cases"] == []
    standard = result["standards"][0]
    assert standard["id"] == "s1" and standard["score"] == 1.0
    assert "菌落总数" in standard["why"] and "菌落总数" in standard["matched_terms"]
