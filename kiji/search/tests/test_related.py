"""関連コンテンツ by content, series and tags, computed by the worker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kiji.articles.selectors import related_articles
from kiji.search import related, vocabulary
from kiji.search.tasks import index_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(indexed_article: Callable[..., Any], series_factory: Callable[..., Any]) -> dict[str, Any]:
    series = series_factory(slug="batteries")
    made = {
        "base": indexed_article(
            "全固体電池の量産に向けて、正極材と固体電解質の調達が課題になる。",
            title="全固体電池の量産へ 正極材の調達が焦点",
            series=series,
        ),
        "content": indexed_article(
            "固体電解質を使う全固体電池は、正極材の品質が性能を左右する。",
            title="全固体電池の材料競争",
        ),
        "series": indexed_article("工場の立地と電力の確保について。", title="電池工場の立地", series=series),
        "unrelated": indexed_article("観光地の宿泊需要が回復した。", title="インバウンド需要の回復"),
    }
    vocabulary.refresh()
    return made


def test_content_and_series_rank_above_the_rest(corpus: dict[str, Any]) -> None:
    ranked = [s.article_id for s in related.compute(corpus["base"].pk)]
    assert ranked[:2] == [corpus["content"].pk, corpus["series"].pk] or ranked[:2] == [
        corpus["series"].pk,
        corpus["content"].pk,
    ]
    assert corpus["unrelated"].pk not in ranked[:2]


def test_the_worker_stores_lists_and_the_page_reads_them(
    corpus: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    index_article.enqueue(corpus["base"].pk)  # the immediate backend runs it now
    assert related.related_ids(corpus["base"].pk)[0] in {corpus["content"].pk, corpus["series"].pk}
    # The resembling articles were refreshed too, so they now list the new one.
    assert corpus["base"].pk in related.related_ids(corpus["content"].pk)
    with django_assert_max_num_queries(4):
        cards = related_articles(corpus["base"])
    assert [a.pk for a in cards] == related.related_ids(corpus["base"].pk)[: len(cards)]


def test_unpublished_articles_drop_out_of_lists(corpus: dict[str, Any]) -> None:
    related.refresh(corpus["base"].pk)
    corpus["content"].unpublish()
    assert corpus["content"].pk not in [a.pk for a in related_articles(corpus["base"])]


def test_without_a_computed_list_tags_and_series_still_relate(corpus: dict[str, Any]) -> None:
    assert corpus["series"].pk in [a.pk for a in related_articles(corpus["base"])]


def test_daily_refresh_command(corpus: dict[str, Any], capsys: Any) -> None:
    from django.core.management import call_command

    call_command("refresh_search", "--days", "3650")  # the factory dates articles back by its sequence
    assert "related articles of 4 articles" in capsys.readouterr().out
    assert related.related_ids(corpus["base"].pk)
