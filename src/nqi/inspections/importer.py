"""Writes a parsed results file into the database: sampling records + failed test items + rollup, in one
transaction, in batches.

The parser (nqi.inspections.importing) streams valid, first-seen rows. Here each batch of rows is checked
against the records already stored (the dedup key is a unique column, so a re-import adds nothing), turned
into model rows with foreign keys resolved from dictionaries loaded once (enterprise by credit code, lab by
name, plan by year), and written with bulk_create. Any exception leaves the database as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import queue
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nqi.accounts.choices import OrgKind
from nqi.accounts.models import Organisation
from nqi.core import audit

from . import rollups
from .choices import (
    Action,
    Conclusion,
    ImportStatus,
    Judgement,
    PlanKind,
    PlanStatus,
    RecordSource,
    RecordStatus,
)
from .importing import FileFormatError, ImportParser, MappingError, ParsedRecord
from .importing.normalize import compact
from .importing.parser import dedup_key
from .models import ImportJob, InspectionPlan, SamplingRecord, TestItemResult

log = logging.getLogger(__name__)

BATCH_SIZE = 10000  # rows per dedup probe and COPY: fewer round trips; four batches read ahead stay a few MB
MAX_REPORTED = 5000
ProgressCallback = Callable[[int, int | None], None]


class Resolver:
    """Foreign keys looked up once per import instead of once per row."""

    def __init__(self):
        self.enterprises: dict[str, tuple[int, str]] = {
            code: (pk, size) for pk, code, size in Organisation.objects.filter(
                kind=OrgKind.ENTERPRISE, credit_code__isnull=False).values_list("pk", "credit_code", "size")}
        self.labs: dict[str, int] = {}
        self.lab_ids: dict[str, int | None] = {}
        for pk, name, short in Organisation.objects.filter(kind=OrgKind.PROVIDER).values_list(
                "pk", "name", "short_name"):
            self.labs[compact(name)] = pk
            if short:
                self.labs.setdefault(compact(short), pk)

    def enterprise(self, code: str) -> tuple[int | None, str]:
        return self.enterprises.get(code, (None, "")) if code else (None, "")

    def lab(self, name: str) -> int | None:
        """The lab's id by its name as written (memoised: a file names a handful of labs thousands of times)."""
        if not name:
            return None
        try:
            return self.lab_ids[name]
        except KeyError:
            pk = self.lab_ids[name] = self.labs.get(compact(name))
            return pk


class PlanChooser:
    """The given plan, or one 'imported' plan per file, year and kind (created on first use)."""

    def __init__(self, plan: InspectionPlan | None, kind: str, source_name: str, actor, dry_run: bool):
        self.plan, self.kind, self.source_name, self.actor, self.dry_run = plan, kind, source_name[:200], actor, dry_run
        self.by_year: dict[int, InspectionPlan] = {}

    def for_year(self, year: int) -> InspectionPlan:
        if self.plan is not None:
            return self.plan
        plan = self.by_year.get(year)
        if plan is None:
            label = PlanKind(self.kind).label
            defaults = {"name": f"{year}年{label}结果（导入：{self.source_name}）"[:150], "created_by": self.actor}
            if self.dry_run:
                plan = (InspectionPlan.objects.filter(is_imported=True, year=year, kind=self.kind,
                                                      import_source=self.source_name).first()
                        or InspectionPlan(year=year, kind=self.kind, is_imported=True, **defaults))
            else:
                plan, _created = InspectionPlan.objects.get_or_create(
                    is_imported=True, year=year, kind=self.kind, import_source=self.source_name, defaults=defaults)
            self.by_year[year] = plan
        return plan

    @property
    def used(self) -> list[InspectionPlan]:
        return [self.plan] if self.plan is not None else list(self.by_year.values())


