"""The comment section and its writes, for members with and without JavaScript.

Every write is a POST form. Without JavaScript it answers with a redirect (or the page again with
a specific error and the text kept); with htmx (`HX-Request`) it answers with the fragment to swap.
A refusal by a restriction answers with the 機能制限のお知らせ itself, never a generic error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiji.articles.models import ArticlePage
from kiji.comments import selectors, services
from kiji.comments.forms import AppealForm, CommentForm, ReportForm
from kiji.comments.models import Comment, Restriction, Warning
from kiji.comments.rules import ReportReason, rule_anchor
from kiji.comments.selectors import Sort
from kiji.core import access
from kiji.core.access import Action, Decision
from kiji.core.htmx import dialog, is_htmx
from kiji.core.ratelimit import Limit, hit, too_many_requests
from kiji.privacy.consent import consent_url, needs_disclosure_consent, safe_next
from kiji.privacy.selectors import disclosed_profile

View = Callable[..., HttpResponse]

WRITE_LIMIT = Limit(60, 60)  # likes, edits, deletions: generous for a person, tight for a script
REPORT_LIMIT = Limit(20, 3600)
APPEAL_LIMIT = Limit(5, 3600)
SECTION_CACHE_SECONDS = 300

SORT_LABELS = {Sort.NEWEST: "新しい順", Sort.OLDEST: "古い順", Sort.LIKED: "いいねが多い順"}


def _sort(request: HttpRequest) -> Sort:
    raw = request.GET.get("sort") or request.POST.get("sort") or ""
    return Sort(raw) if raw in Sort else Sort.NEWEST


def _article(article_id: int) -> ArticlePage:
    article = (
        ArticlePage.objects.live()
        .filter(pk=article_id)
        .only("id", "title", "slug", "url_path", "access_level")
    )
    found: ArticlePage | None = article.first()
    if found is None:
        raise Http404(_("記事が見つかりません。"))
    return found


def _comment(comment_id: int, viewer: Any) -> Comment:
    comment = selectors.visible_comment(comment_id, viewer)
    if comment is None or not comment.article.live:
        raise Http404(_("コメントが見つかりません。"))
    if not access.decide(viewer, Action.READ_COMMENTS, comment.article):
        raise Http404(_("コメントが見つかりません。"))
    return comment


def _first_error(form: Any, name: str) -> str:
    errors = form.errors.get(name)
    return str(errors[0]) if errors else ""


def section_url(article_id: int, sort: Sort = Sort.NEWEST, page: int | None = None) -> str:
    query = {k: v for k, v in {"sort": sort.value if sort != Sort.NEWEST else "", "page": page}.items() if v}
    base = reverse("comments:section", args=[article_id])
    return f"{base}?{urlencode(query)}" if query else base


# Rendering -----------------------------------------------------------------------------------------


def _author_cards(comments: list[Comment]) -> None:
    for comment in comments:
        profile = getattr(comment.author, "profile", None) if comment.author_id else None
        comment.shown_author = disclosed_profile(profile) if comment.author_id else None  # type: ignore[attr-defined]


def _decorate(comments: list[Comment]) -> list[Comment]:
    everything = [*comments, *(r for c in comments for r in getattr(c, "shown_replies", []))]
    _author_cards(everything)
    return everything


def _compose_state(request: HttpRequest, article: ArticlePage) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"can_post": False, "post_decision": access.decide(user, Action.POST_COMMENT, article)}
    decision = access.decide(user, Action.POST_COMMENT, article)
    return {
        "can_post": bool(decision),
        "post_decision": decision,
        "needs_consent": bool(decision) and needs_disclosure_consent(user),
        "restrictions": access.status_of(user).restrictions(),
        "warnings": selectors.open_warnings(user),
        "unseen_outcomes": selectors.unseen_outcomes(user),
    }


def _section_context(
    request: HttpRequest, article: ArticlePage, *, sort: Sort, number: Any
) -> dict[str, Any]:
    page = selectors.thread_page(article.pk, request.user, sort=sort, number=number)
    everything = _decorate(list(page.object_list))
    return {
        "article": article,
        "page_obj": page,
        "comments": page.object_list,
        "sort": sort,
        "sorts": [(s, _(label), section_url(article.pk, s)) for s, label in SORT_LABELS.items()],
        "count": selectors.comment_count(article.pk),
        "state": selectors.viewer_state(request.user, everything),
        "config": selectors.comment_settings(),
        "section_url": section_url(article.pk, sort),
        "page_urls": _page_urls(article.pk, sort, page),
        **_compose_state(request, article),
    }


def _page_urls(article_id: int, sort: Sort, page: Any) -> dict[str, str]:
    urls = {}
    if page.has_previous():
        urls["previous"] = section_url(article_id, sort, page.previous_page_number())
    if page.has_next():
        urls["next"] = section_url(article_id, sort, page.next_page_number())
    return urls


def _render_section(request: HttpRequest, article: ArticlePage, *, sort: Sort, number: Any) -> str:
    """The section's HTML. Visitors who are not signed in share one copy per version of the thread."""
    if request.user.is_authenticated:
        context = _section_context(request, article, sort=sort, number=number)
        return render_to_string("comments/_section.html", context, request=request)
    language = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    key = f"comments:{article.pk}:{selectors.thread_version(article.pk)}:{sort}:{number or 1}:{language}"
    html: str | None = cache.get(key)
    if html is None:
        context = _section_context(request, article, sort=sort, number=number)
        html = render_to_string("comments/_section.html", context, request=request)
        cache.set(key, html, SECTION_CACHE_SECONDS)
    return html


