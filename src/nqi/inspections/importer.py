"""Writes a parsed results file into the database: sampling records + failed test items + rollup, in one
transaction, in batches.

The parser (nqi.inspections.importing) gives the valid, first-seen rows in column-wise batches. Each batch is
turned into record rows a column at a time, with foreign keys resolved from dictionaries loaded once
(enterprise by credit code, lab by name), and on PostgreSQL formatted as COPY text (RowBuilder; in the parsing
child process for big files). Then it is written, each row under its year's plan (BatchWriter): on PostgreSQL
one COPY, undone to a savepoint when the unique dedup key finds a row already stored, and then only the new
rows; elsewhere the stored rows are looked up first and the rest go in by bulk_create. So a re-import adds
nothing. Any exception leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
import logging
import multiprocessing
import os
import queue
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.files import File
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
from .importing import FileFormatError, ImportParser, MappingError, RecordBatch
from .importing.normalize import compact
from .importing.parser import mapped
from .models import ImportJob, InspectionPlan, SamplingRecord, TestItemResult

log = logging.getLogger(__name__)

FIRST_BATCH_SIZE = 1000  # from the parsing child: the sooner the database has work, the sooner it is done
BATCH_SIZE = 10000  # sheet rows per COPY (and per look-up of stored rows): few round trips, a few MB held
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


# Columns of an imported record that vary by row, in the order RowBuilder.values gives them ...
ROW_COLUMNS = (
    "number", "lab_id", "lab_name", "stage", "city", "sampling_date", "sampled_unit_id", "sampled_unit_name",
    "sampled_unit_uscc", "manufacturer_id", "manufacturer_name", "manufacturer_uscc", "manufacturer_address",
    "enterprise_size", "product_name", "product_category", "specification", "trademark", "batch_no", "conclusion",
    "failed_items_text", "source_row", "remarks", "dedup_key",
)
# ... and those that are the same for every row of one import (RowBuilder.constants). With the plan (by sampling
# year), these are every column COPY must spell out: the id and `selection` have database defaults.
CONSTANT_COLUMNS = (
    "plan_kind", "task_id", "samplers", "sampling_place", "production_date", "sample_quantity", "backup_quantity",
    "status", "conclusion_overridden", "override_reason", "tested_at", "notified_at", "received_on", "objection_due",
    "finalised_at", "published", "published_at", "source", "import_job_id", "created_at", "updated_at",
)
# Plain strings of the constant choices, looked up once rather than per row.
PASS, FAIL = Conclusion.PASS.value, Conclusion.FAIL.value
FINAL, IMPORTED = RecordStatus.FINAL.value, RecordSource.IMPORT.value
# The ROW_COLUMNS whose values are always text (the others: ids or None, the date, the row number).
_TEXT_COLUMNS = frozenset(ROW_COLUMNS) - {"lab_id", "sampling_date", "sampled_unit_id", "manufacturer_id", "source_row"}
DEDUP_CONSTRAINT = next(c.name for c in SamplingRecord._meta.constraints if tuple(c.fields) == ("dedup_key",))
ITEM_COLUMNS = ("record_id", "item", "standard", "clause", "unit", "measured", "limit", "judgement", "sort_order")


def dedup_hex(keys: list[tuple[str, str, str, dt.date]]) -> list[str]:
    """`record_dedup_key` as 32 hex digits (what UUID(...).hex gives; both databases take it for a UUID
    column), from the parser's normalised keys (parser.dedup_key): parsed text holds single spaces only, so its
    replace() equals the model's split/join. A test holds the two together."""
    days = mapped(dt.date.isoformat, [day for *_names, day in keys])
    sha1 = hashlib.sha1
    return [sha1(f"{maker}\x1f{product}\x1f{batch}\x1f{day}".encode()).hexdigest()[:32]
            for (maker, product, batch, _day), day in zip(keys, days, strict=True)]


def copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
                .replace("\x00", ""))
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.date):  # and datetime
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return copy_text(json.dumps(value, ensure_ascii=False))
    return str(value)


