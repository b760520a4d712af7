"""Importing results tables end to end: messy xlsx and GBK csv through `nqi inspections import` and through the
upload page (preview, mapping, progress, error report), duplicates in the file and in the database, idempotent
re-import, and a failure midway leaving the database as it was."""

import datetime as dt
import io
import json
import multiprocessing
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from openpyxl import load_workbook

from nqi.accounts.choices import OrgKind
from nqi.accounts.models import Organisation
from nqi.inspections import importer, rollups, views
from nqi.inspections.choices import Conclusion, ImportStatus, PlanKind
from nqi.inspections.importing import samples
from nqi.inspections.models import (
    ImportJob,
    InspectionMarginal,
    InspectionPlan,
    InspectionRollup,
    SamplingRecord,
    TestItemResult,
)

pytestmark = pytest.mark.django_db


def run_import(*args):
    out = io.StringIO()
    call_command("inspections", "import", *map(str, args), "--json", stdout=out)
    return json.loads(out.getvalue())


def rollup_totals():
    rows = InspectionRollup.objects.all()
    return sum(r.batches for r in rows), sum(r.passed for r in rows), sum(r.failed for r in rows)


def test_messy_xlsx_through_the_command(tmp_path):
    sheet = samples.write_xlsx(tmp_path / "2026年第3批抽查结果.xlsx", 400, seed=5, bad_share=0.1, duplicate_share=0.05)
    summary = run_import(sheet.path)
    assert summary["data_rows"] == sheet.data_rows == 400
    assert summary["rejected"] == len(sheet.bad_rows)
    assert summary["duplicates"] == summary["in_file_duplicates"] == len(sheet.duplicate_rows)
    assert summary["valid"] == summary["inserted"] == sheet.expected_valid
    assert {e["row"] for e in summary["errors"]} == set(sheet.bad_rows)
    assert all(set(e) >= {"row", "column", "message"} and e["message"] for e in summary["errors"])
    assert SamplingRecord.objects.count() == sheet.expected_valid
    failed = SamplingRecord.objects.filter(conclusion=Conclusion.FAIL)
    assert TestItemResult.objects.filter(record__in=failed).count() >= failed.count() > 0
    (plan,) = InspectionPlan.objects.all()
    assert plan.is_imported and plan.kind == PlanKind.PROVINCIAL and plan.year == 2026
    assert summary["plans"] == [{"id": plan.pk, "name": plan.name}]
    assert rollup_totals() == (sheet.expected_valid, SamplingRecord.objects.filter(conclusion="pass").count(),
                               failed.count())


def test_gbk_csv_through_the_command_and_reimport_adds_nothing(tmp_path):
    sheet = samples.write_csv(tmp_path / "results.csv", 300, encoding="gbk", seed=11, bad_share=0.08,
                              duplicate_share=0.04)
    first = run_import(sheet.path)
    assert first["encoding"] == "gb18030" and first["inserted"] == sheet.expected_valid
    before = (SamplingRecord.objects.count(), TestItemResult.objects.count(), rollup_totals())
    again = run_import(sheet.path)
    assert again["inserted"] == 0 and again["db_duplicates"] == sheet.expected_valid
    assert again["duplicates"] == sheet.expected_valid + len(sheet.duplicate_rows)
    assert (SamplingRecord.objects.count(), TestItemResult.objects.count(), rollup_totals()) == before


def test_duplicates_of_rows_already_in_the_database_from_another_file(tmp_path):
    header = ["产品名称", "标称生产企业名称", "所在地市", "抽样日期", "生产日期/批号", "检验结论", "主要不合格项目"]
    old = [header, ["白砂糖", "崇左市南国糖业有限公司", "崇左", "2026-03-05", "20260201", "合格", "/"]]
    new = [header, ["白砂糖", "崇左市 南国糖业有限公司", "崇左市", "2026年3月5日", "20260201", "合格", ""],
           ["白砂糖", "崇左市南国糖业有限公司", "崇左", "2026-03-06", "20260201", "不合格", "二氧化硫残留量"]]
    for name, rows in (("old.csv", old), ("new.csv", new)):
        (tmp_path / name).write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    run_import(tmp_path / "old.csv")
    summary = run_import(tmp_path / "new.csv")
    assert (summary["inserted"], summary["db_duplicates"], summary["duplicates"]) == (1, 1, 1)
    assert summary["db_duplicate_rows"][0]["row"] == 2
    assert SamplingRecord.objects.count() == 2


