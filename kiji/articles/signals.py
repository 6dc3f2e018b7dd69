"""Cache invalidation: any change to published content drops the anonymous page cache."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag, Author, Series, SponsoredItem, Tag
from kiji.core import pagecache
from kiji.images.models import KijiImage as Image

CONTENT_MODELS = (ArticlePage, Series, Author, Tag, ArticleTag, ArticleAuthor, SponsoredItem, Image)


def _invalidate_on_commit(**kwargs: Any) -> None:
    transaction.on_commit(pagecache.invalidate)


for model in CONTENT_MODELS:
    post_save.connect(_invalidate_on_commit, sender=model, dispatch_uid=f"pagecache-save-{model.__name__}")
    post_delete.connect(
        _invalidate_on_commit, sender=model, dispatch_uid=f"pagecache-delete-{model.__name__}"
    )


@receiver(page_published, dispatch_uid="pagecache-page-published")
@receiver(page_unpublished, dispatch_uid="pagecache-page-unpublished")
def _page_changed(sender: Any, **kwargs: Any) -> None:
    transaction.on_commit(pagecache.invalidate)


@receiver(post_delete, dispatch_uid="pagecache-page-deleted")
def _page_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    from wagtail.models import Page

    if isinstance(instance, Page):
        transaction.on_commit(pagecache.invalidate)