def copy_line(values: tuple) -> str:
    """Values as one line of COPY text (without the newline)."""
    return "\t".join(map(copy_text, values))


def cut(values: list[str], length: int) -> list[str]:
    """A text column cut to the database column's length (rarely needed: the column itself when it fits)."""
    return values if max(map(len, values), default=0) <= length else [value[:length] for value in values]


@dataclass(slots=True)
class PreparedBatch:
    """A batch of parsed rows made ready to write (see RowBuilder): everything but the database's part."""

    source_rows: list[int]
    keys: list[str]  # dedup keys, hex
    years: list[int]  # sampling year of each row: its plan when the import creates plans per year
    # The rows: for COPY, UTF-8 text with a line per row (ROW_COLUMNS then CONSTANT_COLUMNS, lines joined by
    # newlines: one bytes object crosses the pipe from the child far faster than thousands of objects, and goes
    # to the database as it is); else ROW_COLUMNS tuples.
    lines: bytes
    values: list[tuple]
    tally: dict[tuple, list[int]]  # rollup counts of the whole batch: key -> [batches, passed, failed]
    tally_keys: list[tuple]  # each row's rollup key, to take a duplicate back out of the tally
    passed: list[bool]
    linked: list[bool]  # manufacturer found among the platform's enterprises
    failed: list[tuple[int, tuple[str, ...]]]  # (row index, failed item names)

    def __len__(self) -> int:
        return len(self.keys)


