"""Text -> search terms, the same way for documents and queries, so jieba segments meet on both sides.

Terms come from nqi.routing.text (domain dictionary, synonyms, typo fixes, standard numbers kept whole) and are
reduced to letters and digits, lower-cased: what both FTS5's unicode61 tokenizer and PostgreSQL's 'simple'
parser read as one word. Documents also get the dictionary words inside long tokens ('食品标签' -> '食品',
'标签'), as jieba's search mode does, so a short query finds a longer compound.
"""

from __future__ import annotations

import re

from nqi.routing import text as routing_text

# Digit runs are dropped by the routing tokenizer (they carry no routing signal) but people search by them:
# the 7718 of GB 7718, the 180 of '180天'.
_DIGITS_RE = re.compile(r"\d{3,}")
MAX_QUERY_TERMS = 12
MAX_QUERY_CHARS = 200


def clean_term(token: str) -> str:
    """'GB/T5009.3' -> 'gbt50093'; punctuation and FTS operators' characters can never survive."""
    return "".join(ch for ch in token.lower() if ch.isalnum())


def _subwords(token: str, freq: dict) -> list[str]:
    """Dictionary words of two and three characters inside a longer token (jieba's search mode)."""
    found = []
    for size in (2, 3):
        if len(token) <= size:
            continue
        for start in range(len(token) - size + 1):
            piece = token[start:start + size]
            if freq.get(piece):
                found.append(piece)
    return found


def document_terms(text: str) -> list[str]:
    """Terms to index for a document's text, in order, repeats kept (term frequency counts in ranking)."""
    if not text:
        return []
    freq = routing_text.get_tokenizer().FREQ
    synonyms = routing_text.synonym_map()
    terms = []
    for token in routing_text.tokenize(text):
        terms.append(clean_term(token))
        for piece in _subwords(token, freq):
            terms.append(clean_term(synonyms.get(piece, piece)))
    terms.extend(_DIGITS_RE.findall(routing_text.normalize(text)))
    return [t for t in terms if t]


def document_text(*parts: str) -> str:
    """Space-joined terms of the given texts, ready for the full-text column."""
    terms = []
    for part in parts:
        terms.extend(document_terms(part or ""))
    return " ".join(terms)


def query_terms(query: str) -> list[str]:
    """Distinct terms of a user's query, in order, at most MAX_QUERY_TERMS."""
    query = (query or "")[:MAX_QUERY_CHARS]
    terms = [clean_term(t) for t in routing_text.tokenize(query)]
    terms.extend(_DIGITS_RE.findall(routing_text.normalize(query)))
    seen, result = set(), []
    for term in terms:
        if term and term not in seen:
            seen.add(term)
            result.append(term)
    return result[:MAX_QUERY_TERMS]
