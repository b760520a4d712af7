"""Site-wide search over the database's full-text engine (FTS5 on SQLite, tsvector on PostgreSQL):
Chinese words find their objects, and nobody finds what they may not open."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from nqi.search.backends import get_backend
from nqi.search.models import SearchEntry
from nqi.search.service import kind_hits, run_search
from nqi.servicedesk import actions
from nqi.servicedesk.models import ServiceRequest
from nqi.standards.models import Standard

from .conftest import dispatch

pytestmark = pytest.mark.django_db


def group(results, kind):
    return next(g for g in results.groups if g.kind == kind)


def titles(results, kind):
    return [hit.entry.title for hit in group(results, kind).hits]


def test_backend_follows_the_database_vendor():
    from django.db import connection

    expected = {"sqlite": "sqlite-fts5", "postgresql": "postgresql-tsvector"}[connection.vendor]
    assert get_backend().name == expected


def test_standard_found_by_chinese_title_words(world):
    results = run_search(world.enterprise_user, "标签")
    every = [hit.entry.title for hit in kind_hits(world.enterprise_user, results, "standard")[0:1000]]
    assert len(every) == group(results, "standard").count
    assert any(t.startswith("GB 7718-2011 ") for t in every) and any(t.startswith("GB 7718-2025 ") for t in every)
    page = run_search(world.enterprise_user, "预包装食品标签", per_kind=3)
    top = titles(page, "standard")
    assert top and all("标签" in t for t in top)
    assert any(t.startswith("GB 7718") for t in top)


def test_standard_found_by_number_with_or_without_space(world):
    for query in ("GB 7718", "GB7718", "7718"):
        found = titles(run_search(world.enterprise_user, query, per_kind=10), "standard")
        assert {t.split(" ", 2)[0] + " " + t.split(" ", 2)[1] for t in found} >= {
            "GB 7718-2004", "GB 7718-2011", "GB 7718-2025"}, query


def test_case_found_by_luosifen(world):
    results = run_search(world.other_enterprise_user, "螺蛳粉")
    assert "袋装螺蛳粉胀袋攻关" in titles(results, "case")
    # A synonym and a typo find it too: 涨袋 is 胀袋, 螺狮粉 is 螺蛳粉.
    assert "袋装螺蛳粉胀袋攻关" in titles(run_search(world.other_enterprise_user, "螺狮粉 涨袋"), "case")


def test_provider_found_by_a_term_of_its_accredited_scope(world):
    results = run_search(world.enterprise_user, "甲醛释放量")
    assert world.provider.name in titles(results, "provider")
    assert world.other_provider.name not in titles(results, "provider")


def test_expert_found_by_field(world):
    results = run_search(world.enterprise_user, "微生物 保质期")
    assert world.expert.name in titles(results, "expert")


def test_request_found_only_by_those_who_may_see_it(world):
    query = "酸笋 异味"
    mine, theirs = world.request.number, world.other_request.number

    def numbers(user):
        return {t.split(" ")[0] for t in titles(run_search(user, query), "request")}

    assert numbers(world.enterprise_user) == {mine}
    assert numbers(world.other_enterprise_user) == {theirs}
    assert numbers(world.regulator) == {mine}
    assert numbers(world.other_regulator) == {theirs}
    assert numbers(world.region) == {mine, theirs}
    # A provider sees a request once it is dispatched to it, or when it joins the joint tackling.
    assert numbers(world.provider_user) == set()
    dispatch(world, world.request, world.provider)
    assert numbers(world.provider_user) == {mine}
    assert numbers(world.other_provider_user) == set()
    actions.do_start_joint_tackling(world.region, world.request, [world.other_provider], [], "联合攻关")
    assert numbers(world.other_provider_user) == {mine}
    # The counts obey the same rule as the hits.
    assert group(run_search(world.other_enterprise_user, query), "request").count == 1


def test_index_follows_saves_and_deletes(world):
    assert not group(run_search(world.enterprise_user, "铝型材"), "request").count
    world.request.title = "铝型材表面氧化膜厚度"
    world.request.save()
    assert group(run_search(world.enterprise_user, "铝型材"), "request").count == 1
    assert not group(run_search(world.enterprise_user, "酸笋发酵"), "request").count
    world.case.delete()
    assert "袋装螺蛳粉胀袋攻关" not in titles(run_search(world.enterprise_user, "螺蛳粉"), "case")


def test_reindex_command_rebuilds_the_same_index(world):
    before = run_search(world.region, "螺蛳粉")
    SearchEntry.objects.all().delete()
    assert run_search(world.region, "螺蛳粉").total == 0
    call_command("search", "reindex")
    after = run_search(world.region, "螺蛳粉")
    assert after.total == before.total > 0
    assert [(g.kind, g.count) for g in after.groups] == [(g.kind, g.count) for g in before.groups]
    call_command("search", "reindex")  # idempotent
    assert SearchEntry.objects.filter(kind="standard").count() == Standard.objects.count()
    assert SearchEntry.objects.filter(kind="request").count() == ServiceRequest.objects.count()


def test_all_words_first_then_any_word(world):
    exact = run_search(world.enterprise_user, "螺蛳粉 胀袋")
    assert not exact.partial and "袋装螺蛳粉胀袋攻关" in titles(exact, "case")
    loose = run_search(world.enterprise_user, "螺蛳粉 不存在的词汇呵呵")
    assert loose.partial and "袋装螺蛳粉胀袋攻关" in titles(loose, "case")


def test_title_matches_rank_above_body_matches(world):
    hits = group(run_search(world.enterprise_user, "标签", per_kind=10), "standard").hits
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    in_title = [h for h in hits if "标签" in h.entry.title]
    assert in_title and hits[0] in in_title


FTS_TROUBLE = ['"', "*", "(", ")", "AND", "OR", "NOT", "NEAR(", '标签"', "标签*", "(标签", "标签 AND",
               "AND OR NOT", "'", "':*", "&|!", "\\", "^", "-", "col:标签", '"螺蛳粉" NEAR/2 *', "%", "_", ";"]


@pytest.mark.parametrize("query", FTS_TROUBLE)
def test_fts_syntax_characters_never_error(client, world, query):
    client.force_login(world.enterprise_user)
    assert client.get("/search/", {"q": query}).status_code == 200
    assert client.get("/search/suggest/", {"q": query}).status_code == 200
    api = APIClient()
    api.force_authenticate(world.enterprise_user)
    assert api.get("/api/v1/search/", {"q": query}).status_code == 200


def test_quoted_and_starred_words_still_search(world):
    assert "袋装螺蛳粉胀袋攻关" in titles(run_search(world.enterprise_user, '"螺蛳粉"*'), "case")
    assert "袋装螺蛳粉胀袋攻关" in titles(run_search(world.enterprise_user, "螺蛳粉 AND (胀袋)"), "case")