class RowBuilder:
    """Turns batches of parsed rows into the column values of imported records without touching the
    database, so that it runs in the parsing child process (parse_in_child) as well as in the importer itself.
    Foreign keys come from the Resolver's dictionaries, loaded before the child is forked.

    It works a column at a time: each column's values are looked up or converted once per distinct value and
    joined into COPY lines by str.join, so the per-row work is done by CPython's C loops, not by Python code."""

    def __init__(self, *, resolver: Resolver, plan_kind: str, job_id: int | None, publish: bool, now,
                 as_text: bool):
        self.resolver, self.plan_kind, self.as_text = resolver, plan_kind, as_text
        self.token = uuid.uuid4().hex[:8].upper()
        self.constants = {
            "plan_kind": plan_kind, "task_id": None, "samplers": [], "sampling_place": "", "production_date": None,
            "sample_quantity": "", "backup_quantity": "", "status": FINAL, "conclusion_overridden": False,
            "override_reason": "", "tested_at": None, "notified_at": None, "received_on": None,
            "objection_due": None, "finalised_at": now, "published": publish, "published_at": now if publish else None,
            "source": IMPORTED, "import_job_id": job_id, "created_at": now, "updated_at": now,
        }
        self.constant_text = "\t" + copy_line(tuple(self.constants[c] for c in CONSTANT_COLUMNS))
        self._keys: dict[tuple, tuple] = {}  # one object per rollup key: pickled once per batch

    def columns(self, batch: RecordBatch) -> dict[str, list]:
        """The ROW_COLUMNS values of a batch, column by column."""
        c, resolver = batch.columns, self.resolver
        makers = mapped(resolver.enterprise, c["manufacturer_uscc"])  # (id, size) of platform enterprises
        maker_ids = [pk for pk, _size in makers]
        unit_ids = mapped(lambda code: resolver.enterprise(code)[0], c["sampled_unit_uscc"])
        if any(maker_ids):  # a maker that sampled at its own works is the sampled unit too
            unit_ids = [maker if unit is None and maker and (stage == "production" or unit_name == maker_name)
                        else unit for unit, maker, stage, unit_name, maker_name in zip(
                            unit_ids, maker_ids, c["stage"], c["sampled_unit"], c["manufacturer_name"], strict=True)]
        return {
            "number": [f"IM{self.token}{row:07d}" for row in batch.rows],
            "lab_id": mapped(resolver.lab, c["lab"]),
            "lab_name": cut(c["lab"], 200),
            "stage": c["stage"],
            "city": c["city_code"],
            "sampling_date": c["sampling_date"],
            "sampled_unit_id": unit_ids,
            "sampled_unit_name": cut([unit or maker for unit, maker in zip(c["sampled_unit"], c["manufacturer_name"],
                                                                           strict=True)], 200),
            "sampled_unit_uscc": c["sampled_unit_uscc"],
            "manufacturer_id": maker_ids,
            "manufacturer_name": cut(c["manufacturer_name"], 200),
            "manufacturer_uscc": c["manufacturer_uscc"],
            "manufacturer_address": cut(c["manufacturer_address"], 200),
            "enterprise_size": [size for _pk, size in makers],
            "product_name": cut(c["product_name"], 120),
            "product_category": cut(c["product_category"], 60),
            "specification": cut(c["specification"], 120),
            "trademark": cut(c["trademark"], 60),
            "batch_no": cut(c["batch"], 120),
            "conclusion": [PASS if ok else FAIL for ok in c["passed"]],
            "failed_items_text": mapped(lambda names: "、".join(names)[:500], c["failed_items"]),
            "source_row": batch.rows,
            "remarks": cut(c["remarks"], 300),
            "dedup_key": dedup_hex(batch.keys),
        }

    def lines(self, columns: dict[str, list]) -> str:
        """The batch as COPY text, a line per row: ROW_COLUMNS then CONSTANT_COLUMNS."""
        texts = []
        for name in ROW_COLUMNS:
            values = columns[name]
            if name == "source_row":
                texts.append(list(map(str, values)))
            else:
                texts.append(values if name in _TEXT_COLUMNS else mapped(copy_text, values))
        rows = list(map("\t".join, zip(*texts, strict=True)))
        line_end = self.constant_text + "\n"
        text = line_end.join(rows) + self.constant_text if rows else ""
        # Parsed text practically never holds a tab, newline, carriage return, NUL or backslash: the lines are
        # joined as they are, unless the text shows one (more than the NULL markers and the constant columns
        # account for), and then every value is escaped (a test holds both).
        nulls = sum(values.count(None) for name, values in columns.items() if name not in _TEXT_COLUMNS)
        if (text.count("\\") != nulls + len(rows) * line_end.count("\\")
                or text.count("\t") != len(rows) * (len(texts) - 1 + line_end.count("\t"))
                or text.count("\n") != max(len(rows) - 1, 0) or "\r" in text or "\x00" in text):
            rows = list(map(copy_line, zip(*(columns[name] for name in ROW_COLUMNS), strict=True)))
            text = line_end.join(rows) + self.constant_text if rows else ""
        return text

    def prepare(self, batch: RecordBatch) -> PreparedBatch:
        columns = self.columns(batch)
        passed, days = batch.columns["passed"], batch.columns["sampling_date"]
        interned, kind = self._keys, self.plan_kind
        # rollups.key_for, a column at a time
        tally_keys = [interned.setdefault(key, key) for key in zip(
            mapped(lambda day: day.replace(day=1), days), columns["product_category"], columns["city"],
            columns["stage"], [size or "" for size in columns["enterprise_size"]], repeat(kind, len(days)),
            repeat("", len(days)), strict=True)]
        tally: dict[tuple, list[int]] = {}
        for (key, ok), number in Counter(zip(tally_keys, passed, strict=True)).items():
            counts = tally.setdefault(key, [0, 0, 0])
            counts[0] += number
            counts[1 if ok else 2] += number
        return PreparedBatch(
            source_rows=batch.rows, keys=columns["dedup_key"], years=mapped(lambda day: day.year, days),
            lines=self.lines(columns).encode() if self.as_text else b"",
            values=[] if self.as_text else list(zip(*(columns[name] for name in ROW_COLUMNS), strict=True)),
            tally=tally, tally_keys=tally_keys, passed=passed,
            linked=[pk is not None for pk in columns["manufacturer_id"]],
            failed=[(index, names) for index, names in enumerate(batch.columns["failed_items"]) if names])


