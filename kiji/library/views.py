"""The member's library: favourites, followed tags and their feed, and the buttons' writes.

Writes are plain POST forms (no JavaScript needed): each answers a redirect back to a safe `next`
with a message, or only the updated button when htmx asks (`HX-Request`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kiji.articles import selectors as article_selectors
from kiji.articles.models import ArticlePage, Tag
from kiji.core import access
from kiji.core.access import Action, Decision
from kiji.core.ratelimit import Limit, hit, too_many_requests
from kiji.library import selectors, services
from kiji.library.permissions import FeatureLocked
from kiji.library.selectors import FavoriteSort

# Generous for a person clicking, tight for a script: one budget for every library write.
WRITE_LIMIT = Limit(60, 60)
FOLLOWS_PER_PAGE = 50

SORT_LABELS = {
    FavoriteSort.SAVED_NEWEST: gettext_lazy("保存が新しい順"),
    FavoriteSort.SAVED_OLDEST: gettext_lazy("保存が古い順"),
    FavoriteSort.PUBLISHED_NEWEST: gettext_lazy("掲載が新しい順"),
}

View = Callable[..., HttpResponse]


def _safe_next(request: HttpRequest, fallback: str) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return next_url if allowed else fallback


# Where a refused write lands without a `next`: pages that show the reason and what unlocks it.
_LOCKED_FALLBACK = {Action.SAVE_FAVORITE: "library:favorites", Action.FOLLOW_TAG: "library:following"}


def _refused(request: HttpRequest, decision: Decision, action: Action) -> HttpResponse:
    """Back where the member came from, with the reason; the page there shows the locked panel.

    Not a 403 page: the panel's 「詳細情報の入力へ進む」 returns to the current URL afterwards,
    and a POST-only URL is no place to return to.
    """
    messages.error(request, str(decision.message))
    target = _safe_next(request, reverse(_LOCKED_FALLBACK[action]))
    if request.headers.get("HX-Request") == "true":
        return HttpResponse(status=204, headers={"HX-Redirect": target})
    return HttpResponseRedirect(target)


def library_write(action: Action) -> Callable[[View], View]:
    """POST only; sign-in, the rate limit and the access ladder checked on every request."""

    def decorate(view: View) -> View:
        @require_POST
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(_safe_next(request, "/"), login_url=reverse("account_login"))
            if not hit("library-write", str(request.user.pk), WRITE_LIMIT):
                return too_many_requests(request, WRITE_LIMIT)
            decision = access.decide(request.user, action)
            if not decision:
                return _refused(request, decision, action)
            try:
                return view(request, *args, **kwargs)
            except FeatureLocked as locked:  # the service checks again; it may have other callers
                return _refused(request, locked.decision, action)

        return guarded

    return decorate


def _answer(request: HttpRequest, *, fallback: str, partial: str, context: dict[str, Any]) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":
        return render(request, partial, context)
    return HttpResponseRedirect(_safe_next(request, fallback))


def _page(request: HttpRequest, queryset: QuerySet[Any], per_page: int) -> Page[Any]:
    # get_page clamps: removing the last item of the last page lands on the new last page.
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@library_write(Action.SAVE_FAVORITE)
def save_favorite(request: HttpRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(selectors.saveable_articles(), pk=article_id)
    _favorite, created = services.save_favorite(request.user, article=article)
    if created:
        messages.success(request, _("「%(title)s」をお気に入りに登録しました。") % {"title": article.title})
    else:
        messages.info(request, _("この記事はすでにお気に入りに登録されています。"))
    context = {"bundle": article}
    return _answer(request, fallback=article.url, partial="library/_article_actions.html", context=context)


@library_write(Action.SAVE_FAVORITE)
def remove_favorite(request: HttpRequest, article_id: int) -> HttpResponse:
    article = get_object_or_404(ArticlePage, pk=article_id)
    if services.remove_favorite(request.user, article=article):
        messages.success(request, _("「%(title)s」をお気に入りから削除しました。") % {"title": article.title})
    else:
        messages.info(request, _("この記事はお気に入りに登録されていません。"))
    fallback = reverse("library:favorites")
    context = {"bundle": article}
    return _answer(request, fallback=fallback, partial="library/_article_actions.html", context=context)


@library_write(Action.FOLLOW_TAG)
def follow_tag(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=tag_id)
    _follow, created = services.follow_tag(request.user, tag=tag)
    if created:
        messages.success(
            request, _("#%(name)s をフォローしました。新着記事はフィードに届きます。") % {"name": tag.name}
        )
    else:
        messages.info(request, _("#%(name)s はすでにフォローしています。") % {"name": tag.name})
    fallback = tag.get_absolute_url()
    return _answer(request, fallback=fallback, partial="library/_tag_actions.html", context={"tag": tag})


@library_write(Action.FOLLOW_TAG)
def unfollow_tag(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = get_object_or_404(Tag, pk=tag_id)
    if services.unfollow_tag(request.user, tag=tag):
        messages.success(request, _("#%(name)s のフォローを解除しました。") % {"name": tag.name})
    else:
        messages.info(request, _("#%(name)s はフォローしていません。") % {"name": tag.name})
    fallback = reverse("library:following")
    return _answer(request, fallback=fallback, partial="library/_tag_actions.html", context={"tag": tag})


@login_required
@require_GET
def favorites(request: HttpRequest) -> HttpResponse:
    """お気に入り: the saved articles, sortable, with removal and the total."""
    decision = access.decide(request.user, Action.SAVE_FAVORITE)
    raw_sort = request.GET.get("sort", "")
    sort = FavoriteSort(raw_sort) if raw_sort in FavoriteSort else FavoriteSort.SAVED_NEWEST
    context: dict[str, Any] = {"decision": decision, "sort": sort, "sorts": SORT_LABELS.items()}
    if decision:
        page = _page(request, selectors.favorites_for(request.user, sort=sort), settings.KIJI_PAGE_SIZE)
        heroes = [favorite.article.hero_image for favorite in page.object_list]
        article_selectors.prefetch_renditions(heroes, specs=(article_selectors.CARD_IMAGE,))
        context["page_obj"] = page
    return render(request, "library/favorites.html", context)


@login_required
@require_GET
def following(request: HttpRequest) -> HttpResponse:
    """フォロー中のタグ, each with its article count and an unfollow button."""
    decision = access.decide(request.user, Action.FOLLOW_TAG)
    context: dict[str, Any] = {"decision": decision}
    if decision:
        context["page_obj"] = _page(request, selectors.follows_for(request.user), FOLLOWS_PER_PAGE)
    return render(request, "library/following.html", context)


@login_required
@require_GET
def feed(request: HttpRequest) -> HttpResponse:
    """新着フィード: the newest articles in the followed tags, each once."""
    decision = access.decide(request.user, Action.FOLLOW_TAG)
    context: dict[str, Any] = {"decision": decision}
    if decision:
        page = _page(request, selectors.feed_for(request.user), settings.KIJI_PAGE_SIZE)
        article_selectors.prefetch_renditions(
            (article.hero_image for article in page.object_list), specs=(article_selectors.CARD_IMAGE,)
        )
        matched = selectors.followed_tags_by_article(request.user, page.object_list)
        context["page_obj"] = page
        context["items"] = [(article, matched[article.pk]) for article in page.object_list]
        context["follows_any"] = page.paginator.count > 0 or selectors.follows_any_tag(request.user)
    return render(request, "library/feed.html", context)
