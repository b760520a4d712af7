"""The health check: authenticated like the rest of the API, and honest about the database."""

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from nqi import testing
from nqi.accounts.choices import Role

pytestmark = pytest.mark.django_db


def test_health_reports_ok_after_asking_the_database():
    client = APIClient()
    client.force_authenticate(testing.make_user(Role.ENTERPRISE))
    with CaptureQueriesContext(connection) as queries:
        r = client.get("/api/v1/health/")
    assert r.status_code == 200
    assert r.json() == {"status": "ok", "database": True}
    assert [q["sql"] for q in queries.captured_queries] == ["SELECT 1"]


def test_health_needs_a_login():
    assert APIClient().get("/api/v1/health/").status_code in (401, 403)


def test_health_works_with_a_token():
    user = testing.make_user(Role.PROVIDER)
    token = APIClient().post("/api/v1/auth/token/", {"username": user.username, "password": testing.PASSWORD},
                             format="json").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/health/").json()["status"] == "ok"


def test_health_is_503_when_the_database_is_unreachable():
    client = APIClient()
    client.force_authenticate(testing.make_user(Role.CITY_REGULATOR))
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("connection refused")):
        r = client.get("/api/v1/health/")
    assert r.status_code == 503
    assert r.json() == {"status": "error", "database": False}


def test_filter_backend_skips_the_form_only_when_nothing_is_filtered(desk):
    from rest_framework.test import APIClient

    from nqi import testing

    testing.submit(desk.enterprise_user, title="甲", kind="service")
    testing.submit(desk.enterprise_user, title="乙", kind="problem")
    client = APIClient()
    client.force_authenticate(desk.enterprise_user)
    assert client.get("/api/v1/requests/").json()["count"] == 2
    assert [r["title"] for r in client.get("/api/v1/requests/?kind=problem").json()["results"]] == ["乙"]
    assert client.get("/api/v1/requests/?kind=nonsense").status_code == 400
