"""PostgreSQL's shortcuts around RUM's slow phrase matching give the answers it gives: phrases of
words as indexed word pairs, and phrases of grams checked row by row among few candidates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection

from kiji.search import backends, indexing
from kiji.search.backends import tsvector_literal
from kiji.search.models import SearchDocument
from kiji.search.query import parse
from kiji.search.selectors import SearchFilters, search, where_for

ANON = AnonymousUser()


def test_word_pairs_stay_inside_a_field_at_the_first_words_position() -> None:
    vector = tsvector_literal([("データ センター 電力", "A"), ("データ センター", "D")], "ka t1", pairs=True)
    words, facets = vector.split(" 'f ", 1)
    lexemes = dict(item.split(":") for item in words.split())
    assert lexemes["'データ_センター'"] == "1A,5D"
    assert lexemes["'センター_電力'"] == "2A"
    assert "'電力_データ'" not in lexemes  # 電力 ends the title, データ starts the body
    assert facets == "ka' 'f t1'"
    assert "_" not in tsvector_literal([("データ センター", "A")])  # grams have no pairs


@pytest.mark.django_db
def test_few_gram_candidates_are_matched_and_ranked_as_rum_would(
    indexed_article: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's path")
    indexed_article("蓄電池の工場を建てる。", slug="battery", title="蓄電池の新工場")
    indexed_article("電池の値段が下がった。", slug="cells")
    indexed_article("池のほとりで電車を待つ。", slug="pond")  # every gram of 電池, not as a phrase
    indexed_article("電池と蓄電の話。電池は安い。", slug="both")
    index = backends.PostgreSQLBackend()
    where = where_for(ANON, SearchFilters())
    for text in ("電池", "電池 -蓄電池", "蓄電", "池"):
        query = parse(text)
        few = index.match(query, "grams", where, "relevance", 10)
        monkeypatch.setattr(backends, "FEW_CANDIDATES", 0)  # too many: RUM matches the phrases
        rum = index.match(query, "grams", where, "relevance", 10)
        monkeypatch.undo()
        assert sorted((round(score, 6), doc) for doc, score in few) == sorted(
            (round(score, 6), doc) for doc, score in rum
        ), text
        assert [score for _, score in few] == sorted((score for _, score in few), reverse=True)
    found = {doc for doc, _ in index.match(parse("電池"), "grams", where, "relevance", 10)}
    expected = SearchDocument.objects.filter(kind="article", article__slug__in=["battery", "cells", "both"])
    assert found == set(expected.values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_rebuild_is_vacuumed_once_its_transaction_is_over(indexed_article: Callable[..., Any]) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's path")
    indexed_article("港湾の自動化。", slug="port")
    assert indexing.reindex_all(jobs=1) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = %s", [backends.DOCS])
        assert cursor.fetchone()[0] is not None
    assert [hit.article.slug for hit in search(ANON, "港湾").hits] == ["port"]