@require_GET
def section(request: HttpRequest, article_id: int) -> HttpResponse:
    """コメント: the article page loads this with htmx; without JavaScript it is a page of its own."""
    article = _article(article_id)
    decision = access.decide(request.user, Action.READ_COMMENTS, article)
    if not decision:
        return _walled(request, article, decision)
    html = mark_safe(_render_section(request, article, sort=_sort(request), number=request.GET.get("page")))  # noqa: S308
    if is_htmx(request):
        return HttpResponse(html)
    return render(request, "comments/section_page.html", {"article": article, "section_html": html})


def _walled(request: HttpRequest, article: ArticlePage, decision: Decision) -> HttpResponse:
    context = {"article": article, "decision": decision}
    template = "comments/_walled.html" if is_htmx(request) else "comments/walled_page.html"
    return render(request, template, context, status=200 if is_htmx(request) else 403)


@require_GET
def thread(request: HttpRequest, comment_id: int) -> HttpResponse:
    """A comment's own page: the comment and all of its replies, paged."""
    comment = _comment(comment_id, request.user)
    if comment.parent_id:
        return HttpResponseRedirect(
            f"{reverse('comments:thread', args=[comment.parent_id])}#comment-{comment.pk}"
        )
    replies = selectors.replies_page(comment, request.user, request.GET.get("page"))
    comment.shown_replies = list(replies.object_list)  # type: ignore[attr-defined]
    everything = _decorate([comment])
    context = {
        "article": comment.article,
        "comment": comment,
        "replies_page": replies,
        "state": selectors.viewer_state(request.user, everything),
        "config": selectors.comment_settings(),
        "thread_view": True,
        "reply_form": CommentForm(),
        "can_reply": bool(access.decide(request.user, Action.REPLY_COMMENT, comment)),
        **_compose_state(request, comment.article),
    }
    if request.GET.get("fragment") and is_htmx(request):
        return render(request, "comments/_comment.html", context)
    return render(request, "comments/thread_page.html", context)


# Writes: shared guard ------------------------------------------------------------------------------


def member_write(limit: Limit = WRITE_LIMIT, scope: str = "comment-write") -> Callable[[View], View]:
    """POST only, signed in, within the rate limit; the services check the access ladder."""

    def decorate(view: View) -> View:
        @require_POST
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return _to_login(request)
            if not hit(scope, str(request.user.pk), limit):
                if is_htmx(request):
                    return dialog(
                        request, "comments/_dialog_message.html", {"message": _too_many()}, status=429
                    )
                return too_many_requests(request, limit)
            try:
                return view(request, *args, **kwargs)
            except services.Refused as refused:
                return _refused(request, refused.decision)
            except services.NeedsConsent:
                return _to_consent(request)

        return guarded

    return decorate


def _too_many() -> str:
    return _("短時間に操作が集中しています。しばらく待ってからもう一度お試しください。")


