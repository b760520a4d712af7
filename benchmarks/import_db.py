"""Spot-check results import into PostgreSQL: rows/s for a 100k-row CSV and xlsx, against django-import-export
importing the same file into the same model in the same run, and peak memory for a 1M-row CSV.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nqi_bench_import .venv/bin/python benchmarks/import_db.py
    (options: --rows 100000 --rounds 3 --memory-rows 1000000 --skip-xlsx --skip-memory --skip-idempotent
     --skip-upload)

Each round imports the file with our importer and then with django-import-export's fastest mode, one right
after the other, so that both meet the machine in the same state (its speed drifts by tens of percent over
minutes on a shared host); the table gives the median of the rounds for each, the speed-up as the ratio of the
medians and the range of the rounds' own ratios. django-import-export's idempotent mode (about two minutes
per file) runs once.

The database named in DATABASE_URL is dropped and re-created (trust auth on 127.0.0.1). Every measured import
starts from empty inspection tables with all indexes and the unique dedup key in place. The files are
clean (no bad or repeated rows, header on row 1) so that django-import-export, which cannot skip title rows
or reject rows with reasons, imports exactly the same rows; it runs in its fastest documented mode (use_bulk,
force_init_instance, skip_diff) with the same value conversions (city, date, conclusion, stage) and no
foreign-key lookups or duplicate checks, which favours it. Our importer does all of that.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/nqi_bench_import"


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")
    os.environ.setdefault("NQI_DATA_DIR", tempfile.mkdtemp(prefix="nqi-bench-"))
    import django

    django.setup()


def fresh_database() -> str:
    """Drop and re-create the database named in DATABASE_URL (or the default), point Django at it and migrate;
    returns its URL."""
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def write_clean_sheet(path: Path, rows: int, *, xlsx: bool, seed: int = 7) -> int:
    """A results table with the usual headers on row 1, realistic values, no title, notes or bad rows."""
    from nqi.inspections.importing import samples

    generator = samples.SampleGenerator(rows, seed=seed, bad_share=0, duplicate_share=0, blank_share=0, excel=False)
    generator.columns = [(key, names[0]) for key, names in samples.HEADER_CHOICES if key != "task_source"]
    generator.headers = [name for _key, name in generator.columns]
    sheet = samples.SampleSheet(path, header_row=1, headers=generator.headers)
    body = (cells for cells in generator.rows(sheet) if len(cells) == len(generator.headers))
    if xlsx:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet("抽查结果")
        for cells in body:
            worksheet.append(cells)
        workbook.save(path)
    else:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(body)
    return sheet.data_rows


def empty_tables() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE inspections_testitemresult, inspections_samplingrecord, inspections_inspectionrollup, "
                       "inspections_inspectionplan, inspections_importjob RESTART IDENTITY CASCADE")


def run_parse_only(path: Path) -> float:
    """The parser alone, as the importer reads (no database): the floor under our import time."""
    from nqi.inspections.importing import ImportParser

    started = time.perf_counter()
    with ImportParser(path) as parser:
        for _batch in parser.record_batches(10_000):
            pass
    return time.perf_counter() - started


def register_platform(path: Path) -> tuple[int, int]:
    """The CSV's labs as providers and its manufacturers as enterprises on the platform, as a province's platform
    would have them: an import then links each row to its lab and enterprise. Returns (labs, enterprises)."""
    from nqi.accounts.choices import OrgKind
    from nqi.accounts.models import Organisation
    from nqi.inspections.importing import normalize as norm
    from nqi.inspections.importing import samples

    labs = [Organisation(kind=OrgKind.PROVIDER, name=name, city="450000") for name in samples.LABS]
    makers: dict[str, Organisation] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        name_at, code_at, city_at = (header.index(n) for n in ("标称生产企业名称", "统一社会信用代码", "所在地市"))
        for row in rows:
            code = row[code_at].strip()
            if code and code not in makers:
                makers[code] = Organisation(kind=OrgKind.ENTERPRISE, name=f"{norm.compact(row[name_at])}（{code}）",
                                            credit_code=code, city=norm.parse_city(row[city_at]), size="small")
    Organisation.objects.bulk_create(labs + list(makers.values()), batch_size=2000)
    return len(labs), len(makers)


def run_as_upload(path: Path) -> tuple[float, dict]:
    """Our import as an upload runs it: with an import job, into a platform that knows the labs and makers."""
    from nqi.inspections import importer

    empty_tables()
    job = importer.job_for_file(path, plan=None, plan_kind="provincial")
    started = time.perf_counter()
    job = importer.run_job(job)
    elapsed = time.perf_counter() - started
    assert job.status == "done", job.error
    return elapsed, job.summary


def run_ours(path: Path) -> tuple[float, dict]:
    from nqi.inspections.importer import import_results

    empty_tables()
    started = time.perf_counter()
    summary = import_results(path)
    return time.perf_counter() - started, summary


def import_export_resource(idempotent: bool = False):
    from import_export import fields, resources, widgets

    from nqi.inspections.importing import normalize as norm
    from nqi.inspections.models import InspectionPlan, SamplingRecord, record_dedup_key

    plan = InspectionPlan.objects.create(name="django-import-export 基准", year=2026, kind="provincial")

    class Conclusion(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return "pass" if norm.parse_conclusion(value) else "fail"

    class City(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return norm.parse_city(value)

    class Day(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return norm.parse_date(value)

    class StageW(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return norm.parse_stage(value) if norm.clean_text(value) else ""

    class Text(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return norm.clean_text(value)

    class Items(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return "、".join(norm.split_failed_items(value))

    def text(column, attribute):
        return fields.Field(column_name=column, attribute=attribute, widget=Text())

    class RecordResource(resources.ModelResource):
        product_name = text("产品名称", "product_name")
        product_category = text("产品类别", "product_category")
        specification = text("规格型号", "specification")
        trademark = text("商标", "trademark")
        batch_no = text("生产日期/批号", "batch_no")
        manufacturer_name = text("标称生产企业名称", "manufacturer_name")
        manufacturer_address = text("标称生产企业地址", "manufacturer_address")
        manufacturer_uscc = text("统一社会信用代码", "manufacturer_uscc")
        sampled_unit_name = text("受检单位", "sampled_unit_name")
        lab_name = text("承检机构", "lab_name")
        remarks = text("备注", "remarks")
        city = fields.Field(column_name="所在地市", attribute="city", widget=City())
        stage = fields.Field(column_name="抽样环节", attribute="stage", widget=StageW())
        sampling_date = fields.Field(column_name="抽样日期", attribute="sampling_date", widget=Day())
        conclusion = fields.Field(column_name="检验结论", attribute="conclusion", widget=Conclusion())
        failed_items_text = fields.Field(column_name="主要不合格项目", attribute="failed_items_text", widget=Items())

        class Meta:
            model = SamplingRecord
            fields = ("product_name", "product_category", "specification", "trademark", "batch_no",
                      "manufacturer_name", "manufacturer_address", "manufacturer_uscc", "sampled_unit_name", "city",
                      "stage", "sampling_date", "lab_name", "conclusion", "failed_items_text", "remarks")
            use_bulk = True
            batch_size = 2000
            force_init_instance = True
            skip_diff = True
            skip_html_diff = True
            report_skipped = False

        def before_save_instance(self, instance, row, **kwargs):
            instance.plan_id, instance.plan_kind, instance.status = plan.pk, plan.kind, "final"
            instance.number = f"IE{kwargs.get('row_number', id(instance)) or id(instance)}"
            instance.dedup_key = record_dedup_key(instance.manufacturer_name, instance.product_name,
                                                  instance.batch_no, instance.sampling_date)

    counter = iter(range(1, 10**9))

    class Numbered(RecordResource):
        def before_save_instance(self, instance, row, **kwargs):
            super().before_save_instance(instance, row, **kwargs)
            instance.number = f"IE{next(counter):010d}"

    if not idempotent:
        return Numbered()

    class Idempotent(Numbered):
        """django-import-export's documented way to make a re-import add nothing: identify rows by a key
        (`import_id_fields`) and let it look each one up before saving, as our importer's dedup key does."""

        dedup_key = fields.Field(column_name="去重键", attribute="dedup_key", widget=Text())

        class Meta(RecordResource.Meta):
            fields = RecordResource.Meta.fields + ("dedup_key",)
            import_id_fields = ("dedup_key",)
            force_init_instance = False

        def before_import(self, dataset, **kwargs):
            # The key column the rows are identified by, computed as our importer computes it.
            def key(row):
                return str(record_dedup_key(norm.clean_text(row[dataset.headers.index("标称生产企业名称")]),
                                            norm.clean_text(row[dataset.headers.index("产品名称")]),
                                            norm.clean_text(row[dataset.headers.index("生产日期/批号")]),
                                            norm.parse_date(row[dataset.headers.index("抽样日期")])))
            dataset.append_col(key, header="去重键")

    return Idempotent()


