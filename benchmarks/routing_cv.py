"""Routing: choose the service-line classifier's hyperparameters by 5-fold cross-validation on the dev split.

Only the dev rows of benchmarks/data/routing_eval.jsonl are used; held-out rows are dropped right after
loading and never looked at. The dev rows are split into 5 folds, stratified by primary line (fixed seed).
For each fold the classifier is trained as the held-out benchmark trains it (benchmarks/routing.py:
`generate_history(30000, seed=S)` synthetic records plus the dev rows), but with the fold's dev rows left out,
and scored on them: top-1 against the primary line. The five folds' counts are summed, so every dev row is
predicted exactly once per configuration ("correct / 489").

The search is a coordinate descent from the defaults on history seed 1: l2 in {0.3, 1, 3}, then bigram_weight
in {0.25, 0.5, 1.0}, then keyword_prior_weight in {1, 2, 4}, then min_count in {1, 2, 3}, each at the best
point so far (ties keep the current value). The defaults and the best point are then repeated with history
seed 2. Differences of one or two requests are noise: adopt a new default only if it gains clearly (>= 4 of
489) on both history seeds.

    nice -n 19 .venv/bin/python benchmarks/routing_cv.py                     # search + seed-2 check
    nice -n 19 .venv/bin/python benchmarks/routing_cv.py --grid              # full 27-point grid instead
    nice -n 19 .venv/bin/python benchmarks/routing_cv.py --config l2=3 --config l2=1 --seeds 1 2
                                                                            # score given configs only

Runtime: about 10-20 s per configuration and seed (five fits on ~30,400 examples, measured under nice on a
shared 2-core machine); the default run scores 11 configurations in about 2.5 minutes, --grid 32 in about
6-7 minutes. Features are computed once per text (the feature function is pure), so only the fits repeat.

Result when this script was added: every point of the grid is within 481-486/489 and the defaults (485 on history seed 1,
486 on seed 2) are within one request of the best, so the defaults were kept. See docs/benchmarks-routing.md.
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
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")
os.environ.setdefault("NQI_DATA_DIR", tempfile.mkdtemp(prefix="nqi-bench-routing-"))

from nqi.routing import classifier as classifier_module  # noqa: E402
from nqi.routing import history_corpus as corpus  # noqa: E402
from nqi.routing.classifier import ServiceLineClassifier  # noqa: E402

EVAL_PATH = ROOT / "benchmarks" / "data" / "routing_eval.jsonl"
DEFAULTS = {"l2": 1.0, "min_count": 2, "keyword_prior_weight": 2.0, "bigram_weight": 0.5}
AXES = (("l2", (0.3, 1.0, 3.0)), ("bigram_weight", (0.25, 0.5, 1.0)),
        ("keyword_prior_weight", (1.0, 2.0, 4.0)), ("min_count", (1, 2, 3)))
FOLDS = 5
FOLD_SEED = 20240601
HISTORY_SIZE = 30000


def load_dev() -> list[dict]:
    """The dev rows only: held-out rows are filtered out as each line is parsed and never kept."""
    rows = []
    for line in EVAL_PATH.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            if row["split"] == "dev":
                rows.append(row)
    return rows


def stratified_folds(rows: list[dict], k: int = FOLDS, seed: int = FOLD_SEED) -> list[list[dict]]:
    """k folds; each primary line's rows are shuffled (fixed seed) and dealt round-robin."""
    rng = random.Random(seed)
    folds: list[list[dict]] = [[] for _ in range(k)]
    by_line: dict[str, list[dict]] = {}
    for row in rows:
        by_line.setdefault(row["primary"], []).append(row)
    position = 0
    for line in sorted(by_line):
        group = by_line[line][:]
        rng.shuffle(group)
        for row in group:
            folds[position % k].append(row)
            position += 1
    return folds


def cache_features() -> None:
    """request_features is a pure function of its inputs; memoise it so the CV fits do not recompute it."""
    original = classifier_module.request_features
    cache: dict[tuple, list[str]] = {}

    def cached(text, tokens=None):
        key = (text, None if tokens is None else tuple(tokens))
        if key not in cache:
            cache[key] = original(text, tokens)
        return list(cache[key])

    classifier_module.request_features = cached


def config_key(params: dict) -> tuple:
    return tuple(sorted(params.items()))


