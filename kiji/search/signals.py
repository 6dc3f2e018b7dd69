"""Changes that reach the index: publishing, unpublishing and deleting articles; every comment save."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished


def _article_changed(article_id: int) -> None:
    from kiji.search.tasks import index_article

    transaction.on_commit(lambda: index_article.enqueue(article_id))


@receiver(page_published, dispatch_uid="search-article-published")
@receiver(page_unpublished, dispatch_uid="search-article-unpublished")
def _published(sender: Any, instance: Any, **kwargs: Any) -> None:
    from kiji.articles.models import ArticlePage

    if isinstance(instance, ArticlePage):
        _article_changed(instance.pk)


def _name_changed(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """Tags, series and author names are indexed with their articles: a rename reindexes them."""
    from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag, Series
    from kiji.search.tasks import index_articles

    if created:
        return
    if isinstance(instance, Series):
        ids = ArticlePage.objects.filter(series=instance).values_list("pk", flat=True)
    elif sender is ArticleTag.tag.field.related_model:
        ids = ArticleTag.objects.filter(tag=instance).values_list("content_object_id", flat=True)
    else:
        ids = ArticleAuthor.objects.filter(author=instance).values_list("page_id", flat=True)
    found = list(ids)
    for start in range(0, len(found), 500):
        transaction.on_commit(partial(index_articles.enqueue, found[start : start + 500]))


for _model in ("articles.Series", "articles.Tag", "articles.Author"):
    post_save.connect(_name_changed, sender=_model, dispatch_uid=f"search-name-{_model}")


@receiver(post_save, sender="comments.Comment", dispatch_uid="search-comment-saved")
def _comment_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    from kiji.search.tasks import index_comment

    comment_id = instance.pk
    transaction.on_commit(lambda: index_comment.enqueue(comment_id))


@receiver(post_delete, sender="search.SearchDocument", dispatch_uid="search-document-deleted")
def _document_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    # A cascade (article or comment deleted outright) removes the row; its index entry goes too.
    from kiji.search.indexing import forget_deleted

    forget_deleted(instance)


@receiver(post_migrate, dispatch_uid="search-prune-after-flush")
def _after_migrate(sender: Any, **kwargs: Any) -> None:
    # `flush` (between browser tests) empties the document table but not the FTS tables.
    if getattr(sender, "label", "") == "search":
        from kiji.search.backends import backend

        backend().prune()