class BatchWriter:
    """Writes prepared batches: drops rows already in the database, then PostgreSQL's COPY, or bulk_create
    elsewhere; counts the rows into the rollups' delta."""

    copy_on_postgresql = True  # a test turns it off to compare the two ways of writing on one database

    def __init__(self, *, chooser: PlanChooser, resolver: Resolver, job: ImportJob | None, publish: bool,
                 dry_run: bool, now):
        self.chooser, self.dry_run = chooser, dry_run
        self.use_copy = connection.vendor == "postgresql" and self.copy_on_postgresql
        kind = chooser.plan.kind if chooser.plan is not None else chooser.kind
        self.builder = RowBuilder(resolver=resolver, plan_kind=kind, job_id=job.pk if job else None,
                                  publish=publish, now=now, as_text=self.use_copy and not dry_run)
        self.delta = rollups.RollupDelta()
        self.inserted = 0
        self.linked = 0
        self.db_duplicates = 0
        self.db_duplicate_rows: list[dict] = []

    def flush(self, batch: PreparedBatch) -> None:
        if not batch:
            return
        if self.use_copy and not self.dry_run and self._copy_if_all_new(batch):
            keep = range(len(batch))
        else:
            keep = self._new_rows(batch)
            if not self.dry_run and keep:
                plans = {year: self.chooser.for_year(year).pk for year in {batch.years[i] for i in keep}}
                if self.use_copy:
                    self._copy(batch, keep, plans)
                else:
                    self._bulk_create(batch, keep, plans)
        self.delta.merge(batch.tally)
        self.inserted += len(keep)
        self.linked += sum(batch.linked[i] for i in keep)

    def _copy_if_all_new(self, batch: PreparedBatch) -> bool:
        """COPY the whole batch, betting that none of its rows is stored yet (a first import): the unique dedup
        key is the check, with no lookup before. If a row is already there, the batch is undone (a savepoint)
        and False returned, for the rows to be sorted out. A concurrent import of the same rows waits for the
        other to finish and then finds them stored."""
        plans = {year: self.chooser.for_year(year).pk for year in set(batch.years)}  # outside the savepoint
        try:
            with transaction.atomic():
                self._copy(batch, range(len(batch)), plans)
        except psycopg.errors.UniqueViolation as exc:
            if exc.diag.constraint_name != DEDUP_CONSTRAINT:
                raise
            return False
        return True

    def _new_rows(self, batch: PreparedBatch) -> list[int] | range:
        """The rows of the batch not stored yet; those stored leave its tally and are reported."""
        existing = self._existing(batch.keys)
        if not existing:
            return range(len(batch))
        keep = []
        for i, key in enumerate(batch.keys):
            if key not in existing:
                keep.append(i)
                continue
            self.db_duplicates += 1
            self.delta.count(batch.tally_keys[i], PASS if batch.passed[i] else FAIL, -1)
            if len(self.db_duplicate_rows) < MAX_REPORTED:
                n = batch.source_rows[i]
                self.db_duplicate_rows.append({
                    "row": n, "message": _("第%(n)s行已在数据库中（生产企业、产品、批号、抽样日期相同），已跳过") % {"n": n}})
        return keep

    def _existing(self, keys) -> set[str]:
        """The keys (hex) already stored."""
        return set(self._ids_by_key(keys))

    def _ids_by_key(self, keys) -> dict[str, int]:
        """Stored records' ids by dedup key (hex), for the given keys."""
        if not self.use_copy:
            found = SamplingRecord.objects.filter(dedup_key__in=keys).values_list("dedup_key", "pk")
            return {key.hex: pk for key, pk in found}
        # One array parameter instead of thousands of IN placeholders, probed through the unique index: the
        # planner's statistics lag behind a table this transaction is filling (from empty, it would scan it all
        # for every batch).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"SELECT dedup_key, id FROM {SamplingRecord._meta.db_table} "
                           "WHERE dedup_key = ANY(%s::uuid[])",
                           ["{" + ",".join(keys) + "}"])  # an array literal: hex keys need no quoting
            found = {key.hex: pk for key, pk in cursor.fetchall()}
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
            return found

    def _failed_items(self, batch: PreparedBatch, record_ids: dict[int, int]):
        """(record id, item name, order) of the kept rows' failed items."""
        for index, names in batch.failed:
            pk = record_ids.get(index)
            if pk is not None:
                for n, name in enumerate(names):
                    yield pk, name[:120], n

    def _bulk_create(self, batch: PreparedBatch, keep, plans) -> None:
        constants = self.builder.constants
        records = [SamplingRecord(plan_id=plans[batch.years[i]], **dict(zip(ROW_COLUMNS, batch.values[i], strict=True)),
                                  **{**constants, "samplers": []}) for i in keep]
        SamplingRecord.objects.bulk_create(records, batch_size=len(records))
        record_ids = {i: record.pk for i, record in zip(keep, records, strict=True)}
        items = [TestItemResult(record_id=pk, item=name, judgement=Judgement.FAIL, sort_order=n)
                 for pk, name, n in self._failed_items(batch, record_ids)]
        if items:
            TestItemResult.objects.bulk_create(items, batch_size=len(items))

    def _copy(self, batch: PreparedBatch, keep, plans) -> None:
        """COPY the kept rows, each under its year's plan; the ids come from the table's sequence, and the
        failed items' records are found again by their dedup keys (a few per batch)."""
        if len(keep) == len(batch) and len(plans) == 1:  # the usual case: the whole text, one plan
            prefix = b"%d\t" % next(iter(plans.values()))
            data = prefix + batch.lines.replace(b"\n", b"\n" + prefix) + b"\n"
        else:
            lines, years = batch.lines.split(b"\n"), batch.years
            data = b"".join([b"%d\t%s\n" % (plans[years[i]], lines[i]) for i in keep])
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor under Django's wrapper
            with raw.copy(f"COPY {SamplingRecord._meta.db_table} (plan_id, {', '.join(ROW_COLUMNS + CONSTANT_COLUMNS)}) "
                          "FROM STDIN") as copy:
                copy.write(data)
            if not batch.failed:
                return
            kept = set(keep) if len(keep) < len(batch) else None
            failed = [index for index, _names in batch.failed if kept is None or index in kept]
            ids = self._ids_by_key([batch.keys[i] for i in failed])
            record_ids = {i: ids[batch.keys[i]] for i in failed}
            quoted = ", ".join(f'"{c}"' for c in ITEM_COLUMNS)
            with raw.copy(f"COPY {TestItemResult._meta.db_table} ({quoted}) FROM STDIN") as copy:
                for pk, name, n in self._failed_items(batch, record_ids):
                    copy.write_row((pk, name, "", "", "", "", "", Judgement.FAIL.value, n))


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