def test_dry_run_writes_nothing(tmp_path):
    sheet = samples.write_csv(tmp_path / "r.csv", 120, seed=4)
    summary = run_import(sheet.path, "--dry-run")
    assert summary["dry_run"] and summary["would_insert"] == sheet.expected_valid and summary["inserted"] == 0
    assert not SamplingRecord.objects.exists() and not InspectionPlan.objects.exists()
    assert not InspectionRollup.objects.exists()


def test_failure_midway_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    sheet = samples.write_csv(tmp_path / "r.csv", 500, seed=8)
    flushed = []
    real_flush = importer.BatchWriter.flush

    def failing_flush(self, batch):
        if flushed:  # the first batch is written, the second one breaks
            raise RuntimeError("数据库连接中断")
        flushed.append(len(batch))
        real_flush(self, batch)

    monkeypatch.setattr(importer.BatchWriter, "flush", failing_flush)
    with pytest.raises(RuntimeError):
        importer.import_results(sheet.path, batch_size=100)
    assert len(flushed) == 1 and 80 < flushed[0] <= 100  # the valid rows among the first 100
    assert SamplingRecord.objects.count() == 0 and TestItemResult.objects.count() == 0
    assert InspectionPlan.objects.count() == 0 and InspectionRollup.objects.count() == 0


def test_import_into_a_given_plan_links_enterprises_by_credit_code(tmp_path, spot, desk):
    code = desk.enterprise.credit_code
    rows = [["产品名称", "标称生产企业名称", "统一社会信用代码", "所在地市", "抽样日期", "抽样环节", "检验结论"],
            ["袋装螺蛳粉", desk.enterprise.name, code.lower(), "柳州", "2026/8/3", "生产", "合格"],
            ["袋装螺蛳粉", "柳州市另一家食品厂", "", "柳州", "2026/8/3", "流通", "合格"]]
    path = tmp_path / "given.csv"
    path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
    summary = run_import(path, "--plan", spot.plan.pk)
    assert summary["inserted"] == 2 and summary["linked_manufacturers"] == 1
    linked = SamplingRecord.objects.get(manufacturer_uscc=code)
    assert linked.plan == spot.plan and linked.manufacturer == desk.enterprise == linked.sampled_unit
    assert linked.enterprise_size == desk.enterprise.size
    with pytest.raises(CommandError, match="抽查计划不存在"):
        run_import(path, "--plan", 99999)


