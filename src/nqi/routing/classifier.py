"""Service-line classifier learned from dispatch history: which of the seven lines a request belongs to.

A multinomial logistic regression (softmax, L2, L-BFGS via scipy) over three kinds of features of a request:
its canonical domain tokens (text.tokenize), Chinese character bigrams (robust to words the dictionary does
not know and to typos the typo map misses), and one count per line of the seed keywords it contains
(data/line_keywords.json, the prior knowledge that still works for words the history never showed).
The seed keywords are also added as small pseudo-examples so a fresh model knows them before any history.
Dispatcher corrections are ordinary training pairs with a larger weight, so retraining learns from them.
The model serialises to a JSON-able dict or an .npz file.
"""

from __future__ import annotations

import io
import json
import math
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse

from nqi.routing import text as routing_text

LINES: tuple[str, ...] = ("metrology", "standards", "testing", "certification", "ip", "quality_mgmt", "special_equipment")
MODEL_FORMAT = "nqi-routing-line-classifier/1"

_BIGRAM_PREFIX = "#"
_KEYWORD_PREFIX = "kw:"
_CATEGORY_PREFIX = "cat:"
_HAN_RUN_RE = re.compile(r"[\u4e00-\u9fff]+")


@dataclass
class LineScore:
    code: str
    score: float
    terms: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"code": self.code, "score": round(self.score, 4), "terms": self.terms}


@dataclass
class Classification:
    """All seven lines ranked by probability, each with the request terms that pushed it up."""

    lines: list[LineScore]
    tokens: list[str]

    @property
    def top(self) -> LineScore:
        return self.lines[0]

    def probabilities(self) -> dict[str, float]:
        return {line.code: line.score for line in self.lines}

    def service_types(self) -> list[dict]:
        return [line.as_dict() for line in self.lines]


def request_features(text: str, tokens: Sequence[str] | None = None) -> list[str]:
    """The feature strings of a request (tokens, '#'-prefixed character bigrams, 'kw:<line>' per keyword hit)."""
    tokens = routing_text.tokenize(text) if tokens is None else tokens
    features = list(tokens)
    # The dictionary category generalises across words: an elevator the history never named is still
    # special equipment, an instrument is still metrology-shaped.
    for token in tokens:
        category = routing_text.term_category(token)
        if category:
            features.append(_CATEGORY_PREFIX + category)
    normalised = routing_text.normalize(text)
    for run in _HAN_RUN_RE.findall(normalised):
        features.extend(_BIGRAM_PREFIX + run[i:i + 2] for i in range(len(run) - 1))
    features.extend(_KEYWORD_PREFIX + line for line, _word in keyword_hits(tokens, normalised))
    return features


def keyword_hits(tokens: Sequence[str], normalised_text: str) -> list[tuple[str, str]]:
    """(line, keyword) pairs found in the request: by token, or by substring for multi-character keywords."""
    lines_by_word, pattern = _keyword_matcher()
    found = set(pattern.findall(normalised_text))
    found.update(token for token in tokens if token in lines_by_word)
    return [(line, word) for word in sorted(found) for line in lines_by_word[word]]


_KEYWORDS_CACHE: dict[str, list[str]] | None = None
_MATCHER_CACHE: tuple[dict[str, list[str]], re.Pattern] | None = None


def _canonical_keywords() -> dict[str, list[str]]:
    global _KEYWORDS_CACHE
    if _KEYWORDS_CACHE is None:
        result = {}
        for line, words in routing_text.line_keywords().items():
            # Keywords are compared in canonical form so '3C' in the seed list matches 'CCC' in a request.
            result[line] = sorted({routing_text.canonical(word) for word in words})
        _KEYWORDS_CACHE = result
    return _KEYWORDS_CACHE


def _keyword_matcher() -> tuple[dict[str, list[str]], re.Pattern]:
    """Keyword -> lines, and one regex over every spelling (raw and canonical), longest first."""
    global _MATCHER_CACHE
    if _MATCHER_CACHE is None:
        lines_by_word: dict[str, list[str]] = {}
        spellings: set[str] = set()
        for line, words in routing_text.line_keywords().items():
            for word in words:
                word_canonical = routing_text.canonical(word)
                lines_by_word.setdefault(word_canonical, [])
                if line not in lines_by_word[word_canonical]:
                    lines_by_word[word_canonical].append(line)
                for spelling in (word, word_canonical):
                    if len(spelling) > 1:
                        spellings.add(spelling)
        # The regex returns what it matched; map raw spellings to their canonical keyword.
        for spelling in list(spellings):
            canonical_word = routing_text.canonical(spelling)
            if spelling not in lines_by_word:
                lines_by_word[spelling] = lines_by_word.get(canonical_word, [])
        alternation = "|".join(re.escape(word) for word in sorted(spellings, key=lambda w: (-len(w), w)))
        _MATCHER_CACHE = (lines_by_word, re.compile(alternation))
    return _MATCHER_CACHE