def describe(params: dict) -> str:
    return " ".join(f"{name}={params[name]:g}" for name in ("l2", "bigram_weight", "keyword_prior_weight", "min_count"))


class CrossValidator:
    def __init__(self, folds: list[list[dict]]):
        self.folds = folds
        self.histories: dict[int, list[tuple[str, str]]] = {}
        self.results: dict[tuple, int] = {}

    def history(self, seed: int) -> list[tuple[str, str]]:
        if seed not in self.histories:
            self.histories[seed] = [(r.text, r.line) for r in corpus.generate_history(HISTORY_SIZE, seed=seed)]
        return self.histories[seed]

    def score(self, params: dict, seed: int) -> int:
        key = (seed, config_key(params))
        if key in self.results:
            return self.results[key]
        started = time.perf_counter()
        correct, per_fold = 0, []
        for i, test in enumerate(self.folds):
            train = self.history(seed) + [(row["text"], row["primary"])
                                          for j, fold in enumerate(self.folds) if j != i for row in fold]
            model = ServiceLineClassifier(**params, max_iter=300).fit(train, correction_weight=3.0)
            fold_correct = sum(model.classify(row["text"]).lines[0].code == row["primary"] for row in test)
            per_fold.append(fold_correct)
            correct += fold_correct
        self.results[key] = correct
        n = sum(len(fold) for fold in self.folds)
        print(f"  seed {seed}  {describe(params):<62} {correct:>3}/{n}  folds {per_fold}  "
              f"({time.perf_counter() - started:.0f} s)", flush=True)
        return correct


def parse_config(spec: str) -> dict:
    params = dict(DEFAULTS)
    for part in filter(None, spec.split(",")):
        name, value = part.split("=")
        if name not in DEFAULTS:
            raise SystemExit(f"unknown parameter {name}")
        params[name] = int(value) if name == "min_count" else float(value)
    return params


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", action="append", default=[],
                        help="score this config only (e.g. 'l2=3,bigram_weight=1'; unset = default); repeatable")
    parser.add_argument("--grid", action="store_true",
                        help="full 3x3x3 grid of l2 x bigram_weight x keyword_prior_weight instead of coordinate "
                             "descent (then min_count at the best point)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2], help="history seeds (search uses the first)")
    args = parser.parse_args()

    dev = load_dev()
    folds = stratified_folds(dev)
    cache_features()
    cv = CrossValidator(folds)
    n = len(dev)
    print(f"{FOLDS}-fold CV on {n} dev rows (fold sizes {[len(f) for f in folds]}), "
          f"training = {HISTORY_SIZE} synthetic + 4 folds")

    if args.config:
        configs = [parse_config(spec) for spec in args.config]
        for seed in args.seeds:
            for params in configs:
                cv.score(params, seed)
    else:
        seed = args.seeds[0]
        best = dict(DEFAULTS)
        best_score = cv.score(best, seed)
        if args.grid:
            (_, l2s), (_, bigrams), (_, priors), min_counts = AXES
            candidates = [{**DEFAULTS, "l2": a, "bigram_weight": b, "keyword_prior_weight": c}
                          for a in l2s for b in bigrams for c in priors]
            for candidate in candidates:
                score = cv.score(candidate, seed)
                if score > best_score:
                    best, best_score = candidate, score
            axes = (min_counts,)
        else:
            axes = AXES
        for name, values in axes:
            for value in values:
                candidate = {**best, name: value}
                score = cv.score(candidate, seed)
                if score > best_score:
                    best, best_score = candidate, score
        print(f"best on seed {seed}: {describe(best)} {best_score}/{n}")
        for other in args.seeds[1:]:
            cv.score(DEFAULTS, other)
            cv.score(best, other)

    print()
    seeds = sorted({seed for seed, _ in cv.results})
    print("| config | " + " | ".join(f"history seed {s}" for s in seeds) + " |")
    print("|---|" + "---:|" * len(seeds))
    for key in dict.fromkeys(k for _s, k in cv.results):
        params = dict(key)
        cells = [f"{cv.results[(s, key)]}/{n}" if (s, key) in cv.results else "" for s in seeds]
        marker = " (default)" if params == DEFAULTS else ""
        print(f"| {describe(params)}{marker} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
