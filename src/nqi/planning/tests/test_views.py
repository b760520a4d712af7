"""The pages a regulator walks through: the list, the generate form with its Chinese field errors, the review
page (summary, cells with filters, sort and paging, the inline HTMX edit), exports, adoption and discarding."""

import csv
import io

import pytest
from openpyxl import load_workbook

from nqi.inspections.choices import Selection
from nqi.planning import actions
from nqi.planning.choices import SchemeStatus
from nqi.planning.history import PLAN_COLUMNS
from nqi.planning.models import SamplingScheme

pytestmark = pytest.mark.django_db


@pytest.fixture
def region_client(client, history):
    client.force_login(history.desk.region)
    return client


def test_nav_and_list_with_status_filter_and_paging(region_client, history):
    adopted = history.generate(name="已采用的方案")
    actions.do_adopt(history.desk.region, adopted, actions.Adoption(
        name="计划甲", kind="provincial", year=2027, end_date=adopted.history_to.replace(year=2027),
        labs=[history.desk.provider]))
    for n in range(25):
        history.generate(name=f"草案{n:02d}")
    home = region_client.get("/").content.decode()
    assert "/planning/" in home and "风险抽样方案" in home
    first = region_client.get("/planning/").content.decode()
    assert "第 1 / 2 页，共 26 条" in first
    drafts = region_client.get("/planning/?status=adopted").content.decode()
    assert "已采用的方案" in drafts and "草案00" not in drafts and "计划甲" in drafts
    assert region_client.get("/planning/?year=abc").status_code == 400


