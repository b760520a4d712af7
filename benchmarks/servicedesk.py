"""Service desk load benchmark: 1,000,000 seeded requests in PostgreSQL, 50 concurrent users against gunicorn.

Creates the PostgreSQL database `nqi_bench_desk`, fills it with `nqi seed --requests N` (timed), starts gunicorn on
a free loopback port and runs locust headless (a subprocess that loads this same file as its locustfile) against:

- the request list API, GET /api/v1/requests/, as enterprise, provider, city and region regulator accounts;
- the regulator overview page, GET /overview/, as city and region regulators;
- the bare DRF baseline, GET /api/v1/health/ (authenticated, one `SELECT 1`), measured in the same run.

It prints requests, errors, p50 / p95 / p99 per endpoint and the ratio of each p95 to the health p95.
Targets: list p95 < 100 ms and <= 2x health p95; overview p95 < 300 ms; zero errors.

    .venv/bin/python benchmarks/servicedesk.py                  # seed afresh, run, drop the database
    .venv/bin/python benchmarks/servicedesk.py --reuse          # keep the seeded database and reuse it next time
    .venv/bin/python benchmarks/servicedesk.py --reuse --think 0  # closed loop, no think time: throughput limit

Loopback only; the load generator, gunicorn and PostgreSQL share the machine's cores.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "nqi_bench_desk"  # --database overrides it (a small smoke run must not drop the big one)
DEMO_PASSWORD = "nqi-demo-2026"  # nqi.demo.generate.DEMO_PASSWORD; not imported so locust need not load Django

# The load users, by role; each locust user takes the next account of its role round-robin.
ACCOUNTS = {
    "enterprise": ["qiye"] + [f"ent{n:04d}" for n in (1, 2, 3, 5, 8, 13, 21, 34, 55, 89)],
    "provider": ["jigou"] + [f"prov{n:02d}0" for n in range(0, 12)],
    "city_regulator": ["liuzhou", "reg450100", "reg450300", "reg450400", "reg450900", "reg451100"],
    "region_regulator": ["zizhiqu"],
}
# Of 50 users: what share of each role (roughly the platform's expected mix: many firms, fewer staff).
ROLE_SHARE = {"enterprise": 0.4, "provider": 0.3, "city_regulator": 0.2, "region_regulator": 0.1}
LIST_TARGET_MS, RATIO_TARGET, OVERVIEW_TARGET_MS = 100.0, 2.0, 300.0


# ---------------------------------------------------------------- database

def _admin_connection():
    import psycopg

    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def database_state() -> dict | None:
    """The seed's metadata (requests, seconds) kept as the database's comment, or None if there is no database."""
    with _admin_connection() as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [DB_NAME]).fetchone()
    if row is None:
        return None
    try:
        return json.loads(row[0] or "{}")
    except ValueError:
        return {}


def drop_database():
    with _admin_connection() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def nqi(*args, env, quiet=False):
    out = subprocess.DEVNULL if quiet else None
    subprocess.run([str(VENV_BIN / "nqi"), *args], env=env, cwd=ROOT, check=True, stdout=out)


def seed(requests: int, env) -> dict:
    drop_database()
    with _admin_connection() as conn:
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    timings = {"requests": requests}
    started = time.monotonic()
    nqi("seed", "--requests", str(requests), env=env)
    timings["seed_s"] = round(time.monotonic() - started, 1)
    # The seed writes history in bulk, which bypasses the signals that keep the overview's rollups.
    started = time.monotonic()
    nqi("shell", "-c", "from nqi.servicedesk import rollups; rollups.rebuild()", env=env)
    timings["rollup_rebuild_s"] = round(time.monotonic() - started, 1)
    # What autovacuum would do soon after a bulk load: statistics for the planner, a visibility map for
    # index-only scans.
    started = time.monotonic()
    import psycopg

    with psycopg.connect(f"{SERVER}/{DB_NAME}", autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    timings["vacuum_analyze_s"] = round(time.monotonic() - started, 1)
    with _admin_connection() as conn:
        conn.execute(f"COMMENT ON DATABASE {DB_NAME} IS '{json.dumps(timings)}'")
    return timings


# ---------------------------------------------------------------- server

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port, workers, env):
    return subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "nqi.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--timeout", "60", "--log-level", "warning"], env=env, cwd=ROOT)


def wait_until_up(proc, base):
    import requests

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            requests.get(f"{base}/api/v1/health/", timeout=10)  # 401/403 is fine: it answers
            return
        except requests.RequestException:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 120 s")


def stop(proc):
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def credentials(base) -> dict:
    """A token for every account, and a session for the regulators (the overview is a page, not an API)."""
    import requests

    creds = {}
    for role, usernames in ACCOUNTS.items():
        for username in usernames:
            r = requests.post(f"{base}/api/v1/auth/token/", json={"username": username, "password": DEMO_PASSWORD},
                              timeout=30)
            r.raise_for_status()
            entry = {"role": role, "username": username, "token": r.json()["token"]}
            if role in ("city_regulator", "region_regulator"):
                session = requests.Session()
                session.get(f"{base}/login/", timeout=30)
                login = session.post(f"{base}/login/", data={
                    "username": username, "password": DEMO_PASSWORD,
                    "csrfmiddlewaretoken": session.cookies["csrftoken"]}, headers={"Referer": f"{base}/login/"},
                    allow_redirects=False, timeout=30)
                if login.status_code != 302:
                    raise SystemExit(f"login failed for {username}: {login.status_code}")
                entry["cookies"] = session.cookies.get_dict()
            creds.setdefault(role, []).append(entry)
    return creds


def warm_up(base, creds, workers):
    """Every worker imports its modules and opens its database connection before the clock starts."""
    import requests

    for _ in range(workers * 3):
        for entries in creds.values():
            entry = entries[0]
            headers = {"Authorization": f"Token {entry['token']}"}
            requests.get(f"{base}/api/v1/requests/", headers=headers, timeout=60).raise_for_status()
            requests.get(f"{base}/api/v1/health/", headers=headers, timeout=60).raise_for_status()
            if "cookies" in entry:
                requests.get(f"{base}/overview/", cookies=entry["cookies"], timeout=60).raise_for_status()


# ---------------------------------------------------------------- load (run by locust, in its own process)

if os.environ.get("NQI_BENCH_CREDENTIALS"):
    from locust import HttpUser, events, task

    _CREDS = json.loads(Path(os.environ["NQI_BENCH_CREDENTIALS"]).read_text())
    _OUT = Path(os.environ["NQI_BENCH_OUT"])
    _MAX_REQUESTS = int(os.environ["NQI_BENCH_MAX_REQUESTS"])
    _THINK = [float(x) for x in os.environ["NQI_BENCH_THINK"].split(",")]
    _SAMPLES: list = []
    _ROLE_PLAN: list = []
    _STATE = {"users": 0, "by_role": {}, "environment": None}

    @events.init.add_listener
    def _plan(environment, **kwargs):
        _STATE["environment"] = environment
        users = environment.parsed_options.num_users
        for role, share in ROLE_SHARE.items():
            _ROLE_PLAN.extend([role] * round(users * share))
        _ROLE_PLAN.extend(["enterprise"] * max(0, users - len(_ROLE_PLAN)))
        random.Random(7).shuffle(_ROLE_PLAN)

    @events.request.add_listener
    def _record(request_type, name, response_time, response_length, exception, **kwargs):
        _SAMPLES.append((name, response_time, None if exception is None else str(exception)[:200]))
        if len(_SAMPLES) == _MAX_REQUESTS:
            _STATE["environment"].runner.quit()

    @events.quitting.add_listener
    def _dump(environment, **kwargs):
        _OUT.write_text(json.dumps(_SAMPLES))

    class DeskUser(HttpUser):
        """One person at the service desk: reads the request list (paging now and then), and a regulator
        also opens the overview. The health check is polled alongside as the baseline."""

        def wait_time(self):
            return random.uniform(*_THINK)

        def on_start(self):
            self.role = _ROLE_PLAN[_STATE["users"] % len(_ROLE_PLAN)]
            _STATE["users"] += 1
            nth = _STATE["by_role"].get(self.role, 0)
            _STATE["by_role"][self.role] = nth + 1
            accounts = _CREDS[self.role]
            account = accounts[nth % len(accounts)]
            self.client.headers["Authorization"] = f"Token {account['token']}"
            for key, value in account.get("cookies", {}).items():
                self.client.cookies.set(key, value)

        @task(6)
        def request_list(self):
            # Mostly the first page; now and then a later one, within what this account can see.
            pages = getattr(self, "pages", 1)
            page = 1 if random.random() < 0.7 else random.randint(1, min(10, pages))
            with self.client.get(f"/api/v1/requests/?page={page}", name=f"list {self.role}",
                                 catch_response=True) as r:
                if r.status_code != 200 or not r.json().get("results"):
                    r.failure(f"status {r.status_code}")
                else:
                    self.pages = max(1, -(-r.json()["count"] // 25))

        @task(2)
        def health(self):
            with self.client.get("/api/v1/health/", name="health", catch_response=True) as r:
                if r.status_code != 200 or r.json().get("database") is not True:
                    r.failure(f"status {r.status_code}")

        @task(1)
        def overview(self):
            if self.role not in ("city_regulator", "region_regulator"):
                return self.request_list()
            with self.client.get("/overview/", name=f"overview {self.role}", catch_response=True) as r:
                if r.status_code != 200 or 'id="stat-delivered"' not in r.text:
                    r.failure(f"status {r.status_code}")


def run_load(base, creds, users, duration, max_requests, think) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        creds_path, out_path = Path(tmp) / "creds.json", Path(tmp) / "samples.json"
        creds_path.write_text(json.dumps(creds))
        env = os.environ | {"NQI_BENCH_CREDENTIALS": str(creds_path), "NQI_BENCH_OUT": str(out_path),
                            "NQI_BENCH_MAX_REQUESTS": str(max_requests), "NQI_BENCH_THINK": think}
        subprocess.run([str(VENV_BIN / "locust"), "-f", __file__, "--headless", "--host", base,
                        "--users", str(users), "--spawn-rate", str(users), "--run-time", f"{duration}s",
                        "--stop-timeout", "10", "--only-summary", "--loglevel", "WARNING",
                        "--exit-code-on-error", "0"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        return json.loads(out_path.read_text())


# ---------------------------------------------------------------- report

def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summarise(samples) -> dict:
    groups: dict = {}
    for name, ms, error in samples:
        groups.setdefault(name, []).append((ms, error))
        if name.startswith("list "):
            groups.setdefault("list (all roles)", []).append((ms, error))
        if name.startswith("overview "):
            groups.setdefault("overview (all regulators)", []).append((ms, error))
    rows = {}
    for name, items in groups.items():
        times = [ms for ms, _ in items]
        errors = [e for _, e in items if e]
        rows[name] = {"requests": len(items), "errors": len(errors), "p50": percentile(times, 0.50),
                      "p95": percentile(times, 0.95), "p99": percentile(times, 0.99),
                      "first_error": errors[0] if errors else ""}
    health = rows.get("health", {}).get("p95")
    for row in rows.values():
        row["ratio"] = row["p95"] / health if health else None
    return rows


ORDER = ["health", "list enterprise", "list provider", "list city_regulator", "list region_regulator",
         "list (all roles)", "overview city_regulator", "overview region_regulator", "overview (all regulators)"]


def print_table(rows):
    print(f"| {'endpoint':<28} | {'requests':>8} | {'errors':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} |"
          f" {'p95 / health p95':>16} |")
    print(f"|{'-' * 30}|{'-' * 10}:|{'-' * 8}:|{'-' * 9}:|{'-' * 9}:|{'-' * 9}:|{'-' * 18}:|")
    for name in ORDER + sorted(set(rows) - set(ORDER)):
        if name in rows:
            r = rows[name]
            print(f"| {name:<28} | {r['requests']:>8} | {r['errors']:>6} | {r['p50']:>7.1f} | {r['p95']:>7.1f} |"
                  f" {r['p99']:>7.1f} | {r['ratio']:>15.2f}x |")
    for r in rows.values():
        if r["errors"]:
            print("first error:", r["first_error"])


def verdict(rows) -> list[str]:
    lst, ovw = rows.get("list (all roles)"), rows.get("overview (all regulators)")
    total_errors = sum(r["errors"] for name, r in rows.items() if "(" not in name)
    checks = [
        (f"list p95 < {LIST_TARGET_MS:.0f} ms (every role)",
         all(r["p95"] < LIST_TARGET_MS for n, r in rows.items() if n.startswith("list "))),
        (f"list p95 <= {RATIO_TARGET:.0f}x health p95 (all roles together)", lst and lst["ratio"] <= RATIO_TARGET),
        (f"overview p95 < {OVERVIEW_TARGET_MS:.0f} ms (every regulator)",
         all(r["p95"] < OVERVIEW_TARGET_MS for n, r in rows.items() if n.startswith("overview "))),
        ("zero errors", total_errors == 0),
    ]
    return [f"{'PASS' if ok else 'FAIL'}  {label}" for label, ok in checks] + (
        [] if ovw else ["FAIL  no overview requests were made"])


def main():
    global DB_NAME
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000, help="requests to seed")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a database seeded earlier with the same --requests, and keep it afterwards")
    parser.add_argument("--users", type=int, default=50, help="concurrent locust users")
    parser.add_argument("--duration", type=int, default=120, help="seconds of load")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop the load after this many requests")
    parser.add_argument("--think", default="0.5,2.0",
                        help="each user's pause between requests, uniform min,max seconds; 0,0 for none")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--database", default=DB_NAME, help="PostgreSQL database to create, use and drop")
    args = parser.parse_args()
    DB_NAME = args.database
    if "," not in args.think:
        args.think = f"{args.think},{args.think}"

    env = os.environ | {"DATABASE_URL": f"{SERVER}/{DB_NAME}", "NQI_DEBUG": "0", "NQI_DEMO": "0",
                        "SECRET_KEY": secrets.token_urlsafe(40), "ALLOWED_HOSTS": "127.0.0.1,localhost",
                        "DB_CONN_MAX_AGE": "600"}
    state = database_state()
    reused = bool(args.reuse and state and state.get("requests") == args.requests)
    if reused:
        print(f"reusing {DB_NAME}: {state}")
        nqi("migrate", "--no-input", env=env, quiet=True)  # new indexes and rollup tables since the seed
    else:
        print(f"seeding {args.requests} requests into {DB_NAME} ...")
        state = seed(args.requests, env)
        print(f"seeded: {state}")

    server = None
    try:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(port, args.workers, env)
        wait_until_up(server, base)
        creds = credentials(base)
        warm_up(base, creds, args.workers)
        print(f"load: {args.users} users, think {args.think} s, {args.duration} s or {args.max_requests} requests, "
              f"gunicorn {args.workers} sync workers on {os.cpu_count()} cores shared with locust and PostgreSQL")
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        samples = run_load(base, creds, args.users, args.duration, args.max_requests, args.think)
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()[0]
    finally:
        stop(server)
        if not args.reuse:
            drop_database()

    rows = summarise(samples)
    print(f"\n{len(samples)} requests in {elapsed:.0f} s ({len(samples) / elapsed:.0f} req/s); machine load average "
          f"{load_before:.1f} before, {load_after:.1f} at the end ({os.cpu_count()} cores)\n")
    print_table(rows)
    print()
    for line in verdict(rows):
        print(line)
    if args.json:
        args.json.write_text(json.dumps({"seed": state, "reused": reused, "args": vars(args) | {"json": str(args.json)},
                                         "elapsed_s": elapsed,
                                         "load_average": [load_before, load_after], "rows": rows}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
