"""Sampling plans name the enterprises a bureau is about to check: only regulators and the operator see them,
a city bureau its own city's plans only. Everyone else gets a 404 in the pages and the API."""

import pytest
from rest_framework.test import APIClient

from nqi import testing
from nqi.accounts.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def schemes(history):
    return {"region": history.generate(), "liuzhou": history.generate(history.desk.regulator, budget=5)}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def outsiders(desk):
    return [desk.enterprise_user, desk.provider_user, desk.expert.user, desk.other_enterprise_user,
            desk.other_provider_user]


def test_pages_are_404_for_enterprises_providers_experts(client, history, schemes):
    scheme = schemes["liuzhou"]
    cell = scheme.cells.first()
    for user in outsiders(history.desk):
        client.force_login(user)
        for url in ("/planning/", "/planning/new/", scheme.get_absolute_url(), f"/planning/{scheme.pk}/export.xlsx",
                    f"/planning/{scheme.pk}/export.csv", f"/planning/{scheme.pk}/adopt/",
                    f"/planning/{scheme.pk}/cells/{cell.pk}/edit/"):
            assert client.get(url).status_code == 404, (user.role, url)
        assert client.post(f"/planning/{scheme.pk}/cells/{cell.pk}/edit/", {"batches": "1"}).status_code == 404
        assert client.post(f"/planning/{scheme.pk}/discard/").status_code == 404
    client.logout()
    assert client.get("/planning/").status_code == 302  # to the login page


def test_city_regulator_sees_its_city_only_and_region_reads_all(client, history, schemes):
    desk = history.desk
    client.force_login(desk.other_regulator)
    assert client.get(schemes["liuzhou"].get_absolute_url()).status_code == 404
    assert client.get(schemes["region"].get_absolute_url()).status_code == 404
    assert schemes["liuzhou"].name not in client.get("/planning/").content.decode()
    client.force_login(desk.regulator)
    assert client.get(schemes["liuzhou"].get_absolute_url()).status_code == 200
    assert client.get(schemes["region"].get_absolute_url()).status_code == 404
    client.force_login(desk.region)
    page = client.get(schemes["liuzhou"].get_absolute_url()).content.decode()
    assert "edit-cell" not in page and 'id="adopt-link"' not in page  # read only for the region
    assert client.get(f"/planning/{schemes['liuzhou'].pk}/adopt/").status_code == 404
    admin = testing.make_user(Role.ADMIN)
    client.force_login(admin)
    assert "edit-cell" in client.get(schemes["liuzhou"].get_absolute_url()).content.decode()


def test_api_is_404_for_others_and_scoped_for_cities(history, schemes):
    desk = history.desk
    region, liuzhou = schemes["region"], schemes["liuzhou"]
    for user in outsiders(desk):
        assert api(user).get("/api/v1/planning/schemes/").status_code == 404
        assert api(user).get(f"/api/v1/planning/schemes/{liuzhou.pk}/").status_code == 404
        assert api(user).post("/api/v1/planning/schemes/", {}, format="json").status_code == 404
    guilin = api(desk.other_regulator)
    assert guilin.get("/api/v1/planning/schemes/").json()["results"] == []
    assert guilin.get(f"/api/v1/planning/schemes/{liuzhou.pk}/").status_code == 404
    assert guilin.post(f"/api/v1/planning/schemes/{liuzhou.pk}/edit-cell/",
                       {"cell": liuzhou.cells.first().pk, "batches": 1}, format="json").status_code == 404
    assert {s["id"] for s in api(desk.regulator).get("/api/v1/planning/schemes/").json()["results"]} == {liuzhou.pk}
    assert {s["id"] for s in api(desk.region).get("/api/v1/planning/schemes/").json()["results"]} == {
        region.pk, liuzhou.pk}
    # The region reads the city's plan but may not change it.
    assert api(desk.region).post(f"/api/v1/planning/schemes/{liuzhou.pk}/edit-cell/",
                                 {"cell": liuzhou.cells.first().pk, "batches": 1}, format="json").status_code == 403
