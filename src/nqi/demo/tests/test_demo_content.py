"""Checks on the demo content JSON (no database): shape, codes, counts and the facts the demo must show."""

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from nqi.core.choices import SERVICE_LINE_CODES, City

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FILES = [
    "industries.json", "providers.json", "experts.json",
    "request_templates.json", "cases.json", "ratings_comments.json",
]
CITY_CODES = set(City.values)
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
CJK = re.compile(r"[\u4e00-\u9fff]")

# Names of real companies and people from the seed article and the industries: the demo must invent its own.
REAL_NAMES = [
    "螺霸王", "姚汉霖", "柳工", "曾光安", "肖小磊", "南南铝", "北港集团", "桂林南药", "玉柴", "上汽通用五菱",
    "东风柳汽", "柳钢", "龙工", "好欢螺", "李子柒", "花桥米粉", "崇善米粉", "广西壮族自治区计量检测研究院", "广西壮族自治区特种设备检验研究院",
]


def sentence_count(text):
    return len(re.findall(r"[。？！?]", text))


def load(name):
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def industries():
    return load("industries.json")


@pytest.fixture(scope="module")
def industry_codes(industries):
    return {ind["code"] for ind in industries}


@pytest.fixture(scope="module")
def providers():
    return load("providers.json")


@pytest.fixture(scope="module")
def templates():
    return load("request_templates.json")


@pytest.fixture(scope="module")
def cases():
    return load("cases.json")


@pytest.mark.parametrize("name", FILES)
def test_file_is_utf8_json_with_readable_chinese(name):
    raw = (DATA_DIR / name).read_bytes()
    text = raw.decode("utf-8")
    json.loads(text)
    # ensure_ascii=False: the Chinese is stored as characters, so the files can be read and diffed.
    assert "\\u" not in text
    assert CJK.search(text)


def test_no_real_company_or_person_names():
    text = "".join((DATA_DIR / name).read_text(encoding="utf-8") for name in FILES)
    found = [name for name in REAL_NAMES if name in text]
    assert found == []


# ---------------------------------------------------------------- industries

def test_industries_cover_guangxi_key_industries(industries):
    assert len(industries) >= 16
    names = {ind["name"] for ind in industries}
    for must in ("螺蛳粉", "制糖", "饮用水", "铝加工", "工程机械", "汽车零部件", "六堡茶", "胶合板"):
        assert must in names
    codes = [ind["code"] for ind in industries]
    assert len(codes) == len(set(codes))
    assert all(SLUG.match(code) for code in codes)


def test_industry_cities_and_counties_are_consistent(industries):
    county_city = {}
    for ind in industries:
        assert ind["cities"], ind["code"]
        assert set(ind["cities"]) <= CITY_CODES, ind["code"]
        assert all(weight > 0 for weight in ind["cities"].values())
        # Counties are given exactly for the cities the industry uses.
        assert set(ind["counties"]) == set(ind["cities"]), ind["code"]
        assert ind["products"]
        for city, counties in ind["counties"].items():
            assert counties, (ind["code"], city)
            for county in counties:
                assert county.endswith(("区", "县", "市")), county
                # A county belongs to one city, whichever industry lists it.
                assert county_city.setdefault(county, city) == city, (county, ind["code"])


def test_industries_sit_where_they_really_are(industries):
    by_code = {ind["code"]: ind for ind in industries}

    def top_city(code):
        cities = by_code[code]["cities"]
        return max(cities, key=cities.get)

    assert set(by_code["luosifen"]["cities"]) == {City.LIUZHOU}
    assert set(by_code["liubao_tea"]["cities"]) == {City.WUZHOU}
    assert top_city("sugar") == City.CHONGZUO
    assert top_city("aluminium") == City.BAISE
    assert top_city("plywood") == City.GUIGANG
    assert top_city("construction_machinery") == City.LIUZHOU
    assert top_city("petrochemical") == City.QINZHOU
    assert top_city("stone_calcium") == City.HEZHOU
    assert "苍梧县" in by_code["liubao_tea"]["counties"][City.WUZHOU]
    drinking_water_cities = set(by_code["drinking_water"]["cities"])
    assert len(drinking_water_cities) >= 5


