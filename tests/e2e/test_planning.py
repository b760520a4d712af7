"""End to end in a real browser: a city regulator generates a risk-based sampling plan from the city's spot-check
history, edits cells inline (the totals follow), is refused adoption while the total misses the budget, adopts it,
and finds the tasks in the new spot-check plan."""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from nqi import testing
from nqi.accounts.choices import RegulatorLevel
from nqi.core.choices import City
from nqi.inspections.models import InspectionPlan
from nqi.planning.models import SamplingScheme
from nqi.planning.tests.world import History

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def liuzhou_history():
    enterprise, _ = testing.make_enterprise(City.LIUZHOU, name="柳州屡检不合格食品厂")
    other, _ = testing.make_enterprise(City.GUILIN, name="桂林米粉一厂")
    lab, _, _ = testing.make_provider(City.LIUZHOU, lines=("testing",), name="柳州市产品质量检验检测中心")
    desk = SimpleNamespace(enterprise=enterprise, other_enterprise=other,
                           regulator=testing.make_regulator(City.LIUZHOU),
                           region=testing.make_regulator(City.NANNING, RegulatorLevel.REGION))
    history = History(desk)
    history.lab = lab
    return history


def test_regulator_generates_edits_and_adopts_a_plan(open_as, menu, liuzhou_history, shot, settle):
    h = liuzhou_history
    page = open_as(h.desk.regulator)
    menu(page, "监督抽查", "风险抽样方案")
    expect(page.locator("h1")).to_have_text("风险抽样方案")
    page.click("#new-scheme")
    page.fill("#id_name", "2027年柳州市方便食品风险抽样方案")
    page.fill("#id_year", "2027")
    page.fill("#id_budget", "5")
    page.fill("#id_max_per_cell", "3")
    page.fill("#id_random_share", "20")
    page.fill("#id_seed", "2027")
    shot(page, "planning-01-generate")
    page.click("#generate-submit")
    page.wait_for_url(re.compile(r"/planning/\d+/$"))
    expect(page.locator(".alert-success")).to_contain_text("抽样方案已生成")
    expect(page.locator("#total-batches")).to_have_text("5")
    expect(page.locator("#budget-difference")).to_have_text("0")
    scheme = SamplingScheme.objects.get()
    assert scheme.owner_city == City.LIUZHOU
    shot(page, "planning-02-review")

    # Give one more batch to a cell the engine left at or below the cap, from the full frame.
    up = scheme.cells.filter(batches__lt=3).order_by("risk_rank").first()
    down = scheme.cells.filter(targeted_batches__gt=0).exclude(pk=up.pk).order_by("-risk_rank").first()
    page.select_option("#id_show", "all")
    row = page.locator(f"#cell-{up.pk}")
    expect(row).to_be_visible()
    settle(page)
    row.locator(".edit-cell").click()
    page.locator(f"#cell-{up.pk} input[name=batches]").fill("9")
    page.locator(f"#cell-{up.pk} .save-cell").click()
    expect(page.locator(f"#cell-{up.pk} .field-error")).to_contain_text("不能超过每单元上限 3 批")
    page.locator(f"#cell-{up.pk} input[name=batches]").fill(str(up.batches + 1))
    page.locator(f"#cell-{up.pk} .save-cell").click()
    expect(page.locator(f"#cell-{up.pk}")).to_contain_text("已调整")
    expect(page.locator("#budget-difference")).to_have_text("+1")
    expect(page.locator("#budget-warning")).to_contain_text("与预算 5 批不一致")
    shot(page, "planning-03-edited")

    # Adoption is refused while the plan is one batch over budget.
    page.click("#adopt-link")
    page.fill("#id_name", "2027年柳州市方便食品专项抽查")
    page.select_option("#id_kind", "special")
    page.fill("#id_start_date", "2027-03-01")
    page.fill("#id_end_date", "2027-06-30")
    page.select_option("#id_labs", str(h.lab.pk))
    page.click("#adopt-submit")
    expect(page.locator(".alert-danger")).to_contain_text("与抽样总批次 5 批不一致")
    page.get_by_role("link", name="返回方案").click()

    page.select_option("#id_show", "all")
    expect(page.locator(f"#cell-{down.pk}")).to_be_visible()
    settle(page)
    page.locator(f"#cell-{down.pk} .edit-cell").click()
    page.locator(f"#cell-{down.pk} input[name=batches]").fill(str(down.batches - 1))
    page.locator(f"#cell-{down.pk} .save-cell").click()
    expect(page.locator("#budget-difference")).to_have_text("0")
    expect(page.locator("#budget-ok")).to_be_visible()

    page.click("#adopt-link")
    page.fill("#id_name", "2027年柳州市方便食品专项抽查")
    page.select_option("#id_kind", "special")
    page.fill("#id_start_date", "2027-03-01")
    page.fill("#id_end_date", "2027-06-30")
    page.select_option("#id_labs", str(h.lab.pk))
    shot(page, "planning-04-adopt")
    page.click("#adopt-submit")
    page.wait_for_url(re.compile(r"/inspections/plans/\d+/$"))
    expect(page.locator(".alert-success")).to_contain_text("已采用抽样方案")
    plan = InspectionPlan.objects.get(name="2027年柳州市方便食品专项抽查")
    tasks = list(plan.tasks.all())
    assert sum(t.quota for t in tasks) == 5 and {t.lab_id for t in tasks} == {h.lab.pk}
    expect(page.locator(".task-row")).to_have_count(len(tasks))
    expect(page.locator(".task-row .selection-targeted").first).to_have_text("风险定向")
    expect(page.locator("#scheme-estimate")).to_contain_text("为什么不同")
    shot(page, "planning-05-inspection-plan")
    scheme.refresh_from_db()
    assert scheme.status == "adopted" and scheme.adopted_plan == plan
