"""Member pages, follows and blocks, for members with and without JavaScript.

Every write is a POST form. Without JavaScript it answers with a redirect and a message; with htmx
(`HX-Request`) it answers with the fragment to swap, or with the content of the page's dialog
(#comment-dialog, opened by site.js). A refusal by the access ladder is shown as its own message
(「この会員をフォローすることはできません。」), a restriction as the 機能制限のお知らせ.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiji.articles.models import Author, Series
from kiji.core import access
from kiji.core.access import Action, Decision
from kiji.core.htmx import dialog, is_htmx
from kiji.core.ratelimit import Limit, hit, too_many_requests
from kiji.members.selectors import profile_for
from kiji.privacy.consent import consent_url, needs_disclosure_consent, safe_next
from kiji.privacy.selectors import DisclosedProfile, disclosed_profile
from kiji.social import selectors, services

View = Callable[..., HttpResponse]

# Generous for a person clicking, tight for a script. A new follow notifies someone: its own budget.
WRITE_LIMIT = Limit(60, 60)
FOLLOW_LIMIT = Limit(100, 3600)
MEMBERS_PER_PAGE = 50
COMMENTS_SHOWN = 10
COMMENTS_LOOKED_AT = 50


def _member_url(member_id: int) -> str:
    return reverse("social:member", args=[member_id])


def _too_many() -> str:
    return _("短時間に操作が集中しています。しばらく待ってからもう一度お試しください。")


# Finding members ---------------------------------------------------------------------------------


def _active_member(user_id: int) -> Any:
    """Any active account (unfollowing and blocks need no public page)."""
    member = get_user_model().objects.select_related("profile").filter(pk=user_id, is_active=True).first()
    if member is None:
        raise Http404(_("会員が見つかりません。"))
    return member


def _public_member(user_id: int, viewer: Any) -> Any:
    """A member with a public page: they agreed to show their basic info (the owner always sees
    their own page). Without consent there is no page at all."""
    member = _active_member(user_id)
    own = viewer is not None and viewer.is_authenticated and viewer.pk == member.pk
    if not own and needs_disclosure_consent(member):
        raise Http404(_("会員が見つかりません。"))
    return member


def _shown(member: Any) -> DisclosedProfile:
    return disclosed_profile(profile_for(member))


def _blocking(viewer: Any, member: Any) -> bool:
    return bool(viewer.is_authenticated) and member.pk in access.status_of(viewer).blocks()[0]


# The member page -----------------------------------------------------------------------------------


def _follow_state(request: HttpRequest, member: Any) -> dict[str, Any]:
    viewer = request.user
    if not viewer.is_authenticated or viewer.pk == member.pk:
        return {"following": False, "needs_consent": False}
    needs_consent = needs_disclosure_consent(viewer)
    return {
        "following": selectors.is_following(viewer, member),
        "needs_consent": needs_consent,
        "consent_url": consent_url(_member_url(member.pk)) if needs_consent else "",
    }


def _readable_comments(request: HttpRequest, member: Any) -> list[Any]:
    """The member's latest comments on articles this viewer may read now (one query, whatever
    the count: the ladder's decisions are memoised on the viewer)."""
    shown = []
    for comment in selectors.recent_comments(member, COMMENTS_LOOKED_AT):
        if access.decide(request.user, Action.READ_COMMENTS, comment.article):
            shown.append(comment)
            if len(shown) == COMMENTS_SHOWN:
                break
    return shown


def _member_context(request: HttpRequest, member: Any) -> dict[str, Any]:
    viewer = request.user
    context: dict[str, Any] = {
        "member": member,
        "member_url": _member_url(member.pk),
        "shown": _shown(member),
        "own": viewer.is_authenticated and viewer.pk == member.pk,
        "blocking": _blocking(viewer, member),
    }
    if context["blocking"]:
        return context  # nothing of a blocked member, only the way back
    context["counts"] = selectors.follow_counts(member)
    context["follow"] = _follow_state(request, member)
    context["comments"] = _readable_comments(request, member)
    return context


@require_GET
def member(request: HttpRequest, user_id: int) -> HttpResponse:
    """The member's public page: only the basic info they made public, their follows and comments."""
    found = _public_member(user_id, request.user)
    return render(request, "social/member.html", _member_context(request, found))


