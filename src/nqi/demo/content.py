"""The demo's written content (src/nqi/demo/data/*.json): industries, providers, experts, request texts, cases."""

import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def load(name: str):
    with open(DATA_DIR / f"{name}.json", encoding="utf-8") as handle:
        return json.load(handle)


def industries():
    return load("industries")


def providers():
    return load("providers")


def experts():
    return load("experts")


def request_templates():
    return load("request_templates")


def cases():
    return load("cases")


def ratings_comments():
    return load("ratings_comments")
