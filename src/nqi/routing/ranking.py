"""BM25 ranking over catalog items, expert profiles, cases and standards, and the routing suggestion built
from it: service lines from the classifier, then each index ranked with the likely lines boosted.

Documents are plain values (id, name, text, fields) so the database layer can feed model rows in; every
hit carries the query terms it matched, which is what the platform shows as the reason for a suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from scipy import sparse

from nqi.core.choices import ServiceLine
from nqi.routing import text as routing_text

LINE_LABELS = dict(ServiceLine.choices)  # code -> translatable label (lazy)


@dataclass(frozen=True)
class Document:
    """One searchable thing. `fields` travel with the hit; `fields['lines']` (codes) enables line boosting."""

    id: Any
    name: str
    text: str = ""
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Hit:
    id: Any
    name: str
    score: float
    matched_terms: list[str]
    fields: Mapping[str, Any]


class BM25Index:
    """Okapi BM25 over canonical tokens; the name counts `name_weight` times so titles outrank body text."""

    def __init__(self, documents: Iterable[Document], k1: float = 1.2, b: float = 0.75, name_weight: int = 2):
        self.documents: list[Document] = list(documents)
        self.k1, self.b = k1, b
        self.vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        counts: list[float] = []
        lengths = np.zeros(len(self.documents))
        for row, document in enumerate(self.documents):
            tokens = routing_text.tokenize(document.name) * name_weight + routing_text.tokenize(document.text)
            lengths[row] = len(tokens)
            term_counts: dict[int, int] = {}
            for token in tokens:
                column = self.vocabulary.setdefault(token, len(self.vocabulary))
                term_counts[column] = term_counts.get(column, 0) + 1
            rows.extend([row] * len(term_counts))
            cols.extend(term_counts)
            counts.extend(term_counts.values())
        shape = (len(self.documents), len(self.vocabulary))
        tf = sparse.csr_matrix((np.asarray(counts, dtype=np.float64), (rows, cols)), shape=shape)
        document_frequency = np.bincount(tf.indices, minlength=shape[1])
        n_documents = max(len(self.documents), 1)
        # The "+1" form of idf stays positive for terms in most documents, so a match never lowers a score.
        self.idf = np.log1p((n_documents - document_frequency + 0.5) / (document_frequency + 0.5))
        average_length = lengths.mean() if len(lengths) else 0.0
        norm = k1 * (1 - b + b * lengths / average_length) if average_length else np.full(len(lengths), k1)
        weights = tf.copy()
        row_of_entry = np.repeat(np.arange(shape[0]), np.diff(tf.indptr))
        weights.data = self.idf[tf.indices] * tf.data * (k1 + 1) / (tf.data + norm[row_of_entry])
        self._weights_by_document = weights
        # Term-major copy: a query reads a few posting lists instead of touching every document.
        self._postings = weights.T.tocsr()
        self._line_matrix, self._line_codes = self._build_line_matrix()

    def __len__(self) -> int:
        return len(self.documents)

    def _build_line_matrix(self) -> tuple[sparse.csr_matrix | None, list[str]]:
        codes: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for row, document in enumerate(self.documents):
            lines = document.fields.get("lines") or ()
            if isinstance(lines, str):
                lines = (lines,)
            for line in lines:
                rows.append(row)
                cols.append(codes.setdefault(line, len(codes)))
        if not rows:
            return None, []
        matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(self.documents), len(codes)))
        return matrix, list(codes)

    def query_terms(self, query: str | Sequence[str]) -> list[str]:
        tokens = routing_text.tokenize(query) if isinstance(query, str) else list(query)
        return list(dict.fromkeys(token for token in tokens if token in self.vocabulary))

    def search(self, query: str | Sequence[str], top_k: int = 10,
               line_boost: Mapping[str, float] | None = None) -> list[Hit]:
        """The `top_k` best documents for a text (or its tokens), each with the query terms it matched.

        `line_boost` maps line codes to a bonus: a document tagged with lines gets its BM25 score multiplied
        by 1 + the largest bonus among its lines (the classifier's probabilities make a good bonus).
        """
        terms = self.query_terms(query)
        if not terms or not self.documents:
            return []
        postings = self._postings
        term_ids = [self.vocabulary[term] for term in terms]
        starts, ends = postings.indptr[term_ids], postings.indptr[np.asarray(term_ids) + 1]
        documents = np.concatenate([postings.indices[s:e] for s, e in zip(starts, ends, strict=True)])
        contributions = np.concatenate([postings.data[s:e] for s, e in zip(starts, ends, strict=True)])
        scores = np.bincount(documents, weights=contributions, minlength=len(self.documents))
        candidates = np.flatnonzero(scores)
        candidate_scores = scores[candidates]
        if line_boost and self._line_matrix is not None:
            bonus = np.array([line_boost.get(code, 0.0) for code in self._line_codes])
            per_document = self._line_matrix[candidates].multiply(bonus).tocsr()
            best = np.asarray(per_document.max(axis=1).todense()).ravel()
            candidate_scores = candidate_scores * (1.0 + best)
        if len(candidates) > top_k:
            keep = np.argpartition(-candidate_scores, top_k - 1)[:top_k]
            candidates, candidate_scores = candidates[keep], candidate_scores[keep]
        order = np.lexsort((candidates, -candidate_scores))
        candidates, candidate_scores = candidates[order], candidate_scores[order]
        matched = self._weights_by_document[candidates][:, term_ids].toarray()
        hits = []
        for position, row in enumerate(candidates):
            # Strongest contribution first, so the first matched term is the best reason.
            contribution = matched[position]
            term_order = np.argsort(-contribution, kind="stable")
            hits.append(Hit(
                id=self.documents[row].id,
                name=self.documents[row].name,
                score=float(candidate_scores[position]),
                matched_terms=[terms[i] for i in term_order if contribution[i] > 0],
                fields=self.documents[row].fields,
            ))
        return hits


def explain(hit: Hit, line_scores: Mapping[str, float] | None = None) -> str:
    """The reason shown beside a suggestion: the matched terms, and the service line that agreed."""
    reason = _("匹配：%(t)s") % {"t": _("、").join(hit.matched_terms[:6])}
    lines = hit.fields.get("lines") or ()
    if isinstance(lines, str):
        lines = (lines,)
    if line_scores and lines:
        best = max(lines, key=lambda code: line_scores.get(code, 0.0))
        if line_scores.get(best, 0.0) >= 0.2:
            reason += _("；服务线：%(l)s") % {"l": LINE_LABELS.get(best, best)}
    return reason


def suggest(text: str, classifier, indexes: Mapping[str, BM25Index], top_k: int = 5) -> dict:
    """The routing suggestion contract for a request text.

    `classifier` is a fitted ServiceLineClassifier; `indexes` maps any of 'providers', 'experts',
    'similar_cases', 'standards' to a BM25Index. Returns {'service_types': [{code, score, terms}] x 7,
    'providers' | 'experts' | 'similar_cases' | 'standards': [{id, name, score, why, matched_terms, ...}],
    'terms': the request's canonical tokens}.
    """
    classification = classifier.classify(text)
    probabilities = classification.probabilities()
    result: dict[str, Any] = {"service_types": classification.service_types(), "terms": classification.tokens}
    for key in ("providers", "experts", "similar_cases", "standards"):
        index = indexes.get(key)
        if index is None:
            result[key] = []
            continue
        hits = index.search(classification.tokens, top_k=top_k, line_boost=probabilities)
        top_score = hits[0].score if hits else 1.0
        result[key] = [
            {
                "id": hit.id,
                "name": hit.name,
                # Relative to the best hit of the list, so scores read the same for every index size.
                "score": round(hit.score / top_score, 4) if top_score else 0.0,
                "why": explain(hit, probabilities),
                "matched_terms": hit.matched_terms,
                **{name: value for name, value in hit.fields.items() if name not in ("id", "name", "score")},
            }
            for hit in hits
        ]
    return result

