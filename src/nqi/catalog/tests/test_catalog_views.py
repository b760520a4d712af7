import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_catalog_pages_list_and_filter(desk):
    client = Client()
    client.force_login(desk.enterprise_user)
    html = client.get("/catalog/providers/?line=metrology").content.decode()
    assert desk.provider.name in html and desk.other_provider.name not in html
    assert desk.provider.name in client.get(f"/catalog/providers/{desk.provider.pk}/").content.decode()
    assert client.get(f"/catalog/providers/{desk.enterprise.pk}/").status_code == 404  # not a provider
    assert desk.items[0].name in client.get("/catalog/items/?line=testing&sort=fee").content.decode()
    assert desk.expert.name in client.get("/catalog/experts/?q=微生物").content.decode()


def test_inactive_items_are_hidden_except_from_their_provider(desk):
    item = desk.items[0]
    item.active = False
    item.save()
    enterprise = Client()
    enterprise.force_login(desk.enterprise_user)
    assert item.name not in enterprise.get("/catalog/items/").content.decode()
    provider = Client()
    provider.force_login(desk.provider_user)
    assert item.name in provider.get("/catalog/items/").content.decode()


def test_provider_keeps_its_own_catalog(desk):
    client = Client()
    client.force_login(desk.provider_user)
    r = client.post("/catalog/my/items/new/", {"line": "metrology", "name": "电子汽车衡检定", "description": "",
                                               "fee_min": "300", "fee_max": "100", "turnaround_days": "3",
                                               "mode": "onsite", "active": "on"})
    assert "最高收费不能低于最低收费" in r.content.decode()
    r = client.post("/catalog/my/items/new/", {"line": "metrology", "name": "电子汽车衡检定", "description": "",
                                               "fee_min": "300", "fee_max": "800", "turnaround_days": "3",
                                               "mode": "onsite", "active": "on"})
    assert r.status_code == 302
    assert desk.provider.service_items.filter(name="电子汽车衡检定").exists()
    # Another provider's item is not editable; enterprises cannot edit catalogs at all.
    theirs = desk.other_provider.service_items.first()
    assert client.get(f"/catalog/my/items/{theirs.pk}/").status_code == 404
    enterprise = Client()
    enterprise.force_login(desk.enterprise_user)
    assert enterprise.get("/catalog/my/items/new/").status_code == 403


def test_provider_adds_an_accreditation(desk):
    client = Client()
    client.force_login(desk.provider_user)
    r = client.post("/catalog/my/accreditations/new/", {"kind": "CMA", "number": "202520001234",
                                                        "scope": "螺蛳粉：菌落总数、大肠菌群（GB 4789.2、GB 4789.3）",
                                                        "valid_until": "2031-05-01"})
    assert r.status_code == 302 and desk.provider.accreditations.filter(number="202520001234").exists()
