"""The REST API: the same workflow and permissions as the UI, and clear 4xx answers for bad input."""

import pytest
from rest_framework.test import APIClient

from nqi import testing
from nqi.servicedesk import actions

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_full_workflow_over_the_api(desk):
    ent, reg, prov = client_for(desk.enterprise_user), client_for(desk.regulator), client_for(desk.provider_user)
    created = ent.post("/api/v1/requests/", {"kind": "problem", "title": "螺蛳粉胀袋",
                                             "description": "袋装螺蛳粉胀袋", "product": "袋装螺蛳粉"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    r = reg.post(f"/api/v1/requests/{pk}/dispatch/", {"provider": desk.provider.pk, "line": "testing",
                                                       "expert": desk.expert.pk}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "dispatched"
    assert prov.post(f"/api/v1/requests/{pk}/accept/", {}, format="json").json()["status"] == "accepted"
    r = prov.post(f"/api/v1/requests/{pk}/progress/", {"text": "已取样", "percent": 30}, format="json")
    assert r.json()["status"] == "in_progress" and r.json()["notes"][0]["percent"] == 30
    assert prov.post(f"/api/v1/requests/{pk}/resolve/", {"solution": "调整杀菌"}, format="json").status_code == 200
    r = ent.post(f"/api/v1/requests/{pk}/close/", {"rating": 4, "comment": "好"}, format="json")
    assert r.json()["status"] == "closed" and r.json()["rating"] == 4
    steps = [e["action"] for e in ent.get(f"/api/v1/requests/{pk}/timeline/").json()]
    assert steps == ["submit", "dispatch", "accept", "progress", "resolve", "close"]


def test_each_tenant_sees_only_its_own_requests(desk):
    mine = testing.submit(desk.enterprise_user)
    theirs = testing.submit(desk.other_enterprise_user)
    ent = client_for(desk.enterprise_user)
    assert [r["id"] for r in ent.get("/api/v1/requests/").json()["results"]] == [mine.pk]
    assert ent.get(f"/api/v1/requests/{theirs.pk}/").status_code == 404
    assert ent.post(f"/api/v1/requests/{theirs.pk}/cancel/", {}, format="json").status_code == 404
    # A city regulator sees its city; the region sees all.
    assert client_for(desk.other_regulator).get(f"/api/v1/requests/{mine.pk}/").status_code == 404
    assert client_for(desk.region).get("/api/v1/requests/").json()["count"] == 2
    # A provider sees nothing until a request is dispatched to it.
    prov = client_for(desk.provider_user)
    assert prov.get(f"/api/v1/requests/{mine.pk}/").status_code == 404
    actions.do_dispatch_request(desk.regulator, mine, desk.provider, line=desk.items[0].line)
    assert prov.get(f"/api/v1/requests/{mine.pk}/").status_code == 200
    assert client_for(desk.other_provider_user).get(f"/api/v1/requests/{mine.pk}/").status_code == 404
    # The assigned expert only when assigned.
    assert client_for(desk.expert.user).get(f"/api/v1/requests/{mine.pk}/").status_code == 404


def test_bad_input_is_a_clear_4xx(desk):
    ent = client_for(desk.enterprise_user)
    r = ent.post("/api/v1/requests/", data='{"title": ', content_type="application/json")
    assert r.status_code == 400
    r = ent.post("/api/v1/requests/", {"kind": "nonsense", "title": ""}, format="json")
    assert r.status_code == 400 and {"kind", "title", "description"} <= set(r.json())
    req = testing.submit(desk.enterprise_user)
    reg = client_for(desk.regulator)
    r = reg.post(f"/api/v1/requests/{req.pk}/dispatch/", {"provider": 999999}, format="json")
    assert r.status_code == 400 and "provider" in r.json()
    r = reg.post(f"/api/v1/requests/{req.pk}/dispatch/", {"provider": desk.enterprise.pk}, format="json")
    assert r.status_code == 400  # an enterprise is not a provider
    r = reg.post(f"/api/v1/requests/{req.pk}/dispatch/", {"provider": desk.provider.pk}, format="json")
    assert r.status_code == 400 and "line" in r.json()
    assert reg.get("/api/v1/requests/abc/").status_code == 404
    r = ent.post(f"/api/v1/requests/{req.pk}/close/", {"rating": 9}, format="json")
    assert r.status_code == 400
    r = client_for(desk.provider_user).post(f"/api/v1/requests/{req.pk}/accept/", {}, format="json")
    assert r.status_code == 404  # not dispatched to this provider: invisible


def test_wrong_state_is_a_conflict_and_wrong_actor_forbidden(desk):
    req = testing.submit(desk.enterprise_user)
    r = client_for(desk.enterprise_user).post(f"/api/v1/requests/{req.pk}/close/", {"rating": 5}, format="json")
    assert r.status_code == 409 and "待分派" in r.json()["detail"]
    r = client_for(desk.enterprise_user).post(f"/api/v1/requests/{req.pk}/dispatch/",
                                              {"provider": desk.provider.pk, "line": "testing"}, format="json")
    assert r.status_code == 403


def test_uploads_are_checked_and_private(desk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    req = testing.submit(desk.enterprise_user)
    ent = client_for(desk.enterprise_user)
    exe = SimpleUploadedFile("virus.exe", b"MZ....", content_type="application/octet-stream")
    assert ent.post(f"/api/v1/requests/{req.pk}/attachments/", {"file": exe}, format="multipart").status_code == 400
    fake_pdf = SimpleUploadedFile("report.pdf", b"not a pdf", content_type="application/pdf")
    r = ent.post(f"/api/v1/requests/{req.pk}/attachments/", {"file": fake_pdf}, format="multipart")
    assert r.status_code == 400 and "不符" in str(r.json())
    pdf = SimpleUploadedFile("检测报告.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    r = ent.post(f"/api/v1/requests/{req.pk}/attachments/", {"file": pdf}, format="multipart")
    assert r.status_code == 201
    url = r.json()["download_url"]
    from django.test import Client

    owner = Client()
    owner.force_login(desk.enterprise_user)
    assert owner.get(url).status_code == 200
    stranger = Client()
    stranger.force_login(desk.other_enterprise_user)
    assert stranger.get(url).status_code == 404


def test_upload_size_limit(desk, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.NQI_UPLOAD_MAX_BYTES = 1024
    req = testing.submit(desk.enterprise_user)
    big = SimpleUploadedFile("big.txt", b"x" * 4096, content_type="text/plain")
    r = client_for(desk.enterprise_user).post(f"/api/v1/requests/{req.pk}/attachments/", {"file": big},
                                              format="multipart")
    assert r.status_code == 400 and "过大" in str(r.json())


def test_anonymous_gets_401_and_schema_is_served(desk):
    assert APIClient().get("/api/v1/requests/").status_code in (401, 403)
    schema = client_for(desk.regulator).get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/requests/{id}/dispatch/" in schema.content


def test_token_auth(desk):
    r = APIClient().post("/api/v1/auth/token/", {"username": desk.enterprise_user.username,
                                                 "password": testing.PASSWORD}, format="json")
    token = r.json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["role"] == "enterprise"


def test_catalog_and_cases_are_readable_by_all_logged_in(desk):
    client = client_for(desk.other_enterprise_user)
    assert client.get("/api/v1/providers/").json()["count"] == 2
    assert client.get("/api/v1/service-items/?line=testing").json()["count"] >= 2
    assert client.get("/api/v1/experts/").status_code == 200
    assert client.get("/api/v1/cases/").status_code == 200
    # Organisations: only providers and one's own.
    names = {o["name"] for o in client.get("/api/v1/organisations/").json()["results"]}
    assert desk.enterprise.name not in names and desk.other_enterprise.name in names


def test_notifications_are_private(desk):
    testing.submit(desk.enterprise_user)
    mine = client_for(desk.regulator).get("/api/v1/notifications/").json()
    assert mine["count"] == 1
    nid = mine["results"][0]["id"]
    assert client_for(desk.other_regulator).post(f"/api/v1/notifications/{nid}/read/").status_code == 404
    assert client_for(desk.regulator).post(f"/api/v1/notifications/{nid}/read/").json()["read_at"]


def test_interactive_api_docs_are_served_locally(desk):
    from django.test import Client

    client = Client()
    client.force_login(desk.regulator)
    html = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html and "cdn" not in html.lower()


def test_provider_list_count_includes_joint_requests_once(desk):
    own = testing.submit(desk.enterprise_user, title="本机构承办")
    actions.do_dispatch_request(desk.regulator, own, desk.provider, line=desk.items[0].line)
    led_by_other = testing.submit(desk.enterprise_user, title="他机构牵头的攻关")
    other_lab, _user, _items = testing.make_provider(name="柳州另一检测所")
    actions.do_dispatch_request(desk.regulator, led_by_other, other_lab, line=desk.items[0].line)
    actions.do_start_joint_tackling(desk.regulator, led_by_other, [desk.provider])
    actions.do_start_joint_tackling(desk.regulator, own, [other_lab])  # own request with a participant row too
    testing.submit(desk.enterprise_user, title="未分派")
    body = client_for(desk.provider_user).get("/api/v1/requests/").json()
    assert body["count"] == 2 and {r["title"] for r in body["results"]} == {"本机构承办", "他机构牵头的攻关"}
    assert client_for(desk.provider_user).get("/api/v1/requests/?q=攻关").json()["count"] == 1


def test_fast_list_rows_equal_the_declared_fields(desk):
    from rest_framework import serializers as drf

    from nqi.servicedesk.api.serializers import ServiceRequestListSerializer

    req = testing.submit(desk.enterprise_user)
    actions.do_dispatch_request(desk.regulator, req, desk.provider, desk.expert, line=desk.items[0].line)
    actions.do_accept_request(desk.provider_user, req)
    req.refresh_from_db()
    fast = ServiceRequestListSerializer(req).data
    generic = drf.ModelSerializer.to_representation(ServiceRequestListSerializer(), req)
    assert fast == dict(generic) and fast["provider_name"] == desk.provider.name
    # The list pages build the same rows from `.values()`, for every role's page (the provider's merged one too).
    for user in (desk.enterprise_user, desk.provider_user, desk.regulator):
        (row,) = [r for r in client_for(user).get("/api/v1/requests/").json()["results"] if r["id"] == req.pk]
        assert row == dict(generic), user.username


def test_provider_pages_merge_own_and_joint_requests_in_date_order(desk):
    import datetime as dt

    from django.utils import timezone

    other_lab, _user, _items = testing.make_provider(name="柳州另一检测所")
    start = timezone.now() - dt.timedelta(days=60)
    titles = []
    for n in range(30):
        req = testing.submit(desk.enterprise_user, title=f"需求{n:02d}", at=start + dt.timedelta(days=n))
        lab = other_lab if n % 7 == 3 else desk.provider
        actions.do_dispatch_request(desk.regulator, req, lab, line=desk.items[0].line,
                                    at=start + dt.timedelta(days=n, hours=1))
        if lab is other_lab:
            actions.do_start_joint_tackling(desk.regulator, req, [desk.provider])
        titles.append(req.title)
    expected = list(reversed(titles))  # newest first; joint-tackling requests led by the other lab included
    client = client_for(desk.provider_user)
    got = []
    for page in (1, 2):
        body = client.get(f"/api/v1/requests/?page={page}&page_size=12").json()
        assert body["count"] == 30
        got += [r["title"] for r in body["results"]]
    assert got == expected[:24]
    # Ordered otherwise or filtered, the general query answers; same rows.
    asc = client.get("/api/v1/requests/?ordering=submitted_at&page_size=50").json()["results"]
    assert [r["title"] for r in asc] == titles
