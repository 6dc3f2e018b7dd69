"""Writes for the library. Each is idempotent: a double submit leaves one row and raises nothing."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kiji.articles.models import ArticlePage, Tag
from kiji.library.models import Favorite, TagFollow
from kiji.library.permissions import check_can_follow_tags, check_can_save_favorites


@transaction.atomic
def save_favorite(user: Any, *, article: ArticlePage) -> tuple[Favorite, bool]:
    """Save an article to the member's favourites; True when it was not saved before."""
    check_can_save_favorites(user)
    return Favorite.objects.get_or_create(user=user, article=article)


@transaction.atomic
def remove_favorite(user: Any, *, article: ArticlePage) -> bool:
    """True when a saved article was removed, False when it was not saved (already removed)."""
    check_can_save_favorites(user)
    deleted, _ = Favorite.objects.filter(user=user, article=article).delete()
    return deleted > 0


@transaction.atomic
def follow_tag(user: Any, *, tag: Tag) -> tuple[TagFollow, bool]:
    check_can_follow_tags(user)
    return TagFollow.objects.get_or_create(user=user, tag=tag)


@transaction.atomic
def unfollow_tag(user: Any, *, tag: Tag) -> bool:
    check_can_follow_tags(user)
    deleted, _ = TagFollow.objects.filter(user=user, tag=tag).delete()
    return deleted > 0
