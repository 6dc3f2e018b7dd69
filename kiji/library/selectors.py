"""Reads for the library: a member's favourites, followed tags and the feed of those tags."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from kiji.articles import selectors as articles
from kiji.articles.models import ArticlePage, ArticleTag, Tag
from kiji.library.models import Favorite, TagFollow


class FavoriteSort(StrEnum):
    SAVED_NEWEST = "newest"
    SAVED_OLDEST = "oldest"
    PUBLISHED_NEWEST = "published"


_FAVORITE_ORDER = {
    FavoriteSort.SAVED_NEWEST: ("-created_at", "-pk"),
    FavoriteSort.SAVED_OLDEST: ("created_at", "pk"),
    FavoriteSort.PUBLISHED_NEWEST: ("-article__published_at", "-pk"),
}


def saveable_articles() -> QuerySet[ArticlePage]:
    """What a member may save: live articles already published."""
    return articles.live_articles()


def _visible_favorites(user: Any) -> QuerySet[Favorite]:
    # A saved article that was unpublished disappears from the list (its link would be a 404)
    # and comes back if it is published again; the row itself stays.
    return Favorite.objects.filter(user=user, article__live=True, article__published_at__lte=timezone.now())


def favorites_for(user: Any, *, sort: FavoriteSort = FavoriteSort.SAVED_NEWEST) -> QuerySet[Favorite]:
    """The member's saved articles with everything a card shows, in three queries for any page."""
    cards = articles.with_cards(ArticlePage.objects.all())
    return (
        _visible_favorites(user)
        .prefetch_related(Prefetch("article", queryset=cards))
        .order_by(*_FAVORITE_ORDER[sort])
    )


def favorite_count(user: Any) -> int:
    return _visible_favorites(user).count()


def is_saved(user: Any, *, article_id: int) -> bool:
    return Favorite.objects.filter(user=user, article_id=article_id).exists()


def _followed_tag_ids(user: Any) -> QuerySet[TagFollow, Any]:
    return TagFollow.objects.filter(user=user).values("tag_id")


def follows_for(user: Any) -> QuerySet[TagFollow]:
    """Followed tags, newest first, each with its number of live articles (one query)."""
    now = timezone.now()
    live = Q(
        tag__tagged_articles__content_object__live=True,
        tag__tagged_articles__content_object__published_at__lte=now,
    )
    return (
        TagFollow.objects.filter(user=user)
        .select_related("tag")
        .annotate(article_count=Count("tag__tagged_articles", filter=live))
        .order_by("-created_at", "-pk")
    )


def is_following(user: Any, *, tag_id: int) -> bool:
    return TagFollow.objects.filter(user=user, tag_id=tag_id).exists()


def followed_among(user: Any, *, tag_ids: list[int]) -> set[int]:
    return set(TagFollow.objects.filter(user=user, tag_id__in=tag_ids).values_list("tag_id", flat=True))


def follows_any_tag(user: Any) -> bool:
    return TagFollow.objects.filter(user=user).exists()


def feed_for(user: Any) -> QuerySet[ArticlePage]:
    """Live articles in any followed tag, newest first; an article with several such tags once."""
    in_followed_tag = ArticleTag.objects.filter(
        content_object=OuterRef("pk"), tag_id__in=_followed_tag_ids(user)
    )
    return articles.latest_articles().filter(Exists(in_followed_tag))


def followed_tags_by_article(user: Any, articles_shown: Iterable[ArticlePage]) -> dict[int, list[Tag]]:
    """For each article shown in the feed, the followed tags that brought it there (one query)."""
    ids = [article.pk for article in articles_shown]
    found: dict[int, list[Tag]] = {pk: [] for pk in ids}
    if not ids:
        return found
    items = (
        ArticleTag.objects.filter(content_object_id__in=ids, tag_id__in=_followed_tag_ids(user))
        .select_related("tag")
        .order_by("tag__name")
    )
    for item in items:
        found[item.content_object_id].append(item.tag)
    return found