def test_unreadable_header_is_a_clear_error(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("品名,厂家,市县\n六堡茶,梧州茶厂,梧州\n", encoding="utf-8")
    with pytest.raises(CommandError, match="表头"):
        run_import(path)


# ---------------------------------------------------------------- the upload page

def upload(client, path, **extra):
    with open(path, "rb") as handle:
        content = handle.read()
    data = {"file": SimpleUploadedFile(path.name, content), "plan_kind": "provincial", **extra}
    response = client.post("/inspections/imports/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("id"), response["Location"]


def confirm(client, job, **fields):
    page = client.get(f"/inspections/imports/{job.pk}/preview/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {name: (form[name].value() or "") for name in form.fields}
    data.update(fields)
    data["do"] = "import"
    return client.post(f"/inspections/imports/{job.pk}/preview/", data)


def test_upload_preview_confirm_import_and_error_report(client, desk, tmp_path):
    sheet = samples.write_csv(tmp_path / "柳州抽查.csv", 200, encoding="gbk", seed=3, bad_share=0.1)
    client.force_login(desk.region)
    job, location = upload(client, sheet.path)
    assert location == f"/inspections/imports/{job.pk}/preview/"
    page = client.get(location).content.decode()
    assert "表头在第" in page and "任务来源" in page and "拒绝" in page
    response = confirm(client, job)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.inserted == sheet.expected_valid
    page = client.get(job.get_absolute_url()).content.decode()
    assert f'<dd class="col-sm-2" id="inserted">{sheet.expected_valid}</dd>' in page
    report = client.get(f"/inspections/imports/{job.pk}/errors.xlsx")
    workbook = load_workbook(io.BytesIO(report.content))
    rejected = list(workbook.worksheets[0].iter_rows(min_row=2, values_only=True))
    assert {row[0] for row in rejected} == set(sheet.bad_rows)


def test_upload_with_mapping_fixed_on_the_preview(client, desk, tmp_path):
    path = tmp_path / "odd.xlsx"
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["品名", "厂家", "市县", "日子", "判定"])
    sheet.append(["六堡茶", "梧州市茶源茶业有限公司", "梧州", dt.date(2026, 3, 5), "合格"])
    sheet.append(["六堡茶", "梧州市茶源茶业有限公司", "梧州", dt.date(2026, 3, 5), "合格"])
    workbook.save(path)
    client.force_login(desk.region)
    job, location = upload(client, path)
    page = client.get(location)
    assert "未找到表头" in page.content.decode()
    response = confirm(client, job, header_row="1", col_0="product_name", col_1="manufacturer_name", col_2="city",
                       col_3="sampling_date", col_4="conclusion")
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.summary["inserted"], job.summary["duplicates"]) == (ImportStatus.DONE, 1, 1)
    assert SamplingRecord.objects.get().city == "450400"


def test_large_file_runs_as_a_background_job_with_progress(client, desk, tmp_path, monkeypatch):
    monkeypatch.setattr(views, "INLINE_IMPORT_BYTES", 0)
    sheet = samples.write_xlsx(tmp_path / "big.xlsx", 300, seed=2)
    client.force_login(desk.region)
    job, _location = upload(client, sheet.path, publish="on")
    confirm(client, job)
    job.refresh_from_db()
    # The test settings run django-tasks inline; in production `nqi worker` picks it up.
    assert job.task_id and job.status == ImportStatus.DONE and job.percent == 100
    assert SamplingRecord.objects.filter(published=True).count() == sheet.expected_valid
    fragment = client.get(job.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="import-status"' in fragment and "hx-trigger" not in fragment and "100%" in fragment


def test_running_job_page_polls(client, desk, tmp_path):
    sheet = samples.write_csv(tmp_path / "r.csv", 20, seed=1)
    client.force_login(desk.region)
    job, _ = upload(client, sheet.path)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING, progress_done=5000,
                                               progress_total=20000)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in page and "25%" in page


def test_only_regulators_import(client, desk, tmp_path):
    client.force_login(desk.enterprise_user)
    assert client.get("/inspections/imports/new/").status_code == 403
    sheet = samples.write_csv(tmp_path / "r.csv", 10, seed=1)
    client.force_login(desk.region)
    job, _ = upload(client, sheet.path)
    client.force_login(desk.other_regulator)
    assert client.get(f"/inspections/imports/{job.pk}/preview/").status_code == 404


def test_array_literals_read_back_as_the_values():
    if connection.vendor != "postgresql":
        pytest.skip("the rollup upsert sends arrays to PostgreSQL only")
    texts = ["螺蛳粉", 'say "hi"', "a\\b", "a,b", "{x}", " spaced ", "", None, "NULL", "螺蛳粉"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::text[], %s::date[], %s::int[]", [
            rollups.array_literal(texts), rollups.array_literal([dt.date(2026, 3, 1)] * 2), rollups.array_literal([3, -1])])
        assert cursor.fetchone() == (texts, [dt.date(2026, 3, 1)] * 2, [3, -1])


def test_rollup_after_import_equals_rebuild(tmp_path):
    sheet = samples.write_csv(tmp_path / "r.csv", 400, seed=21)
    run_import(sheet.path)
    kept = sorted(InspectionRollup.objects.values_list(
        "period", "product_category", "city", "stage", "enterprise_size", "plan_kind", "batches", "passed", "failed"))
    marginal = sorted(InspectionMarginal.objects.values_list(*rollups.MARGINAL_FIELDS, "batches", "passed", "failed"))
    assert marginal and sum(m[-3] for m in marginal) == 3 * SamplingRecord.objects.count()
    rollups.rebuild()
    assert sorted(InspectionRollup.objects.values_list(
        "period", "product_category", "city", "stage", "enterprise_size", "plan_kind", "batches", "passed",
        "failed")) == kept
    assert sorted(InspectionMarginal.objects.values_list(
        *rollups.MARGINAL_FIELDS, "batches", "passed", "failed")) == marginal
    assert Organisation.objects.filter(kind=OrgKind.ENTERPRISE).count() == 0


