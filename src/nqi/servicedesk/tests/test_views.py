"""The web pages: each role's home, the lists, the forms with Chinese field errors, tenant isolation."""

import pytest
from django.test import Client

from nqi import testing
from nqi.servicedesk import actions
from nqi.servicedesk.choices import RequestStatus as S

pytestmark = pytest.mark.django_db


def browser(user):
    client = Client()
    client.force_login(user)
    return client


def test_enterprise_submits_through_the_form_and_sees_the_request(desk):
    page = browser(desk.enterprise_user)
    r = page.post("/requests/new/", {"kind": "problem", "title": "六堡茶霉变", "description": "仓储后出现霉点",
                                     "urgency": "normal"}, follow=True)
    assert r.status_code == 200
    assert "六堡茶霉变" in r.content.decode() and "待分派" in r.content.decode()


def test_form_errors_are_field_level_and_in_chinese(desk):
    r = browser(desk.enterprise_user).post("/requests/new/", {"kind": "problem", "title": "", "description": ""})
    html = r.content.decode()
    assert r.status_code == 200 and "该字段是必填项" in html and "field-error" in html


def test_dispatch_accept_resolve_close_through_the_pages(desk):
    req = testing.submit(desk.enterprise_user)
    r = browser(desk.regulator).post(f"/requests/{req.pk}/do/dispatch/", {
        "line": "testing", "provider": desk.provider.pk, "expert": desk.expert.pk})
    assert r.status_code == 302
    browser(desk.provider_user).post(f"/requests/{req.pk}/do/accept/", {})
    browser(desk.provider_user).post(f"/requests/{req.pk}/do/resolve/", {"solution": "完成检测，出具报告"})
    r = browser(desk.enterprise_user).post(f"/requests/{req.pk}/do/close/", {"rating": "5", "comment": "满意"},
                                           follow=True)
    assert "5★" in r.content.decode()
    req.refresh_from_db()
    assert req.status == S.CLOSED


def test_a_refused_action_shows_the_reason_and_changes_nothing(desk):
    req = testing.submit(desk.enterprise_user)
    r = browser(desk.regulator).post(f"/requests/{req.pk}/do/dispatch/", {"line": "testing"})
    assert r.status_code == 400 and "该字段是必填项" in r.content.decode()
    r = browser(desk.enterprise_user).post(f"/requests/{req.pk}/do/close/", {"rating": "5"})
    assert r.status_code == 400 and "不能确认评价" in r.content.decode()
    req.refresh_from_db()
    assert req.status == S.SUBMITTED


def test_other_tenants_request_is_404_everywhere(desk):
    theirs = testing.submit(desk.other_enterprise_user)
    for user in (desk.enterprise_user, desk.provider_user, desk.regulator, desk.expert.user):
        client = browser(user)
        assert client.get(f"/requests/{theirs.pk}/").status_code == 404
        assert client.post(f"/requests/{theirs.pk}/do/cancel/", {}).status_code == 404
    assert browser(desk.other_regulator).get(f"/requests/{theirs.pk}/").status_code == 200
    assert browser(desk.region).get(f"/requests/{theirs.pk}/").status_code == 200


def test_lists_search_filter_sort_and_export(desk):
    testing.submit(desk.enterprise_user, title="电子秤检定")
    testing.submit(desk.enterprise_user, title="螺蛳粉菌落总数")
    testing.submit(desk.other_enterprise_user, title="桂林米粉检测")
    page = browser(desk.regulator)
    html = page.get("/requests/?q=电子秤").content.decode()
    assert "电子秤检定" in html and "螺蛳粉菌落总数" not in html
    html = page.get("/requests/?sort=number&status=submitted").content.decode()
    assert "螺蛳粉菌落总数" in html and "桂林米粉检测" not in html
    partial = page.get("/requests/?q=螺蛳粉", HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "螺蛳粉菌落总数" in partial.content.decode()
    export = page.get("/requests/?format=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    from io import BytesIO

    from openpyxl import load_workbook

    rows = list(load_workbook(BytesIO(export.content)).active.values)
    assert rows[0][0] == "编号" and len(rows) == 3  # header + this city's two requests


def test_empty_list_has_a_clear_message(desk):
    assert "没有符合条件的需求" in browser(desk.enterprise_user).get("/requests/").content.decode()


def test_home_pages_for_each_role(desk):
    req = testing.submit(desk.enterprise_user, title="加油机检定")
    assert "分派队列" in browser(desk.regulator).get("/").content.decode()
    actions.do_dispatch_request(desk.regulator, req, desk.provider, line=desk.items[0].line)
    assert "加油机检定" in browser(desk.provider_user).get("/").content.decode()
    assert "我的需求与期限" in browser(desk.enterprise_user).get("/").content.decode()
    assert "待受理" in browser(desk.expert.user).get("/").content.decode()


def test_overview_counts_and_exports_for_regulators_only(desk):
    req = testing.submit(desk.enterprise_user)
    actions.do_dispatch_request(desk.regulator, req, desk.provider, line=desk.items[0].line)
    actions.do_accept_request(desk.provider_user, req)
    actions.do_resolve_request(desk.provider_user, req, "ok")
    actions.do_close_request(desk.enterprise_user, req, 4)
    html = browser(desk.regulator).get("/overview/").content.decode()
    assert 'id="stat-delivered">1<' in html
    # The Guilin regulator's overview does not count Liuzhou's request.
    assert 'id="stat-delivered">0<' in browser(desk.other_regulator).get("/overview/").content.decode()
    assert browser(desk.enterprise_user).get("/overview/").status_code == 403
    export = browser(desk.region).get("/overview/?format=xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"


def test_case_library_search(desk):
    from nqi.core.models import ServiceLine
    from nqi.servicedesk.models import SolvedCase

    SolvedCase.objects.create(title="袋装螺蛳粉保质期由15天延长至180天", line=ServiceLine.objects.get(pk="testing"),
                              problem="胀袋", cause="酸笋", solution="杀菌", result="180天")
    page = browser(desk.other_enterprise_user)
    assert "180天" in page.get("/cases/?q=螺蛳粉").content.decode()
    assert "没有找到" in page.get("/cases/?q=电梯").content.decode()


def test_anonymous_is_sent_to_login():
    r = Client().get("/requests/")
    assert r.status_code == 302 and "/login/" in r["Location"]
