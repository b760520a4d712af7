"""How much of the import's database time the checks of a sampling record's six references cost: PostgreSQL's
row-by-row foreign keys (sessions 1-5) against the per-statement triggers of migration 0008, with no checks
at all as the floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nqi_bench_import .venv/bin/python benchmarks/import_references.py
    (options: --rows 100000 --reps 5)

The records of a 100,000-row import are captured as COPY text, once as the benchmark imports them (no labs or
manufacturers on the platform: five of the six references null) and once as an upload does (an import job, the
labs and manufacturers registered: each row linked to its lab and maker). Each is then copied back into the
emptied table in batches of 10,000 in one transaction, as the importer does, but with no Python beside it: the
database's part alone. The three ways of checking alternate within each repetition; the table gives medians.

The database named in DATABASE_URL is dropped and re-created (trust auth on 127.0.0.1).
"""

from __future__ import annotations

import argparse
import importlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
import import_db  # noqa: E402 - the benchmark beside this one: database set-up, sheet, imports

RECORDS = "inspections_samplingrecord"
# (column, referenced table): the foreign keys Django created before migration 0008 (deferrable; the importer
# made them immediate), and the references its triggers check.
FOREIGN_KEYS = importlib.import_module("nqi.inspections.migrations.0008_record_reference_checks").REFERENCES
TRIGGERS = ("inspections_record_references_insert", "inspections_record_references_update")


def captured_rows(columns: str) -> list[bytes]:
    """The records now in the table, as COPY text in batches of 10,000 rows."""
    from django.db import connection

    text = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY (SELECT {columns} FROM {RECORDS} ORDER BY id) TO STDOUT") as copy:
        for chunk in copy:
            text.write(chunk)
    lines = text.getvalue().split(b"\n")[:-1]
    return [b"\n".join(lines[i:i + 10_000]) + b"\n" for i in range(0, len(lines), 10_000)]


def execute(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql)


def use_checks(way: str) -> None:
    """Put the table's reference checks in the given state: 'foreign keys', 'triggers' or 'none'."""
    execute("; ".join(f"ALTER TABLE {RECORDS} DROP CONSTRAINT IF EXISTS bench_{column}" for column, _t in FOREIGN_KEYS))
    execute("; ".join(f"ALTER TABLE {RECORDS} {'ENABLE' if way == 'triggers' else 'DISABLE'} TRIGGER {name}"
                      for name in TRIGGERS))
    if way == "foreign keys":
        execute("; ".join(f"ALTER TABLE {RECORDS} ADD CONSTRAINT bench_{column} FOREIGN KEY ({column}) "
                          f"REFERENCES {table} (id) DEFERRABLE INITIALLY DEFERRED" for column, table in FOREIGN_KEYS))


def copy_in(batches: list[bytes], columns: str) -> float:
    """Empty the table and copy the batches back in one transaction, as the importer does; the seconds taken."""
    from django.db import connection, transaction

    execute(f"TRUNCATE {RECORDS}, inspections_testitemresult CASCADE")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL work_mem = '64MB'")  # as the importer sets it
        for batch in batches:
            with cursor.cursor.copy(f"COPY {RECORDS} ({columns}) FROM STDIN") as copy:
                copy.write(batch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    import_db.fresh_database()
    from django.db import connection

    from nqi.inspections.importer import CONSTANT_COLUMNS, ROW_COLUMNS

    columns = ", ".join(["plan_id", *ROW_COLUMNS, *CONSTANT_COLUMNS])
    path = Path(tempfile.mkdtemp(prefix="nqi-bench-refs-")) / f"results-{args.rows}.csv"
    rows = import_db.write_clean_sheet(path, args.rows, xlsx=False)
    import_db.run_ours(path)
    plain = captured_rows(columns)
    import_db.register_platform(path)
    import_db.run_as_upload(path)
    linked = captured_rows(columns)
    print(f"PostgreSQL {connection.cursor().connection.info.server_version}; {rows:,} rows, "
          f"{args.reps} repetitions, medians")
    print("| rows as | row-by-row foreign keys (s) | per-statement triggers (s) | no checks (s) | "
          "triggers vs foreign keys | share of the foreign keys' time saved |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, batches in (("the benchmark imports them (5 of 6 references null)", plain),
                           ("an upload imports them (job, lab, maker linked)", linked)):
        times: dict[str, list[float]] = {"foreign keys": [], "triggers": [], "none": []}
        for _rep in range(args.reps):
            for way in times:
                use_checks(way)
                times[way].append(copy_in(batches, columns))
        fk, trig, none = (statistics.median(times[way]) for way in ("foreign keys", "triggers", "none"))
        print(f"| {label} | {fk:.2f} | {trig:.2f} | {none:.2f} | **{fk / trig:.2f}x** | "
              f"{(fk - trig) / (fk - none):.0%} |", flush=True)
    use_checks("triggers")


if __name__ == "__main__":
    main()
