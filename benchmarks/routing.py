"""Routing benchmark: service-line accuracy on hand-written requests, latency, and training time.

Trains the classifier on synthetic dispatch history (plus the dev split), then on the held-out split of
benchmarks/data/routing_eval.jsonl reports top-1 / top-2 accuracy for the model and for a plain keyword
baseline measured in the same run; p50 / p95 latency of a full suggestion (classify + four BM25 lists);
and the time to train on 100,000 synthetic requests.

    .venv/bin/python benchmarks/routing.py              # the figures in docs/benchmarks-routing.md
    .venv/bin/python benchmarks/routing.py --split dev  # for tuning: never tune on the held-out split
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")  # the reasons are translated texts
os.environ.setdefault("NQI_DATA_DIR", tempfile.mkdtemp(prefix="nqi-bench-routing-"))
django.setup()

from nqi.routing import history_corpus as corpus  # noqa: E402
from nqi.routing import text as routing_text  # noqa: E402
from nqi.routing.classifier import LINES, ServiceLineClassifier  # noqa: E402
from nqi.routing.ranking import BM25Index, Document, suggest  # noqa: E402

EVAL_PATH = ROOT / "benchmarks" / "data" / "routing_eval.jsonl"


def load_eval() -> list[dict]:
    return [json.loads(line) for line in EVAL_PATH.read_text(encoding="utf-8").splitlines() if line.strip()]


class KeywordBaseline:
    """The plain approach: count each line's seed keywords in the text; ties go to the more common line."""

    def __init__(self, line_frequency: Counter):
        self.keywords = routing_text.line_keywords()
        self.prior = {line: line_frequency.get(line, 0) for line in LINES}

    def rank(self, text: str) -> list[str]:
        normalised = routing_text.normalize(text)
        counts = {line: sum(normalised.count(word) for word in self.keywords[line]) for line in LINES}
        return sorted(LINES, key=lambda line: (-counts[line], -self.prior[line]))


def accuracy(rows: list[dict], rank) -> dict:
    top1 = top2 = acceptable1 = 0
    for row in rows:
        ranked = rank(row["text"])
        top1 += ranked[0] == row["primary"]
        top2 += row["primary"] in ranked[:2]
        acceptable1 += ranked[0] == row["primary"] or ranked[0] in row["acceptable"]
    n = len(rows)
    return {"n": n, "top1": top1 / n, "top2": top2 / n, "top1_acceptable": acceptable1 / n}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def synthetic_indexes(seed: int = 7) -> dict[str, BM25Index]:
    """Catalog items, expert profiles, solved cases and standards of realistic size for the latency run."""
    rng = random.Random(seed)
    providers = []
    offers = {
        "metrology": ("{instrument}检定/校准", "计量器具检定校准：{instrument}、{instrument}、{instrument}，出具检定证书或校准证书，量值溯源"),
        "standards": ("{product}标准咨询", "标准查新、标准比对、企业标准自我声明公开辅导、团体标准起草，涉及{product}及{standard}"),
        "testing": ("{product}检测", "{product}委托检验、全项检测，项目：{food_item}、{ind_item}、{food_item}，CMA/CNAS报告"),
        "certification": ("{sys_cert}认证", "{sys_cert}、{prod_cert}认证审核，{licence}办理辅导"),
        "ip": ("商标专利服务", "商标注册、商标异议与侵权维权、专利申请、地理标志申报、品牌价值评价"),
        "quality_mgmt": ("质量诊断与提升", "质量诊断、SPC、QC小组、质量追溯体系、卓越绩效与质量奖申报辅导、不合格整改"),
        "special_equipment": ("{equipment}检验", "{equipment}、{equipment}定期检验、监督检验、使用登记咨询"),
    }
    for i in range(1500):
        line = LINES[i % len(LINES)]
        name, body = offers[line]
        providers.append(Document(f"item-{i}", corpus._fill(name, rng), corpus._fill(body, rng), {"lines": [line]}))
    experts = []
    for i in range(400):
        lines = rng.sample(LINES, 2)
        body = "；".join(corpus._fill(offers[line][1], rng) for line in lines)
        experts.append(Document(f"expert-{i}", f"专家{i}", body, {"lines": lines}))
    cases = [
        Document(f"case-{i}", record.text[:20], record.text, {"lines": [record.line]})
        for i, record in enumerate(corpus.generate_history(5000, seed=seed + 1, label_noise=0.0))
    ]
    standard_titles = ("食品安全国家标准 {food}", "{product}通用技术条件", "{product}检验方法", "{equipment}安全技术规程",
                       "{instrument}检定规程", "{product}企业标准")
    standards = []
    for i in range(800):
        title = corpus._fill(rng.choice(standard_titles), rng)
        standards.append(Document(f"std-{i}", f"GB/T {10000 + i}-2020 {title}", title, {}))
    return {"providers": BM25Index(providers), "experts": BM25Index(experts),
            "similar_cases": BM25Index(cases), "standards": BM25Index(standards)}