def _page(request: HttpRequest, queryset: QuerySet[Any]) -> Page[Any]:
    return Paginator(queryset, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))


def _member_list(request: HttpRequest, user_id: int, *, followers: bool) -> HttpResponse:
    found = _public_member(user_id, request.user)
    context = {
        "member": found,
        "member_url": _member_url(found.pk),
        "shown": _shown(found),
        "blocking": _blocking(request.user, found),
        "followers": followers,
    }
    if context["blocking"]:
        return render(request, "social/member.html", context)
    counts = selectors.follow_counts(found)
    listed = selectors.listed_followers(found) if followers else selectors.listed_following(found)
    page = _page(request, listed)
    total = counts.followers if followers else counts.following
    context.update(
        counts=counts,
        page_obj=page,
        rows=[_row(link.follower if followers else link.followed) for link in page.object_list],
        private=max(total - page.paginator.count, 0),
    )
    return render(request, "social/member_list.html", context)


def _row(person: Any) -> dict[str, Any]:
    return {"id": person.pk, "shown": disclosed_profile(getattr(person, "profile", None))}


@require_GET
def followers(request: HttpRequest, user_id: int) -> HttpResponse:
    """フォロワー: consented members by name; the others only counted (非公開の会員)."""
    return _member_list(request, user_id, followers=True)


@require_GET
def following(request: HttpRequest, user_id: int) -> HttpResponse:
    """フォロー中: the members this member follows, as above."""
    return _member_list(request, user_id, followers=False)


# Writes: the shared guard ---------------------------------------------------------------------------


def _to_login(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        target = request.get_full_path()
    else:
        target = safe_next(request, request.POST.get("next") or request.META.get("HTTP_REFERER"), "/")
    if is_htmx(request):
        url = f"{reverse('account_login')}?{urlencode({'next': target})}"
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect_to_login(target, login_url=reverse("account_login"))


def _to_consent(request: HttpRequest, fallback: str) -> HttpResponse:
    """The consent page, back to the page the form was on afterwards."""
    url = consent_url(safe_next(request, request.POST.get("next"), fallback))
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), fallback))


def _refused(request: HttpRequest, decision: Decision, fallback: str) -> HttpResponse:
    """The ladder's own message; a restriction gets its 機能制限のお知らせ."""
    context = {"decision": decision, "restriction": decision.restriction}
    if is_htmx(request):
        return dialog(request, "comments/_refused.html", context, status=403)
    if decision.restriction is not None:
        return render(request, "comments/refused_page.html", context, status=403)
    messages.error(request, str(decision.message))
    return _back(request, fallback)


def _failed(request: HttpRequest, message: str, fallback: str, status: int = 422) -> HttpResponse:
    if is_htmx(request):
        return dialog(request, "social/_done_dialog.html", {"message": message}, status=status)
    messages.error(request, message)
    return _back(request, fallback)


def member_write(limit: Limit | None = None, scope: str = "") -> Callable[[View], View]:
    """POST only, signed in, within the rate limits; the services check the access ladder.

    The view's `user_id` (the other member) is where a refusal sends the member back to.
    """

    def decorate(view: View) -> View:
        @require_POST
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return _to_login(request)
            limits = [("social-write", WRITE_LIMIT)] + ([(scope, limit)] if limit and scope else [])
            for name, budget in limits:
                if not hit(name, str(request.user.pk), budget):
                    if is_htmx(request):
                        return dialog(
                            request, "social/_done_dialog.html", {"message": _too_many()}, status=429
                        )
                    return too_many_requests(request, budget)
            fallback = _member_url(kwargs["user_id"]) if "user_id" in kwargs else "/"
            try:
                return view(request, *args, **kwargs)
            except services.Refused as refused:
                return _refused(request, refused.decision, fallback)
            except services.NeedsConsent:
                return _to_consent(request, fallback)
            except services.SocialError as error:
                return _failed(request, error.message, fallback)

        return guarded

    return decorate


# Follows ------------------------------------------------------------------------------------------


