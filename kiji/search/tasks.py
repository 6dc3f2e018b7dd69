"""Index upkeep runs in the task worker, after the change that caused it has committed."""

from __future__ import annotations

from django.tasks import task


@task
def index_article(article_id: int) -> bool:
    from kiji.search import indexing, related

    indexed = indexing.index_article(article_id)
    if indexed:
        related.refresh_after_publish(article_id)
    return indexed


@task
def index_articles(article_ids: list[int]) -> int:
    """A renamed tag, series or author: the articles that carry the name are indexed again."""
    from kiji.search import indexing

    return sum(indexing.index_article(article_id) for article_id in article_ids)


@task
def index_comment(comment_id: int) -> bool:
    from kiji.search import indexing

    return indexing.index_comment(comment_id)


@task
def refresh_vocabulary() -> int:
    from kiji.search import vocabulary

    return vocabulary.refresh()
