"""Public pages: home, article, series, authors, tags and the monthly archive."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kiji.articles import rendering, selectors
from kiji.articles.models import ArticlePage, Author, HomePage, Series, Tag
from kiji.articles.rendering import ArticleBundle
from kiji.articles.structured_data import PAYWALLED_SELECTOR
from kiji.core import access
from kiji.core.pagecache import cache_for_anonymous
from kiji.discovery import services as discovery_services
from kiji.members import services as member_services


def _paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int | None = None) -> Page[Any]:
    paginator = Paginator(queryset, per_page or settings.KIJI_PAGE_SIZE)
    try:
        page = paginator.page(request.GET.get("page", 1))
    except (EmptyPage, PageNotAnInteger) as exc:
        raise Http404(_("そのページはありません。")) from exc
    selectors.prefetch_renditions(article.hero_image for article in page.object_list)
    return page


def _cacheable(response: HttpResponse) -> HttpResponse:
    cache_for_anonymous(response)
    return response


def _sidebar() -> dict[str, Any]:
    return {"popular_tags": selectors.popular_tags(), "sponsored": selectors.running_sponsored()}


def home(request: HttpRequest, page: HomePage) -> HttpResponse:
    latest = list(selectors.latest_articles()[:13])
    featured = selectors.featured_articles() or latest[:1]
    featured_ids = {a.pk for a in featured}
    series_list = selectors.series_with_latest()
    selectors.prefetch_renditions(a.hero_image for a in [*latest, *featured])
    context = {
        "page": page,
        "featured": featured,
        "latest": [a for a in latest if a.pk not in featured_ids][:12],
        "series_list": series_list,
        **_sidebar(),
    }
    return _cacheable(render(request, "articles/home.html", context))


@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    page = _paginate(request, selectors.latest_articles())
    context = {"page_obj": page, "heading": _("最新記事"), **_sidebar()}
    return _cacheable(render(request, "articles/article_list.html", context))


@require_GET
def article_detail(request: HttpRequest, slug: str) -> HttpResponse:
    bundle = rendering.cached_bundle(request, slug)
    if bundle is None:
        raise Http404(_("記事が見つかりません。"))
    return _cacheable(_article_response(request, bundle))


def render_article(request: HttpRequest, article: ArticlePage, *, preview: bool = False) -> HttpResponse:
    """Wagtail's serve and preview path: the same page, built from the given (maybe draft) article."""
    response = _article_response(request, rendering.build_bundle(request, article))
    return response if preview else _cacheable(response)


def _requested_page(request: HttpRequest, count: int) -> int | None:
    """The ?page=N of a multi-page article; None means the read-all view."""
    raw = request.GET.get("page", "1")
    if raw == "all":
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= count:
        raise Http404(_("そのページはありません。"))
    return int(raw)


def _page_url(bundle: ArticleBundle, number: int | None) -> str:
    if number is None:
        return f"{bundle.url}?page=all"
    return bundle.url if number == 1 else f"{bundle.url}?page={number}"


def _article_response(request: HttpRequest, bundle: ArticleBundle) -> HttpResponse:
    number = _requested_page(request, bundle.page_count)
    decision = access.can_read_article(request.user, bundle)
    if decision.counts_read:
        member_services.record_read(request.user, article_id=bundle.pk)
    if decision.allowed and request.user.is_authenticated and not getattr(request, "is_preview", False):
        discovery_services.record_view(request.user, bundle.pk)  # at most one INSERT a day
    if decision.allowed:
        body_html = bundle.pages_html[number - 1] if number else mark_safe("".join(bundle.pages_html))  # noqa: S308
    else:
        # The wall: the opening of page 1 only; navigation and the next-page teaser stay.
        body_html = bundle.opening_html if number in (1, None) else mark_safe("")
    has_next = number is not None and number < bundle.page_count
    context = {
        "bundle": bundle,
        "page_number": number,
        "page_links": [{"number": n, "url": _page_url(bundle, n)} for n in range(1, bundle.page_count + 1)],
        "read_all_url": _page_url(bundle, None),
        "prev_url": _page_url(bundle, number - 1) if number and number > 1 else None,
        "next_url": _page_url(bundle, number + 1) if number and has_next else None,
        "next_heading": bundle.headings[number] if number and has_next else "",
        "canonical_url": request.build_absolute_uri(_page_url(bundle, number or 1)),
        "body_html": body_html,
        "decision": decision,
        "walled": not decision.allowed,
        "reads_left": decision.reads_left,
        "paywalled_class": PAYWALLED_SELECTOR.lstrip("."),
        "sidebar_html": rendering.cached_sidebar(request),
    }
    return render(request, "articles/article_page.html", context)


@require_GET
def series_index(request: HttpRequest) -> HttpResponse:
    context = {"series_list": selectors.series_with_counts(), **_sidebar()}
    return _cacheable(render(request, "articles/series_index.html", context))


@require_GET
def series_detail(request: HttpRequest, slug: str) -> HttpResponse:
    series = get_object_or_404(Series, slug=slug)
    page = _paginate(request, selectors.series_parts(series), per_page=24)
    context = {"series": series, "page_obj": page, **_sidebar()}
    return _cacheable(render(request, "articles/series_detail.html", context))


@require_GET
def author_index(request: HttpRequest) -> HttpResponse:
    authors = list(selectors.authors_with_counts().order_by("name"))
    selectors.prefetch_renditions(a.photo for a in authors)
    context = {"authors": authors, **_sidebar()}
    return _cacheable(render(request, "articles/author_index.html", context))


@require_GET
def author_detail(request: HttpRequest, slug: str) -> HttpResponse:
    author = get_object_or_404(Author.objects.select_related("photo"), slug=slug)
    page = _paginate(request, selectors.articles_by_author(author))
    selectors.prefetch_renditions([author.photo])
    context = {"author": author, "page_obj": page, **_sidebar()}
    return _cacheable(render(request, "articles/author_detail.html", context))


@require_GET
def tag_index(request: HttpRequest) -> HttpResponse:
    context = {"tags": selectors.tags_with_counts(), **_sidebar()}
    return _cacheable(render(request, "articles/tag_index.html", context))


@require_GET
def tag_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tag = get_object_or_404(Tag, slug=slug)
    page = _paginate(request, selectors.articles_tagged(tag))
    context = {"tag": tag, "page_obj": page, **_sidebar()}
    return _cacheable(render(request, "articles/tag_detail.html", context))


@require_GET
def archive_index(request: HttpRequest) -> HttpResponse:
    context = {"months": selectors.monthly_archive(), **_sidebar()}
    return _cacheable(render(request, "articles/archive_index.html", context))


@require_GET
def archive_month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404(_("その月の記事はありません。"))
    page = _paginate(request, selectors.articles_in_month(year, month))
    context = {"year": year, "month": month, "page_obj": page, **_sidebar()}
    return _cacheable(render(request, "articles/archive_month.html", context))