def template_overlap(rows: list[dict]) -> int:
    """How many history templates share >= 50% of their character bigrams with a held-out request more than
    with any dev request: a guard against the synthetic history quietly paraphrasing the held-out set."""
    def bigrams(value: str) -> set[str]:
        value = re.sub(r"\{[a-z_]+\}|[^\u4e00-\u9fffA-Z0-9]", "", value.upper())
        return {value[i:i + 2] for i in range(len(value) - 1)}
    held = [bigrams(row["text"]) for row in rows if row["split"] == "heldout"]
    dev = [bigrams(row["text"]) for row in rows if row["split"] == "dev"]
    flagged = 0
    for templates in corpus.NEEDS.values():
        for template in templates:
            grams = bigrams(template)
            if len(grams) < 2:
                continue
            best_held = max(len(grams & other) / len(grams) for other in held)
            best_dev = max(len(grams & other) / len(grams) for other in dev)
            flagged += best_held >= 0.5 and best_held > best_dev
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("heldout", "dev"), default="heldout")
    parser.add_argument("--history", type=int, default=30000, help="synthetic history size for the accuracy model")
    parser.add_argument("--train-size", type=int, default=100000, help="history size for the training-time run")
    parser.add_argument("--no-dev", action="store_true", help="train on synthetic history only")
    parser.add_argument("--errors", action="store_true", help="list misrouted requests (dev split only)")
    args = parser.parse_args()

    rows = load_eval()
    evaluated = [row for row in rows if row["split"] == args.split]
    routing_text.get_tokenizer()

    history = [(record.text, record.line) for record in corpus.generate_history(args.history, seed=1)]
    if args.split == "heldout" and not args.no_dev:
        history += [(row["text"], row["primary"]) for row in rows if row["split"] == "dev"]
    model = ServiceLineClassifier().fit(history)
    baseline = KeywordBaseline(Counter(line for _text, line in history))

    model_accuracy = accuracy(evaluated, lambda text: [line.code for line in model.classify(text).lines])
    baseline_accuracy = accuracy(evaluated, baseline.rank)

    if args.errors and args.split == "dev":
        for row in evaluated:
            ranked = [line.code for line in model.classify(row["text"]).lines]
            if ranked[0] != row["primary"]:
                print(f"  {row['id']} want {row['primary']:<17} got {ranked[:2]}  {row['text']}")

    indexes = synthetic_indexes()
    model_latency, baseline_latency = [], []
    for row in evaluated:
        routing_text._tokenize_cached.cache_clear()
        started = time.perf_counter()
        suggest(row["text"], model, indexes)
        model_latency.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        baseline.rank(row["text"])
        baseline_latency.append((time.perf_counter() - started) * 1000)

    big_history = [(record.text, record.line) for record in corpus.generate_history(args.train_size, seed=2)]
    routing_text._tokenize_cached.cache_clear()
    started = time.perf_counter()
    for text, _line in big_history:
        routing_text.tokenize(text)
    tokenize_seconds = time.perf_counter() - started
    routing_text._tokenize_cached.cache_clear()
    started = time.perf_counter()
    ServiceLineClassifier().fit(big_history)
    train_seconds = time.perf_counter() - started

    print(f"Routing benchmark - split: {args.split} ({len(evaluated)} requests), "
          f"model trained on {len(history)} requests ({args.history} synthetic"
          f"{' + dev split' if args.split == 'heldout' and not args.no_dev else ''})")
    print(f"History templates overlapping held-out text (>=50% bigrams): {template_overlap(rows)}")
    print()
    print(f"| {'measure':<38} | {'model':>9} | {'keyword baseline':>16} | {'ratio':>7} |")
    print(f"|{'-' * 40}|{'-' * 11}|{'-' * 18}|{'-' * 9}|")
    for key, label in (("top1", "top-1 accuracy (primary line)"), ("top2", "primary line in top 2"),
                       ("top1_acceptable", "top-1 is primary or acceptable")):
        m, b = model_accuracy[key], baseline_accuracy[key]
        print(f"| {label:<38} | {m:>8.1%} | {b:>15.1%} | {m / b if b else float('inf'):>6.2f}x |")
    for label, q in (("latency p50, ms (suggest vs keywords)", 0.5), ("latency p95, ms (suggest vs keywords)", 0.95)):
        m, b = percentile(model_latency, q), percentile(baseline_latency, q)
        print(f"| {label:<38} | {m:>9.2f} | {b:>16.3f} | {m / b:>6.1f}x |")
    print(f"| {'train on ' + str(args.train_size) + ' requests, s':<38} | {train_seconds:>9.1f} | "
          f"{'(tokenise only) ' + format(tokenize_seconds, '.1f'):>16} | {train_seconds / tokenize_seconds:>6.2f}x |")
    print()
    print(f"Indexes for latency: {', '.join(f'{k} {len(v)}' for k, v in indexes.items())}; "
          f"latency over {len(model_latency)} requests, cold tokeniser cache; "
          f"median latency {statistics.median(model_latency):.2f} ms")


if __name__ == "__main__":
    main()
