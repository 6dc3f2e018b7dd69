from __future__ import annotations

from datetime import datetime

from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet
from django.urls import reverse

from kiji.articles import selectors
from kiji.articles.models import ArticlePage, Author, Series, Tag


class ArticleSitemap(Sitemap[ArticlePage]):
    changefreq = "weekly"
    priority = 0.8
    limit = 5000

    def items(self) -> QuerySet[ArticlePage]:
        return (
            selectors.live_articles()
            .order_by("-published_at")
            .only("pk", "slug", "url_path", "published_at", "updated_at")
        )

    def location(self, item: ArticlePage) -> str:
        return reverse("articles:article", kwargs={"slug": item.slug})

    def lastmod(self, item: ArticlePage) -> datetime:
        return item.updated_at or item.published_at


class SeriesSitemap(Sitemap[Series]):
    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Series]:
        return selectors.series_with_counts()


class AuthorSitemap(Sitemap[Author]):
    changefreq = "weekly"
    priority = 0.4

    def items(self) -> QuerySet[Author]:
        return selectors.authors_with_articles()


class TagSitemap(Sitemap[Tag]):
    changefreq = "daily"
    priority = 0.4

    def items(self) -> QuerySet[Tag]:
        return selectors.tags_with_counts()


class StaticSitemap(Sitemap[str]):
    priority = 0.9
    changefreq = "hourly"

    def items(self) -> list[str]:
        return [
            "/",
            reverse("articles:series_index"),
            reverse("articles:tag_index"),
            reverse("articles:archive"),
        ]

    def location(self, item: str) -> str:
        return item


SITEMAPS = {
    "static": StaticSitemap,
    "articles": ArticleSitemap,
    "series": SeriesSitemap,
    "authors": AuthorSitemap,
    "tags": TagSitemap,
}
