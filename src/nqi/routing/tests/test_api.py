"""POST /api/v1/routing/suggest and GET /api/v1/routing/capability: contract, bad input, authentication."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

URL = "/api/v1/routing/suggest"


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_suggest_returns_the_contract(catalog, desk):
    response = client_for(desk.enterprise_user).post(URL, {"text": "袋装螺蛳粉胀袋，想测菌落总数"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [line["code"] for line in body["service_types"]][0] == "testing" and len(body["service_types"]) == 7
    assert body["providers"][0]["id"] == catalog.food_lab.pk
    assert body["similar_cases"][0]["id"] == catalog.luosifen_case.pk
    assert body["standards"][0]["number"] == "DBS45/034-2021"


@pytest.mark.parametrize("payload", [{}, {"text": ""}, {"text": "   "}, {"text": 123}, {"text": None},
                                     {"text": ["螺蛳粉"]}, {"text": "电梯" * 3000}])
def test_suggest_rejects_missing_empty_or_non_string_text(catalog, desk, payload):
    response = client_for(desk.enterprise_user).post(URL, payload, format="json")
    assert response.status_code == 400
    assert "text" in response.json()


def test_suggest_rejects_a_body_that_is_not_an_object(catalog, desk):
    client = client_for(desk.enterprise_user)
    assert client.post(URL, ["螺蛳粉"], format="json").status_code == 400
    assert client.post(URL, "not json", content_type="application/json").status_code == 400


def test_anonymous_callers_get_401(catalog):
    assert APIClient().post(URL, {"text": "电梯年检"}, format="json").status_code == 401
    assert APIClient().get("/api/v1/routing/capability?item=菌落总数").status_code == 401


def test_token_authentication_works(catalog, desk):
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=desk.regulator).key}")
    assert client.post(URL, {"text": "电梯年检"}, format="json").status_code == 200


def test_capability_api(catalog, desk):
    client = client_for(desk.enterprise_user)
    body = client.get("/api/v1/routing/capability", {"item": "菌落总数", "product": "螺蛳粉"}).json()
    first = body["results"][0]
    assert first["provider"]["id"] == catalog.food_lab.pk and first["full_match"]
    scope = first["accreditations"][0]
    marked = {scope["scope"][start:end] for start, end in scope["highlights"]}
    assert "菌落总数" in marked and any("螺蛳粉" in text for text in marked)
    assert "segments" not in scope
    assert client.get("/api/v1/routing/capability").status_code == 400


def test_the_trailing_slash_spellings_answer_the_same_and_stay_out_of_the_schema(catalog, desk):
    client = client_for(desk.enterprise_user)
    text = {"text": "袋装螺蛳粉胀袋，想测菌落总数"}
    assert client.post(URL + "/", text, format="json").json() == client.post(URL, text, format="json").json()
    assert client.get("/api/v1/routing/capability/", {"item": "菌落总数"}).status_code == 200
    paths = client_for(desk.regulator).get("/api/schema/?format=json").json()["paths"]
    assert "/api/v1/routing/suggest" in paths and "/api/v1/routing/suggest/" not in paths
    assert "/api/v1/routing/capability" in paths and "/api/v1/routing/capability/" not in paths