def test_company_name_parts_allow_about_300_unique_names(industries):
    all_prefixes = [p for ind in industries for p in ind["company_name_parts"]["prefixes"]]
    assert len(all_prefixes) == len(set(all_prefixes)), "a prefix used by two industries makes duplicate-looking firms"
    total = 0
    for ind in industries:
        parts = ind["company_name_parts"]
        capacity = len(parts["prefixes"]) * len(parts["suffixes"])
        assert capacity >= ind["enterprise_count"] * 2, ind["code"]
        assert all(s.endswith(("公司", "厂")) for s in parts["suffixes"]), ind["code"]
        total += ind["enterprise_count"]
    assert 280 <= total <= 330


# ---------------------------------------------------------------- providers

def test_providers_count_names_and_codes(providers):
    assert 38 <= len(providers) <= 46
    names = [p["name"] for p in providers]
    short_names = [p["short_name"] for p in providers]
    assert len(names) == len(set(names))
    assert len(short_names) == len(set(short_names))
    for p in providers:
        assert p["city"] in CITY_CODES, p["name"]
        assert p["lines"] and set(p["lines"]) <= set(SERVICE_LINE_CODES), p["name"]
        assert p["description"]


def test_every_kind_of_provider_is_present(providers):
    primary = Counter(p["lines"][0] for p in providers)
    for line in SERVICE_LINE_CODES:
        assert primary[line] >= 4, line


def test_accreditations_look_like_real_certificates(providers):
    today = dt.date(2025, 1, 1)
    kinds = Counter()
    for p in providers:
        assert p["accreditations"], p["name"]
        for acc in p["accreditations"]:
            kinds[acc["kind"]] += 1
            assert acc["kind"] in {"CMA", "CNAS", "other"}
            if acc["kind"] == "CMA":
                assert re.fullmatch(r"\d{12}", acc["number"]), acc["number"]
            if acc["kind"] == "CNAS":
                assert re.fullmatch(r"L\d{5}|CNAS [A-Z]{1,2}\d{3,4}(-[A-Z])?", acc["number"]), acc["number"]
            assert dt.date.fromisoformat(acc["valid_until"]) > today
            assert acc["scope"]
    assert kinds["CMA"] >= 10 and kinds["CNAS"] >= 10


def test_catalog_size_per_line(providers):
    items = [item for p in providers for item in p["catalog_items"]]
    assert len(items) >= 230
    per_line = Counter(item["line"] for item in items)
    for line in SERVICE_LINE_CODES:
        assert per_line[line] >= 20, line


def test_catalog_items_are_well_formed(providers):
    for p in providers:
        item_names = [item["name"] for item in p["catalog_items"]]
        assert len(item_names) == len(set(item_names)), p["name"]
        for item in p["catalog_items"]:
            label = (p["name"], item["name"])
            assert item["line"] in p["lines"], label
            assert isinstance(item["fee_min"], int) and isinstance(item["fee_max"], int), label
            assert 0 <= item["fee_min"] <= item["fee_max"], label
            assert isinstance(item["turnaround_days"], int) and 1 <= item["turnaround_days"] <= 180, label
            assert item["mode"] in {"online", "onsite", "both"}, label
            assert len(item["description"]) >= 15, label


def test_catalog_has_free_public_services(providers):
    free = [item for p in providers for item in p["catalog_items"] if item["fee_max"] == 0]
    assert len(free) >= 5


# ---------------------------------------------------------------- experts

def test_expert_name_parts_and_fields():
    experts = load("experts.json")
    assert len(set(experts["surnames"])) >= 60
    assert len(set(experts["given_names"])) >= 150
    assert len(set(experts["surnames"])) * len(set(experts["given_names"])) >= 80 * 50
    assert len(experts["titles"]) >= 5
    assert set(experts["fields_by_line"]) == set(SERVICE_LINE_CODES)
    for line, fields in experts["fields_by_line"].items():
        assert len(set(fields)) >= 30, line
    assert {"广西大学", "广西科技大学", "桂林电子科技大学", "广西民族大学"} <= set(experts["universities"])


# ---------------------------------------------------------------- request templates

def test_templates_counts_per_line_and_kind(templates):
    assert len(templates) >= 220
    per_line = Counter(t["line"] for t in templates)
    assert set(per_line) == set(SERVICE_LINE_CODES)
    for line in SERVICE_LINE_CODES:
        assert per_line[line] >= 25, line
        kinds = {t["kind"] for t in templates if t["line"] == line}
        assert kinds == {"service", "problem"}, line
    problem_share = sum(t["kind"] == "problem" for t in templates) / len(templates)
    assert 0.35 <= problem_share <= 0.45


