"""Routing: accuracy on a staging batch of new hand-written requests that no model has been trained on.

The dev split of benchmarks/data/routing_eval.jsonl is also training data, so its accuracy is partly training
accuracy. Before a new batch of requests is appended to the dev split, this script measures the model on it
the way the held-out benchmark trains: synthetic history plus the current dev rows (any dev row whose id is
in the batch is left out, so a batch that was already appended can be re-checked). The held-out rows are never
read beyond their split field.

    .venv/bin/python benchmarks/routing_unseen.py BATCH.jsonl            # top-1 / top-2 / acceptable
    .venv/bin/python benchmarks/routing_unseen.py BATCH.jsonl --errors   # list the misrouted requests

A batch file has one JSON object per line, with the fields of routing_eval.jsonl (id, text, primary,
acceptable). The figure is honest only for the first run on a batch: once the batch has guided changes to the
resources, it is tuning data like the dev split.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")
os.environ.setdefault("NQI_DATA_DIR", tempfile.mkdtemp(prefix="nqi-bench-routing-"))

from nqi.routing import history_corpus as corpus  # noqa: E402
from nqi.routing.classifier import ServiceLineClassifier  # noqa: E402

EVAL_PATH = ROOT / "benchmarks" / "data" / "routing_eval.jsonl"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", type=Path, help="JSONL file of new requests (id, text, primary, acceptable)")
    parser.add_argument("--history", type=int, default=30000, help="synthetic history size, as in routing.py")
    parser.add_argument("--errors", action="store_true", help="list the misrouted batch requests")
    args = parser.parse_args()

    batch = read_jsonl(args.batch)
    batch_ids = {row["id"] for row in batch}
    dev = [row for row in read_jsonl(EVAL_PATH) if row["split"] == "dev" and row["id"] not in batch_ids]

    history = [(record.text, record.line) for record in corpus.generate_history(args.history, seed=1)]
    history += [(row["text"], row["primary"]) for row in dev]
    model = ServiceLineClassifier().fit(history)

    top1 = top2 = acceptable = 0
    wrong_by_line: Counter = Counter()
    errors = []
    for row in batch:
        ranked = [line.code for line in model.classify(row["text"]).lines]
        top1 += ranked[0] == row["primary"]
        top2 += row["primary"] in ranked[:2]
        acceptable += ranked[0] == row["primary"] or ranked[0] in row.get("acceptable", [])
        if ranked[0] != row["primary"]:
            wrong_by_line[row["primary"]] += 1
            errors.append(f"  {row['id']} want {row['primary']:<17} got {ranked[:2]}  {row['text']}")

    n = len(batch)
    print(f"Unseen batch {args.batch.name}: {n} requests; model trained on {len(history)} "
          f"({args.history} synthetic + {len(dev)} dev rows)")
    print(f"top-1 {top1 / n:.1%} ({top1}/{n})   top-2 {top2 / n:.1%}   top-1 primary or acceptable {acceptable / n:.1%}")
    print("misrouted by primary line: " + (", ".join(f"{k} {v}" for k, v in sorted(wrong_by_line.items())) or "none"))
    if args.errors:
        print("\n".join(errors))


if __name__ == "__main__":
    main()
