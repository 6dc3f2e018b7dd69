"""The reader-independent parts of an article page, rendered once per content change.

A page for a particular reader (anonymous, member, later with quota and favourites) is then a
cheap assembly of these fragments with the access decision, so a signed-in member's page, which
is never cached whole, still renders in a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from kiji.articles import anchors, selectors
from kiji.articles.models import ArticlePage
from kiji.articles.structured_data import as_script, news_article
from kiji.core import pagecache

PARTS = "articles/_article_parts.html"


@dataclass(frozen=True, slots=True)
class ArticleBundle:
    pk: int
    slug: str
    url: str
    title: str
    description: str
    access_level: str
    headings: tuple[str, ...]  # the first heading of each page, for the 【次ページ】 teaser
    tags: tuple[tuple[int, str], ...]  # (id, name), for per-reader follow buttons
    head_html: SafeString
    header_html: SafeString
    hero_html: SafeString
    pages_html: tuple[SafeString, ...]
    opening_html: SafeString  # what stays visible above the members-only wall
    footer_html: SafeString

    @property
    def members_only(self) -> bool:
        return self.access_level != "free"

    @property
    def premium_only(self) -> bool:
        return self.access_level == "premium"

    @property
    def page_count(self) -> int:
        return len(self.pages_html)


def _part(name: str, context: dict[str, object], request: HttpRequest) -> SafeString:
    return mark_safe(render_to_string(f"{PARTS}#{name}", context, request=request))  # noqa: S308  (template output)


def build_bundle(request: HttpRequest, article: ArticlePage) -> ArticleBundle:
    pages = article.body_pages
    authors = [link.author for link in article.article_authors.all()]
    tags = [item.tag for item in article.tagged_items.all()]
    related = selectors.related_articles(article)
    body_images = [b.value["image"] for p in pages for b in p.blocks if b.block_type == "image"]
    selectors.prefetch_renditions(
        [article.hero_image, *body_images, *(a.photo for a in authors), *(r.hero_image for r in related)]
    )
    hero_url = article.hero_image.get_rendition(selectors.BODY_IMAGE).url if article.hero_image else None
    json_ld = as_script(
        news_article(request, article, authors=authors, image_url=hero_url, free=not article.members_only)
    )
    context: dict[str, object] = {
        "article": article,
        "authors": authors,
        "tags": tags,
        "related": related,
        "hero_url": hero_url,
        "json_ld": json_ld,
        "base_url": f"{request.scheme}://{request.get_host()}",
    }
    numbered = anchors.number_pages(pages)
    opening = numbered[0][: settings.KIJI_WALL_VISIBLE_BLOCKS]
    return ArticleBundle(
        pk=article.pk,
        slug=article.slug,
        url=article.url,
        title=article.seo_title or article.title,
        description=(article.search_description or article.lead)[:160],
        access_level=article.access_level,
        headings=tuple(p.heading for p in pages),
        tags=tuple((tag.pk, tag.name) for tag in tags),
        head_html=_part("head", context, request),
        header_html=_part("header", context, request),
        hero_html=_part("hero", context, request),
        pages_html=tuple(_part("blocks", {**context, "blocks": blocks}, request) for blocks in numbered),
        opening_html=_part("blocks", {**context, "blocks": opening}, request),
        footer_html=_part("footer", context, request),
    )


def _key(request: HttpRequest, slug: str) -> str:
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return f"article-bundle:{pagecache.generation()}:{language}:{request.get_host()}:{slug}"


def cached_bundle(request: HttpRequest, slug: str) -> ArticleBundle | None:
    """The bundle of a live article, built on the first request after a content change."""
    seconds = settings.FRAGMENT_CACHE_SECONDS
    key = _key(request, slug)
    bundle: ArticleBundle | None = cache.get(key) if seconds else None
    if bundle is None:
        article = selectors.article_for_detail(slug)
        if article is None:
            return None
        bundle = build_bundle(request, article)
        if seconds:
            cache.set(key, bundle, seconds)
    return bundle


def cached_sidebar(request: HttpRequest) -> SafeString:
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    key = f"sidebar:{pagecache.generation()}:{language}"
    seconds = settings.FRAGMENT_CACHE_SECONDS
    html: str | None = cache.get(key) if seconds else None
    if html is None:
        context = {"popular_tags": selectors.popular_tags(), "sponsored": selectors.running_sponsored()}
        html = render_to_string("articles/_sidebar.html", context, request=request)
        if seconds:
            cache.set(key, html, min(seconds, 600))
    return mark_safe(html)  # noqa: S308  (template output)
