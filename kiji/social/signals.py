"""A newly published article reaches the followers of its authors, series and tags — in the task
worker, so the editor's publish does not wait for 100,000 inserts."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver
from wagtail.signals import page_published


@receiver(page_published, dispatch_uid="social-fan-out")
def _article_published(sender: Any, instance: Any, **kwargs: Any) -> None:
    from kiji.articles.models import ArticlePage
    from kiji.social.tasks import fan_out_article

    if not isinstance(instance, ArticlePage):
        return
    # Only the first publication is news; later edits and re-publishes notify nobody.
    first, last = instance.first_published_at, instance.last_published_at
    if first and last and first != last:
        return
    article_id = instance.pk
    transaction.on_commit(lambda: fan_out_article.enqueue(article_id))