def _follow_fragment(request: HttpRequest, found: Any, note: str) -> HttpResponse:
    context = {
        "member": found,
        "member_url": _member_url(found.pk),
        "follow": _follow_state(request, found),
        "counts": selectors.follow_counts(found),
        "counts_oob": True,
        "note": note,
    }
    return render(request, "social/_member_follow.html", context)


@member_write(limit=FOLLOW_LIMIT, scope="social-follow")
def follow(request: HttpRequest, user_id: int) -> HttpResponse:
    """フォロー: the notice sits beside the button; without consent the consent page comes first."""
    found = _public_member(user_id, request.user)
    created = services.follow_member(request.user, found)
    name = _shown(found).display_name
    if created:
        note = _("%(name)sさんをフォローしました。") % {"name": name}
    else:
        note = _("%(name)sさんはすでにフォローしています。") % {"name": name}
    if is_htmx(request):
        return _follow_fragment(request, found, note)
    messages.success(request, note)
    return _back(request, _member_url(found.pk))


@member_write()
def unfollow(request: HttpRequest, user_id: int) -> HttpResponse:
    found = _active_member(user_id)
    name = _shown(found).display_name
    if services.unfollow_member(request.user, found):
        note = _("%(name)sさんのフォローを解除しました。") % {"name": name}
    else:
        note = _("%(name)sさんはフォローしていません。") % {"name": name}
    if is_htmx(request):
        return _follow_fragment(request, found, note)
    messages.success(request, note)
    return _back(request, _member_url(found.pk))


# Blocks -------------------------------------------------------------------------------------------


def _confirm_context(request: HttpRequest, found: Any) -> dict[str, Any]:
    fallback = _member_url(found.pk)
    return {
        "member": found,
        "shown": _shown(found),
        "next": safe_next(request, request.GET.get("next") or request.POST.get("next"), fallback),
        "origin": request.GET.get("from") or request.POST.get("from") or "member",
    }


def _confirm(request: HttpRequest, found: Any, *, dialog_template: str, page: str) -> HttpResponse:
    context = _confirm_context(request, found)
    if is_htmx(request):
        return dialog(request, dialog_template, context)
    return render(request, page, context)


@require_http_methods(["GET", "POST"])
def block(request: HttpRequest, user_id: int) -> HttpResponse:
    """ブロックしますか? — a confirmation, then the block (ブロックが完了しました)."""
    if request.method == "POST":
        return _block_post(request, user_id=user_id)
    if not request.user.is_authenticated:
        return _to_login(request)
    found = _active_member(user_id)
    if found.pk == request.user.pk:
        raise Http404(_("会員が見つかりません。"))
    return _confirm(
        request, found, dialog_template="social/_block_dialog.html", page="social/block_page.html"
    )


@member_write()
def _block_post(request: HttpRequest, user_id: int) -> HttpResponse:
    found = _active_member(user_id)
    services.block(request.user, found)
    note = _("ブロックが完了しました")
    return _after_block_change(request, found, note)


@require_http_methods(["GET", "POST"])
def unblock(request: HttpRequest, user_id: int) -> HttpResponse:
    """ブロックを解除しますか? — a confirmation, then ブロック解除が完了しました."""
    if request.method == "POST":
        return _unblock_post(request, user_id=user_id)
    if not request.user.is_authenticated:
        return _to_login(request)
    found = _active_member(user_id)
    return _confirm(
        request, found, dialog_template="social/_unblock_dialog.html", page="social/unblock_page.html"
    )


@member_write()
def _unblock_post(request: HttpRequest, user_id: int) -> HttpResponse:
    found = _active_member(user_id)
    services.unblock(request.user, found)
    note = _("ブロック解除が完了しました")
    return _after_block_change(request, found, note)


def _after_block_change(request: HttpRequest, found: Any, note: str) -> HttpResponse:
    """The done message; with htmx, the page behind the dialog is brought up to date too."""
    origin = request.POST.get("from", "member")
    if not is_htmx(request):
        messages.success(request, note)
        fallback = reverse("social:blocks") if origin == "blocks" else _member_url(found.pk)
        return _back(request, fallback)
    oob = ""
    if origin == "blocks":
        oob = f'<li id="block-row-{found.pk}" hx-swap-oob="delete"></li>'
    elif not needs_disclosure_consent(found):
        access.forget_status(request.user)
        context = {**_member_context(request, found), "oob": True}
        oob = render_to_string("social/_member_main.html", context, request=request)
    return dialog(request, "social/_done_dialog.html", {"message": note, "oob": oob})