def test_the_generate_form_suggests_a_name_and_last_years_batches_as_the_budget(region_client, history):
    import datetime as dt

    from django.db.models import Sum
    from django.utils import timezone

    from nqi.inspections.models import InspectionRollup

    since = (timezone.localdate() - dt.timedelta(days=365)).replace(day=1)
    recent = (InspectionRollup.objects.filter(period__gte=since).exclude(plan_kind="risk_monitoring")
              .aggregate(n=Sum("batches"))["n"])
    assert recent  # the history has batches in the last twelve months
    form = region_client.get("/planning/new/").context["form"]
    year = timezone.localdate().year + 1
    assert form["name"].value() == f"{year}年自治区产品质量监督抽查风险抽样方案"
    assert f"近12个月本辖区监督抽查 {recent} 批次" in form["budget"].help_text
    # The cap per cell leaves the frame about twice the budget (3 at least, 12 at most), and the budget fits.
    cells = history.generate(name="看抽样框").frame_size  # a scheme with the default settings: its frame
    cap = form["max_per_cell"].value()
    assert cap == min(12, max(3, -(-2 * recent // cells)))
    assert form["budget"].value() == min(recent, cap * cells)


def test_generate_form_shows_field_errors_in_chinese_then_creates(region_client, history):
    page = region_client.get("/planning/new/").content.decode()
    assert "方便食品" in page and "米粉" in page  # the category menu comes from the history
    bad = region_client.post("/planning/new/", {"name": "", "year": "2027", "budget": "19", "max_per_cell": "3",
                                                "min_per_category": "0", "random_share": "20",
                                                "history_period": "quarter"})
    body = bad.content.decode()
    assert bad.status_code == 400 and "必填项" in body and 'id="id_name"' in body
    over = region_client.post("/planning/new/", {"name": "方案", "year": "2027", "budget": "19", "max_per_cell": "3",
                                                 "min_per_category": "0", "random_share": "20",
                                                 "history_period": "quarter", "include_unsampled": "on"})
    assert over.status_code == 400 and "超过抽样框容量" in over.content.decode()
    share = region_client.post("/planning/new/", {"name": "方案", "year": "2027", "budget": "8", "max_per_cell": "3",
                                                  "min_per_category": "0", "random_share": "120",
                                                  "history_period": "quarter"})
    assert share.status_code == 400 and "field-error" in share.content.decode()
    ok = region_client.post("/planning/new/", {"name": "2027年方案", "year": "2027", "budget": "8",
                                               "max_per_cell": "3", "min_per_category": "1", "random_share": "25",
                                               "seed": "5", "history_period": "quarter", "include_unsampled": "on",
                                               "categories": ["方便食品", "米粉"]})
    scheme = SamplingScheme.objects.get(name="2027年方案")
    assert ok.status_code == 302 and ok.url == scheme.get_absolute_url()
    assert scheme.random_share == pytest.approx(0.25) and scheme.seed == 5


def test_review_page_summary_chart_and_cells(region_client, history):
    scheme = history.generate()
    page = region_client.get(scheme.get_absolute_url()).content.decode()
    assert 'id="total-batches">8<' in page and 'id="budget-difference">0<' in page and "合计与预算一致" in page
    assert "chart-categories" in page and history.bad.name in page and "风险定向" in page
    assert "不含风险监测" in page
    # The rectification effect the model estimated is shown with the history it came from.
    assert scheme.correction_odds_ratio > 0 and "整改效应" in page and "此后不合格几率 ×" in page
    everything = region_client.get(scheme.get_absolute_url() + "?show=all&city=450300&part=cells",
                                   headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in everything and "桂林米粉二厂" in everything and history.bad.name not in everything
    searched = region_client.get(scheme.get_absolute_url() + "?show=all&q=放心").content.decode()
    assert "柳州放心食品有限公司" in searched and "桂林米粉二厂" not in searched
    fewest = scheme.cells.order_by("batches", "-estimated_risk", "id").first()
    most = scheme.cells.order_by("-batches", "-estimated_risk", "id").first()
    by_batches = region_client.get(scheme.get_absolute_url() + "?show=all&sort=-batches").content.decode()
    table = by_batches[by_batches.index('id="cells-table"'):]
    assert fewest.batches < most.batches and table.index(fewest.enterprise_name) < table.index(most.enterprise_name)


def test_inline_edit_updates_row_and_totals_and_refuses_bad_input(region_client, history):
    scheme = history.generate()
    cell = scheme.cells.get(enterprise=history.good1)
    url = f"/planning/{scheme.pk}/cells/{cell.pk}/edit/"
    form = region_client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'name="batches"' in form and "<html" not in form
    wrong = region_client.post(url, {"batches": "-2"}, headers={"HX-Request": "true"}).content.decode()
    assert "批次数不能为负数" in wrong and "is-invalid" in wrong
    saved = region_client.post(url, {"batches": str(cell.batches + 1)}, headers={"HX-Request": "true"})
    body = saved.content.decode()
    assert 'hx-swap-oob="true"' in body and "已调整" in body and 'id="budget-difference">+1<' in body
    assert "与预算 8 批不一致" in body
    adopt = region_client.post(f"/planning/{scheme.pk}/adopt/", {
        "name": "计划", "kind": "provincial", "year": "2027", "batch": "1", "start_date": "2027-03-01",
        "end_date": "2027-06-30", "labs": [history.desk.provider.pk]})
    assert adopt.status_code == 400 and "与抽样总批次 8 批不一致" in adopt.content.decode()


def test_exports_xlsx_and_plan_csv(region_client, history):
    scheme = history.generate()
    book = load_workbook(io.BytesIO(region_client.get(f"/planning/{scheme.pk}/export.xlsx").content))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("风险排名", "企业名称", "统一社会信用代码") and sum(r[5] for r in rows[1:]) == 8
    text = region_client.get(f"/planning/{scheme.pk}/export.csv").content.decode("utf-8-sig")
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert tuple(parsed[0]) == PLAN_COLUMNS and sum(int(r["batches"]) for r in parsed) == 8
    assert region_client.get(f"/planning/{scheme.pk}/export.pdf").status_code == 404


def test_adopt_form_creates_the_plan_and_its_page_shows_the_estimate_panel(region_client, history):
    scheme = history.generate()
    form = region_client.get(f"/planning/{scheme.pk}/adopt/").content.decode()
    assert history.desk.provider.name in form and "风险监测" not in form.split('name="kind"')[1].split("</select>")[0]
    missing = region_client.post(f"/planning/{scheme.pk}/adopt/", {"name": "计划", "kind": "provincial",
                                                                   "year": "2027", "batch": "1"})
    assert missing.status_code == 400 and missing.content.decode().count("field-error") >= 3
    done = region_client.post(f"/planning/{scheme.pk}/adopt/", {
        "name": "2027年第1批风险抽查", "kind": "provincial", "year": "2027", "batch": "1", "start_date": "2027-03-01",
        "end_date": "2027-06-30", "labs": [history.desk.provider.pk]})
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.ADOPTED and done.url == scheme.adopted_plan.get_absolute_url()
    plan_page = region_client.get(done.url).content.decode()
    assert "总体合格率估计（双随机样本）" in plan_page and "为什么不同" in plan_page and scheme.name in plan_page
    assert "双随机抽取" in plan_page and "风险定向" in plan_page and history.bad.name in plan_page
    assert scheme.adopted_plan.tasks.filter(selection=Selection.TARGETED).exists()
    review = region_client.get(scheme.get_absolute_url()).content.decode()
    assert "已采用" in review and 'id="adopt-link"' not in review and "edit-cell" not in review


def test_discard(region_client, history):
    scheme = history.generate()
    region_client.post(f"/planning/{scheme.pk}/discard/", {"reason": "预算未批"})
    scheme.refresh_from_db()
    assert scheme.status == SchemeStatus.DISCARDED
    assert region_client.get(f"/planning/{scheme.pk}/adopt/").status_code == 302


def test_allocator_refusal_shows_on_its_field_in_english(region_client, history, monkeypatch, settings):
    real = actions.plan_sampling
    # A share the form cannot send: let the allocator itself refuse it, as it would any PlanningError.
    monkeypatch.setattr(actions, "plan_sampling", lambda rows, **kw: real(rows, **{**kw, "random_share": "abc"}))
    region_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = region_client.post("/planning/new/", {
        "name": "Plan", "year": "2027", "budget": "8", "max_per_cell": "3", "min_per_category": "0",
        "random_share": "20", "history_period": "quarter"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["random_share"] == [
        "The random-draw share (random_share) must be a decimal between 0 and 1, got 'abc'"]
    assert "__all__" not in errors