# Columns written for an imported record, in order (COPY needs every NOT NULL column spelled out).
RECORD_COLUMNS = (
    "number", "plan_id", "task_id", "plan_kind", "lab_id", "lab_name", "samplers", "stage", "sampling_place", "city",
    "sampling_date", "sampled_unit_id", "sampled_unit_name", "sampled_unit_uscc", "manufacturer_id",
    "manufacturer_name", "manufacturer_uscc", "manufacturer_address", "enterprise_size", "product_name",
    "product_category", "specification", "trademark", "batch_no", "production_date", "sample_quantity",
    "backup_quantity", "status", "conclusion", "conclusion_overridden", "override_reason", "failed_items_text",
    "tested_at", "notified_at", "received_on", "objection_due", "finalised_at", "published", "published_at",
    "source", "import_job_id", "source_row", "remarks", "dedup_key", "created_at", "updated_at",
)
# Plain strings of the constant choices, looked up once rather than per row.
PASS, FAIL = Conclusion.PASS.value, Conclusion.FAIL.value
FINAL, IMPORTED = RecordStatus.FINAL.value, RecordSource.IMPORT.value
ITEM_COLUMNS = ("record_id", "item", "standard", "clause", "unit", "measured", "limit", "judgement", "sort_order")


def parsed_dedup_key(record: ParsedRecord) -> str:
    """`record_dedup_key` of a parsed row as 32 hex digits (what UUID(...).hex gives; both databases take it
    for a UUID column), from the parser's own normalised key: parsed text holds single spaces only, so its
    replace() equals the model's split/join. A test holds the two together."""
    maker, product, batch, day = dedup_key(record)
    return hashlib.sha1(f"{maker}\x1f{product}\x1f{batch}\x1f{day.isoformat()}".encode()).hexdigest()[:32]