class ServiceLineClassifier:
    """Softmax regression over request features; fit() from (text, line[, weight]) pairs, then classify()."""

    def __init__(self, l2: float = 1.0, min_count: int = 2, keyword_prior_weight: float = 2.0,
                 bigram_weight: float = 0.5, max_iter: int = 300):
        self.l2 = l2
        self.min_count = min_count
        self.keyword_prior_weight = keyword_prior_weight
        self.bigram_weight = bigram_weight
        self.max_iter = max_iter
        self.vocabulary: dict[str, int] = {}
        self.weights = np.zeros((0, len(LINES)))
        self.bias = np.zeros(len(LINES))
        self.trained_on = 0
        self.training_seconds = 0.0

    # ---- features -------------------------------------------------------------------------------------
    def _feature_value(self, feature: str) -> float:
        return self.bigram_weight if feature.startswith(_BIGRAM_PREFIX) else 1.0

    def _vectorise(self, feature_lists: Sequence[Sequence[str]]) -> sparse.csr_matrix:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        vocabulary = self.vocabulary
        for features in feature_lists:
            counts: dict[int, float] = {}
            for feature in features:
                column = vocabulary.get(feature)
                if column is not None:
                    counts[column] = counts.get(column, 0.0) + self._feature_value(feature)
            # Sub-linear term frequency and unit length: a long message is not more certain than a short one.
            row = {column: math.log1p(value) for column, value in counts.items()}
            norm = math.sqrt(sum(value * value for value in row.values())) or 1.0
            indices.extend(row)
            data.extend(value / norm for value in row.values())
            indptr.append(len(indices))
        return sparse.csr_matrix(
            (np.asarray(data, dtype=np.float64), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(len(feature_lists), len(vocabulary)),
        )

    # ---- training -------------------------------------------------------------------------------------
    def fit(self, examples: Iterable[tuple], correction_weight: float = 3.0) -> ServiceLineClassifier:
        """Train from (text, line) or (text, line, weight) pairs; weight 'correction' means a dispatcher fix.

        Unknown line codes are skipped. A pair whose weight is the string 'correction' (or True) counts
        `correction_weight` times: these are the requests a dispatcher re-routed after the model's suggestion.
        """
        started = time.perf_counter()
        line_index = {line: i for i, line in enumerate(LINES)}
        feature_lists: list[list[str]] = []
        labels: list[int] = []
        sample_weights: list[float] = []
        for example in examples:
            text, line = example[0], example[1]
            if line not in line_index:
                continue
            weight = example[2] if len(example) > 2 else 1.0
            if weight == "correction" or weight is True:
                weight = correction_weight
            feature_lists.append(request_features(text))
            labels.append(line_index[line])
            sample_weights.append(float(weight))
        history_size = len(feature_lists)
        # The seed keywords as one-word pseudo-requests: the prior that a fresh model starts from.
        for line, words in _canonical_keywords().items():
            for word in words:
                feature_lists.append(request_features(word, tokens=[word]))
                labels.append(line_index[line])
                sample_weights.append(self.keyword_prior_weight)

        counts: dict[str, int] = {}
        for features in feature_lists:
            for feature in set(features):
                counts[feature] = counts.get(feature, 0) + 1
        # Rare features are mostly noise; a small history (a fresh platform) keeps everything it has.
        threshold = self.min_count if history_size >= 1000 else 1
        keep_set = {feature for feature, count in counts.items() if count >= threshold}
        # Keyword pseudo-examples occur once each; keep every token that a seed keyword produced.
        for words in _canonical_keywords().values():
            keep_set.update(words)
        keep_set.update(_KEYWORD_PREFIX + line for line in LINES)
        self.vocabulary = {feature: i for i, feature in enumerate(sorted(keep_set))}

        matrix = self._vectorise(feature_lists)
        y = np.asarray(labels)
        w = np.asarray(sample_weights)
        self._optimise(matrix, y, w)
        self.trained_on = history_size
        self.training_seconds = time.perf_counter() - started
        return self

    def _optimise(self, matrix: sparse.csr_matrix, y: np.ndarray, sample_weights: np.ndarray) -> None:
        n_features, n_classes = matrix.shape[1], len(LINES)
        onehot = np.zeros((matrix.shape[0], n_classes))
        onehot[np.arange(len(y)), y] = 1.0
        total_weight = sample_weights.sum()
        matrix_t = matrix.T.tocsr()
        l2 = self.l2

        def loss_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
            weights = flat[: n_features * n_classes].reshape(n_features, n_classes)
            bias = flat[n_features * n_classes:]
            logits = matrix @ weights + bias
            logits -= logits.max(axis=1, keepdims=True)
            exp = np.exp(logits)
            sums = exp.sum(axis=1, keepdims=True)
            log_prob = logits - np.log(sums)
            loss = -(sample_weights * (onehot * log_prob).sum(axis=1)).sum() / total_weight
            loss += 0.5 * l2 * (weights * weights).sum() / total_weight
            residual = (exp / sums - onehot) * sample_weights[:, None] / total_weight
            grad_w = matrix_t @ residual + l2 * weights / total_weight
            grad_b = residual.sum(axis=0)
            return loss, np.concatenate([grad_w.ravel(), grad_b])

        start = np.zeros(n_features * n_classes + n_classes)
        solution = _minimise_lbfgs(loss_and_gradient, start, max_iter=self.max_iter)
        self.weights = solution[: n_features * n_classes].reshape(n_features, n_classes)
        self.bias = solution[n_features * n_classes:]

    # ---- prediction -----------------------------------------------------------------------------------
    def classify(self, text: str, explain_terms: int = 5) -> Classification:
        """All seven lines ranked by probability, each with up to `explain_terms` driving request terms."""
        tokens = routing_text.tokenize(text)
        features = request_features(text, tokens)
        row = self._vectorise([features])
        logits = np.asarray(row @ self.weights).ravel() + self.bias
        probabilities = np.exp(logits - logits.max())
        probabilities /= probabilities.sum()
        order = np.argsort(-probabilities, kind="stable")
        normalised = routing_text.normalize(text)
        hits_by_line: dict[str, list[str]] = {}
        for line, word in keyword_hits(tokens, normalised):
            hits_by_line.setdefault(line, []).append(word)
        lines = [
            LineScore(LINES[i], float(probabilities[i]),
                      self._driving_terms(row, i, hits_by_line.get(LINES[i], []), explain_terms))
            for i in order
        ]
        return Classification(lines=lines, tokens=tokens)

    def _driving_terms(self, row: sparse.csr_matrix, line_index: int, keyword_words: list[str],
                       limit: int) -> list[str]:
        """Request terms whose learned weight favours this line over the others' average, strongest first."""
        inverse = self._inverse_vocabulary()
        contributions: dict[str, float] = {}
        for column, value in zip(row.indices, row.data, strict=True):
            column_weights = self.weights[column]
            margin = value * (column_weights[line_index] - column_weights.mean())
            if margin <= 0:
                continue
            feature = inverse[column]
            if feature.startswith(_KEYWORD_PREFIX):
                if feature == _KEYWORD_PREFIX + LINES[line_index]:
                    # The keyword-count feature is explained by the keywords themselves.
                    for word in keyword_words:
                        contributions[word] = contributions.get(word, 0.0) + margin / max(len(keyword_words), 1)
                continue
            if feature.startswith((_BIGRAM_PREFIX, _CATEGORY_PREFIX)):
                continue
            contributions[feature] = contributions.get(feature, 0.0) + margin
        ranked = sorted(contributions.items(), key=lambda item: -item[1])
        return [term for term, _margin in ranked[:limit]]

    def _inverse_vocabulary(self) -> list[str]:
        cached = getattr(self, "_inverse", None)
        if cached is None or len(cached) != len(self.vocabulary):
            cached = [""] * len(self.vocabulary)
            for feature, column in self.vocabulary.items():
                cached[column] = feature
            self._inverse = cached
        return cached

    # ---- serialisation --------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """A JSON-able snapshot (features in column order, weights rounded to 6 decimals)."""
        return {
            "format": MODEL_FORMAT,
            "lines": list(LINES),
            "params": {"l2": self.l2, "min_count": self.min_count, "keyword_prior_weight": self.keyword_prior_weight,
                       "bigram_weight": self.bigram_weight, "max_iter": self.max_iter},
            "trained_on": self.trained_on,
            "features": self._inverse_vocabulary(),
            "weights": np.round(self.weights, 6).tolist(),
            "bias": np.round(self.bias, 6).tolist(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> ServiceLineClassifier:
        if data.get("format") != MODEL_FORMAT or list(data.get("lines", [])) != list(LINES):
            raise ValueError("不是可识别的服务线分类模型")
        model = cls(**data["params"])
        model.vocabulary = {feature: i for i, feature in enumerate(data["features"])}
        model.weights = np.asarray(data["weights"], dtype=np.float64).reshape(len(data["features"]), len(LINES))
        model.bias = np.asarray(data["bias"], dtype=np.float64)
        model.trained_on = int(data.get("trained_on", 0))
        return model

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, payload: str) -> ServiceLineClassifier:
        return cls.from_dict(json.loads(payload))

    def _write_npz(self, target) -> None:
        meta = {key: value for key, value in self.to_dict().items() if key not in ("weights", "bias")}
        np.savez_compressed(target, weights=self.weights, bias=self.bias,
                            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8))

    @classmethod
    def _read_npz(cls, source) -> ServiceLineClassifier:
        with np.load(source) as archive:
            meta = json.loads(archive["meta"].tobytes().decode())
            meta["weights"] = archive["weights"]
            meta["bias"] = archive["bias"]
        return cls.from_dict(meta)

    def to_npz_bytes(self) -> bytes:
        """The .npz file as bytes, for a database blob shared by every app server and worker."""
        buffer = io.BytesIO()
        self._write_npz(buffer)
        return buffer.getvalue()

    @classmethod
    def from_npz_bytes(cls, payload: bytes) -> ServiceLineClassifier:
        return cls._read_npz(io.BytesIO(bytes(payload)))

    def save(self, path: str | Path) -> None:
        """Write to `path`: .npz (compact, exact weights) or anything else as JSON."""
        path = Path(path)
        if path.suffix == ".npz":
            self._write_npz(path)
        else:
            path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ServiceLineClassifier:
        path = Path(path)
        if path.suffix == ".npz":
            return cls._read_npz(path)
        return cls.from_json(path.read_text(encoding="utf-8"))


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    # einsum, not ndarray.dot: OpenBLAS thread start-up makes a BLAS dot of this size ~50x slower on a
    # busy machine, and the optimiser takes a handful of dots per iteration.
    return float(np.einsum("i,i->", a, b))


def _minimise_lbfgs(loss_and_gradient, start: np.ndarray, max_iter: int = 300, memory: int = 10,
                    gradient_tol: float = 1e-6, relative_tol: float = 1e-7) -> np.ndarray:
    """Plain L-BFGS (two-loop recursion, backtracking Armijo line search) for a smooth convex loss.

    scipy's L-BFGS-B spends most of its time in bound handling we do not need; this loop costs one
    loss/gradient evaluation plus O(memory * n) per iteration.
    """
    x = start
    loss, gradient = loss_and_gradient(x)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _iteration in range(max_iter):
        direction = -gradient
        if history:
            q = gradient.copy()
            alphas = []
            for s, y, rho in reversed(history):
                alpha = rho * _dot(s, q)
                alphas.append(alpha)
                q -= alpha * y
            s, y, _rho = history[-1]
            q *= _dot(s, y) / _dot(y, y)
            for (s, y, rho), alpha in zip(history, reversed(alphas), strict=True):
                q += s * (alpha - rho * _dot(y, q))
            direction = -q
        slope = _dot(gradient, direction)
        if slope >= 0:
            history.clear()
            direction, slope = -gradient, -_dot(gradient, gradient)
        step = 1.0 if history else 1.0 / max(1.0, float(np.sqrt(-slope)))
        while True:
            candidate = x + step * direction
            new_loss, new_gradient = loss_and_gradient(candidate)
            if new_loss <= loss + 1e-4 * step * slope or step < 1e-12:
                break
            step *= 0.5
        s, y = candidate - x, new_gradient - gradient
        sy = _dot(s, y)
        if sy > 1e-12:
            history.append((s, y, 1.0 / sy))
            if len(history) > memory:
                history.pop(0)
        improvement = loss - new_loss
        x, loss, gradient = candidate, new_loss, new_gradient
        if np.abs(gradient).max() < gradient_tol or 0 <= improvement < relative_tol * max(1.0, abs(loss)):
            break
    return x


def train_classifier(examples: Iterable[tuple], **params) -> ServiceLineClassifier:
    """Convenience for `nqi routing train`: a fitted classifier from (text, line[, weight]) pairs."""
    return ServiceLineClassifier(**params).fit(examples)
