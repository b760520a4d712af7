"""Where PostgreSQL's time goes when it stores 100,000 imported spot-check records (issue 3, diagnostic).

Imports a clean 100k-row CSV once with the project's importer, dumps the stored rows, then times a server-side
`COPY ... FROM` of exactly those rows, plus the COMMIT that runs the deferred foreign-key checks, into:

  table as migrated    the real table: its indexes (4 of them partial) and, since migration 0008, the
                       per-statement triggers that check the six references (one COPY here: they read all
                       100k rows at once, where the importer gives them 10,000 at a time);
  with foreign keys    the same indexes and the six row-by-row foreign keys of sessions 1-5;
  without nullable FKs the same indexes, only the plan foreign key (the one every imported row fills);
  without foreign keys the same indexes, no foreign key and no trigger;
  heap only            no index, no foreign key: parsing the rows and writing the heap.

benchmarks/import_references.py compares the triggers with the foreign keys as the importer writes (batches).

The rows are dumped with a client-side COPY and read back by the server from the file. Also times the
importer's duplicate probe (10 batches of 10,000 keys looked up in the unique index). No
Python is involved in the COPY figures, so they are a floor under any importer of these rows into this schema.
Each figure is the best of --repeats runs (default 3).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nqi_bench_import .venv/bin/python benchmarks/import_pg_cost.py

The database named in DATABASE_URL is dropped and re-created. The server must run on this machine and be able to
read the dump file (written to a world-readable temporary directory).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import import_db  # noqa: E402
import import_references  # noqa: E402

TABLE = "inspections_samplingrecord"


def timed(cursor, sql: str) -> float:
    started = time.perf_counter()
    cursor.execute(sql)
    return time.perf_counter() - started


def variant(cursor, name: str, *, indexes: bool, fks: tuple[str, ...]) -> None:
    """A copy of the record table (no triggers) with or without its indexes, and with the given foreign keys,
    as Django created them before migration 0008."""
    cursor.execute(f"DROP TABLE IF EXISTS {name}")
    cursor.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS"
                   f"{' INCLUDING INDEXES' if indexes else ''})")
    for column, target in import_references.FOREIGN_KEYS:
        if column in fks:
            cursor.execute(f"ALTER TABLE {name} ADD FOREIGN KEY ({column}) REFERENCES {target} (id) "
                           "DEFERRABLE INITIALLY DEFERRED")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import_db.fresh_database()
    from django.db import connection

    work = Path(tempfile.mkdtemp(prefix="nqi-pg-cost-"))
    work.chmod(0o755)
    sheet = work / "results.csv"
    rows = import_db.write_clean_sheet(sheet, args.rows, xlsx=False)
    ours, summary = import_db.run_ours(sheet)
    assert summary["inserted"] == rows, summary
    dump = work / "rows.txt"
    connection.set_autocommit(True)
    with connection.cursor() as cursor:
        with open(dump, "wb") as out, cursor.cursor.copy(f"COPY {TABLE} TO STDOUT") as copy:
            for chunk in copy:
                out.write(chunk)
        dump.chmod(0o644)  # read by the server's own COPY FROM below
        cursor.execute(f"SELECT dedup_key FROM {TABLE}")
        stored = [key.hex for (key,) in cursor.fetchall()]
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [TABLE])
        n_indexes = cursor.fetchone()[0]
        variants = {
            f"table as migrated ({n_indexes} indexes, reference triggers)": (TABLE, True, None),
            "with the 6 foreign keys (before migration 0008)": (
                "bench_all_fks", True, tuple(column for column, _target in import_references.FOREIGN_KEYS)),
            "without the 5 nullable foreign keys (plan's kept)": ("bench_plan_fk", True, ("plan_id",)),
            "without foreign keys": ("bench_no_fk", True, ()),
            "heap only (no index, no foreign key)": ("bench_heap", False, ()),
        }
        print(f"PostgreSQL {connection.cursor().connection.info.server_version}; {rows:,} rows; our import of the "
              f"same file took {ours:.2f} s ({rows / ours:,.0f} rows/s) in this run\n")
        print("| target | COPY (s) | COMMIT: deferred FK checks (s) | total (s) |")
        print("|---|---:|---:|---:|")
        for label, (name, indexes, fks) in variants.items():
            best = None
            for _ in range(args.repeats):
                if name == TABLE:
                    cursor.execute(f"TRUNCATE {TABLE} RESTART IDENTITY CASCADE")
                else:
                    variant(cursor, name, indexes=indexes, fks=fks)
                cursor.execute("CHECKPOINT")
                cursor.execute("BEGIN")
                cursor.execute("SET LOCAL work_mem = '256MB'")  # the triggers' 100k rows at once, in memory
                copy = timed(cursor, f"COPY {name} FROM '{dump}'")
                commit = timed(cursor, "COMMIT")
                if best is None or copy + commit < sum(best):
                    best = (copy, commit)
            print(f"| {label} | {best[0]:.2f} | {best[1]:.2f} | {sum(best):.2f} |", flush=True)
            if name != TABLE:
                cursor.execute(f"DROP TABLE {name}")
        absent = [uuid.uuid4().hex for _ in range(rows)]
        for label, keys in (("absent", absent), ("present", stored)):
            best = None
            for _ in range(args.repeats):
                cursor.execute("BEGIN")
                cursor.execute("SET LOCAL enable_seqscan = off")
                started = time.perf_counter()
                for i in range(0, len(keys), 10_000):
                    cursor.execute(f"SELECT dedup_key, id FROM {TABLE} WHERE dedup_key = ANY(%s::uuid[])",
                                   ["{" + ",".join(keys[i:i + 10_000]) + "}"])
                    cursor.fetchall()
                took = time.perf_counter() - started
                cursor.execute("ROLLBACK")
                best = took if best is None else min(best, took)
            print(f"\nduplicate probe, {rows:,} keys {label} from the table: {best:.2f} s")
    dump.unlink()


if __name__ == "__main__":
    main()