def prefetch(items: Iterator, depth: int, interrupt: Callable[[], None] | None = None) -> Iterator:
    """The items of `items`, produced in a second thread at most `depth` ahead of the consumer.

    The database works in its own process, and psycopg releases the GIL while it waits for the server, so
    whatever `items` does (parse rows, receive batches from the parsing child) overlaps with the database's
    work instead of taking turns with it. An exception in the producer is raised here. If the consumer stops
    early, the producer is told to stop (`interrupt` wakes it when it may be blocked elsewhere) and joined.
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
            for item in items:
                if not put(item):
                    return
            put(done)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put(exc)
        finally:
            close = getattr(items, "close", None)
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
        if interrupt is not None and worker.is_alive():
            interrupt()
        worker.join()


# Files at least this big are parsed in a forked child process (see parse_in_child); smaller ones in a thread.
CHILD_PARSE_MIN_BYTES = int(os.environ.get("NQI_IMPORT_CHILD_PARSE_MIN_BYTES", 4 * 1024 * 1024))


def parse_in_child(parser, batch_size: int, progress: ProgressCallback | None = None, prepare=None
                   ) -> Iterator:
    """Batches of `parser`'s records, parsed in a forked child process (and passed through `prepare` there,
    when given): the parser and the row building are pure Python, so in a thread they would share one core
    with the importer; in a child they run on the other core while this one talks to the database.

    The child inherits the opened parser (fork copies it), sends batches, progress and finally the summary
    through a pipe (a full pipe holds the child back, so memory stays bounded), and exits. The summary it
    sends replaces `parser.summary`. An exception in the child is raised here; if this side stops early, the
    child is terminated. Only where fork exists (Linux); the database connection is never used in the child.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)

    def child() -> None:
        receiver.close()
        # The child allocates row after row and keeps almost none: the collector's automatic passes (which
        # would also walk everything inherited from the importer) cost a tenth of its time. The young
        # generations are collected after each batch instead, which bounds any cyclic garbage.
        gc.freeze()
        gc.disable()
        try:
            def report(done, total):
                sender.send(("progress", done, total))

            for batch in parser.record_batches(batch_size, first_size=min(batch_size, FIRST_BATCH_SIZE),
                                               progress=report if progress is not None else None):
                sender.send(("batch", prepare(batch) if prepare else batch))
                gc.collect(1)
            sender.send(("summary", parser.summary))
        except BaseException as exc:  # noqa: BLE001 - everything goes back to the importer
            try:
                sender.send(("error", exc))
            except Exception:  # an exception that cannot be pickled
                sender.send(("error", RuntimeError(str(exc))))
        finally:
            sender.close()
            os._exit(0)  # no atexit handlers, no inherited connections closed from here

    def received() -> Iterator:
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

    process = context.Process(target=child, name="import-parser", daemon=True)
    process.start()
    sender.close()
    try:
        # Received and unpickled in a thread while this one waits for the database; the child is stopped
        # first if the import gives up, so that the thread is not left waiting on the pipe.
        yield from prefetch(received(), depth=2, interrupt=process.terminate)
    finally:
        receiver.close()
        if process.is_alive():
            process.terminate()
        process.join()


