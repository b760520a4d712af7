"""Search terms: the same segmentation for documents and queries, and nothing an FTS engine could parse."""

import pytest

from nqi.search.text import clean_term, document_terms, query_terms


def test_terms_are_letters_and_digits_only():
    assert clean_term("GB/T5009.3") == "gbt50093"
    assert clean_term('"*()') == ""
    for query in ['"', "*", "(", ")", "AND", "标签 OR NEAR(", "'x':* & !y | z", "\\", "^-:"]:
        for term in query_terms(query):
            assert term.isalnum(), (query, term)


def test_documents_get_the_words_inside_longer_tokens():
    terms = document_terms("食品安全国家标准 预包装食品标签通则")
    # The title segments '食品标签' whole; searching '标签' must still find it.
    assert "食品标签" in terms and "标签" in terms
    assert query_terms("标签") == ["标签"]


def test_standard_numbers_are_searchable_whole_and_by_their_digits():
    terms = document_terms("GB 7718-2011")
    assert {"gb7718", "7718"} <= set(terms)
    assert query_terms("GB7718") == ["gb", "gb7718", "7718"]
    assert query_terms("7718") == ["7718"]


def test_query_terms_are_canonical_distinct_and_capped():
    # Synonyms map to one canonical word (涨袋 -> 胀袋), typos are fixed (螺狮粉 -> 螺蛳粉).
    assert query_terms("螺狮粉 涨袋 胀袋") == ["螺蛳粉", "胀袋"]
    assert len(query_terms(" ".join(f"词{i}号" for i in range(40)))) <= 12


@pytest.mark.parametrize("text", ["", "   ", "的 了 吗 请问", "？！。，"])
def test_queries_without_searchable_words_give_no_terms(text):
    assert query_terms(text) == []
