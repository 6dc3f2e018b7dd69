"""PostgreSQL's window over recent documents (backends.PostgreSQLBackend.refresh_window): a
partial RUM index that common words are counted and ranked in first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from kiji.search import backends
from kiji.search.query import parse
from kiji.search.selectors import SearchFilters, where_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def postgresql_only() -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip("the window is PostgreSQL's")
    backends._forget_window()
    yield
    backends._forget_window()  # the indexes roll back with the test


@pytest.fixture
def dated(indexed_article: Callable[..., Any]) -> list[Any]:
    """Twelve articles about 決算, one a day, the newest first."""
    now = timezone.now()
    return [
        indexed_article(
            f"決算の話、その{i}。", slug=f"day-{i}", published_at=now - timedelta(days=i, hours=1)
        )
        for i in range(12)
    ]


def _plan(sql: str, params: list[Any]) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_window_starts_at_the_day_of_the_nth_newest_and_moves_only_when_it_must(
    dated: list[Any], settings: Any
) -> None:
    index = backends.PostgreSQLBackend()
    settings.KIJI_SEARCH_WINDOW_DOCUMENTS = 4
    start = index.refresh_window()
    assert start is not None and start == index.window()
    assert start <= dated[4].published_at < start + timedelta(days=1)
    settings.KIJI_SEARCH_WINDOW_DOCUMENTS = 3  # 5 or 6 documents in it: between 3 and 6, kept
    assert index.refresh_window() == start
    settings.KIJI_SEARCH_WINDOW_DOCUMENTS = 1  # more than twice as many: moved
    moved = index.refresh_window()
    assert moved is not None and moved > start
    settings.KIJI_SEARCH_WINDOW_DOCUMENTS = 100  # fewer documents than that: no window
    assert index.refresh_window() is None and index.window() is None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass('search_doc_recent_words'), to_regclass('search_doc_recent_grams')"
        )
        assert cursor.fetchone() == (None, None)


def test_common_words_are_counted_and_ranked_in_the_window(dated: list[Any], settings: Any) -> None:
    index = backends.PostgreSQLBackend()
    settings.KIJI_SEARCH_WINDOW_DOCUMENTS = 4
    start = index.refresh_window()
    query = parse("決算")
    where = where_for(AnonymousUser(), SearchFilters())
    newest = sorted(dated, key=lambda a: a.published_at, reverse=True)

    # The window alone holds `cap` matches: the count stops there and by date the page is exact.
    found, total = index.page(query, where, "newest", 3, 0, cap=4)
    assert total == 4
    assert [doc_id for doc_id, _ in found] == _doc_ids(newest[:3])
    found, _ = index.page(query, where, "newest", 3, 3, cap=4)
    assert [doc_id for doc_id, _ in found] == _doc_ids(newest[3:6])
    # By relevance, among the window's documents.
    found, total = index.page(query, where, "relevance", 3, 0, cap=4)
    assert total == 4 and {doc_id for doc_id, _ in found} <= set(_doc_ids(newest[:6]))
    # The window holds five (days 0–4): a page it cannot fill comes from everything.
    found, total = index.page(query, where, "newest", 3, 3, cap=5)
    assert total == 5 and [doc_id for doc_id, _ in found] == _doc_ids(newest[3:6])
    # Only the window's index answers the window's query in score order (the full one cannot,
    # whatever the planner estimates): with sorting and table scans off, it is the plan.
    sql, params = index._ranked_sql(query, "words", where, "relevance", start)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
    assert "search_doc_recent_words" in _plan(sql, [*params, 3, 0])


def test_without_a_window_the_answers_are_the_same(dated: list[Any], settings: Any) -> None:
    index = backends.PostgreSQLBackend()
    query = parse("決算")
    where = where_for(AnonymousUser(), SearchFilters())
    settings.KIJI_SEARCH_WINDOW_DOCUMENTS = 100
    index.refresh_window()
    before = index.page(query, where, "newest", 5, 0, cap=1001)
    settings.KIJI_SEARCH_WINDOW_DOCUMENTS = 4
    index.refresh_window()
    assert index.page(query, where, "newest", 5, 0, cap=1001) == before
    assert before[1] == 12


def _doc_ids(articles: list[Any]) -> list[int]:
    from kiji.search.models import SearchDocument

    by_article = dict(
        SearchDocument.objects.filter(article_id__in=[a.pk for a in articles], kind="article").values_list(
            "article_id", "pk"
        )
    )
    return [by_article[a.pk] for a in articles]


def test_a_date_range_inside_the_window_is_answered_from_it_exactly(dated: list[Any], settings: Any) -> None:
    from kiji.search.selectors import Sort, search

    since = timezone.localdate() - timedelta(days=2)
    person = AnonymousUser()
    asked = [{"sort": sort, "filters": SearchFilters(since=since)} for sort in Sort]
    settings.KIJI_SEARCH_WINDOW_DOCUMENTS = 100
    backends.PostgreSQLBackend().refresh_window()
    before = [[h.article.slug for h in search(person, "決算", **a).hits] for a in asked]  # type: ignore[arg-type]
    settings.KIJI_SEARCH_WINDOW_DOCUMENTS = 4
    start = backends.PostgreSQLBackend().refresh_window()
    assert start is not None and where_for(person, SearchFilters(since=since)).since >= start  # type: ignore[operator]
    after = [[h.article.slug for h in search(person, "決算", **a).hits] for a in asked]  # type: ignore[arg-type]
    assert after == before and len(before[1]) >= 2