def test_imported_records_carry_the_models_dedup_key_for_messy_names(tmp_path):
    """The importer hashes the parser's normalised key; it must equal the model's own key, or a re-import of a
    record entered by hand would not be recognised."""
    path = tmp_path / "spaces.csv"
    path.write_text(
        "产品名称,标称生产企业名称,所在地市,抽样日期,生产日期/批号,检验结论\n"
        "袋装 螺蛳粉,柳州市　螺香食品  有限公司,柳州市,2026.3.5,LX 2026 Ab,合 格\n"
        "Alu 型材,广西 平果 铝业 Co,百色,2026年3月6日,b-01,不合格\n", encoding="utf-8")
    assert run_import(path)["inserted"] == 2
    records = list(SamplingRecord.objects.order_by("source_row"))
    assert [r.manufacturer_name for r in records] == ["柳州市螺香食品有限公司", "广西平果铝业 Co"]  # a space kept
    for record in records:
        assert record.dedup_key == record.compute_dedup_key()


def test_parse_errors_in_the_reading_thread_reach_the_importer():
    def broken_batches():
        yield from ([{"row": n}, {"row": n + 1}] for n in range(0, 4, 2))
        raise ValueError("第5行无法读取")

    batches = importer.prefetch(broken_batches(), depth=4)
    assert next(batches) == [{"row": 0}, {"row": 1}]
    assert next(batches) == [{"row": 2}, {"row": 3}]
    with pytest.raises(ValueError, match="第5行"):
        list(batches)


def test_reading_thread_stops_when_the_importer_gives_up():
    produced = []

    def endless():
        n = 0
        while True:
            produced.append(n)
            yield n
            n += 1

    batches = importer.prefetch(endless(), depth=2)
    assert next(batches) == 0
    assert any(t.name == "import-parser" for t in threading.enumerate())
    batches.close()  # the import failed: the parser thread must end, not wait on a full queue forever
    assert not any(t.name == "import-parser" for t in threading.enumerate())
    assert len(produced) <= 2 + 2  # it never read more than it could hand over


def test_no_results_are_imported_into_a_closed_plan(tmp_path):
    sheet = samples.write_csv(tmp_path / "late.csv", 20, seed=3)
    plan = InspectionPlan.objects.create(name="2026年第1批螺蛳粉专项抽查", year=2026, kind=PlanKind.SPECIAL,
                                         status="closed")
    with pytest.raises(importer.MappingError, match="已结束"):
        importer.import_results(sheet.path, plan=plan)
    assert SamplingRecord.objects.count() == 0


def test_big_files_parsed_in_a_child_process_give_the_same_import(tmp_path, monkeypatch):
    sheet = samples.write_csv(tmp_path / "big.csv", 600, seed=31, bad_share=0.05, duplicate_share=0.05)
    in_thread = importer.import_results(sheet.path, batch_size=100)
    kept = sorted(SamplingRecord.objects.values_list("dedup_key", "conclusion", "city", "source_row"))
    SamplingRecord.objects.all().delete()
    InspectionPlan.objects.all().delete()
    InspectionRollup.objects.all().delete()
    monkeypatch.setattr(importer, "CHILD_PARSE_MIN_BYTES", 0)  # every file counts as big
    seen = []
    in_child = importer.import_results(sheet.path, batch_size=100, progress=lambda done, total: seen.append(done))
    assert sorted(SamplingRecord.objects.values_list("dedup_key", "conclusion", "city", "source_row")) == kept
    for key in ("data_rows", "valid", "rejected", "duplicates", "inserted", "errors"):
        assert in_child[key] == in_thread[key], key
    assert seen and seen[-1] >= in_child["data_rows"]


