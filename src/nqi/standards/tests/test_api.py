"""Standards API: read-only, for every logged-in user, with the list page's filters."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(desk):
    client = APIClient()
    client.force_authenticate(desk.provider_user)
    return client


def test_anonymous_callers_are_refused(catalog):
    assert APIClient().get("/api/v1/standards/").status_code in (401, 403)


@pytest.mark.parametrize("who", ["enterprise_user", "provider_user", "regulator", "region", "other_enterprise_user"])
def test_every_logged_in_role_reads_the_catalog(desk, catalog, who):
    client = APIClient()
    client.force_authenticate(getattr(desk, who))
    response = client.get("/api/v1/standards/")
    assert response.status_code == 200 and response.json()["count"] == len(catalog)


def test_detail_carries_status_and_both_directions_of_replacement(api, catalog):
    s = catalog["GB 2760-2014"]
    data = api.get(f"/api/v1/standards/{s.pk}/").json()
    assert data["number"] == "GB 2760-2014" and data["status"] == "withdrawn" and data["status_display"] == "废止"
    assert data["replaced_by"]["number"] == "GB 2760-2024"
    assert {r["number"] for r in data["replaces"]} == set(s.replaces.values_list("number", flat=True))
    assert data["product_categories"] == s.product_list
    assert sorted(data["service_lines"]) == sorted(s.service_lines.values_list("code", flat=True))


def test_filters_match_the_list_page(api, catalog):
    data = api.get("/api/v1/standards/", {"status": "upcoming", "page_size": 200}).json()
    assert {r["number"] for r in data["results"]} == {n for n, s in catalog.items() if s.status == "upcoming"}
    data = api.get("/api/v1/standards/", {"q": "GB7718", "page_size": 200}).json()
    assert {r["number"] for r in data["results"]} == {"GB 7718-2004", "GB 7718-2011", "GB 7718-2025"}
    data = api.get("/api/v1/standards/", {"kind": "TSG", "line": "special_equipment", "page_size": 200}).json()
    expected = {n for n, s in catalog.items()
                if s.kind == "TSG" and s.service_lines.filter(code="special_equipment").exists()}
    assert expected and {r["number"] for r in data["results"]} == expected
    data = api.get("/api/v1/standards/", {"product": "螺蛳粉", "page_size": 200}).json()
    assert {r["number"] for r in data["results"]} == {n for n, s in catalog.items() if "螺蛳粉" in s.product_list}


def test_ordering_and_bad_filter_values(api, catalog):
    data = api.get("/api/v1/standards/", {"ordering": "-number", "kind": "GB"}).json()
    numbers = [r["number"] for r in data["results"]]
    assert numbers == sorted(numbers, reverse=True)
    assert api.get("/api/v1/standards/", {"kind": "NOPE"}).status_code == 400


def test_the_api_is_read_only(api, catalog):
    s = catalog["GB 7718-2011"]
    assert api.post("/api/v1/standards/", {"number": "GB 1-2026"}, format="json").status_code == 405
    assert api.patch(f"/api/v1/standards/{s.pk}/", {"title": "x"}, format="json").status_code == 405
    assert api.delete(f"/api/v1/standards/{s.pk}/").status_code == 405
