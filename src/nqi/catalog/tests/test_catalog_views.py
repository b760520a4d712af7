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
