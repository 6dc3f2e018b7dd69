"""RSS feeds for the site and for each series, tag and author. Members-only articles: the lead only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from kiji.articles import selectors
from kiji.articles.models import ArticlePage, ArticleTag, Author, Series, Tag
from kiji.core.pagecache import cache_for_anonymous

FEED_SIZE = 30


class ArticleFeed(Feed):  # type: ignore[type-arg]
    description_template = None

    def __call__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().__call__(request, *args, **kwargs)
        cache_for_anonymous(response)
        return response

    def feed_items(self, queryset: QuerySet[ArticlePage]) -> list[ArticlePage]:
        return list(
            queryset.prefetch_related(
                Prefetch(
                    "tagged_items", queryset=ArticleTag.objects.select_related("tag").order_by("tag__name")
                )
            )[:FEED_SIZE]
        )

    def item_title(self, item: ArticlePage) -> str:
        return f"【{_('会員限定')}】{item.title}" if item.members_only else item.title

    def item_description(self, item: ArticlePage) -> str:
        # The lead only, for every article: feeds never carry members-only text.
        return item.lead

    def item_link(self, item: ArticlePage) -> str:
        return str(item.url)

    def item_pubdate(self, item: ArticlePage) -> datetime:
        return item.published_at

    def item_updateddate(self, item: ArticlePage) -> datetime:
        return item.updated_at or item.published_at

    def item_author_name(self, item: ArticlePage) -> str:
        return "、".join(link.author.name for link in item.article_authors.all())

    def item_categories(self, item: ArticlePage) -> list[str]:
        return [tagged.tag.name for tagged in item.tagged_items.all()]


class LatestArticlesFeed(ArticleFeed):
    link = "/"

    def title(self) -> str:
        return _("Kiji 最新記事")

    def description(self) -> str:
        return _("Kiji の最新記事")

    def items(self) -> list[ArticlePage]:
        return self.feed_items(selectors.latest_articles())


class SeriesFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Series:
        return get_object_or_404(Series, slug=slug)

    def title(self, obj: Series) -> str:
        return _("連載:%(name)s") % {"name": obj.name}

    def link(self, obj: Series) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Series) -> str:
        return obj.description

    def items(self, obj: Series) -> list[ArticlePage]:
        return self.feed_items(selectors.latest_articles().filter(series=obj))


class TagFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Tag:
        return get_object_or_404(Tag, slug=slug)

    def title(self, obj: Tag) -> str:
        return _("タグ:%(name)s") % {"name": obj.name}

    def link(self, obj: Tag) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Tag) -> str:
        return _("「%(name)s」タグの記事") % {"name": obj.name}

    def items(self, obj: Tag) -> list[ArticlePage]:
        return self.feed_items(selectors.articles_tagged(obj))


class AuthorFeed(ArticleFeed):
    def get_object(self, request: HttpRequest, slug: str) -> Author:
        return get_object_or_404(Author, slug=slug)

    def title(self, obj: Author) -> str:
        return _("執筆:%(name)s") % {"name": obj.name}

    def link(self, obj: Author) -> str:
        return obj.get_absolute_url()

    def description(self, obj: Author) -> str:
        return obj.title

    def items(self, obj: Author) -> list[ArticlePage]:
        return self.feed_items(selectors.articles_by_author(obj))
