"""The pass-rate rollup (InspectionRollup): incremental upkeep on every write, and a full rebuild.

Writers collect deltas with `RollupDelta` and call `apply()` inside their own transaction, so the rollup never
disagrees with the records. The upsert is one `INSERT ... ON CONFLICT DO UPDATE` statement, whose syntax
SQLite and PostgreSQL share, and adds to the counts instead of reading them first (no lost updates).
"""

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from .choices import Conclusion
from .models import InspectionMarginal, InspectionRollup, MarginalDimension, SamplingRecord

KEY_FIELDS = ("period", "product_category", "city", "stage", "enterprise_size", "plan_kind", "selection")
MARGINAL_FIELDS = ("dimension", "plan_kind", "period", "city", "selection", "value")
# Where each marginal dimension's value sits in a rollup key.
_MARGINAL_POSITION = {MarginalDimension.CATEGORY.value: 1, MarginalDimension.STAGE.value: 3,
                      MarginalDimension.SIZE.value: 4}


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def key_for(sampling_date, product_category, city, stage, enterprise_size, plan_kind, selection="") -> tuple:
    """The rollup key of a batch. `selection` is blank for ordinary spot checks (and every imported row)."""
    return (month_of(sampling_date), product_category or "", city, stage or "", enterprise_size or "", plan_kind,
            selection or "")


def record_key(record: SamplingRecord) -> tuple:
    return key_for(record.sampling_date, record.product_category, record.city, record.stage,
                   record.enterprise_size, record.plan_kind, record.selection)


def grouped_counts(records):
    """Batches, passed and failed per rollup key of a queryset of records, counted by the database; records
    still pending are not batches of the statistics yet."""
    return (records.filter(conclusion__in=[Conclusion.PASS, Conclusion.FAIL])
            .annotate(period=TruncMonth("sampling_date"))
            .values(*KEY_FIELDS)
            .annotate(batches=Count("id"), passed=Count("id", filter=Q(conclusion=Conclusion.PASS)),
                      failed=Count("id", filter=Q(conclusion=Conclusion.FAIL)))
            .order_by())


def _as_date(period) -> dt.date:
    return period.date() if isinstance(period, dt.datetime) else period  # SQLite's TruncMonth gives a datetime


def tally_by_key(records) -> dict[tuple, list[int]]:
    """`grouped_counts` as rollup key -> [batches, passed, failed], the shape `RollupDelta.merge` takes."""
    return {(_as_date(g["period"]), *(g[f] for f in KEY_FIELDS[1:])): [g["batches"], g["passed"], g["failed"]]
            for g in grouped_counts(records)}


class RollupDelta:
    """Accumulates +/- counts per rollup key; `add(record)` / `remove(record)` follow its conclusion."""

    def __init__(self):
        self.counts: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])

    def count(self, key: tuple, conclusion: str, sign: int = 1) -> None:
        if conclusion not in (Conclusion.PASS, Conclusion.FAIL):
            return  # pending samples are not batches of the statistics yet
        row = self.counts[key]
        row[0] += sign
        row[1 if conclusion == Conclusion.PASS else 2] += sign

    def merge(self, counts: dict[tuple, list[int]]) -> None:
        """Add counts already tallied elsewhere: key -> [batches, passed, failed]."""
        for key, (batches, passed, failed) in counts.items():
            row = self.counts[key]
            row[0] += batches
            row[1] += passed
            row[2] += failed

    def add(self, record: SamplingRecord) -> None:
        self.count(record_key(record), record.conclusion, 1)

    def remove(self, record: SamplingRecord) -> None:
        self.count(record_key(record), record.conclusion, -1)

    def __bool__(self):
        return any(any(v) for v in self.counts.values())


_PG_TYPES = {"period": "date", "product_category": "text", "city": "text", "stage": "text", "enterprise_size": "text",
             "plan_kind": "text", "selection": "text", "dimension": "text", "value": "text"}
UPSERT_ROWS = 500  # rows per INSERT statement (SQLite allows 32,766 parameters: 500 x 10 stays well under)


def array_literal(values) -> str:
    """A PostgreSQL array literal of text, dates or numbers, each distinct value quoted once: far quicker than
    the driver's adaptation of lists element by element (a rollup delta has thousands of rows)."""
    quoted = {value: "NULL" if value is None else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
              for value in set(values)}
    return "{" + ",".join(map(quoted.__getitem__, values)) + "}"


