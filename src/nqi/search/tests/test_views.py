"""The search page, the navbar drop-down and the API: grouped counts, links, empty states, permissions."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_search_page_requires_login(client, world):
    assert client.get("/search/", {"q": "螺蛳粉"}).status_code == 302
    assert client.get("/search/suggest/", {"q": "螺蛳粉"}).status_code == 302
    assert APIClient().get("/api/v1/search/", {"q": "螺蛳粉"}).status_code in (401, 403)


def test_empty_query_shows_a_helpful_empty_state(client, world):
    client.force_login(world.enterprise_user)
    body = client.get("/search/").content.decode()
    assert 'id="search-empty"' in body and "请输入要查找的内容" in body and "?q=" in body
    body = client.get("/search/", {"q": "   "}).content.decode()
    assert 'id="search-empty"' in body
    body = client.get("/search/", {"q": "请问怎么办？"}).content.decode()
    assert 'id="search-no-terms"' in body
    body = client.get("/search/", {"q": "zzqxjw"}).content.decode()
    assert 'id="search-no-results"' in body and "标准目录" in body
    assert client.get("/search/suggest/", {"q": ""}).content == b""


def test_results_are_grouped_with_counts_and_links(client, world):
    client.force_login(world.enterprise_user)
    body = client.get("/search/", {"q": "螺蛳粉"}).content.decode()
    assert 'id="search-group-case"' in body and f'/cases/{world.case.pk}/' in body
    assert 'id="search-group-standard"' in body and "/standards/" in body
    # The tab of the other enterprise's data is not there: its request does not mention 螺蛳粉 ... but ours does.
    assert 'id="search-group-request"' in body and f'/requests/{world.request.pk}/' in body
    assert f'/requests/{world.other_request.pk}/' not in body


def test_one_kind_is_paged(client, world):
    client.force_login(world.enterprise_user)
    response = client.get("/search/", {"q": "食品", "type": "standard"})
    body = response.content.decode()
    assert response.context["page"].paginator.count > 20
    assert len(response.context["page"].object_list) == 20
    assert body.count('class="list-group-item search-hit" data-kind="standard"') == 20
    second = client.get("/search/", {"q": "食品", "type": "standard", "page": 2}).context["page"]
    first_ids = {h.entry.pk for h in response.context["page"].object_list}
    assert first_ids.isdisjoint({h.entry.pk for h in second.object_list})


def test_navbar_has_the_search_box_and_the_dropdown_answers(client, world):
    client.force_login(world.enterprise_user)
    home = client.get("/standards/").content.decode()
    assert 'id="nav-search"' in home and 'hx-get="/search/suggest/"' in home
    fragment = client.get("/search/suggest/", {"q": "螺蛳粉"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment and "袋装螺蛳粉胀袋攻关" in fragment and "/search/?q=" in fragment


def test_dropdown_never_leaks_another_tenants_request(client, world):
    client.force_login(world.other_enterprise_user)
    link = f'href="/requests/{world.request.pk}/"'
    fragment = client.get("/search/suggest/", {"q": world.request.number}).content.decode()
    assert link not in fragment and "没有与" in fragment
    client.force_login(world.enterprise_user)
    fragment = client.get("/search/suggest/", {"q": world.request.number}).content.decode()
    assert link in fragment


def test_api_groups_and_permissions(world):
    api = APIClient()
    api.force_authenticate(world.other_enterprise_user)
    data = api.get("/api/v1/search/", {"q": "酸笋 异味"}).json()
    requests = next(g for g in data["groups"] if g["kind"] == "request")
    assert requests["count"] == 1 and [r["id"] for r in requests["results"]] == [world.other_request.pk]
    assert requests["results"][0]["url"] == f"/requests/{world.other_request.pk}/"
    data = api.get("/api/v1/search/", {"q": world.request.number}).json()
    assert data["total"] == 0
    api.force_authenticate(world.region)
    data = api.get("/api/v1/search/", {"q": "酸笋 异味", "type": "request"}).json()
    assert {r["id"] for r in data["page"]["results"]} == {world.request.pk, world.other_request.pk}
    assert api.get("/api/v1/search/", {"q": "x", "type": "nope"}).status_code == 400
