"""Enterprises register themselves; the city regulator approves them."""

import pytest
from django.test import Client

from nqi.accounts.models import Organisation
from nqi.core import uscc

pytestmark = pytest.mark.django_db

FORM = {"org_name": "柳州市新螺香食品有限公司", "credit_code": "", "city": "450200", "county": "柳南区",
        "industry": "螺蛳粉", "size": "small", "full_name": "蓝小梅", "phone": "13800000000",
        "email": "lan@example.test", "username": "luoxiang", "password": "Luosifen#2026", "password2": "Luosifen#2026"}


def test_wrong_credit_code_is_a_clear_field_error(db):
    r = Client().post("/register/", FORM | {"credit_code": "91450200MA5KB4XU8X"})
    html = r.content.decode()
    assert r.status_code == 200 and "校验位错误" in html
    assert not Organisation.objects.filter(name=FORM["org_name"]).exists()


def test_registration_then_approval(desk):
    code = uscc.generate("450200")
    client = Client()
    r = client.post("/register/", FORM | {"credit_code": code}, follow=True)
    assert "待所在地市监管部门审核" in r.content.decode()
    org = Organisation.objects.get(credit_code=code)
    assert org.status == "pending"
    # The Guilin regulator cannot see it; Liuzhou's can approve it.
    other = Client()
    other.force_login(desk.other_regulator)
    assert FORM["org_name"] not in other.get("/organisations/pending/").content.decode()
    assert other.post(f"/organisations/{org.pk}/review/", {"decision": "approve"}).status_code == 404
    liuzhou = Client()
    liuzhou.force_login(desk.regulator)
    assert FORM["org_name"] in liuzhou.get("/organisations/pending/").content.decode()
    liuzhou.post(f"/organisations/{org.pk}/review/", {"decision": "approve"})
    org.refresh_from_db()
    assert org.status == "approved"
    assert "审核已通过" in client.get("/notifications/").content.decode()


def test_duplicate_code_and_password_mismatch(desk):
    r = Client().post("/register/", FORM | {"credit_code": desk.enterprise.credit_code, "password2": "x"})
    html = r.content.decode()
    assert "已注册" in html and "两次输入的密码不一致" in html
