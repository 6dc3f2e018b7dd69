"""Reads for discovery: 人気 (popular articles and tags by distinct readers over a sliding
window) and a member's own reading history.

Both popular lists come from one computation, cached per content generation with a short TTL:
two queries when members read something in the window. With no reads in the window yet (a
fresh demo) they fall back to usage: tags by how many recent articles use them (the
foundation's measure), articles by how many comments they drew; never simply the newest, since
a list headed よく読まれている記事 should only name articles people used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kiji.articles.models import ArticlePage, Tag
from kiji.core import pagecache
from kiji.core.access import ArticleAccess
from kiji.discovery.models import ReadEvent
from kiji.discovery.services import tokyo_day

POPULAR_CACHE_SECONDS = 300
ARTICLE_POOL = 50  # computed once, sliced for the sidebar (5) and the recommender's pool (50)
TAG_POOL = 30


@dataclass(frozen=True, slots=True)
class PopularArticle:
    """One line of よく読まれている記事: what the ranked list shows, nothing per reader."""

    pk: int
    title: str
    url: str
    access_level: str
    readers: int  # distinct readers in the window; 0 when the list is the no-reads fallback

    @property
    def members_only(self) -> bool:
        return self.access_level != ArticleAccess.FREE

    @property
    def premium_only(self) -> bool:
        return self.access_level == ArticleAccess.PREMIUM


@dataclass(frozen=True, slots=True)
class _Window:
    articles: list[PopularArticle]
    tags: list[Tag]


def window_days(days: int | None = None) -> int:
    return max(1, days or int(getattr(settings, "KIJI_POPULAR_DAYS", 7)))


def popular_articles(
    *, limit: int = 5, days: int | None = None, now: datetime | None = None
) -> list[PopularArticle]:
    """The articles most members read in the last `days` days (KIJI_POPULAR_DAYS)."""
    days = window_days(days)
    if limit > ARTICLE_POOL:
        return popular_articles_uncached(limit=limit, days=days, now=now or timezone.now())
    return _window(days, now).articles[:limit]


def popular_tags(*, limit: int = 15, days: int | None = None, now: datetime | None = None) -> list[Tag]:
    """人気のタグ: tags by the distinct members who read their articles in the last `days` days."""
    days = window_days(days)
    moment = now or timezone.now()
    if limit > TAG_POOL:
        return _tags_by_readers(limit=limit, days=days, now=moment) or _tags_by_usage(limit=limit, now=moment)
    return _window(days, now).tags[:limit]


def _window(days: int, now: datetime | None) -> _Window:
    key = f"discovery:popular:{pagecache.generation()}:{days}"
    if now is None and (cached := cache.get(key)) is not None:
        return cached  # type: ignore[no-any-return]
    moment = now or timezone.now()
    articles = _articles_by_readers(limit=ARTICLE_POOL, days=days, now=moment)
    # No article read in the window means no tag read either: skip straight to the fallbacks.
    tags = _tags_by_readers(limit=TAG_POOL, days=days, now=moment) if articles else []
    window = _Window(
        articles=articles or _articles_by_usage(limit=ARTICLE_POOL, now=moment),
        tags=tags or _tags_by_usage(limit=TAG_POOL, now=moment),
    )
    if now is None:
        cache.set(key, window, POPULAR_CACHE_SECONDS)
    return window


def popular_articles_uncached(*, limit: int, days: int, now: datetime) -> list[PopularArticle]:
    """The same list, never cached (the offline evaluation ranks simulated reads with it)."""
    return _articles_by_readers(limit=limit, days=days, now=now) or _articles_by_usage(limit=limit, now=now)


def _window_start(days: int, now: datetime) -> date:
    """The first day of a window of `days` days ending today (Asia/Tokyo)."""
    return tokyo_day(now) - timedelta(days=days - 1)


def _articles_by_readers(*, limit: int, days: int, now: datetime) -> list[PopularArticle]:
    rows = (
        ReadEvent.objects.filter(
            day__gte=_window_start(days, now), article__live=True, article__published_at__lte=now
        )
        .values("article_id", "article__title", "article__slug", "article__access_level")
        .annotate(readers=Count("user_id", distinct=True), published=F("article__published_at"))
        .order_by("-readers", "-published", "-article_id")[:limit]
    )
    return [
        PopularArticle(
            pk=row["article_id"],
            title=row["article__title"],
            url=_article_url(row["article__slug"]),
            access_level=row["article__access_level"],
            readers=row["readers"],
        )
        for row in rows
    ]


def _articles_by_usage(*, limit: int, now: datetime) -> list[PopularArticle]:
    """No reads in the window: the most discussed recent articles, if any were discussed."""
    since = now - timedelta(days=settings.KIJI_POPULAR_TAGS_DAYS)
    rows = (
        _live(now)
        .filter(published_at__gt=since, comment_stats__count__gt=0)
        .order_by("-comment_stats__count", "-published_at", "-pk")
        .values("pk", "title", "slug", "access_level")[:limit]
    )
    return [
        PopularArticle(
            pk=row["pk"],
            title=row["title"],
            url=_article_url(row["slug"]),
            access_level=row["access_level"],
            readers=0,
        )
        for row in rows
    ]


def _tags_by_readers(*, limit: int, days: int, now: datetime) -> list[Tag]:
    window = Q(
        tagged_articles__content_object__read_events__day__gte=_window_start(days, now),
        tagged_articles__content_object__live=True,
        tagged_articles__content_object__published_at__lte=now,
    )
    # filter() before annotate(): the count runs over the window's reads only.
    return list(
        Tag.objects.filter(window)
        .annotate(readers=Count("tagged_articles__content_object__read_events__user", distinct=True))
        .order_by("-readers", "name")[:limit]
    )


def _tags_by_usage(*, limit: int, now: datetime) -> list[Tag]:
    """The foundation's measure: tags most used by articles of the last KIJI_POPULAR_TAGS_DAYS."""
    since = now - timedelta(days=settings.KIJI_POPULAR_TAGS_DAYS)
    recent = Q(
        tagged_articles__content_object__live=True,
        tagged_articles__content_object__published_at__gt=since,
        tagged_articles__content_object__published_at__lte=now,
    )
    return list(
        Tag.objects.annotate(recent_count=Count("tagged_articles", filter=recent))
        .filter(recent_count__gt=0)
        .order_by("-recent_count", "name")[:limit]
    )


def _article_url(slug: str) -> str:
    return reverse("articles:article", kwargs={"slug": slug})


def _live(now: datetime) -> QuerySet[ArticlePage]:
    queryset: QuerySet[ArticlePage] = ArticlePage.objects.live()
    return queryset.filter(published_at__lte=now)


def reading_history(user: Any) -> QuerySet[ReadEvent]:
    """The member's reads, newest first (unpublished articles included: it is their history)."""
    return ReadEvent.objects.filter(user=user).select_related("article").order_by("-read_at", "-pk")