@login_required
@require_GET
def blocks(request: HttpRequest) -> HttpResponse:
    """ブロックした会員, each with 「ブロックを解除」."""
    page = _page(request, selectors.blocks_of(request.user))
    rows = [{**_row(b.blocked), "blocked_at": b.created_at} for b in page.object_list]
    return render(request, "social/blocks.html", {"page_obj": page, "rows": rows})


# Authors and series --------------------------------------------------------------------------------


def _source_answer(
    request: HttpRequest, *, partial: str, context: dict[str, Any], fallback: str, note: str, ok: bool
) -> HttpResponse:
    if is_htmx(request):
        return render(request, partial, {**context, "note": note}, status=200 if ok else 403)
    if ok:
        messages.success(request, note)
    else:
        messages.error(request, note)
    return _back(request, fallback)


@member_write()
def follow_author(request: HttpRequest, author_id: int) -> HttpResponse:
    author = get_object_or_404(Author, pk=author_id)
    fallback = reverse("articles:author", args=[author.slug])
    context = {"author": author}
    try:
        created = services.follow_author(request.user, author)
    except services.Refused as refused:
        note, ok = str(refused.decision.message), False
    else:
        ok = True
        note = (
            _("%(name)sさんをフォローしました。")
            if created
            else _("%(name)sさんはすでにフォローしています。")
        ) % {"name": author.name}
    partial = "social/_author_follow.html"
    return _source_answer(request, partial=partial, context=context, fallback=fallback, note=note, ok=ok)


@member_write()
def unfollow_author(request: HttpRequest, author_id: int) -> HttpResponse:
    author = get_object_or_404(Author, pk=author_id)
    fallback = reverse("articles:author", args=[author.slug])
    if services.unfollow_author(request.user, author):
        note = _("%(name)sさんのフォローを解除しました。") % {"name": author.name}
    else:
        note = _("%(name)sさんはフォローしていません。") % {"name": author.name}
    partial = "social/_author_follow.html"
    context = {"author": author}
    return _source_answer(request, partial=partial, context=context, fallback=fallback, note=note, ok=True)


@member_write()
def follow_series(request: HttpRequest, series_id: int) -> HttpResponse:
    series = get_object_or_404(Series, pk=series_id)
    fallback = reverse("articles:series", args=[series.slug])
    context = {"series": series}
    try:
        created = services.follow_series(request.user, series)
    except services.Refused as refused:
        note, ok = str(refused.decision.message), False
    else:
        ok = True
        note = (
            _("連載「%(name)s」をフォローしました。")
            if created
            else _("連載「%(name)s」はすでにフォローしています。")
        ) % {"name": series.name}
    partial = "social/_series_follow.html"
    return _source_answer(request, partial=partial, context=context, fallback=fallback, note=note, ok=ok)


@member_write()
def unfollow_series(request: HttpRequest, series_id: int) -> HttpResponse:
    series = get_object_or_404(Series, pk=series_id)
    fallback = reverse("articles:series", args=[series.slug])
    if services.unfollow_series(request.user, series):
        note = _("連載「%(name)s」のフォローを解除しました。") % {"name": series.name}
    else:
        note = _("連載「%(name)s」はフォローしていません。") % {"name": series.name}
    partial = "social/_series_follow.html"
    context = {"series": series}
    return _source_answer(request, partial=partial, context=context, fallback=fallback, note=note, ok=True)


@login_required
@require_GET
def my_follows(request: HttpRequest) -> HttpResponse:
    """フォロー中の執筆者・連載, each with a button to stop following."""
    context = {
        "decision": access.decide(request.user, Action.FOLLOW_TAG),
        "authors": list(selectors.followed_authors(request.user)[:200]),
        "series_list": list(selectors.followed_series(request.user)[:200]),
    }
    return render(request, "social/my_follows.html", context)