def test_templates_are_well_formed(templates, industry_codes):
    titles = [t["title"] for t in templates]
    assert len(titles) == len(set(titles))
    for t in templates:
        assert t["kind"] in {"service", "problem"}, t["title"]
        assert t["urgency"] in {"normal", "urgent", "low"}, t["title"]
        assert t["industry"] is None or t["industry"] in industry_codes, t["title"]
        for key in ("title", "description", "product", "solution", "outcome"):
            assert t[key].strip(), (t["title"], key)
        assert 1 <= sentence_count(t["description"]) <= 5, t["title"]
        assert 1 <= sentence_count(t["solution"]) <= 5, t["title"]
    # Mostly 2-5 sentences as an SME writes them; a few one-liners keep the desk realistic.
    multi = sum(sentence_count(t["description"]) >= 2 for t in templates) / len(templates)
    assert multi >= 0.8
    # What the provider did and found: 2-4 sentences, not a one-line "done".
    detailed = sum(2 <= sentence_count(t["solution"]) <= 4 for t in templates) / len(templates)
    assert detailed >= 0.9
    urgencies = Counter(t["urgency"] for t in templates)
    assert urgencies["urgent"] >= 15 and urgencies["low"] >= 5


def test_templates_span_industries_and_cite_real_standards(templates, industry_codes):
    used = {t["industry"] for t in templates if t["industry"]}
    assert len(used) >= 18
    text = " ".join(t["description"] + t["solution"] for t in templates)
    for number in ("DBS45/034", "GB 2760", "GB 7718", "GB 2763", "GB 5009.34", "GB 4789.26",
                   "GB/T 39600", "GB/T 5237", "GB/T 19580", "JJG 539", "JJF 1070", "TSG T7001", "GB/T 1576"):
        assert number in text, number


def test_brief_scenarios_are_covered(templates):
    def has(line, *words):
        return any(t["line"] == line and all(w in t["title"] + t["description"] for w in words) for t in templates)

    assert has("metrology", "抽查", "秤")
    assert has("metrology", "净含量")
    assert has("standards", "口味")
    assert has("standards", "马来西亚")
    assert has("testing", "二氧化硫")
    assert has("testing", "甲醛")
    assert has("certification", "HACCP")
    assert has("certification", "3C")
    assert has("certification", "绿色食品")
    assert has("ip", "抢注")
    assert has("ip", "地理标志")
    assert has("ip", "仿冒")
    assert has("quality_mgmt", "SPC")
    assert has("quality_mgmt", "主席质量奖")
    assert has("special_equipment", "电梯", "过期")
    assert has("special_equipment", "叉车", "登记")
    assert has("special_equipment", "锅炉", "水质")


# ---------------------------------------------------------------- cases

def test_cases_shape(cases, industry_codes):
    assert 12 <= len(cases) <= 20
    assert len({c["title"] for c in cases}) == len(cases)
    for c in cases:
        assert c["industry"] is None or c["industry"] in industry_codes, c["title"]
        assert c["line"] in SERVICE_LINE_CODES, c["title"]
        for key in ("problem", "cause", "solution", "result"):
            assert len(c[key]) >= 20, (c["title"], key)
        # Joint tackling: each showcase involves several providers.
        assert len(c["providers_hint"]) >= 2, c["title"]
        assert c["tags"]


def test_luosifen_shelf_life_case_keeps_the_reported_facts(cases):
    matches = [c for c in cases if c["industry"] == "luosifen" and "保质期" in c["title"]]
    assert len(matches) == 1
    case = matches[0]
    whole = case["title"] + case["problem"] + case["result"]
    assert "15天" in whole and "180天" in whole
    assert "10倍" in case["result"]
    assert "70%" in case["result"] and "97%" in case["result"]
    for technique in ("酸笋", "水分活度", "HACCP"):
        assert technique in case["solution"] + case["cause"], technique
    assert "阻隔" in case["solution"]


# ---------------------------------------------------------------- ratings and notes

def test_ratings_comments_and_notes():
    data = load("ratings_comments.json")
    assert len(data["5"]) >= 30
    for stars in ("1", "2", "3", "4", "5"):
        comments = data[stars]
        assert len(comments) >= 10, stars
        assert len(comments) == len(set(comments)), stars
    assert len(data["decline_reasons"]) >= 10
    assert set(data["progress_notes"]) == set(SERVICE_LINE_CODES)
    for line, notes in data["progress_notes"].items():
        assert len(notes) >= 10, line
