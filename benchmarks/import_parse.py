"""Throughput and memory of the spot-check results parser (nqi.inspections.importing), against baselines.

    .venv/bin/python benchmarks/import_parse.py [--rows 100000] [--big-rows 1000000] [--workdir DIR]

Measures, in one run on the same files: raw csv.reader vs the full CSV parse; openpyxl read-only vs
calamine raw read vs the full xlsx parse (rows/s); and the peak RSS of a child process parsing a
--big-rows CSV against a child that only reads the same file with csv.reader. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from nqi.inspections.importing import ImportParser, samples  # noqa: E402
from nqi.inspections.importing.readers import detect_encoding  # noqa: E402


def timed(label: str, func) -> tuple[str, int, float, float]:
    """(label, rows, wall seconds, CPU seconds): CPU time stays fair when other work shares the cores."""
    start, cpu = time.perf_counter(), time.process_time()
    rows = func()
    return label, rows, time.perf_counter() - start, time.process_time() - cpu


def raw_csv(path: Path) -> int:
    with open(path, "rb") as handle:
        encoding = detect_encoding(handle.read(1 << 20))
    with open(path, encoding=encoding, newline="") as handle:
        return sum(1 for _row in csv.reader(handle))


def parse(path: Path) -> int:
    with ImportParser(path) as parser:
        for _record in parser.records():
            pass
        return parser.summary.data_rows


def openpyxl_read(path: Path) -> int:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return count


def calamine_read(path: Path) -> int:
    from python_calamine import CalamineWorkbook

    with CalamineWorkbook.from_path(str(path)) as workbook:
        return sum(1 for _row in workbook.get_sheet_by_index(0).iter_rows())


def child_rss(mode: str, path: Path) -> tuple[int, float]:
    """Run this script as a child in `mode` on `path`; return (peak RSS in KiB, seconds)."""
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], check=True,
                         capture_output=True, text=True).stdout
    return int(out.split()[-1]), time.perf_counter() - start


def child_main(mode: str, path: Path) -> None:
    if mode == "parse":
        parse(path)
    else:
        raw_csv(path)
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent.
    status = Path("/proc/self/status").read_text()
    print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--rows", type=int, default=100_000)
    args.add_argument("--big-rows", type=int, default=1_000_000)
    args.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "nqi-import-bench")
    args.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    options = args.parse_args()
    if options.child:
        child_main(options.child[0], Path(options.child[1]))
        return
    workdir = options.workdir
    workdir.mkdir(parents=True, exist_ok=True)
    csv_path = workdir / f"results-{options.rows}.csv"
    xlsx_path = workdir / f"results-{options.rows}.xlsx"
    big_path = workdir / f"results-{options.big_rows}.csv"
    for path, write in ((csv_path, lambda p: samples.write_csv(p, options.rows, seed=1)),
                        (xlsx_path, lambda p: samples.write_xlsx(p, options.rows, seed=1)),
                        (big_path, lambda p: samples.write_csv(p, options.big_rows, seed=2))):
        if not path.exists():
            print(f"writing {path} ...", file=sys.stderr)
            write(path)

    print(f"load average before the run: {os.getloadavg()[0]:.2f}")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; rows per file: {options.rows:,}\n")
    print("| file | reader | rows | wall s | CPU s | rows/s (wall) | rows/CPU-s | ratio (CPU) |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    csv_base = timed("csv.reader (raw cells, baseline)", lambda: raw_csv(csv_path))
    csv_parse = timed("ImportParser (full parse + validation)", lambda: parse(csv_path))
    xlsx_base = timed("openpyxl read-only (raw cells, baseline)", lambda: openpyxl_read(xlsx_path))
    xlsx_raw = timed("calamine (raw cells)", lambda: calamine_read(xlsx_path))
    xlsx_parse = timed("ImportParser via calamine (full parse + validation)", lambda: parse(xlsx_path))
    for name, base, results in (("CSV", csv_base, (csv_base, csv_parse)),
                                ("xlsx", xlsx_base, (xlsx_base, xlsx_raw, xlsx_parse))):
        base_rate = base[1] / base[3]
        for label, rows, seconds, cpu in results:
            rate = rows / cpu
            print(f"| {name} | {label} | {rows:,} | {seconds:.2f} | {cpu:.2f} | {rows / seconds:,.0f} | {rate:,.0f} "
                  f"| {rate / base_rate:.2f}x baseline |")

    base_rss, base_seconds = child_rss("raw", big_path)
    parse_rss, parse_seconds = child_rss("parse", big_path)
    print(f"\nPeak RSS, {options.big_rows:,}-row CSV ({big_path.stat().st_size / 2**20:.0f} MiB), each in a fresh process:\n")
    print("| process | peak RSS | seconds | ratio |")
    print("|---|---:|---:|---|")
    print(f"| import + csv.reader over the file (baseline) | {base_rss / 1024:.0f} MiB | {base_seconds:.1f} | 1.00x |")
    print(f"| import + ImportParser.records() streamed | {parse_rss / 1024:.0f} MiB | {parse_seconds:.1f} "
          f"| {parse_rss / base_rss:.2f}x baseline |")


if __name__ == "__main__":
    main()
