"""End to end in a real browser: a region regulator uploads a messy results sheet as bureaus make them (title rows,
notes, blank rows, varying headers, bad and repeated rows) in GBK, confirms the column mapping, reads the report
with each rejected row's reason, downloads it as Excel, finds the batches under the plan the import made, and
withdraws the import."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from nqi import testing
from nqi.accounts.choices import RegulatorLevel
from nqi.core.choices import City
from nqi.inspections.importing import samples
from nqi.inspections.models import ImportJob, SamplingRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data")]


def test_regulator_imports_a_messy_sheet_reads_the_report_and_withdraws_it(open_as, menu, shot, tmp_path):
    region = testing.make_regulator(City.NANNING, RegulatorLevel.REGION)
    sheet = samples.write_csv(tmp_path / "2026年第3批自治区食品监督抽查结果.csv", 60, encoding="gbk", seed=11,
                              bad_share=0.1, duplicate_share=0.05)
    assert sheet.bad_rows and sheet.duplicate_rows  # the sheet is as messy as promised

    page = open_as(region)
    menu(page, "监督抽查", "导入抽查结果")
    expect(page.locator("h1")).to_have_text("导入抽查结果")
    page.set_input_files("#id_file", str(sheet.path))
    page.select_option("#id_plan_kind", "provincial")
    page.get_by_role("button", name="上传并预览").click()

    # The header row is found below the title rows, and each column is mapped from its own name.
    page.wait_for_url(re.compile(r"/inspections/imports/\d+/preview/$"))
    expect(page.locator("h1")).to_contain_text("确认列对应关系")
    expect(page.locator("#import-problem")).to_have_count(0)
    expect(page.locator("#id_header_row")).to_have_value(str(sheet.header_row))
    shot(page, "imports-01-preview")
    page.click("#start-import")

    page.wait_for_url(re.compile(r"/inspections/imports/\d+/$"))
    expect(page.locator("#job-status")).to_have_text("已完成")
    expect(page.locator("#inserted")).to_have_text(str(sheet.expected_valid))
    expect(page.locator("#rejected")).to_have_text(str(len(sheet.bad_rows)))
    expect(page.locator("#duplicates")).to_have_text(str(len(sheet.duplicate_rows)))
    first_bad = min(sheet.bad_rows)
    expect(page.locator("#import-summary ~ .card tbody tr").first).to_contain_text(str(first_bad))
    shot(page, "imports-02-report")

    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误报告（Excel）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    report = load_workbook(saved)
    rejected = [row for row in report.worksheets[0].iter_rows(min_row=2, values_only=True) if row[0]]
    assert sorted({row[0] for row in rejected}) == sorted(sheet.bad_rows)
    assert all(row[2] for row in rejected)  # every rejected row says why
    assert report.worksheets[1].max_row - 1 == len(sheet.duplicate_rows)

    # The batches are under the plan the import made (one per sampling year).
    plan_link = page.locator("#import-status a[href*='/inspections/plans/']").first
    plan_name = plan_link.inner_text()
    plan_link.click()
    expect(page.locator("h1")).to_contain_text(plan_name)
    assert SamplingRecord.objects.filter(source="import").count() == sheet.expected_valid
    page.go_back()

    page.fill("#id_reason", "误传：该文件属于第4批")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#withdraw-import")
    expect(page.locator("#import-withdrawn")).to_contain_text(f"导入的 {sheet.expected_valid} 批次已删除")
    shot(page, "imports-03-withdrawn")
    assert not SamplingRecord.objects.exists()
    assert ImportJob.objects.get().status == "withdrawn"
