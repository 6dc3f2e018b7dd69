"""The search page: /search/?q=… with filters, sort and paging.

Results are access-filtered for the person asking (kiji.search.selectors.search), so the page is
personal: never in the anonymous page cache, `Cache-Control: private` for every other cache. With
htmx, changing a filter or a page swaps only the results region (#search-results); every control
is a plain GET form or link, so the page works the same without JavaScript.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from kiji.articles import selectors as article_selectors
from kiji.core import access, pagecache
from kiji.core.htmx import is_htmx
from kiji.core.ratelimit import Limit, client_ip, hit
from kiji.search.forms import FilterOptions, Option, SearchForm
from kiji.search.selectors import MAX_PAGE, Hit, SearchResults, describe_total, search

# A person reading results pages by hand stays far below this; a script scraping the index does not.
SEARCH_LIMIT = Limit(60, 60)
PER_PAGE = 20
RESULTS_TARGET = "search-results"  # the id of the region htmx swaps
OPTIONS_SECONDS = 600
VISIBLE_TAGS = 12  # tag checkboxes shown; a tag chosen elsewhere (a URL) is shown as well
# Shown on the empty page: one of each syntax (the content is Japanese in every interface language).
EXAMPLES = ("決算", '"生成AI"', "円安 -金利")


@dataclass
class ResultItem:
    """One hit as the template shows it."""

    hit: Hit
    tags: list[Any] = field(default_factory=list)
    wall_hint: str = ""
    article_url: str = ""  # reversed here: Page.url would look up the site

    @property
    def date(self) -> Any:
        return self.hit.comment.created_at if self.hit.comment is not None else self.hit.article.published_at


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool = False


def filter_options() -> FilterOptions:
    """Tags with articles (most used first), series and authors: three queries per content change."""
    key = f"search-filter-options:{pagecache.generation()}"
    cached = cache.get(key)
    if isinstance(cached, FilterOptions):
        return cached
    options = FilterOptions(
        tags=tuple(Option(t.slug, t.name, t.article_count) for t in article_selectors.tags_with_counts()),
        series=tuple(Option(s.slug, s.name) for s in article_selectors.series_with_counts()),
        authors=tuple(Option(a.slug, a.name) for a in article_selectors.authors_with_articles()),
    )
    cache.set(key, options, OPTIONS_SECONDS)
    return options


def _partial(request: HttpRequest) -> bool:
    """Only the results region: htmx asked for it (not a history restore, which wants the page)."""
    return (
        is_htmx(request)
        and request.headers.get("HX-History-Restore-Request") != "true"
        and request.headers.get("HX-Target") == RESULTS_TARGET
    )


def _rate_key(request: HttpRequest) -> str:
    user = request.user
    return f"member:{user.pk}" if user.is_authenticated else f"ip:{client_ip(request)}"


def _url(params: list[tuple[str, str]]) -> str:
    base = reverse("search:search")
    return f"{base}?{urlencode(params)}" if params else base


def _wall_hint(article: Any, level: access.Level) -> str:
    if article.premium_only:
        return _("続きはプレミアム会員の方がお読みいただけます。")
    if level is access.Level.ANONYMOUS:
        return _("続きは無料の会員登録でお読みいただけます。")
    return _("本文は記事ページでお読みください。詳細情報を登録すると、会員限定記事をすべて読めます。")


def _items(request: HttpRequest, hits: list[Hit]) -> list[ResultItem]:
    """Each hit as shown, and when walled, what opens it."""
    level = access.status_of(request.user).level if any(h.walled for h in hits) else access.Level.ANONYMOUS
    return [
        ResultItem(
            hit=h,
            tags=list(h.article.tags) if h.kind == "article" else [],
            wall_hint=_wall_hint(h.article, level) if h.walled else "",
            article_url=h.article.url,
        )
        for h in hits
    ]


def _page_links(form: SearchForm, results: SearchResults) -> list[PageLink | None]:
    """Page numbers around the current one, with the first and last; None marks a gap."""
    last = min(math.ceil(results.total / results.per_page), MAX_PAGE)
    if last <= 1:
        return []
    wanted = sorted({1, last, *range(max(1, results.page - 2), min(last, results.page + 2) + 1)})
    links: list[PageLink | None] = []
    previous = 0
    for number in wanted:
        if number - previous > 1:
            links.append(None)
        links.append(PageLink(number, _url(form.query_params(page=number)), number == results.page))
        previous = number
    return links


def _status_text(form: SearchForm, results: SearchResults | None, limited: bool) -> str:
    """What the live region says after each search (read out after an htmx update)."""
    if limited:
        return _("検索が短時間に続いたため、一時的に受け付けを停止しています。")
    if form.errors:
        return _("入力内容を確認してください。")
    if results is None:
        return ""
    if results.problem:
        return results.problem
    if results.total == 0:
        return _("「%(query)s」に一致する結果はありませんでした。") % {"query": results.query.raw}
    first = (results.page - 1) * results.per_page + 1
    last = first + len(results.hits) - 1
    if not results.hits:
        return _("「%(query)s」の検索結果 %(total)s") % {
            "query": results.query.raw,
            "total": describe_total(results),
        }
    return _("「%(query)s」の検索結果 %(total)s(%(first)s〜%(last)s件目を表示)") % {
        "query": results.query.raw,
        "total": describe_total(results),
        "first": f"{first:,}",
        "last": f"{last:,}",
    }


def _chosen_tags(form: SearchForm) -> set[str]:
    return set(form.data.getlist("tag")) if form.is_bound else set()  # type: ignore[attr-defined]


def _visible_tags(form: SearchForm) -> list[Option]:
    chosen = _chosen_tags(form)
    shown = list(form.options.tags[:VISIBLE_TAGS])
    shown += [o for o in form.options.tags[VISIBLE_TAGS:] if o.slug in chosen]
    return shown


def _results_links(form: SearchForm, results: SearchResults | None) -> dict[str, Any]:
    """Paging and did-you-mean: every link keeps the query, the filters and the sort."""
    if results is None:
        return {"page_links": [], "previous_url": "", "next_url": "", "first_rank": 1, "suggestion_url": ""}
    return {
        "page_links": _page_links(form, results),
        "previous_url": _url(form.query_params(page=results.page - 1)) if results.has_previous else "",
        "next_url": _url(form.query_params(page=results.page + 1)) if results.has_next else "",
        "first_rank": (results.page - 1) * results.per_page + 1,
        "suggestion_url": _url(form.query_params(q=results.suggestion, page=None))
        if results.suggestion
        else "",
    }


@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, options=filter_options())
    partial = _partial(request)
    asked = bool(request.GET.get("q", "").strip())
    limited = asked and not hit("search", _rate_key(request), SEARCH_LIMIT)
    valid = form.is_valid() if form.is_bound else False
    results: SearchResults | None = None
    items: list[ResultItem] = []
    if valid and not limited and form.text:
        results = search(
            request.user,
            form.text,
            filters=form.filters(),
            sort=form.sort_value,
            page=form.page_number,
            per_page=PER_PAGE,
        )
        items = _items(request, results.hits)
    # A bound form keeps its valid fields in cleaned_data even when another field is wrong.
    params = form.query_params() if form.is_bound else []
    text = form.text if form.is_bound else ""
    active = form.active_filter_count() if form.is_bound else 0
    context: dict[str, Any] = {
        "form": form,
        "valid": valid,
        "results": results,
        "items": items,
        "limited": limited,
        "query": text if valid else request.GET.get("q", "").strip(),
        "status_text": _status_text(form, results, limited),
        # Shown as the result count; otherwise only read out (the page shows its own message).
        "status_visible": bool(results and results.hits and not limited),
        **_results_links(form, results),
        "first_page_url": _url([(k, v) for k, v in params if k != "page"]),
        "clear_filters_url": _url([("q", text)] if text else []),
        "has_filters": valid and (active > 0 or bool(form.cleaned_data.get("kind"))),
        "active_filter_count": active,
        "visible_tags": _visible_tags(form),
        "chosen_tags": _chosen_tags(form),
        "popular_tags": article_selectors.popular_tags(limit=20) if not items else [],
        "examples": [(example, _url([("q", example)])) for example in EXAMPLES] if results is None else [],
        "results_target": RESULTS_TARGET,
        # After paging with htmx the link that was clicked is gone: focus moves to the first result.
        "focus_first": partial and request.headers.get("HX-Trigger", "").startswith("search-pager-"),
    }
    template = "search/_results_response.html" if partial else "search/search.html"
    status = 429 if limited else 400 if form.errors else 200
    response = render(request, template, context, status=status)
    if limited:
        response["Retry-After"] = str(SEARCH_LIMIT.seconds)
    # Personal results: no shared cache, and a partial never stands in for the page in history.
    if partial:
        if valid:  # the address bar shows the search without the form's empty fields
            response["HX-Push-Url"] = _url(params)
        patch_cache_control(response, private=True, no_store=True)
    else:
        patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response
