"""Analytics scale benchmark: dashboard pass-rate queries over the rollup vs the naive GROUP BY over the records.

Creates the PostgreSQL database `nqi_bench_analytics` (postgres@127.0.0.1:5432, trust), migrates it, loads
N SamplingRecords with COPY (psycopg), builds the rollup with `nqi.inspections.rollups.rebuild()` and then, in the
same run, times each main dashboard query twice:

- through `nqi.analytics.aggregation` (sums over InspectionRollup, as the pages and the API run them), and
- as the naive query a dashboard would otherwise run: the same GROUP BY over the raw SamplingRecord table.

It prints p50 / p95 per query and the ratio naive p95 / rollup p95, and the CUSUM refresh time.
Targets: rollup p95 < 200 ms and >= 20x faster than the naive query.

    .venv/bin/python benchmarks/analytics.py --rows 10000000            # seed afresh, run, keep the database
    .venv/bin/python benchmarks/analytics.py --reuse                    # reuse the seeded database
    .venv/bin/python benchmarks/analytics.py --rows 200000 --drop       # quick check, drop afterwards

Data: 36 months (2023-12 .. 2026-11), 30 product categories with their own failure rates, 14 cities weighted
by size, 3 stages, 4 enterprise sizes and 5 plan kinds (10% risk monitoring), drawn with a fixed seed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "nqi_bench_analytics"
TARGET_MS, TARGET_RATIO = 200.0, 20.0
FIRST_MONTH, MONTHS = dt.date(2023, 12, 1), 36
CHUNK = 250_000

CATEGORIES = [
    "螺蛳粉", "米粉", "白砂糖", "包装饮用水", "食用植物油", "酱腌菜", "糕点", "茶叶", "酒类", "调味品",
    "肉制品", "乳制品", "水产制品", "蜂产品", "罐头", "化肥", "农药", "电线电缆", "建筑用钢筋", "水泥",
    "人造板", "家具", "儿童玩具", "童装", "床上用品", "电动自行车", "小家电", "燃气灶具", "消防产品", "塑料管材",
]
CITIES = ["450100", "450200", "450300", "450400", "450500", "450600", "450700", "450800", "450900", "451000",
          "451100", "451200", "451300", "451400"]
CITY_WEIGHTS = [18, 12, 10, 6, 5, 3, 6, 7, 9, 6, 4, 5, 4, 5]
STAGES, STAGE_WEIGHTS = ["production", "circulation", "ecommerce"], [45, 40, 15]
SIZES, SIZE_WEIGHTS = ["micro", "small", "medium", "large"], [30, 40, 20, 10]
KINDS, KIND_WEIGHTS = ["national", "provincial", "city", "special", "risk_monitoring"], [10, 35, 35, 10, 10]


def _p(weights):
    w = np.asarray(weights, dtype=float)
    return w / w.sum()


# ---------------------------------------------------------------- database

def admin_connection():
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def database_exists() -> bool:
    with admin_connection() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone() is not None


def recreate_database():
    with admin_connection() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def drop_database():
    with admin_connection() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def setup_django():
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")
    os.environ.setdefault("NQI_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()


def migrate():
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# ---------------------------------------------------------------- seeding

class Structure:
    """Which combinations occur at all in the "structured" layout (the "uniform" layout allows every one).

    Drawn once from the seed, following how spot checks are organised: production-stage samples come from the
    cities that make the product (5 of 14 per category); e-commerce samples only for the 15 consumer categories
    sold online; each year national checks cover 10 categories, risk monitoring 8, and special campaigns 4
    categories for one quarter. Provincial and city checks cover every category everywhere.
    """

    def __init__(self, rng):
        n_cat = len(CATEGORIES)
        self.home = np.stack([rng.choice(len(CITIES), 5, replace=False, p=_p(CITY_WEIGHTS)) for _ in range(n_cat)])
        self.online = np.zeros(n_cat, dtype=bool)
        self.online[rng.choice(n_cat, 15, replace=False)] = True
        years = range(FIRST_MONTH.year, FIRST_MONTH.year + 4)
        self.national = {y: set(rng.choice(n_cat, 10, replace=False).tolist()) for y in years}
        self.risk = {y: set(rng.choice(n_cat, 8, replace=False).tolist()) for y in years}
        self.special = {y: (set(rng.choice(n_cat, 4, replace=False).tolist()), int(rng.integers(1, 5)))
                        for y in years}

    def apply(self, rng, cat, kind, city, stage, dates):
        years = np.array([d.year for d in dates])
        quarters = np.array([(d.month - 1) // 3 + 1 for d in dates])
        allowed = np.ones(len(cat), dtype=bool)
        for y in np.unique(years):
            in_year = years == y
            nat = np.isin(cat, list(self.national[y]))
            risk = np.isin(cat, list(self.risk[y]))
            spec_cats, spec_quarter = self.special[y]
            spec = np.isin(cat, list(spec_cats)) & (quarters == spec_quarter)
            allowed &= ~in_year | (kind != 0) | nat
            allowed &= ~in_year | (kind != 3) | spec
            allowed &= ~in_year | (kind != 4) | risk
        # A check that cannot happen for this category and month becomes a provincial or city check.
        kind = np.where(allowed, kind, rng.choice([1, 2], len(cat)))
        stage = np.where((stage == 2) & ~self.online[cat], 1, stage)
        producing = (self.home[cat] == city[:, None]).any(axis=1)
        city = np.where((stage == 0) & ~producing, self.home[cat, rng.integers(0, 5, len(cat))], city)
        return kind, city, stage


def _chunk_text(rng, n, plan_ids, fail_rates, day_offsets, structure=None) -> str:
    cat = rng.choice(len(CATEGORIES), n)
    kind = rng.choice(len(KINDS), n, p=_p(KIND_WEIGHTS))
    city = rng.choice(len(CITIES), n, p=_p(CITY_WEIGHTS))
    stage = rng.choice(len(STAGES), n, p=_p(STAGE_WEIGHTS))
    size = rng.choice(len(SIZES), n, p=_p(SIZE_WEIGHTS))
    day = rng.choice(day_offsets, n)
    if structure is not None:
        calendar = [FIRST_MONTH + dt.timedelta(days=int(d)) for d in range(day_offsets.max() + 1)]
        kind, city, stage = structure.apply(rng, cat, kind, city, stage, [calendar[d] for d in day])
    # Risk monitoring samples where risk is suspected: it fails about twice as often.
    p_fail = fail_rates[cat] * np.where(kind == len(KINDS) - 1, 2.0, 1.0)
    failed = rng.random(n) < p_fail
    dates = np.array([(FIRST_MONTH + dt.timedelta(days=int(d))).isoformat() for d in range(day_offsets.max() + 1)])
    cols = [
        np.array([str(plan_ids[k]) for k in KINDS])[kind],
        np.array(KINDS)[kind],
        np.array(STAGES)[stage],
        np.array(CITIES)[city],
        dates[day],
        np.array(SIZES)[size],
        np.array(CATEGORIES)[cat],
        np.array(CATEGORIES)[cat],
        np.where(failed, "fail", "pass"),
    ]
    return "\n".join(map("\t".join, zip(*cols, strict=True))) + "\n"


COPY_COLUMNS = ["plan_id", "plan_kind", "stage", "city", "sampling_date", "enterprise_size", "product_category",
                "product_name", "conclusion"]


def seed(rows: int, layout: str = "uniform", seed_value: int = 20261127) -> dict:
    """Load `rows` decided records by COPY; secondary indexes are dropped first and rebuilt after (as a bulk
    load should), constant columns get temporary column defaults so COPY sends only what varies."""
    from django.db import connection

    from nqi.inspections.models import InspectionPlan, SamplingRecord

    plans = {kind: InspectionPlan.objects.create(name=f"基准测试 {kind}", year=2026, kind=kind).pk for kind in KINDS}
    table = SamplingRecord._meta.db_table
    rng = np.random.default_rng(seed_value)
    fail_rates = rng.uniform(0.015, 0.09, len(CATEGORIES))
    structure = Structure(rng) if layout == "structured" else None
    last_day = (dt.date(2026, 11, 30) - FIRST_MONTH).days
    day_offsets = np.arange(last_day + 1)
    timings = {}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("""SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN
                          (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)""", [table, table])
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("""SELECT column_name, data_type FROM information_schema.columns
                          WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL""", [table])
        defaults = {"character varying": "''", "text": "''", "boolean": "false", "jsonb": "'[]'::jsonb",
                    "integer": "0", "smallint": "0", "bigint": "0",
                    "timestamp with time zone": "now()", "date": "CURRENT_DATE"}
        not_null = cursor.fetchall()
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS bench_record_seq")
        cursor.execute("CREATE SEQUENCE IF NOT EXISTS bench_dedup_seq")
        constant = []
        for column, data_type in not_null:
            if column in COPY_COLUMNS or column == "id":
                continue
            value = defaults.get(data_type)
            if column == "number":
                value = "'B' || lpad(nextval('bench_record_seq')::text, 11, '0')"
            elif column == "dedup_key":
                value = ("lpad(to_hex(nextval('bench_dedup_seq')), 32, '0')::uuid" if data_type == "uuid"
                         else "'k' || lpad(nextval('bench_dedup_seq')::text, 39, '0')")
            elif column == "status":
                value = "'final'"
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" SET DEFAULT {value}')
            constant.append(column)
    raw = connection.connection
    done = 0
    with raw.cursor() as cur:
        # A COPY per chunk: the records' reference checks (migration 0008) read each statement's rows at once,
        # from memory up to work_mem.
        cur.execute("SET work_mem = '256MB'")
        while done < rows:
            n = min(CHUNK, rows - done)
            with cur.copy(f"COPY {table} ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
                copy.write(_chunk_text(rng, n, plans, fail_rates, day_offsets, structure).encode())
            done += n
            if done % 2_000_000 < CHUNK:
                print(f"  copied {done:,} rows ({time.perf_counter() - started:.0f} s)", flush=True)
        cur.execute("RESET work_mem")
    timings["copy_s"] = time.perf_counter() - started
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for column in constant:
            cursor.execute(f'ALTER TABLE {table} ALTER COLUMN "{column}" DROP DEFAULT')
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute(f"ANALYZE {table}")
    timings["indexes_s"] = time.perf_counter() - t
    return timings


# ---------------------------------------------------------------- measuring

def _time(fn, repeat):
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append(1000 * (time.perf_counter() - t))
    return samples


def p95(samples):
    return float(np.percentile(samples, 95))


def measure(repeat_fast: int, repeat_naive: int) -> list[dict]:
    from django.db.models import Count, Q
    from django.db.models.functions import TruncMonth

    from nqi import testing
    from nqi.accounts.choices import OrgKind, RegulatorLevel, Role
    from nqi.accounts.models import Organisation
    from nqi.analytics import aggregation as agg
    from nqi.inspections.models import SamplingRecord

    def regulator(username, city_code, level):
        from nqi.accounts.models import User

        existing = User.objects.filter(username=username).first()  # --reuse: the accounts of an earlier run
        if existing:
            return existing
        org, _created = Organisation.objects.get_or_create(
            name=f"基准测试{city_code}{level}监管局",
            defaults={"kind": OrgKind.REGULATOR, "city": city_code, "regulator_level": level})
        role = Role.REGION_REGULATOR if level == RegulatorLevel.REGION else Role.CITY_REGULATOR
        return testing.make_user(role, org, username=username)

    region = regulator("bench_region", "450100", RegulatorLevel.REGION)
    city = regulator("bench_liuzhou", "450200", RegulatorLevel.CITY)
    last12 = agg.Filters(month_from=dt.date(2025, 12, 1), month_to=dt.date(2026, 11, 1))
    decided = Q(conclusion__in=["pass", "fail"]) & ~Q(plan_kind="risk_monitoring")
    window = Q(sampling_date__gte=dt.date(2025, 12, 1), sampling_date__lt=dt.date(2026, 12, 1))

    def naive(group_by, where=None, month=False):
        qs = SamplingRecord.objects.filter(decided & (where or Q()))
        if month:
            qs = qs.annotate(period=TruncMonth("sampling_date"))
        return lambda: list(qs.values(group_by).annotate(
            passed=Count("id", filter=Q(conclusion="pass")), total=Count("id")).order_by(group_by))

    q3 = Q(sampling_date__gte=dt.date(2026, 7, 1), sampling_date__lt=dt.date(2026, 10, 1))

    def naive_bulletin():
        # The same four figures the bulletin reads from the rollup: three breakdowns and the risk-monitoring count.
        for column in ("product_category", "city", "stage"):
            naive(column, q3)()
        SamplingRecord.objects.filter(q3, plan_kind="risk_monitoring", conclusion__in=["pass", "fail"]).count()

    cases = [
        ("按产品类别（近12个月，全区）", lambda: agg.breakdown(region, "category", last12),
         naive("product_category", window)),
        ("按地市（近12个月，全区）+漏斗图", lambda: agg.funnel(region, "city", last12),
         naive("city", window)),
        ("按抽样环节（全部期间）", lambda: agg.breakdown(region, "stage", agg.Filters()), naive("stage")),
        ("按企业规模（全部期间）", lambda: agg.breakdown(region, "size", agg.Filters()), naive("enterprise_size")),
        ("按月趋势+环比检验（全部期间）", lambda: agg.trend(region, agg.Filters()), naive("period", month=True)),
        ("季度公报（2026Q3，类别/地市/环节+风险监测数）", lambda: agg.bulletin(region, 2026, 3), naive_bulletin),
        ("市级：按产品类别（柳州，近12个月）", lambda: agg.breakdown(city, "category", last12),
         naive("product_category", window & Q(city="450200"))),
    ]
    # All rollup queries first, then all naive ones: the naive scans read gigabytes and would otherwise evict
    # the rollup from PostgreSQL's buffers between samples, which no real dashboard workload does.
    fast_runs = {}
    for name, fast, _slow in cases:
        fast()  # warm once, as a page that is read repeatedly would be
        fast_runs[name] = _time(fast, repeat_fast)
    results = []
    for name, _fast, slow in cases:
        slow_samples, fast_samples = _time(slow, repeat_naive), fast_runs[name]
        results.append({"query": name, "rollup_p50": statistics.median(fast_samples), "rollup_p95": p95(fast_samples),
                        "naive_p50": statistics.median(slow_samples), "naive_p95": p95(slow_samples),
                        "ratio": p95(slow_samples) / p95(fast_samples)})
        r = results[-1]
        print(f"  {name}: rollup p95 {r['rollup_p95']:.1f} ms, naive p95 {r['naive_p95']:.0f} ms, "
              f"{r['ratio']:.0f}x", flush=True)
    return results


def main(argv=None):
    global DB_NAME
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--reuse", action="store_true", help="reuse the seeded database if it exists")
    parser.add_argument("--drop", action="store_true", help="drop the database at the end")
    parser.add_argument("--repeat", type=int, default=40, help="timed runs of each rollup query")
    parser.add_argument("--repeat-naive", type=int, default=5, help="timed runs of each naive query")
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument("--layout", choices=["uniform", "structured"], default="uniform",
                        help="uniform: every combination of the rollup key occurs (worst case for the rollup); "
                             "structured: only the combinations spot checks produce (see Structure)")
    parser.add_argument("--db", default=DB_NAME, help="database name (default %(default)s)")
    parser.add_argument("--skip-cusum", action="store_true", help="do not time the CUSUM refresh")
    args = parser.parse_args(argv)
    DB_NAME = args.db

    report = {"rows": args.rows, "layout": args.layout, "database": DB_NAME, "cores": os.cpu_count()}
    fresh = not (args.reuse and database_exists())
    if fresh:
        recreate_database()
    setup_django()
    from django.db import connection

    from nqi.analytics import monitoring
    from nqi.inspections import rollups
    from nqi.inspections.models import InspectionRollup, SamplingRecord

    if fresh:
        t = time.perf_counter()
        migrate()
        report["migrate_s"] = time.perf_counter() - t
        print(f"seeding {args.rows:,} records by COPY ...", flush=True)
        report.update(seed(args.rows, args.layout))
        t = time.perf_counter()
        rollups.rebuild()
        report["rollup_rebuild_s"] = time.perf_counter() - t
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {InspectionRollup._meta.db_table}")
    report["records"] = SamplingRecord.objects.count()
    report["rollup_rows"] = InspectionRollup.objects.count()
    print(f"records {report['records']:,}, rollup rows {report['rollup_rows']:,}", flush=True)
    if not args.skip_cusum:
        t = time.perf_counter()
        log = monitoring.refresh(dt.date(2026, 11, 27))
        report["cusum_refresh_s"] = time.perf_counter() - t
        report["cusum_groups"], report["cusum_alarms"] = log.groups, log.alarms
        print(f"CUSUM refresh: {report['cusum_refresh_s']:.1f} s, {log.groups} groups, {log.alarms} alarms",
              flush=True)
    report["load_before"] = os.getloadavg()
    report["queries"] = measure(args.repeat, args.repeat_naive)
    report["load_after"] = os.getloadavg()
    worst = max(q["rollup_p95"] for q in report["queries"])
    least = min(q["ratio"] for q in report["queries"])
    print(f"\nworst rollup p95 {worst:.1f} ms (target < {TARGET_MS:.0f}); "
          f"smallest speed-up {least:.0f}x (target >= {TARGET_RATIO:.0f}x)")
    print(json.dumps({k: v for k, v in report.items() if k != "queries"}, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str))
    connection.close()
    if args.drop:
        drop_database()
    return 0 if worst < TARGET_MS and least >= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