def _batches(parser, batch_size: int, progress: ProgressCallback | None, prepare) -> Iterator[PreparedBatch]:
    """The parser's records in prepared batches: parsed and prepared in a child process for big files where
    fork exists, else parsed in a thread (while this one waits for the database) and prepared here."""
    big = parser.path.stat().st_size >= CHILD_PARSE_MIN_BYTES
    if big and "fork" in multiprocessing.get_all_start_methods():
        return parse_in_child(parser, batch_size, progress, prepare)
    return map(prepare, prefetch(parser.record_batches(batch_size, progress=progress), depth=4))


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
            if connection.vendor == "postgresql" and not dry_run:
                # The foreign keys of each batch are checked right after its COPY, while the parser prepares
                # the next batch, instead of all at commit with nothing else left to do (a third of the time).
                # The records' reference checks (migration 0008) read each batch's rows from a tuplestore
                # that spills to a temporary file beyond work_mem: a 10,000-row batch takes about 6 MB.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET LOCAL work_mem = '64MB'")
            writer = BatchWriter(chooser=PlanChooser(plan, plan_kind, source_name, actor, dry_run),
                                 resolver=Resolver(), job=job, publish=publish, dry_run=dry_run, now=now)
            for batch in _batches(parser, batch_size, progress, writer.builder.prepare):
                writer.flush(batch)
            if not dry_run:
                rollups.apply(writer.delta)
                if writer.inserted:
                    rollups.refresh_alarms_after_commit()
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


def job_for_file(path, *, plan: InspectionPlan | None, plan_kind: str, mapping=None, header_row: int | None = None,
                 sheet: str | None = None, publish: bool = False, actor=None) -> ImportJob:
    """An import job for a file named on the command line, so that its import is listed, reported and can be
    withdrawn like an upload's. The file is copied into the uploads. Run it with run_job."""
    path = Path(path)
    job = ImportJob(original_name=path.name[:200], size=path.stat().st_size, plan=plan, plan_kind=plan_kind,
                    mapping=mapping or {}, header_row=header_row, sheet=sheet or "", publish=publish, created_by=actor)
    with open(path, "rb") as handle:
        job.file.save(path.name, File(handle), save=False)
    job.save()
    return job


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
