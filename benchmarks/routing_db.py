"""Routing on the demo database: suggestion latency in process, and training from 100,000 dispatched requests.

Builds the demo database (`nqi demo --no-serve`) in a scratch directory, then measures:
- p50 / p95 latency of `routing.service.suggest()` (classifier + five BM25 lists built from the database) on
  the held-out requests of benchmarks/data/routing_eval.jsonl, against a baseline measured in the same run:
  the plain database search one would write without indexes (an OR of `icontains` over the same fields,
  five rows per list);
- the first call of a process (loading the model from its database row and building the indexes);
- `nqi routing train` (`training.train`) on 100,000 dispatched requests written into the database with their
  audit trail and 5% stored suggestions that the dispatcher overrode, against fitting the same examples
  from memory (the cost of reading history and deriving corrections is the difference).

    .venv/bin/python benchmarks/routing_db.py                  # the figures in docs/benchmarks-routing.md
    .venv/bin/python benchmarks/routing_db.py --train-size 0   # latency only
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
EVAL_PATH = ROOT / "benchmarks" / "data" / "routing_eval.jsonl"
BENCH_PREFIX = "BM"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def setup_django(data_dir: str) -> None:
    os.environ["NQI_DATA_DIR"] = data_dir
    # The demo's notifications would go to the console mail backend, i.e. into the benchmark's output.
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")
    os.environ.setdefault("NQI_DEMO", "1")
    import django

    django.setup()


def baseline_search(text: str) -> dict:
    """Without indexes: each token as an icontains filter over the same fields, OR-ed, first five rows."""
    from django.db.models import Q

    from nqi.accounts.models import Organisation
    from nqi.catalog.models import Expert, ServiceItem
    from nqi.routing import text as routing_text
    from nqi.servicedesk.models import SolvedCase
    from nqi.standards.models import Standard

    tokens = [t for t in dict.fromkeys(routing_text.tokenize(text)) if len(t) > 1][:12]
    if not tokens:
        return {}

    def any_of(*fields):
        query = Q()
        for token in tokens:
            for name in fields:
                query |= Q(**{f"{name}__icontains": token})
        return query

    return {
        "providers": list(Organisation.objects.filter(any_of("name", "description", "accreditations__scope"),
                                                      kind="provider").distinct().values_list("pk", flat=True)[:5]),
        "service_items": list(ServiceItem.objects.filter(any_of("name", "description")).values_list("pk", flat=True)[:5]),
        "experts": list(Expert.objects.filter(any_of("fields", "bio")).values_list("pk", flat=True)[:5]),
        "similar_cases": list(SolvedCase.objects.filter(any_of("title", "problem", "solution", "tags"))
                              .values_list("pk", flat=True)[:5]),
        "standards": list(Standard.objects.filter(any_of("title", "keywords", "test_items", "product_categories"))
                          .values_list("pk", flat=True)[:5]),
    }


def write_history(size: int, seed: int = 3) -> int:
    """`size` dispatched requests with their dispatch audit entries; 5% carry an overridden suggestion."""
    import datetime as dt

    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone

    from nqi.accounts.models import Organisation, User
    from nqi.core.models import AuditEntry
    from nqi.routing.history_corpus import LINES, generate_history
    from nqi.routing.models import Suggestion
    from nqi.servicedesk.models import ServiceRequest

    existing = ServiceRequest.objects.filter(number__startswith=BENCH_PREFIX).count()
    if existing >= size:
        return existing
    enterprise_user = User.objects.filter(role="enterprise", organisation__isnull=False).select_related(
        "organisation").first()
    providers = {line: list(Organisation.objects.filter(kind="provider", service_lines=line).values_list("pk", flat=True))
                 for line in LINES}
    regulator = User.objects.filter(role="region_regulator").first()
    content_type = ContentType.objects.get_for_model(ServiceRequest)
    rng = random.Random(seed)
    now = timezone.now()
    start_id = (ServiceRequest.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    records = list(generate_history(size - existing, seed=seed))
    for offset in range(0, len(records), 5000):
        chunk = records[offset:offset + 5000]
        requests, audits, suggestions = [], [], []
        for n, record in enumerate(chunk):
            pk = start_id + offset + n
            at = now - dt.timedelta(minutes=pk)
            requests.append(ServiceRequest(
                id=pk, number=f"{BENCH_PREFIX}{pk:010d}", kind="service", title=record.text[:120],
                description=record.text, line_id=record.line, status="dispatched",
                enterprise_id=enterprise_user.organisation_id, city=enterprise_user.organisation.city,
                created_by=enterprise_user, provider_id=rng.choice(providers[record.line]), submitted_at=at,
                dispatched_at=at + dt.timedelta(minutes=5)))
            audits.append(AuditEntry(content_type=content_type, object_id=pk, actor=regulator, action="dispatch",
                                     from_state="submitted", to_state="dispatched", created_at=at + dt.timedelta(minutes=5)))
            if rng.random() < 0.05:
                wrong = rng.choice([line for line in LINES if line != record.line])
                suggestions.append(Suggestion(request_id=pk, model_version=1, line_id=wrong, created_at=at))
        with transaction.atomic():
            ServiceRequest.objects.bulk_create(requests, batch_size=1000)
            AuditEntry.objects.bulk_create(audits, batch_size=2000)
            Suggestion.objects.bulk_create(suggestions, batch_size=2000)
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None, help="scratch directory for the demo database (default: new temp dir)")
    parser.add_argument("--train-size", type=int, default=100_000, help="dispatched requests for the training run")
    parser.add_argument("--split", choices=("heldout", "dev", "all"), default="heldout")
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="nqi-routing-bench-")
    setup_django(data_dir)
    from django.core.management import call_command

    from nqi.accounts.models import Organisation
    from nqi.routing import indexes, service, store, training
    from nqi.routing import text as routing_text
    from nqi.routing.models import RoutingModel
    from nqi.servicedesk.models import ServiceRequest

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    if not Organisation.objects.exists():
        call_command("demo", no_serve=True, stdout=open(os.devnull, "w"))
    demo_seconds = time.perf_counter() - started
    if not RoutingModel.objects.exists():
        training.train(note="benchmark")

    rows = [json.loads(line) for line in EVAL_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts = [row["text"] for row in rows if args.split == "all" or row["split"] == args.split]

    # First call of a fresh process: model row -> classifier, database -> five indexes.
    routing_text.get_tokenizer()
    store.cache.invalidate()
    indexes.cache.invalidate()
    started = time.perf_counter()
    service.suggest(texts[0])
    first_call_ms = (time.perf_counter() - started) * 1000

    # Wall time and this process's CPU time: on a shared machine the CPU time shows the cost of the work itself,
    # the wall time also the wait for a core.
    suggest_ms, baseline_ms, suggest_cpu, baseline_cpu = [], [], [], []
    agree = 0
    for text in texts:
        routing_text._tokenize_cached.cache_clear()
        started, cpu = time.perf_counter(), time.process_time()
        result = service.suggest(text)
        suggest_ms.append((time.perf_counter() - started) * 1000)
        suggest_cpu.append((time.process_time() - cpu) * 1000)
        started, cpu = time.perf_counter(), time.process_time()
        baseline_search(text)
        baseline_ms.append((time.perf_counter() - started) * 1000)
        baseline_cpu.append((time.process_time() - cpu) * 1000)
        agree += bool(result["providers"])
    sizes = {name: len(index) for name, index in indexes.get_indexes().items()}

    train_line = ""
    if args.train_size:
        started = time.perf_counter()
        write_history(args.train_size)
        write_seconds = time.perf_counter() - started
        history = ServiceRequest.objects.filter(line__isnull=False, provider__isnull=False).count()
        routing_text._tokenize_cached.cache_clear()
        started, cpu = time.perf_counter(), time.process_time()
        row = training.train(min_samples=0, note="benchmark 100k")
        train_seconds, train_cpu = time.perf_counter() - started, time.process_time() - cpu
        # Baseline: fitting the same examples already in memory (no database read, no correction derivation).
        training_set = training.build_training_set(min_samples=0)
        routing_text._tokenize_cached.cache_clear()
        from nqi.routing.classifier import ServiceLineClassifier

        started, cpu = time.perf_counter(), time.process_time()
        ServiceLineClassifier().fit(training_set.examples, correction_weight=training.DEFAULT_CORRECTION_WEIGHT)
        fit_seconds, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
        label = f"train from DB, {history} requests"
        train_line = (f"| {label + ', wall s':<44} | {train_seconds:>9.1f} | "
                      f"{'(fit in memory) ' + format(fit_seconds, '.1f'):>20} | {train_seconds / fit_seconds:>6.2f}x |\n"
                      f"| {label + ', CPU s':<44} | {train_cpu:>9.1f} | "
                      f"{'(fit in memory) ' + format(fit_cpu, '.1f'):>20} | {train_cpu / fit_cpu:>6.2f}x |")
        train_note = (f"Training history: {history} dispatched requests ({row.correction_samples} corrections "
                      f"derived from stored suggestions and the audit trail); writing them took {write_seconds:.0f} s.")

    print(f"Routing on the demo database - {len(texts)} {args.split} requests; demo built/loaded in "
          f"{demo_seconds:.0f} s; data dir {data_dir}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} CPUs")
    print()
    print(f"| {'measure':<44} | {'suggest':>9} | {'icontains baseline':>20} | {'ratio':>7} |")
    print(f"|{'-' * 46}|{'-' * 11}|{'-' * 22}|{'-' * 9}|")
    for label, q, ours, theirs in (("latency p50, wall ms", 0.5, suggest_ms, baseline_ms),
                                   ("latency p95, wall ms", 0.95, suggest_ms, baseline_ms),
                                   ("latency p50, CPU ms", 0.5, suggest_cpu, baseline_cpu),
                                   ("latency p95, CPU ms", 0.95, suggest_cpu, baseline_cpu)):
        m, b = percentile(ours, q), percentile(theirs, q)
        print(f"| {label:<44} | {m:>9.2f} | {b:>20.2f} | {m / b:>6.2f}x |")
    print(f"| {'first call in a process (load + build), ms':<44} | {first_call_ms:>9.0f} | "
          f"{'(warm p50) ' + format(percentile(suggest_ms, 0.5), '.2f'):>20} | "
          f"{first_call_ms / percentile(suggest_ms, 0.5):>6.0f}x |")
    if train_line:
        print(train_line)
    print()
    print(f"Indexes: {', '.join(f'{k} {v}' for k, v in sizes.items())}; requests with a provider suggestion: "
          f"{agree}/{len(texts)}; tokeniser cache cleared before every call.")
    if train_line:
        print(train_note)


if __name__ == "__main__":
    main()
