"""Standards catalog pages: list search, filters, sorting, paging, Excel export, empty state and detail."""

import io
import re
from urllib.parse import quote

import pytest
from openpyxl import load_workbook

from nqi import testing
from nqi.servicedesk.models import SolvedCase
from nqi.standards.models import Standard

pytestmark = pytest.mark.django_db


def numbers_on(response):
    """Standard numbers listed in the table, in order."""
    return re.findall(r'<td class="text-nowrap"><a href="/standards/\d+/">([^<]+)</a>', response.content.decode())


@pytest.fixture
def reader(client, desk):
    client.force_login(desk.enterprise_user)
    return client


def test_list_requires_login(client, catalog):
    response = client.get("/standards/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_list_pages_through_the_whole_catalog(reader, catalog):
    first = reader.get("/standards/")
    assert first.status_code == 200
    assert len(numbers_on(first)) == 25
    pages = -(-len(catalog) // 25)
    last = reader.get(f"/standards/?page={pages}")
    assert len(numbers_on(last)) == len(catalog) - 25 * (pages - 1)
    assert f"共 {len(catalog)} 条" in first.content.decode()


@pytest.mark.parametrize("query", ["GB 7718", "GB7718", "7718"])
def test_search_by_number_with_or_without_space(reader, catalog, query):
    found = numbers_on(reader.get("/standards/", {"q": query}))
    assert set(found) == {"GB 7718-2004", "GB 7718-2011", "GB 7718-2025"}


def exported_numbers(client, **params):
    response = client.get("/standards/", {**params, "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    return {row[0] for row in rows[1:]}


def test_search_matches_title_keywords_products_and_test_items(reader, catalog):
    assert "GB 7718-2011" in numbers_on(reader.get("/standards/", {"q": "预包装食品标签通则"}))
    for word in ("螺蛳粉", "菌落总数", "净含量"):
        expected = {n for n, s in catalog.items()
                    if any(word in text for text in (s.number, s.title, s.title_en, s.keywords,
                                                     s.product_categories, s.test_items))}
        assert expected and exported_numbers(reader, q=word) == expected, word


def test_filters_by_kind_status_line_and_product(reader, catalog):
    listed = numbers_on(reader.get("/standards/", {"kind": "DBS45", "status": "in_force"}))
    expected = sorted(n for n, s in catalog.items() if s.kind == "DBS45" and s.status == "in_force")
    assert sorted(listed) == expected and expected
    upcoming = numbers_on(reader.get("/standards/", {"status": "upcoming"}))
    assert "GB 7718-2025" in upcoming and all(catalog[n].status == "upcoming" for n in upcoming)
    special = numbers_on(reader.get("/standards/", {"line": "special_equipment", "sort": "number"}))
    assert special and all(
        catalog[n].service_lines.filter(code="special_equipment").exists() for n in special)
    # '米粉' must not match '螺蛳粉' by substring: the product filter is exact membership of the list.
    rice = exported_numbers(reader, product="米粉")
    assert rice == {n for n, s in catalog.items() if "米粉" in s.product_list} and rice


def test_test_item_filter_is_exact_membership(reader, catalog):
    labelled = numbers_on(reader.get("/standards/", {"test_item": "标签", "sort": "number"}))
    assert "GB 7718-2011" in labelled
    assert all("标签" in catalog[n].test_item_list for n in labelled)


def test_sorting_by_number_and_effective_date(reader, catalog):
    ascending = numbers_on(reader.get("/standards/", {"kind": "GB", "sort": "number"}))
    assert ascending == sorted(ascending)
    descending = numbers_on(reader.get("/standards/", {"kind": "GB", "sort": "-number"}))
    assert descending == sorted(descending, reverse=True)
    newest = numbers_on(reader.get("/standards/", {"sort": "-effective", "status": "in_force"}))
    dates = [catalog[n].effective for n in newest]
    assert [d for d in dates if d] == sorted([d for d in dates if d], reverse=True)


def test_unknown_filter_values_do_not_error(reader, catalog):
    response = reader.get("/standards/", {"kind": "NOPE", "sort": "nonsense", "page": "abc"})
    assert response.status_code == 200


def test_empty_state_explains_and_offers_a_way_out(reader, catalog):
    response = reader.get("/standards/", {"q": "不存在的标准名称xyz"})
    body = response.content.decode()
    assert 'id="standards-empty"' in body and "没有符合条件的标准" in body and "清除全部条件" in body


def test_htmx_request_returns_only_the_table(reader, catalog):
    response = reader.get("/standards/", {"q": "GB 2760"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "GB 2760-2024" in body


def test_excel_export_holds_the_filtered_rows(reader, catalog):
    response = reader.get("/standards/", {"status": "withdrawn", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("标准号", "标准名称", "英文名称", "类别", "状态")
    exported = {r[0]: r for r in rows[1:]}
    expected = {n for n, s in catalog.items() if s.status == "withdrawn"}
    assert set(exported) == expected
    assert exported["GB 2760-2014"][7] == "GB 2760-2024" and exported["GB 2760-2014"][4] == "废止"


def test_detail_shows_status_badge_products_and_test_items_as_links(reader, catalog):
    s = catalog["GB 2760-2024"]
    body = reader.get(f"/standards/{s.pk}/").content.decode()
    assert 'data-status="in_force"' in body and "现行" in body
    assert s.product_list and s.test_item_list
    for product in s.product_list:
        assert f"?product={quote(product)}" in body
    for item in s.test_item_list:
        assert f"?test_item={quote(item)}" in body


def test_detail_shows_replacement_chain_both_ways(reader, catalog):
    middle = catalog["GB 2760-2014"]
    body = reader.get(f"/standards/{middle.pk}/").content.decode()
    chain = body[body.index('id="standard-chain"'):]
    assert "被代替为" in chain and "GB 2760-2024" in chain
    replaced = Standard.objects.filter(replaced_by=middle).values_list("number", flat=True)
    for number in replaced:
        assert number in chain
    assert 'data-status="withdrawn"' in body and "本标准已废止，现行版本为" in body
    newest = reader.get(f"/standards/{catalog['GB 2760-2024'].pk}/").content.decode()
    newest_chain = newest[newest.index('id="standard-chain"'):]
    # The newest edition lists every edition it replaced, directly or not.
    assert "GB 2760-2014" in newest_chain and all(n in newest_chain for n in replaced)


def test_in_force_standard_announces_its_upcoming_edition(reader, catalog):
    current, upcoming = catalog["GB 7718-2011"], catalog["GB 7718-2025"]
    body = reader.get(f"/standards/{current.pk}/").content.decode()
    assert 'id="upcoming-edition"' in body and "新版即将实施" in body
    assert f'/standards/{upcoming.pk}/' in body and "2027-03-16" in body
    body = reader.get(f"/standards/{upcoming.pk}/").content.decode()
    assert 'data-status="upcoming"' in body and "即将实施" in body
    assert 'id="will-replace"' in body and f'/standards/{current.pk}/' in body
    # A standard with no newer edition says nothing of the kind.
    body = reader.get(f"/standards/{catalog['GB 2760-2024'].pk}/").content.decode()
    assert 'id="upcoming-edition"' not in body


def test_detail_lists_requests_only_when_visible_and_cases_for_all(client, desk, catalog):
    mine = testing.submit(desk.enterprise_user, title="标签是否符合 GB7718-2011 要求", kind="service")
    theirs = testing.submit(desk.other_enterprise_user, title="按 GB 7718-2011 审核标签", kind="service")
    SolvedCase.objects.create(title="预包装螺蛳粉标签整改", line_id="standards", problem="标签不符合 GB 7718-2011",
                              cause="配料表缺项", solution="按标准重做标签", result="复检合格")
    url = f"/standards/{catalog['GB 7718-2011'].pk}/"
    client.force_login(desk.enterprise_user)
    body = client.get(url).content.decode()
    requests_box = body[body.index('id="mentioning-requests"'):body.index('id="mentioning-cases"')]
    assert mine.number in requests_box and theirs.number not in requests_box
    assert "预包装螺蛳粉标签整改" in body[body.index('id="mentioning-cases"'):]
    client.force_login(desk.region)
    body = client.get(url).content.decode()
    requests_box = body[body.index('id="mentioning-requests"'):body.index('id="mentioning-cases"')]
    assert mine.number in requests_box and theirs.number in requests_box
    # The 2025 edition is a different number: the 2011 mentions are not its mentions.
    body = client.get(f"/standards/{catalog['GB 7718-2025'].pk}/").content.decode()
    assert mine.number not in body


def test_unknown_standard_is_404(reader, catalog):
    assert reader.get("/standards/999999/").status_code == 404