def _to_login(request: HttpRequest) -> HttpResponse:
    target = safe_next(request, request.POST.get("next") or request.META.get("HTTP_REFERER"), "/")
    if is_htmx(request):
        url = f"{reverse('account_login')}?{urlencode({'next': target})}"
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect_to_login(target, login_url=reverse("account_login"))


def _to_consent(request: HttpRequest) -> HttpResponse:
    target = safe_next(request, request.POST.get("next") or request.META.get("HTTP_REFERER"), "/")
    url = consent_url(target)
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def _refused(request: HttpRequest, decision: Decision) -> HttpResponse:
    """The 機能制限のお知らせ for a restriction; otherwise what the ladder says unlocks it."""
    context = {"decision": decision, "restriction": decision.restriction}
    if is_htmx(request):
        return dialog(request, "comments/_refused.html", context, status=403)
    return render(request, "comments/refused_page.html", context, status=403)


# Posting -------------------------------------------------------------------------------------------


@member_write(limit=Limit(30, 60), scope="comment-post")
def post(request: HttpRequest, article_id: int) -> HttpResponse:
    article = _article(article_id)
    form = CommentForm(request.POST)
    parent = None
    if parent_id := request.POST.get("parent", ""):
        if not parent_id.isdigit():
            raise Http404
        parent = _comment(int(parent_id), request.user)
    if not form.is_valid():
        return _form_error(request, article, form, parent, _first_error(form, "body"))
    try:
        posted = services.post_comment(
            request.user,
            article=article,
            body=form.cleaned_data["body"],
            parent=parent,
            token=form.cleaned_data["token"],
        )
    except services.TooSoon as soon:
        return _form_error(request, article, form, parent, soon.message, status=429)
    except (services.Refused, services.NeedsConsent):
        raise
    except services.CommentError as error:
        return _form_error(request, article, form, parent, error.message)
    comment = posted.comment
    note = _("コメントを投稿しました。") if not posted.held else _held_message(comment)
    if is_htmx(request):
        return _posted_fragment(request, article, comment, parent, note)
    messages.success(request, note)
    if parent is not None:
        return HttpResponseRedirect(f"{reverse('comments:thread', args=[parent.pk])}#comment-{comment.pk}")
    return HttpResponseRedirect(f"{section_url(article.pk)}#comment-{comment.pk}")


def _held_message(comment: Comment) -> str:
    return _("コメントを受け付けました。運営の確認後に公開されます。")


def _posted_fragment(
    request: HttpRequest, article: ArticlePage, comment: Comment, parent: Comment | None, note: str
) -> HttpResponse:
    comment.shown_replies = []  # type: ignore[attr-defined]
    _decorate([comment])
    context = {
        "article": article,
        "comment": comment,
        "parent": parent,
        "form": CommentForm(),
        "note": note,
        "state": selectors.ViewerState(),
        "config": selectors.comment_settings(),
        "just_posted": True,
        **_compose_state(request, article),
    }
    return render(request, "comments/_posted.html", context)


def _form_error(
    request: HttpRequest,
    article: ArticlePage,
    form: CommentForm,
    parent: Comment | None,
    message: str,
    status: int = 422,
) -> HttpResponse:
    """The form again with the text as typed and one specific message."""
    context = {
        "article": article,
        "form": form,
        "parent": parent,
        "error": message or _("処理に失敗しました。もう一度お試しください。"),
        "config": selectors.comment_settings(),
        **_compose_state(request, article),
    }
    if is_htmx(request):
        return render(request, "comments/_compose_form.html", context, status=status)
    if parent is not None:
        context["comment"] = parent
        return render(request, "comments/reply_page.html", context, status=status)
    return render(request, "comments/compose_page.html", context, status=status)


