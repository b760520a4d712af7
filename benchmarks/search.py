"""Search benchmark: the full-text backend (FTS5 on SQLite / tsvector+GIN on PostgreSQL) against the LIKE-scan
baseline over the same SearchEntry rows, in the same run.

Seeds N synthetic request-like entries (sentences drawn from the domain dictionary with a fixed seed) into the
configured database (default: a throwaway SQLite file), then times each query 20 times per backend.

    NQI_DATA_DIR=/tmp/searchbench .venv/bin/python benchmarks/search.py --rows 50000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nqi_bench_search .venv/bin/python benchmarks/search.py --rows 50000
(PostgreSQL: create the database first: createdb -h 127.0.0.1 -U postgres nqi_bench_search)
"""

import argparse
import os
import random
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nqi.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from nqi.routing import text as routing_text  # noqa: E402
from nqi.search.backends import LikeBackend, get_backend  # noqa: E402
from nqi.search.models import SearchEntry  # noqa: E402
from nqi.search.text import document_text, query_terms  # noqa: E402

WORDS = ["螺蛳粉", "胀袋", "保质期", "酸笋", "杀菌", "米粉", "标签", "净含量", "电子秤", "检定", "校准", "电梯",
         "定期检验", "压力容器", "甲醛", "胶合板", "铝型材", "氧化膜", "商标", "地理标志", "CMA", "菌落总数",
         "大肠菌群", "二氧化硫", "白砂糖", "六堡茶", "农药残留", "包装饮用水", "卓越绩效", "质量诊断"]
# Realistic selectivity: sentences draw from the whole domain dictionary (~900 words), not just the query words.
WORDS += [line.split()[0] for line in (routing_text.DOMAIN_DICT_PATH).read_text(encoding="utf-8").splitlines()
          if line.split()]
QUERIES = ["螺蛳粉 胀袋", "电子秤 检定", "甲醛", "六堡茶 农药残留", "地理标志 商标"]


def seed(rows):
    rng = random.Random(7)
    SearchEntry.objects.all().delete()
    batch = []
    for i in range(rows):
        words = rng.sample(WORDS, 6)
        title = f"FW2026{i:06d} {words[0]}{words[1]}问题"
        body = "，".join(f"{w}情况需要{rng.choice(WORDS)}" for w in words)
        batch.append(SearchEntry(kind="request", object_id=i + 1, title=title, title_tokens=document_text(title),
                                 body_tokens=document_text(body), city="450200"))
        if len(batch) == 2000:
            SearchEntry.objects.bulk_create(batch)
            batch = []
    SearchEntry.objects.bulk_create(batch)


def timed(backend, allowed, terms, repeat=20):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        backend.counts(allowed, terms)
        backend.search(allowed, terms, limit=20)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    seed(args.rows)
    allowed = SearchEntry.objects.all()
    fts, like = get_backend(), LikeBackend()
    print(f"{args.rows} entries, backend {fts.name}; median ms of counts+top-20 (20 runs)")
    ratios = []
    for query in QUERIES:
        terms = query_terms(query)
        a, b = timed(fts, allowed, terms), timed(like, allowed, terms)
        ratios.append(b / a)
        print(f"{query:<12} fts {a:8.2f} ms   like-scan {b:8.2f} ms   baseline/fts {b / a:6.1f}x")
    print(f"geometric mean speed-up {statistics.geometric_mean(ratios):.1f}x")


if __name__ == "__main__":
    main()
