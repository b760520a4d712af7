"""End to end in a real browser: a region regulator reads the spot-check statistics over an imported results sheet:
the totals, the pass-rate chart and table with their intervals, the trend and funnel charts drawn by the
platform's own Chart.js, the Excel export, the failure-rate alarms and the quarterly bulletin. No request leaves
the platform (it runs on government intranets) and the pages raise no script error."""

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from nqi import testing
from nqi.accounts.choices import RegulatorLevel
from nqi.core.choices import City
from nqi.inspections import importer
from nqi.inspections.choices import PlanKind
from nqi.inspections.importing import samples

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def test_region_regulator_reads_pass_rates_charts_alarms_and_the_bulletin(open_as, menu, live_server, tmp_path, shot):
    region = testing.make_regulator(City.NANNING, RegulatorLevel.REGION)
    sheet = samples.write_csv(tmp_path / "2026年自治区食品监督抽查结果.csv", 800, seed=5)
    summary = importer.import_results(sheet.path, plan_kind=PlanKind.PROVINCIAL)
    assert summary["inserted"] == sheet.expected_valid

    page = open_as(region)
    outside, script_errors = [], []
    page.on("request", lambda request: outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:", "blob:")) else None)
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.on("console", lambda message: script_errors.append(message.text) if message.type == "error" else None)

    menu(page, "质量统计", "抽查统计")
    expect(page.locator("h1")).to_contain_text("产品质量监督抽查合格率统计")
    expect(page.locator("#stat-batches")).to_have_text(str(sheet.expected_valid))
    expect(page.locator("#stat-rate").locator("xpath=..")).to_contain_text("–")  # the rate's 95% interval
    for chart in ("chart-rates", "chart-trend", "chart-funnel"):
        page.wait_for_function("name => { const c = Chart.getChart(document.querySelector(`canvas[data-chart=${name}]`));"
                               " return !!c && c.data.datasets.length > 0 && c.width > 0; }", arg=chart)
    rows = page.locator("#rates-table tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 5  # one per product category at least
    shot(page, "dashboard-01-rates")

    with page.expect_download() as download:
        page.click("#export-xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    assert load_workbook(saved).active.max_row > 5

    menu(page, "质量统计", "质量预警")
    expect(page.locator("h1")).to_contain_text("Bernoulli CUSUM")
    shot(page, "dashboard-02-alarms")

    menu(page, "质量统计", "季度公报")
    expect(page.locator("h1")).to_contain_text("产品质量监督抽查情况通报")
    expect(page.locator("table").first).to_be_visible()
    shot(page, "dashboard-03-bulletin")

    assert not outside, outside
    assert not script_errors, script_errors