class BatchWriter:
    """Turns batches of parsed rows into record rows and writes them: PostgreSQL's COPY (ids drawn from the
    sequence first, so the failed items can point at their records), or bulk_create elsewhere."""

    def __init__(self, *, chooser: PlanChooser, resolver: Resolver, job: ImportJob | None, publish: bool,
                 dry_run: bool, now):
        self.chooser, self.resolver, self.job, self.publish, self.dry_run = chooser, resolver, job, publish, dry_run
        self.now = now
        self.token = uuid.uuid4().hex[:8].upper()
        self.delta = rollups.RollupDelta()
        self.inserted = 0
        self.linked = 0
        self.db_duplicates = 0
        self.db_duplicate_rows: list[dict] = []
        self.use_copy = connection.vendor == "postgresql"
        self.job_id = job.pk if job else None

    def _row(self, r: ParsedRecord, key: str) -> tuple:
        plan = self.chooser.for_year(r.sampling_date.year)
        maker_id, size = self.resolver.enterprise(r.manufacturer_uscc)
        unit_id = self.resolver.enterprise(r.sampled_unit_uscc)[0]
        if unit_id is None and maker_id and (r.stage == "production" or r.sampled_unit == r.manufacturer_name):
            unit_id = maker_id
        if maker_id:
            self.linked += 1
        conclusion = PASS if r.passed else FAIL
        category = r.product_category[:60]
        day = r.sampling_date
        # rollups.key_for, inlined (one call less per row)
        self.delta.count((day.replace(day=1), category, r.city_code, r.stage, size or "", plan.kind, ""), conclusion)
        now, publish = self.now, self.publish
        return (
            f"IM{self.token}{r.row:07d}", plan.pk, None, plan.kind, self.resolver.lab(r.lab), r.lab[:200], "[]",
            r.stage, "", r.city_code, day, unit_id, (r.sampled_unit or r.manufacturer_name)[:200],
            r.sampled_unit_uscc, maker_id, r.manufacturer_name[:200], r.manufacturer_uscc,
            r.manufacturer_address[:200], size, r.product_name[:120], category, r.specification[:120],
            r.trademark[:60], r.batch[:120], None, "", "", FINAL, conclusion, False, "",
            "、".join(r.failed_items)[:500], None, None, None, None, now, publish, now if publish else None,
            IMPORTED, self.job_id, r.row, r.remarks[:300], key, now, now,
        )

    def flush(self, batch: list[ParsedRecord]) -> None:
        if not batch:
            return
        keys = [parsed_dedup_key(r) for r in batch]
        existing = self._existing(keys)
        rows: list[tuple] = []
        failed: list[tuple[int, tuple[str, ...]]] = []
        for r, key in zip(batch, keys, strict=True):
            if key in existing:
                self.db_duplicates += 1
                if len(self.db_duplicate_rows) < MAX_REPORTED:
                    self.db_duplicate_rows.append({
                        "row": r.row, "message": _("第%(n)s行已在数据库中（生产企业、产品、批号、抽样日期相同），已跳过") % {
                            "n": r.row}})
                continue
            rows.append(self._row(r, key))
            if r.failed_items:
                failed.append((len(rows) - 1, r.failed_items))
        self.inserted += len(rows)
        if self.dry_run or not rows:
            return
        if self.use_copy:
            self._copy(rows, failed)
        else:
            self._bulk_create(rows, failed)

    def _existing(self, keys) -> set[str]:
        """The keys (hex) already stored."""
        if not self.use_copy:
            found = SamplingRecord.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
            return {key.hex for key in found}
        # One array parameter instead of thousands of IN placeholders, probed through the unique index: the
        # planner's statistics lag behind a table this transaction is filling (from empty, it would scan it all
        # for every batch).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"SELECT dedup_key FROM {SamplingRecord._meta.db_table} WHERE dedup_key = ANY(%s::uuid[])",
                           ["{" + ",".join(keys) + "}"])  # an array literal: hex keys need no quoting
            found = {row[0].hex for row in cursor.fetchall()}
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
            return found

    def _bulk_create(self, rows, failed) -> None:
        records = [SamplingRecord(**dict(zip(RECORD_COLUMNS, row, strict=True))) for row in rows]
        for record in records:
            record.samplers = []
        SamplingRecord.objects.bulk_create(records, batch_size=len(records))
        items = [TestItemResult(record_id=records[index].pk, item=name[:120], judgement=Judgement.FAIL, sort_order=n)
                 for index, names in failed for n, name in enumerate(names)]
        if items:
            TestItemResult.objects.bulk_create(items, batch_size=len(items))

    def _copy(self, rows, failed) -> None:
        record_table = SamplingRecord._meta.db_table
        item_table = TestItemResult._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [record_table, len(rows)])
            ids = [row[0] for row in cursor.fetchall()]
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f'COPY {record_table} (id, {", ".join(RECORD_COLUMNS)}) FROM STDIN') as copy:
                for pk, row in zip(ids, rows, strict=True):
                    copy.write_row((pk, *row))
            if failed:
                quoted = ", ".join(f'"{c}"' for c in ITEM_COLUMNS)
                with raw.copy(f"COPY {item_table} ({quoted}) FROM STDIN") as copy:
                    for index, names in failed:
                        for n, name in enumerate(names):
                            copy.write_row((ids[index], name[:120], "", "", "", "", "", Judgement.FAIL.value, n))