def test_a_failure_in_the_parsing_child_reaches_the_importer_and_writes_nothing(tmp_path, monkeypatch):
    sheet = samples.write_csv(tmp_path / "bad.csv", 300, seed=32)
    monkeypatch.setattr(importer, "CHILD_PARSE_MIN_BYTES", 0)
    real_batches = importer.ImportParser.record_batches

    def breaks_midway(self, size, **options):
        for n, batch in enumerate(real_batches(self, size, **options)):
            if n == 1:
                raise ValueError("第152行：读取失败")
            yield batch

    monkeypatch.setattr(importer.ImportParser, "record_batches", breaks_midway)
    with pytest.raises(ValueError, match="第152行"):
        importer.import_results(sheet.path, batch_size=100)
    assert SamplingRecord.objects.count() == 0 and InspectionRollup.objects.count() == 0


def test_row_errors_come_in_the_active_language(tmp_path):
    from django.utils import translation

    path = tmp_path / "results.csv"
    path.write_text("产品名称,标称生产企业名称,所在地市,抽样日期,检验结论\n"
                    "螺蛳粉,柳州市螺香食品有限公司,柳州,2026-03-05,合格\n"
                    "米粉,柳州市桂柳食品有限公司,柳州,待定,合格\n", encoding="utf-8")
    with translation.override("en"):
        summary = importer.import_results(path)
    assert summary["errors"] == [{"row": 3, "column": "抽样日期", "field": "sampling_date", "message": (
        "Unrecognised date: 待定 (accepted formats include 2026-03-05, 2026/3/5, 2026.3.5 and 20260305)")}]
    assert summary["valid"] == 1
    with translation.override("zh-hans"):
        again = importer.import_results(path, dry_run=True)
    assert again["errors"][0]["message"].startswith("日期无法识别：待定（可用格式如")


def test_copy_text_escapes_what_it_must():
    line = importer.copy_line(("柳州", None, 7, dt.date(2026, 3, 5), True, "a\\b", "tab\there", "两行\n文字", "NUL\x00"))
    assert line.split("\t") == ["柳州", "\\N", "7", "2026-03-05", "t", "a\\\\b", "tab\\there", "两行\\n文字", "NUL"]
    assert importer.copy_line(("\\N", None)) == "\\\\N\t\\N"  # a cell that reads \N is text, not NULL


def builder() -> importer.RowBuilder:
    return importer.RowBuilder(resolver=importer.Resolver(), plan_kind=PlanKind.PROVINCIAL, job_id=None,
                               publish=False, now=dt.datetime(2026, 8, 5, tzinfo=dt.UTC), as_text=True)


def batch_of(path) -> importer.RecordBatch:
    with importer.ImportParser(path) as parser:
        (batch,) = parser.record_batches(1000)
    return batch


def copy_lines(rows: importer.RowBuilder, batch) -> str:
    """The COPY text of a batch, every value escaped one by one."""
    values = zip(*rows.columns(batch).values(), strict=True)
    return "\n".join(importer.copy_line(row) + rows.constant_text for row in values)


@pytest.mark.parametrize("text", ["平常文字", "a\\b", "\\N", "tab\there", "两行\n文字", "回车\r", "NUL\x00"])
def test_a_batch_copy_text_escapes_like_copy_line(tmp_path, text):
    """The batch's lines are joined as they are unless the text shows a character COPY must escape. (The parser
    turns tabs and line breaks into spaces; they are put back here, as any other cleaning might leave them.)"""
    path = tmp_path / "r.csv"
    path.write_text("产品名称,标称生产企业名称,所在地市,抽样日期,检验结论,备注,规格型号\n"
                    "螺蛳粉,柳州市螺香食品有限公司,柳州,2026-03-05,合格,,280g\n"
                    "米粉,柳州市桂柳食品有限公司,柳州,2026-03-06,合格,,\n", encoding="utf-8")
    rows, batch = builder(), batch_of(path)
    batch.columns["remarks"][0] = batch.columns["specification"][1] = text
    assert rows.lines(rows.columns(batch)) == copy_lines(rows, batch)


def test_copy_columns_are_every_column_but_the_database_default():
    written = {"plan_id", *importer.ROW_COLUMNS, *importer.CONSTANT_COLUMNS}
    columns = {field.column for field in SamplingRecord._meta.concrete_fields}
    assert written == columns - {"id", "selection"}
    assert len(written) == 1 + len(importer.ROW_COLUMNS) + len(importer.CONSTANT_COLUMNS)