def _upsert(model, key_fields: tuple, rows: list[tuple]) -> None:
    """`counter = counter + delta` for each row (key..., batches, passed, failed), creating rows as needed:
    multi-row INSERT ... ON CONFLICT statements (each key occurs once in `rows`, as a statement requires)."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(key_fields + ("batches", "passed", "failed"))
    row_marks = "(" + ", ".join(["%s"] * (len(key_fields) + 3)) + ")"
    tail = (f" ON CONFLICT ({', '.join(key_fields)}) DO UPDATE SET "
            f"batches = {table}.batches + excluded.batches, passed = {table}.passed + excluded.passed, "
            f"failed = {table}.failed + excluded.failed")
    if connection.vendor == "postgresql":  # one statement over arrays, however many rows
        types = [_PG_TYPES[f] for f in key_fields] + ["int", "int", "int"]
        arrays = ", ".join(f"%s::{t}[]" for t in types)
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({arrays}){tail}",
                           [array_literal(column) for column in zip(*rows, strict=True)])
        return
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_ROWS):
            chunk = rows[start:start + UPSERT_ROWS]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([row_marks] * len(chunk))}{tail}",
                           [value for row in chunk for value in row])


def marginal_rows(counts: dict[tuple, list[int]]) -> list[tuple]:
    """The deltas of the one-dimension rollup (InspectionMarginal) implied by deltas of the full rollup."""
    summed: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for key, values in counts.items():
        period, city, plan_kind, selection = key[0], key[2], key[5], key[6]
        for dimension, position in _MARGINAL_POSITION.items():
            row = summed[(dimension, plan_kind, period, city, selection, key[position])]
            for i in range(3):
                row[i] += values[i]
    return [(*key, *values) for key, values in summed.items() if any(values)]


def apply(delta: RollupDelta) -> int:
    """Add the deltas to the rollup rows and to the one-dimension rollup (creating rows as needed), in one
    transaction; returns the number of full-rollup keys touched."""
    rows = [(*key, *values) for key, values in delta.counts.items() if any(values)]
    if not rows:
        return 0
    with transaction.atomic():
        _upsert(InspectionRollup, KEY_FIELDS, rows)
        _upsert(InspectionMarginal, MARGINAL_FIELDS, marginal_rows(delta.counts))
    return len(rows)


def refresh_alarms_after_commit() -> None:
    """Results came or went in bulk (an import, a withdrawal): the failure-rate alarms, a table computed from
    them, are recomputed by the worker once this transaction commits, rather than at the next scheduled refresh."""
    from nqi.analytics.tasks import refresh_cusum_task  # imported here: analytics builds on inspections

    transaction.on_commit(refresh_cusum_task.enqueue, robust=True)


def drop_empty() -> None:
    """Delete rollup rows whose batches went back to zero (records were deleted), as a rebuild would have none."""
    InspectionRollup.objects.filter(batches=0).delete()
    InspectionMarginal.objects.filter(batches=0).delete()


def add_records(records) -> int:
    delta = RollupDelta()
    for record in records:
        delta.add(record)
    return apply(delta)


@transaction.atomic
def rebuild() -> int:
    """Recompute the whole rollup from the records (after a bulk repair or a schema change), and the
    one-dimension rollup from it."""
    InspectionRollup.objects.all().delete()
    rows = []
    for g in grouped_counts(SamplingRecord.objects.all()).iterator(chunk_size=5000):
        rows.append(InspectionRollup(period=_as_date(g["period"]), product_category=g["product_category"], city=g["city"],
                                     stage=g["stage"], enterprise_size=g["enterprise_size"],
                                     plan_kind=g["plan_kind"], selection=g["selection"],
                                     batches=g["batches"], passed=g["passed"],
                                     failed=g["failed"]))
    InspectionRollup.objects.bulk_create(rows, batch_size=2000)
    rebuild_marginal()
    return len(rows)


def rebuild_marginal() -> int:
    """Recompute InspectionMarginal from InspectionRollup: one INSERT ... SELECT ... GROUP BY per dimension."""
    InspectionMarginal.objects.all().delete()
    marginal = connection.ops.quote_name(InspectionMarginal._meta.db_table)
    rollup = connection.ops.quote_name(InspectionRollup._meta.db_table)
    written = 0
    with connection.cursor() as cursor:
        for dimension in _MARGINAL_POSITION:
            cursor.execute(
                f"INSERT INTO {marginal} ({', '.join(MARGINAL_FIELDS)}, batches, passed, failed) "
                f"SELECT %s, plan_kind, period, city, selection, {dimension}, SUM(batches), SUM(passed), SUM(failed) "
                f"FROM {rollup} GROUP BY plan_kind, period, city, selection, {dimension}", [dimension])
            written += cursor.rowcount
    return written
