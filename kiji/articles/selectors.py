"""Reads of published content. Each returns a QuerySet or a small list, already prefetched."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag, Author, Series, SponsoredItem, Tag
from kiji.core import pagecache
from kiji.images.models import KijiImage as Image
from kiji.images.models import KijiRendition as Rendition

CARD_IMAGE = "fill-640x360|format-webp|webpquality-80"
BODY_IMAGE = "width-960|format-webp|webpquality-82"
BODY_IMAGE_SMALL = "width-480|format-webp|webpquality-80"
AUTHOR_PHOTO = "fill-160x160|format-webp|webpquality-80"
IMAGE_SPECS = (CARD_IMAGE, BODY_IMAGE, BODY_IMAGE_SMALL, AUTHOR_PHOTO)


def live_articles() -> QuerySet[ArticlePage]:
    queryset: QuerySet[ArticlePage] = ArticlePage.objects.live()
    return queryset.filter(published_at__lte=timezone.now())


def with_cards(queryset: QuerySet[ArticlePage]) -> QuerySet[ArticlePage]:
    """What an article card shows: series, hero image and authors, in a fixed number of queries."""
    return queryset.select_related("series", "hero_image", "comment_stats").prefetch_related(
        Prefetch(
            "article_authors", queryset=ArticleAuthor.objects.select_related("author").order_by("sort_order")
        ),
    )


def latest_articles() -> QuerySet[ArticlePage]:
    return with_cards(live_articles()).order_by("-published_at", "-pk")


def featured_articles(limit: int = 4) -> list[ArticlePage]:
    return list(latest_articles().filter(featured=True)[:limit])


def article_for_detail(slug: str) -> ArticlePage | None:
    return (
        live_articles()
        .select_related("series", "hero_image")
        .prefetch_related(
            Prefetch(
                "article_authors",
                queryset=ArticleAuthor.objects.select_related("author", "author__photo").order_by(
                    "sort_order"
                ),
            ),
            Prefetch("tagged_items", queryset=ArticleTag.objects.select_related("tag").order_by("tag__name")),
        )
        .filter(slug=slug)
        .first()
    )


def related_articles(article: ArticlePage, *, limit: int = 6) -> list[ArticlePage]:
    """関連コンテンツ: by content, series and tags as the worker computed it (kiji.search.related);
    until it has, same series first, then the most shared tags, then the newest."""
    from kiji.search.models import RelatedArticle

    stored = RelatedArticle.objects.filter(article_id=article.pk)
    rank = stored.filter(other_id=OuterRef("pk")).values("rank")[:1]
    cards = list(
        with_cards(live_articles().filter(pk__in=stored.values("other_id")))
        .annotate(related_rank=Subquery(rank))
        .order_by("related_rank")[:limit]
    )
    return cards or _related_by_tags(article, limit=limit)


def _related_by_tags(article: ArticlePage, *, limit: int) -> list[ArticlePage]:
    """Ranked on ids alone (a narrow GROUP BY), then the cards are fetched: three queries in all."""
    tag_ids = [item.tag_id for item in article.tagged_items.all()]
    match = Q(tagged_items__tag_id__in=tag_ids)
    if article.series_id:
        match |= Q(series_id=article.series_id)
    series_bonus = (
        Count("pk", filter=Q(series_id=article.series_id), distinct=True) * 10
        if article.series_id
        else Value(0, output_field=IntegerField())
    )
    ranked = list(
        live_articles()
        .filter(match)
        .exclude(pk=article.pk)
        .values("pk")
        .annotate(
            # An empty IN inside the aggregate would empty the whole result (articles without tags).
            shared_tags=Count("tagged_items", filter=Q(tagged_items__tag_id__in=tag_ids), distinct=True)
            if tag_ids
            else Value(0, output_field=IntegerField()),
            series_score=series_bonus,
            newest=Max("published_at"),
        )
        .order_by("-series_score", "-shared_tags", "-newest")
        .values_list("pk", flat=True)[:limit]
    )
    cards = {a.pk: a for a in with_cards(ArticlePage.objects.filter(pk__in=ranked))}
    return [cards[pk] for pk in ranked if pk in cards]


def series_parts(series: Series) -> QuerySet[ArticlePage]:
    return with_cards(live_articles().filter(series=series)).order_by("series_position", "published_at")


def series_with_latest(*, limit: int = 6, per_series: int = 3) -> list[tuple[Series, list[ArticlePage]]]:
    """Each active series with its newest parts, for the home page; two queries in all."""
    series_list = list(series_with_counts().order_by(F("latest").desc())[:limit])
    articles = with_cards(live_articles().filter(series__in=series_list)).order_by("-published_at")
    parts: dict[int, list[ArticlePage]] = {s.pk: [] for s in series_list}
    for article in articles:
        if len(parts[article.series_id]) < per_series:
            parts[article.series_id].append(article)
    return [(s, parts[s.pk]) for s in series_list]


def series_with_counts() -> QuerySet[Series]:
    return (
        Series.objects.annotate(
            article_count=Count(
                "articles", filter=Q(articles__live=True, articles__published_at__lte=timezone.now())
            ),
            latest=Max(
                "articles__published_at",
                filter=Q(articles__live=True, articles__published_at__lte=timezone.now()),
            ),
        )
        .filter(article_count__gt=0)
        .order_by("name")
    )


def authors_with_articles() -> QuerySet[Author]:
    return (
        Author.objects.filter(
            article_links__page__live=True, article_links__page__published_at__lte=timezone.now()
        )
        .distinct()
        .order_by("slug")
    )


def authors_with_counts() -> QuerySet[Author]:
    return Author.objects.select_related("photo").annotate(
        article_count=Count(
            "article_links",
            filter=Q(article_links__page__live=True, article_links__page__published_at__lte=timezone.now()),
        )
    )


def articles_by_author(author: Author) -> QuerySet[ArticlePage]:
    return latest_articles().filter(article_authors__author=author)


def articles_tagged(tag: Tag) -> QuerySet[ArticlePage]:
    return latest_articles().filter(tagged_items__tag=tag)


def tags_with_counts() -> QuerySet[Tag]:
    tags: QuerySet[Tag] = Tag.objects.all()
    annotated: QuerySet[Tag] = (
        tags.annotate(
            article_count=Count(
                "tagged_articles",
                filter=Q(
                    tagged_articles__content_object__live=True,
                    tagged_articles__content_object__published_at__lte=timezone.now(),
                ),
            )
        )
        .filter(article_count__gt=0)
        .order_by("-article_count", "name")
    )
    return annotated


def popular_tags(*, limit: int = 15, now: datetime | None = None) -> list[Tag]:
    """人気のタグ: by distinct readers over the last KIJI_POPULAR_DAYS (kiji.discovery), cached."""
    from kiji.discovery.selectors import popular_tags as by_readers

    return by_readers(limit=limit, now=now)


def running_sponsored(*, limit: int = 3) -> list[SponsoredItem]:
    key = f"sponsored:{pagecache.generation()}:{limit}"
    if (cached := cache.get(key)) is not None:
        return list(cached)
    items = list(SponsoredItem.objects.running().select_related("image")[:limit])
    cache.set(key, items, 60)
    return items


def monthly_archive() -> list[dict[str, Any]]:
    tokyo = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    rows = (
        live_articles()
        .annotate(month=TruncMonth("published_at", tzinfo=tokyo))
        .values("month")
        .annotate(count=Count("pk"))
        .order_by("-month")
    )
    return [{"month": row["month"], "count": row["count"]} for row in rows]


def articles_in_month(year: int, month: int) -> QuerySet[ArticlePage]:
    tokyo = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    start = datetime(year, month, 1, tzinfo=tokyo)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tokyo)
    return latest_articles().filter(published_at__gte=start, published_at__lt=end)


def prefetch_renditions(images: Iterable[Image | None], specs: Iterable[str] = IMAGE_SPECS) -> None:
    """Load every needed rendition of these images in one query, so templates query nothing."""
    by_id: dict[int, list[Image]] = {}
    for image in images:
        if image is not None:
            by_id.setdefault(image.pk, []).append(image)
    if not by_id:
        return
    found: dict[int, list[Rendition]] = {pk: [] for pk in by_id}
    for rendition in Rendition.objects.filter(image_id__in=by_id, filter_spec__in=list(specs)):
        found[rendition.image_id].append(rendition)
    for pk, instances in by_id.items():
        for image in instances:
            image.prefetched_renditions = list(found[pk])