@login_required
@require_GET
def reply_form(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment(comment_id, request.user)
    parent: Comment = comment.parent if comment.parent is not None else comment
    if parent.status != Comment.Status.PUBLISHED:
        raise Http404(_("返信先のコメントは削除されたか、表示されていません。"))
    decision = access.decide(request.user, Action.REPLY_COMMENT, parent)
    if not decision:
        return _refused(request, decision)
    if needs_disclosure_consent(request.user):
        return _to_consent(request)
    _decorate([parent])
    context = {"article": comment.article, "form": CommentForm(), "parent": parent, "comment": parent}
    context["config"] = selectors.comment_settings()
    template = "comments/_compose_form.html" if is_htmx(request) else "comments/reply_page.html"
    return render(request, template, context)


# Editing and deleting ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    """あなたの投稿コメント編集."""
    if request.method == "POST":
        return _edit_post(request, comment_id)
    if not request.user.is_authenticated:
        return _to_login(request)
    comment = _own_comment(request, comment_id)
    form = CommentForm(initial={"body": comment.body})
    return _edit_form(request, comment, form)


@member_write()
def _edit_post(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _own_comment(request, comment_id)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _edit_form(request, comment, form, error=_first_error(form, "body"))
    try:
        comment = services.edit_comment(request.user, comment, body=form.cleaned_data["body"])
    except services.Refused:
        raise
    except services.CommentError as error:
        return _edit_form(request, comment, form, error=error.message)
    if is_htmx(request):
        return _comment_fragment(request, comment.pk)
    messages.success(request, _("コメントを編集しました。"))
    return HttpResponseRedirect(_comment_url(comment))


def _own_comment(request: HttpRequest, comment_id: int) -> Comment:
    comment = _comment(comment_id, request.user)
    if comment.author_id != request.user.pk:
        raise Http404(_("コメントが見つかりません。"))
    return comment


def _edit_form(request: HttpRequest, comment: Comment, form: CommentForm, error: str = "") -> HttpResponse:
    context = {"comment": comment, "article": comment.article, "form": form, "error": error}
    context["config"] = selectors.comment_settings()
    status = 422 if error else 200
    template = "comments/_edit_form.html" if is_htmx(request) else "comments/edit_page.html"
    return render(request, template, context, status=status)


def _comment_fragment(
    request: HttpRequest, comment_id: int, status: int = 200, oob: bool = False
) -> HttpResponse:
    comment = selectors.visible_comment(comment_id, request.user)
    if comment is None:
        return HttpResponse("", status=status)
    if comment.parent_id is None:
        selectors.attach_replies([comment], request.user)
    else:
        comment.shown_replies = []  # type: ignore[attr-defined]
    everything = _decorate([comment])
    context = {
        "comment": comment,
        "article": comment.article,
        "state": selectors.viewer_state(request.user, everything),
        "config": selectors.comment_settings(),
        "oob": oob,
    }
    return render(request, "comments/_comment.html", context, status=status)


def _comment_url(comment: Comment) -> str:
    if comment.parent_id:
        return f"{reverse('comments:thread', args=[comment.parent_id])}#comment-{comment.pk}"
    return f"{section_url(comment.article_id)}#comment-{comment.pk}"


@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    """投稿したコメントを削除しますか? — a confirmation, then the deletion."""
    if request.method == "POST":
        return _delete_post(request, comment_id)
    if not request.user.is_authenticated:
        return _to_login(request)
    comment = _own_comment(request, comment_id)
    context = {"comment": comment, "article": comment.article}
    if is_htmx(request):
        return dialog(request, "comments/_delete_dialog.html", context)
    return render(request, "comments/delete_page.html", context)


@member_write()
def _delete_post(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _own_comment(request, comment_id)
    services.delete_comment(request.user, comment)
    if is_htmx(request):
        fragment = _comment_fragment(request, comment.pk, oob=True)
        context = {
            "message": _("コメントを削除しました。"),
            "oob": fragment.content.decode(),
            "comment": comment,
        }
        return dialog(request, "comments/_dialog_message.html", context)
    messages.success(request, _("コメントを削除しました。"))
    return HttpResponseRedirect(f"{section_url(comment.article_id)}#comments")


# Likes ---------------------------------------------------------------------------------------------


@member_write()
def like(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment(comment_id, request.user)
    wanted = request.POST.get("liked", "1") == "1"
    error = ""
    try:
        liked, count = services.set_like(request.user, comment, liked=wanted)
    except services.Refused:
        raise
    except services.CommentError as refused:
        error, liked, count = refused.message, False, comment.like_count
    if is_htmx(request):
        context = {"comment": comment, "liked": liked, "count": count, "error": error}
        return render(request, "comments/_like.html", context, status=422 if error else 200)
    if error:
        messages.error(request, error)
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), _comment_url(comment)))


# Reports -------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, comment_id: int) -> HttpResponse:
    """通報 → 「このコメントについて、問題の詳細をお知らせください」 → 「報告が完了しました」."""
    if request.method == "POST":
        return _report_post(request, comment_id)
    if not request.user.is_authenticated:
        return _to_login(request)
    comment = _comment(comment_id, request.user)
    decision = access.decide(request.user, Action.REPORT_COMMENT, comment.article)
    if not decision:
        return _refused(request, decision)
    return _report_form(request, comment, ReportForm())


def _report_form(request: HttpRequest, comment: Comment, form: ReportForm, error: str = "") -> HttpResponse:
    _decorate([comment])
    context = {
        "comment": comment,
        "article": comment.article,
        "form": form,
        "error": error,
        "rule_anchors": {reason: rule_anchor(reason) for reason in ReportReason.values},
    }
    status = 422 if error or form.errors else 200
    if is_htmx(request):
        return dialog(request, "comments/_report_dialog.html", context, status=status)
    return render(request, "comments/report_page.html", context, status=status)


@member_write(limit=REPORT_LIMIT, scope="comment-report")
def _report_post(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = _comment(comment_id, request.user)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _report_form(request, comment, form)
    try:
        _report, created = services.report_comment(
            request.user, comment, reason=form.cleaned_data["reason"], details=form.cleaned_data["details"]
        )
    except services.Refused:
        raise
    except services.CommentError as error:
        return _report_form(request, comment, form, error=error.message)
    message = _("報告が完了しました") if created else _("このコメントはすでに通報済みです。")
    if is_htmx(request):
        context = {"message": message, "comment": comment, "reported": True, "created": created}
        return dialog(request, "comments/_report_done.html", context)
    messages.success(request, message)
    return HttpResponseRedirect(_comment_url(comment))


# The member's own page: restrictions, appeals, warnings, reports ------------------------------------


@login_required
@require_GET
def my_status(request: HttpRequest) -> HttpResponse:
    """コミュニティの利用状況: what is off and why, how to appeal, and what came of one's reports."""
    user = request.user
    reports = list(selectors.reports_by(user)[:50])
    unseen = {r.pk for r in reports if r.outcome_seen_at is None and r.status != "open"}
    services.mark_outcomes_seen(user)
    restrictions = selectors.restriction_history(user)
    context = {
        "active": [r for r in restrictions if r.is_active()],
        "past": [r for r in restrictions if not r.is_active()],
        "warnings": selectors.open_warnings(user),
        "reports": reports,
        "unseen": unseen,
        "held": list(selectors.held_comments(user)[:20]),
        "appeal_form": AppealForm(),
    }
    return render(request, "comments/my_status.html", context)


@member_write(limit=APPEAL_LIMIT, scope="comment-appeal")
def appeal(request: HttpRequest, restriction_id: int) -> HttpResponse:
    restriction = get_object_or_404(Restriction, pk=restriction_id, user=request.user)
    form = AppealForm(request.POST)
    try:
        if not form.is_valid():
            raise services.CommentError(_first_error(form, "text"))
        services.appeal(request.user, restriction, text_=form.cleaned_data["text"])
    except services.CommentError as error:
        messages.error(request, error.message)
        if is_htmx(request):
            context = {"restriction": restriction, "appeal_form": form, "appeal_error": error.message}
            return render(request, "comments/_appeal.html", context, status=422)
        return HttpResponseRedirect(reverse("comments:my_status") + f"#restriction-{restriction.pk}")
    note = _("異議の申し立てを受け付けました。審査の結果はこのページでお知らせします。")
    if is_htmx(request):
        context = {"restriction": restriction, "appeal_done": note}
        return render(request, "comments/_appeal.html", context)
    messages.success(request, note)
    return HttpResponseRedirect(reverse("comments:my_status") + f"#restriction-{restriction.pk}")


@member_write()
def acknowledge(request: HttpRequest, warning_id: int) -> HttpResponse:
    warning = get_object_or_404(Warning, pk=warning_id, user=request.user)
    services.acknowledge_warning(request.user, warning)
    if is_htmx(request):
        return HttpResponse("")
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), reverse("comments:my_status")))


@require_GET
def fragment(request: HttpRequest, comment_id: int) -> HttpResponse:
    """One comment as the thread shows it (htmx: cancelling an edit)."""
    _comment(comment_id, request.user)
    return _comment_fragment(request, comment_id)