def run_import_export(path: Path, xlsx: bool, idempotent: bool = False) -> tuple[float, int]:
    import tablib

    from nqi.inspections.models import SamplingRecord

    empty_tables()
    started = time.perf_counter()
    if xlsx:
        with open(path, "rb") as handle:
            dataset = tablib.Dataset().load(handle, format="xlsx")
    else:
        with open(path, encoding="utf-8") as handle:
            dataset = tablib.Dataset().load(handle.read(), format="csv")
    result = import_export_resource(idempotent).import_data(dataset, dry_run=False, use_transactions=True,
                                                  raise_errors=True)
    elapsed = time.perf_counter() - started
    assert not result.has_errors()
    return elapsed, SamplingRecord.objects.count()


def memory_child(path: str) -> None:
    """Run in a fresh process: import one file and print its peak RSS (MiB)."""
    setup_django(os.environ["DATABASE_URL"])
    from nqi.inspections.importer import import_results

    tree_peak = [0.0]
    if path != "-":
        empty_tables()
        # Big files are parsed in a forked child (importer.parse_in_child): sample this process plus its
        # children every 20 ms. Summing RSS counts pages they share after fork twice, so this overstates.
        done = threading.Event()

        def sample():
            while not done.wait(0.02):
                tree_peak[0] = max(tree_peak[0], tree_rss_mib(os.getpid()))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        summary = import_results(path)
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        print(f"rows={summary['data_rows']} inserted={summary['inserted']} seconds={elapsed:.1f} "
              f"process_tree_peak_mib={tree_peak[0]:.0f}")
    print(f"peak_mib={max(peak_rss_mib(), tree_peak[0]):.0f}")


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants now (MiB), from /proc."""
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
            with open(f"/proc/{current}/task/{current}/children") as children:
                pending.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def peak_rss_mib() -> float:
    """This process's high-water RSS. VmHWM, not ru_maxrss: Linux carries ru_maxrss over execve, so a child
    started by a big parent would report the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_peak(path: str, url: str) -> tuple[float, str]:
    out = subprocess.run([sys.executable, __file__, "--memory-child", path], capture_output=True, text=True,
                         check=True, env={**os.environ, "DATABASE_URL": url}).stdout
    peak = float(out.strip().splitlines()[-1].split("=")[1])
    return peak, out.strip().splitlines()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--memory-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-idempotent", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--memory-child")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    url = fresh_database()
    from django.db import connection

    print(f"PostgreSQL {connection.cursor().connection.info.server_version}, Python {sys.version.split()[0]}")
    work = Path(tempfile.mkdtemp(prefix="nqi-bench-import-"))
    formats = ["csv"] if args.skip_xlsx else ["csv", "xlsx"]
    print("| file | rows | parse only (s) | ours into PostgreSQL (s) | ours rows/s | django-import-export (s) | "
          "its rows/s | speed-up (rounds) | its idempotent mode (s) | its rows/s | speed-up |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    uploads = []
    for fmt in formats:
        path = work / f"results-{args.rows}.{fmt}"
        rows = write_clean_sheet(path, args.rows, xlsx=fmt == "xlsx")
        parse = run_parse_only(path)
        ours_runs, theirs_runs = [], []
        for _round in range(args.rounds):
            ours, summary = run_ours(path)
            assert summary["inserted"] == rows, summary
            theirs, count = run_import_export(path, fmt == "xlsx")
            assert count == rows, count
            ours_runs.append(ours)
            theirs_runs.append(theirs)
            print(f"  {fmt} round {_round + 1}: ours {ours:.2f} s, django-import-export {theirs:.2f} s, "
                  f"{theirs / ours:.1f}x", file=sys.stderr, flush=True)
        ours, theirs = statistics.median(ours_runs), statistics.median(theirs_runs)
        ratios = sorted(t / o for o, t in zip(ours_runs, theirs_runs, strict=True))
        spread = f"{ratios[0]:.1f}-{ratios[-1]:.1f}x" if len(ratios) > 1 else f"{ratios[0]:.1f}x"
        if args.skip_idempotent:
            keyed_cells = "— | — | —"
        else:
            keyed, count = run_import_export(path, fmt == "xlsx", idempotent=True)
            assert count == rows, count
            keyed_cells = f"{keyed:.2f} | {rows / keyed:,.0f} | {keyed / ours:.1f}x"
        print(f"| {fmt} | {rows:,} | {parse:.2f} | {ours:.2f} | {rows / ours:,.0f} | {theirs:.2f} | {rows / theirs:,.0f} | "
              f"**{theirs / ours:.1f}x** ({spread}) | {keyed_cells} |", flush=True)
        if fmt == "csv" and not args.skip_upload:
            uploads.append((path, rows, ours))
    for path, rows, plain in uploads:  # after the table: the organisations added change every later import
        labs, makers = register_platform(path)
        runs = []
        for _round in range(args.rounds):
            seconds, summary = run_as_upload(path)
            assert summary["inserted"] == rows, summary
            runs.append(seconds)
        linked = summary["linked_manufacturers"]
        upload = statistics.median(runs)
        print(f"\nAs an upload (an import job; the {labs} labs and {makers:,} manufacturers registered on the platform: "
              f"each row linked to its lab, {linked:,} rows to their maker): {upload:.2f} s, {rows / upload:,.0f} rows/s, median of "
              f"{args.rounds} ({', '.join(f'{r:.2f}' for r in runs)}); the plain import above: {plain:.2f} s", flush=True)
    if not args.skip_memory:
        path = work / f"results-{args.memory_rows}.csv"
        write_clean_sheet(path, args.memory_rows, xlsx=False)
        baseline, _ = child_peak("-", url)
        peak, line = child_peak(str(path), url)
        print(f"\n1M-row CSV: {line}; peak RSS {peak:.0f} MiB, the importing process and its parser child together "
              f"(process baseline after Django setup {baseline:.0f} MiB, {peak / baseline:.1f}x)")
        path.unlink()


if __name__ == "__main__":
    main()