def test_copy_writes_the_same_records_as_bulk_create(tmp_path, monkeypatch, desk):
    """The importer writes COPY text on PostgreSQL and model instances elsewhere: both give the same rows."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's")
    sheet = samples.write_csv(tmp_path / "r.csv", 300, seed=41, bad_share=0.05, duplicate_share=0.05)
    header = "产品名称,标称生产企业名称,统一社会信用代码,所在地市,抽样日期,检验结论,主要不合格项目,备注\n"
    tricky = f"袋装螺蛳粉,{desk.enterprise.name},{desk.enterprise.credit_code},柳州,2026/8/3,不合格,酸价\\过氧化值;菌落总数,C:\\报告\\N\n"
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(header + tricky, encoding="utf-8")
    # Again the row of the first file (a duplicate in the database), a row of another year (another plan)
    # and a new failed row: the batch is written row by row, not as the child's whole text.
    second.write_text(header + tricky + "白砂糖,某糖厂,,南宁,2025/12/30,合格,,\n"
                      "六堡茶,梧州某茶厂,,梧州,2026/9/1,不合格,铅,\n", encoding="utf-8")
    skip = {"id", "number", "created_at", "updated_at", "finalised_at", "published_at", "plan", "dedup_key"}
    fields = [f.attname for f in SamplingRecord._meta.concrete_fields if f.name not in skip]

    def imported():
        for path in (sheet.path, first, second):
            importer.import_results(path, publish=True)
        records = sorted(SamplingRecord.objects.values_list("dedup_key", *fields, "plan__name"))
        items = sorted(TestItemResult.objects.values_list("record__dedup_key", "item", "judgement", "sort_order"))
        SamplingRecord.objects.all().delete()
        InspectionPlan.objects.all().delete()
        return records, items

    copied = imported()
    monkeypatch.setattr(importer.BatchWriter, "copy_on_postgresql", False)  # the bulk_create path, same database
    created = imported()
    assert copied == created
    assert any(r[fields.index("remarks") + 1] == "C:\\报告\\N" for r in copied[0])
    assert {r[-1] for r in copied[0]} >= {"2025年自治区监督抽查结果（导入：second.csv）", "2026年自治区监督抽查结果（导入：second.csv）"}
    assert ("铅" in {item[1] for item in copied[1]}) and len(copied[0]) == len(set(r[0] for r in copied[0]))


def test_a_failure_while_writing_stops_the_parsing_child_and_writes_nothing(tmp_path, monkeypatch):
    sheet = samples.write_csv(tmp_path / "big.csv", 500, seed=33)
    monkeypatch.setattr(importer, "CHILD_PARSE_MIN_BYTES", 0)
    real_flush = importer.BatchWriter.flush
    flushed = []

    def failing_flush(self, batch):
        if flushed:
            raise RuntimeError("数据库连接中断")
        flushed.append(len(batch))
        real_flush(self, batch)

    monkeypatch.setattr(importer.BatchWriter, "flush", failing_flush)
    with pytest.raises(RuntimeError, match="连接中断"):
        importer.import_results(sheet.path, batch_size=50)
    assert len(flushed) == 1 and 40 < flushed[0] <= 50 and SamplingRecord.objects.count() == 0
    assert not any(t.name == "import-parser" for t in threading.enumerate())
    assert not multiprocessing.active_children()


def test_batch_lines_are_copy_lines_of_the_batch_values(tmp_path, desk):
    path = tmp_path / "r.csv"
    path.write_text("产品名称,标称生产企业名称,统一社会信用代码,所在地市,抽样日期,检验结论,主要不合格项目,备注,承检机构\n"
                    f"袋装螺蛳粉,{desk.enterprise.name},{desk.enterprise.credit_code},柳州,2026/8/3,不合格,酸价,,\n"
                    "白砂糖,某糖厂,,南宁,2026/8/4,合格,,C:\\报告\\N,广西壮族自治区产品质量检验研究院\n", encoding="utf-8")
    rows, batch = builder(), batch_of(path)
    columns = rows.columns(batch)
    assert columns["manufacturer_id"] == [desk.enterprise.pk, None]
    assert columns["failed_items_text"] == ["酸价", ""] and columns["remarks"] == ["", "C:\\报告\\N"]
    assert rows.lines(columns) == copy_lines(rows, batch)
    rows.as_text = False  # as for bulk_create: the values themselves
    prepared = rows.prepare(batch)
    assert prepared.values == list(zip(*columns.values(), strict=True)) and prepared.linked == [True, False]
    assert prepared.failed == [(0, ("酸价",))]


def rollup_rows():
    return (sorted(InspectionRollup.objects.values_list(*rollups.KEY_FIELDS, "batches", "passed", "failed")),
            sorted(InspectionMarginal.objects.values_list(*rollups.MARGINAL_FIELDS, "batches", "passed", "failed")))


def test_a_regulator_withdraws_a_wrong_import_and_everything_it_added_goes(client, desk, tmp_path):
    kept = samples.write_csv(tmp_path / "kept.csv", 120, seed=5)
    run_import(kept.path)
    before = rollup_rows(), SamplingRecord.objects.count(), TestItemResult.objects.count()
    wrong = samples.write_csv(tmp_path / "wrong.csv", 150, seed=6)
    client.force_login(desk.regulator)
    job, _ = upload(client, wrong.path)
    assert confirm(client, job).status_code == 302
    job.refresh_from_db()
    assert job.inserted == wrong.expected_valid
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'id="withdraw-import"' in page
    # A reason is required; nothing is deleted without one.
    response = client.post(f"/inspections/imports/{job.pk}/withdraw/", {"reason": ""})
    assert response.status_code == 200 and "请说明撤销原因" in response.content.decode()
    assert SamplingRecord.objects.filter(import_job=job).count() == job.inserted
    response = client.post(f"/inspections/imports/{job.pk}/withdraw/", {"reason": "误传了去年的文件"}, follow=True)
    assert f"已撤销导入，删除 {job.inserted} 批次" in response.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.WITHDRAWN and job.summary["withdrawn"]["deleted"] == job.inserted
    assert (rollup_rows(), SamplingRecord.objects.count(), TestItemResult.objects.count()) == before
    rollups.rebuild()
    assert rollup_rows() == before[0]
    page = client.get(job.get_absolute_url()).content.decode()
    assert "本次导入已撤销" in page and 'id="withdraw-import"' not in page
    # The same file can be imported again, now into the right place.
    assert run_import(wrong.path)["inserted"] == wrong.expected_valid


def test_importing_and_withdrawing_refresh_the_failure_rate_alarms(client, desk, tmp_path,
                                                                   django_capture_on_commit_callbacks):
    """The alarms are a table computed from the results: an import or a withdrawal has it recomputed (the
    worker's job; the tests run tasks at once) instead of leaving it stale until the next scheduled refresh."""
    from nqi.analytics import monitoring
    from nqi.analytics.models import CusumRefresh, FailureRateCusum

    def alarms():
        return sorted(FailureRateCusum.objects.values_list("city", "product_category", "recent_total", "recent_failed"))

    client.force_login(desk.regulator)
    job, _ = upload(client, samples.write_csv(tmp_path / "r.csv", 150, seed=6).path)
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm(client, job).status_code == 302
    assert CusumRefresh.objects.count() == 1 and FailureRateCusum.objects.exists()
    cached = alarms()
    monitoring.refresh()
    assert alarms() == cached
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/inspections/imports/{job.pk}/withdraw/", {"reason": "传错了"}).status_code == 302
    assert CusumRefresh.objects.count() == 3 and not FailureRateCusum.objects.exists()


def test_an_import_from_the_command_line_is_listed_and_can_be_withdrawn(client, desk, tmp_path):
    sheet = samples.write_csv(tmp_path / "命令行导入.csv", 80, seed=12)
    summary = run_import(sheet.path)
    job = ImportJob.objects.get(pk=summary["job"])
    assert job.status == ImportStatus.DONE and job.inserted == summary["inserted"] == sheet.expected_valid
    assert job.created_by is None and job.file.read() == sheet.path.read_bytes()  # kept, as an upload is
    client.force_login(desk.region)
    assert "命令行导入.csv" in client.get("/inspections/imports/new/").content.decode()
    response = client.post(f"/inspections/imports/{job.pk}/withdraw/", {"reason": "命令行导错了文件"}, follow=True)
    assert f"已撤销导入，删除 {job.inserted} 批次" in response.content.decode()
    assert not SamplingRecord.objects.exists()
    with pytest.raises(CommandError, match="缺少必填列"):
        call_command("inspections", "import", str(sheet.path), "--mapping", "1=ignore,2=ignore,3=ignore")
    assert ImportJob.objects.latest("id").status == ImportStatus.FAILED


def test_an_import_whose_results_moved_on_cannot_be_withdrawn(desk, tmp_path):
    from nqi.core.exceptions import InvalidTransition
    from nqi.inspections import actions

    sheet = samples.write_csv(tmp_path / "r.csv", 80, seed=8)
    job = ImportJob.objects.create(original_name="r.csv", created_by=desk.regulator)
    importer.import_results(sheet.path, job=job, actor=desk.regulator)
    job.status, job.inserted = ImportStatus.DONE, SamplingRecord.objects.count()
    job.save()
    failed = SamplingRecord.objects.filter(import_job=job, conclusion=Conclusion.FAIL).first()
    actions.do_order_correction(desk.region, failed)
    with pytest.raises(InvalidTransition, match="1 批次已有复检申请或不合格后处理"):
        actions.do_withdraw_import(desk.regulator, job, "传错了")
    assert SamplingRecord.objects.filter(import_job=job).count() == job.inserted


def test_only_the_uploader_or_the_region_withdraws_an_import(client, desk, tmp_path):
    from nqi.core.exceptions import ActionNotAllowed
    from nqi.inspections import actions

    sheet = samples.write_csv(tmp_path / "r.csv", 30, seed=9)
    client.force_login(desk.regulator)
    job, _ = upload(client, sheet.path)
    confirm(client, job)
    job.refresh_from_db()
    # Another city's regulator does not even see the job; an enterprise user neither.
    for user in (desk.other_regulator, desk.enterprise_user):
        client.force_login(user)
        assert client.post(f"/inspections/imports/{job.pk}/withdraw/", {"reason": "x"}).status_code == 404
    with pytest.raises(ActionNotAllowed):
        actions.do_withdraw_import(desk.other_regulator, job, "x")
    assert SamplingRecord.objects.filter(import_job=job).count() == job.inserted > 0
    assert actions.do_withdraw_import(desk.region, job, "自治区统一更正") == job.inserted


def test_the_downloadable_template_imports_as_it_is(client, desk, tmp_path):
    client.force_login(desk.regulator)
    assert 'id="import-template"' in client.get("/inspections/imports/new/").content.decode()
    response = client.get("/inspections/imports/template.xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    path = tmp_path / "template.xlsx"
    path.write_bytes(response.content)
    headers = next(load_workbook(path).active.iter_rows(max_row=1, values_only=True))
    assert "产品名称*" in headers and "所在地市*" in headers and "备注" in headers
    summary = run_import(path, "--dry-run")
    assert (summary["data_rows"], summary["valid"], summary["rejected"]) == (1, 1, 0), summary
    client.force_login(desk.enterprise_user)
    assert client.get("/inspections/imports/template.xlsx").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_add_it_once(tmp_path):
    """The second import waits on the first one's rows, then finds them stored and skips them."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    sheet = samples.write_csv(tmp_path / "r.csv", 60, seed=9)
    imported, failures = threading.Event(), []
    release = threading.Event()
    summaries = {}

    def first():
        try:
            with transaction.atomic():  # held open until the second import is waiting
                summaries["first"] = importer.import_results(sheet.path, plan_kind=PlanKind.CITY)
                imported.set()
                release.wait(10)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            failures.append(exc)
        finally:
            imported.set()
            connection.close()

    def second():
        try:
            summaries["second"] = importer.import_results(sheet.path, plan_kind=PlanKind.CITY)
        except Exception as exc:  # noqa: BLE001
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert imported.wait(30)
    threads.append(threading.Thread(target=second))
    threads[1].start()
    threads[1].join(1)
    assert threads[1].is_alive()  # waiting for the first import's rows
    release.set()
    for thread in threads:
        thread.join(30)
    assert not failures
    assert summaries["first"]["inserted"] == sheet.expected_valid
    assert summaries["second"]["inserted"] == 0 and summaries["second"]["db_duplicates"] == sheet.expected_valid
    assert SamplingRecord.objects.count() == sheet.expected_valid
    assert rollup_totals()[0] == sheet.expected_valid