class JobProgress:
    """Progress of a running import where the status page can read it while the import's own transaction is
    still open: a separate database connection on PostgreSQL, a small file beside the upload on SQLite
    (whose single writer would otherwise wait for the import to finish)."""

    def __init__(self, job: ImportJob):
        self.job = job
        self._side = None

    def __call__(self, done: int, total: int | None) -> None:
        try:
            if connection.vendor == "postgresql":
                if self._side is None:
                    self._side = connections.create_connection("default")
                    # Reported from the parser's thread (see read_ahead), closed from the importer's.
                    self._side.inc_thread_sharing()
                    with self._side.cursor() as cursor:
                        cursor.execute("SET lock_timeout = '2s'")
                with self._side.cursor() as cursor:
                    cursor.execute(f"UPDATE {ImportJob._meta.db_table} SET progress_done = %s, progress_total = %s "
                                   "WHERE id = %s", [done, total, self.job.pk])
            else:
                path = progress_file(self.job)
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_text(json.dumps({"done": done, "total": total}))
                os.replace(tmp, path)
        except Exception:  # progress is a courtesy; it must never break the import
            log.warning("import progress update failed", exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side.dec_thread_sharing()
            self._side = None


def progress_file(job: ImportJob) -> Path:
    return Path(settings.MEDIA_ROOT) / "inspection-imports" / f"progress-{job.pk}.json"


def live_progress(job: ImportJob) -> tuple[int, int | None]:
    """(rows done, rows total) for the status page: the job row, or the side file when newer."""
    done, total = job.progress_done, job.progress_total
    path = progress_file(job)
    if job.status == ImportStatus.RUNNING and path.exists():
        try:
            data = json.loads(path.read_text())
            done, total = max(done, int(data["done"])), data.get("total") or total
        except (OSError, ValueError, KeyError):
            pass
    return done, total


def read_ahead(records: Iterator[ParsedRecord], batch_size: int, depth: int = 4) -> Iterator[list[ParsedRecord]]:
    """Batches of `records`, parsed in a second thread while this one waits for the database.

    The parser is pure Python and the database works in its own process, so while a batch is checked and
    copied (the GIL is released while psycopg waits for the server) the next batches are being parsed: on two
    cores the two halves overlap instead of taking turns. At most `depth` batches are held. An exception in
    the parser is raised here; if the consumer stops early, the parser thread is told to stop and joined.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    done = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            batch: list[ParsedRecord] = []
            for record in records:
                batch.append(record)
                if len(batch) >= batch_size:
                    if not put(batch):
                        return
                    batch = []
            if batch and not put(batch):
                return
            put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(exc)
        finally:
            close = getattr(records, "close", None)
            if close is not None and stop.is_set():
                close()

    worker = threading.Thread(target=produce, name="import-parser", daemon=True)
    worker.start()
    try:
        while True:
            item = handoff.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


# Files at least this big are parsed in a forked child process (see parse_in_child); smaller ones in a thread.
CHILD_PARSE_MIN_BYTES = int(os.environ.get("NQI_IMPORT_CHILD_PARSE_MIN_BYTES", 4 * 1024 * 1024))


def parse_in_child(parser, batch_size: int, progress: ProgressCallback | None = None
                   ) -> Iterator[list[ParsedRecord]]:
    """Batches of `parser`'s records, parsed in a forked child process: the parser is pure Python, so in a
    thread it shares one core with the row building and COPY formatting; in a child it runs on the other core.

    The child inherits the opened parser (fork copies it), sends batches, progress and finally the summary
    through a pipe (a full pipe holds the child back, so memory stays bounded), and exits. The summary it
    sends replaces `parser.summary`. An exception in the child is raised here; if this side stops early, the
    child is terminated. Only where fork exists (Linux); the database connection is never used in the child.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        receiver.close()
        try:
            def report(done, total):
                sender.send(("progress", done, total))

            batch: list[ParsedRecord] = []
            for record in parser.records(progress=report if progress is not None else None):
                batch.append(record)
                if len(batch) >= batch_size:
                    sender.send(("batch", batch))
                    batch = []
            if batch:
                sender.send(("batch", batch))
            sender.send(("summary", parser.summary))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the importer
            try:
                sender.send(("error", exc))
            except Exception:  # an exception that cannot be pickled
                sender.send(("error", RuntimeError(str(exc))))
        finally:
            sender.close()
            os._exit(0)  # no atexit handlers, no inherited connections closed from here

    process = context.Process(target=child, name="import-parser", daemon=True)
    process.start()
    sender.close()
    try:
        while True:
            try:
                kind, *payload = receiver.recv()
            except EOFError:
                raise RuntimeError("导入文件的解析进程意外退出") from None
            if kind == "batch":
                yield payload[0]
            elif kind == "progress":
                progress(*payload)
            elif kind == "summary":
                parser.summary = payload[0]
                return
            else:
                raise payload[0]
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()


def _batches(parser, batch_size: int, progress: ProgressCallback | None) -> Iterator[list[ParsedRecord]]:
    """The parser's records in batches: from a child process for big files where fork exists, else a thread."""
    big = parser.path.stat().st_size >= CHILD_PARSE_MIN_BYTES
    if big and "fork" in multiprocessing.get_all_start_methods():
        return parse_in_child(parser, batch_size, progress)
    return read_ahead(parser.records(progress=progress), batch_size)


def import_results(path, *, plan: InspectionPlan | None = None, plan_kind: str = PlanKind.PROVINCIAL,
                   mapping=None, header_row: int | None = None, sheet=None, dry_run: bool = False,
                   publish: bool = False, actor=None, job: ImportJob | None = None,
                   progress: ProgressCallback | None = None, batch_size: int = BATCH_SIZE,
                   source_name: str | None = None) -> dict:
    """Import one results file; returns the JSON summary. Raises MappingError / FileFormatError when the file
    cannot be read as a results table (nothing written then either)."""
    path = Path(path)
    source_name = source_name or path.name
    if plan is not None:
        plan.refresh_from_db(fields=["status"])
        if plan.status == PlanStatus.CLOSED:
            raise MappingError(_("抽查计划“%(n)s”已结束，不能再导入结果；请先重新开启该计划") % {"n": plan.name})
        plan_kind = plan.kind
    now = timezone.now()
    with ImportParser(path, mapping=mapping, header_row=header_row, sheet=sheet) as parser:
        if parser.problem:
            raise MappingError(parser.problem)
        with transaction.atomic():
            writer = BatchWriter(chooser=PlanChooser(plan, plan_kind, source_name, actor, dry_run),
                                 resolver=Resolver(), job=job, publish=publish, dry_run=dry_run, now=now)
            for batch in _batches(parser, batch_size, progress):
                writer.flush(batch)
            if not dry_run:
                rollups.apply(writer.delta)
                for used in writer.chooser.used:
                    audit.record(used, actor, Action.IMPORT, "", "",
                                 f"{source_name}：新增 {writer.inserted} 批次", at=now)
        summary = parser.summary.to_json()
    in_file = summary["duplicates"]
    summary.update({
        "duplicates": in_file + writer.db_duplicates, "in_file_duplicates": in_file,
        "db_duplicates": writer.db_duplicates, "db_duplicate_rows": writer.db_duplicate_rows,
        "inserted": 0 if dry_run else writer.inserted, "would_insert": writer.inserted, "dry_run": dry_run,
        "linked_manufacturers": writer.linked,
        "plans": [{"id": p.pk, "name": p.name} for p in writer.chooser.used if p.pk],
    })
    return summary


def run_job(job: ImportJob) -> ImportJob:
    """Run an uploaded import (from the upload page inline, or from the worker). Never raises."""
    job.status, job.started_at, job.error = ImportStatus.RUNNING, timezone.now(), ""
    job.save(update_fields=["status", "started_at", "error"])
    sink = JobProgress(job)
    try:
        summary = import_results(job.file.path, plan=job.plan, plan_kind=job.plan_kind, mapping=job.mapping or None,
                                 header_row=job.header_row, sheet=job.sheet or None, actor=job.created_by, job=job,
                                 progress=sink, source_name=job.original_name, publish=job.publish)
    except (MappingError, FileFormatError) as exc:
        job.status, job.error = ImportStatus.FAILED, str(exc)
    except Exception as exc:  # the transaction rolled back: say so, keep the worker alive
        log.exception("inspection import %s failed", job.pk)
        job.status = ImportStatus.FAILED
        job.error = _("导入失败，数据库未作任何更改：%(e)s") % {"e": exc}
    else:
        job.status, job.summary, job.inserted = ImportStatus.DONE, summary, summary["inserted"]
        job.progress_done = job.progress_total = summary["data_rows"] + summary["skipped_rows"]
    finally:
        sink.close()
        progress_file(job).unlink(missing_ok=True)
    job.finished_at = timezone.now()
    job.save()
    return job
