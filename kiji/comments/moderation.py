"""Comment moderation in the Wagtail admin (コメント管理): the queue, a comment under review, a
member's record, restrictions and their appeals.

Wagtail checks admin access; every view also asks the access ladder (Action.MODERATE_COMMENTS) and
answers a refusal with a 403 page. Every action is a POST with CSRF and a one-time token that calls
a service of kiji.comments.services, which checks access again and writes the audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kiji.audit.permissions import can_manage_members
from kiji.comments import moderation_selectors as selectors
from kiji.comments import services
from kiji.comments.models import Appeal, Comment, Restriction
from kiji.comments.moderation_forms import (
    AcceptAppealForm,
    ActionForm,
    ApproveForm,
    HideForm,
    LiftForm,
    QueueFilterForm,
    RejectAppealForm,
    RemoveForm,
    RestrictForm,
    WarnForm,
)
from kiji.comments.moderation_selectors import QueueFilters, Tab
from kiji.comments.services import CommentError
from kiji.core import access
from kiji.core.access import Action
from kiji.core.ratelimit import Limit, hit, too_many_requests

if TYPE_CHECKING:
    from django.core.paginator import Page
    from django.utils.functional import Promise

ROWS_PER_PAGE = 50
MODERATION_ACTIONS = Limit(count=60, seconds=60)  # per staff account
SUBMIT_TOKEN_SECONDS = 24 * 3600
REFUSAL = gettext_lazy(
    "コメント管理を使うには「コメントをモデレートできる」権限が必要です。管理者に依頼してください。"
)

View = Callable[..., HttpResponse]


def moderators_only(view: View) -> View:
    """Ask the access ladder first. Wagtail would turn PermissionDenied into a redirect home, so a
    refusal is answered here with a real 403 page that says which permission is missing."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.decide(request.user, Action.MODERATE_COMMENTS):
            context = {"refusal": REFUSAL}
            return _admin_page(
                request,
                "comments/moderation/forbidden.html",
                context,
                title=_("権限がありません"),
                status=403,
            )
        return view(request, *args, **kwargs)

    return guarded


# The queue ------------------------------------------------------------------------------------------


@moderators_only
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "")
    tab = tab if tab in Tab.values else Tab.REPORTED
    form = QueueFilterForm(request.GET, tab=tab)
    valid = form.is_valid()
    values = {k: v for k, v in form.cleaned_data.items() if k != "tab" and v} if valid else {}
    filters = QueueFilters(tab=tab, **values)
    here = request.get_full_path()
    counts = selectors.tab_counts()
    context: dict[str, Any] = {
        "form": form,
        "tab": tab,
        "tabs": [(value, label, _tab_url(value), counts.get(value)) for value, label in Tab.choices],
        "filters": filters,
        "filtered": bool(values),
        "next": here,
    }
    page: Page[Any]
    if tab == Tab.APPEALS:
        appeals = selectors.open_appeals(filters) if valid else selectors.open_appeals(filters).none()
        page = Paginator(appeals, ROWS_PER_PAGE).get_page(request.GET.get("p"))
        context["appeal_items"] = [
            _appeal_item(row) for row in selectors.appeal_rows(cast("list[Appeal]", page.object_list))
        ]
    else:
        comments = selectors.queue_comments(filters) if valid else Comment.objects.none()
        page = Paginator(comments, ROWS_PER_PAGE).get_page(request.GET.get("p"))
        context["rows"] = selectors.rows(page.object_list)
        context["detail_query"] = urlencode({"next": here})
    context["page_obj"] = page
    return _admin_page(request, "comments/moderation/queue.html", context, title=_("コメント管理"))


def _tab_url(tab: str) -> str:
    return f"{reverse('comment_moderation:index')}?{urlencode({'tab': tab})}"


# One comment ----------------------------------------------------------------------------------------


@moderators_only
@require_GET
def comment_detail(request: HttpRequest, comment_id: int) -> HttpResponse:
    record = selectors.comment_record(comment_id)
    if record is None:
        raise Http404
    return _comment_page(request, record, next_url=_safe_next(request, request.GET.get("next", "")))


@dataclass(frozen=True, slots=True)
class CommentAction:
    form: type[ActionForm]
    run: Callable[[Any, Comment, ActionForm], object]
    done: Promise
    back_to_queue: bool  # triage: after approving, hiding or removing, the next comment waits


def _approve(user: Any, comment: Comment, form: ActionForm) -> object:
    return services.approve(user, comment, note=form.cleaned_data["note"])


def _hide(user: Any, comment: Comment, form: ActionForm) -> object:
    data = form.cleaned_data
    return services.hide(user, comment, reason=data["reason"], note=data["note"])


def _remove(user: Any, comment: Comment, form: ActionForm) -> object:
    data = form.cleaned_data
    return services.remove(user, comment, reason=data["reason"], note=data["note"])


def _warn(user: Any, comment: Comment, form: ActionForm) -> object:
    data = form.cleaned_data
    return services.warn(user, comment, reason=data["reason"], message=data["message"])


def _restrict(user: Any, comment: Comment, form: ActionForm) -> object:
    if comment.author is None:
        raise CommentError(_("投稿者が退会しているため、機能を制限できません。"), code="no_author")
    data = form.cleaned_data
    return services.restrict(
        user,
        comment.author,
        features=data["features"],
        reason=data["reason"],
        days=cast("RestrictForm", form).duration,
        comment=comment,
        message=data["message"],
    )


COMMENT_ACTIONS: dict[str, CommentAction] = {
    "approve": CommentAction(
        ApproveForm,
        _approve,
        gettext_lazy("コメント #%(id)s を承認しました。未対応の通報は閉じました。"),
        True,
    ),
    "hide": CommentAction(HideForm, _hide, gettext_lazy("コメント #%(id)s を非表示にしました。"), True),
    "remove": CommentAction(RemoveForm, _remove, gettext_lazy("コメント #%(id)s を削除しました。"), True),
    "warn": CommentAction(
        WarnForm, _warn, gettext_lazy("コメント #%(id)s の投稿者に注意を送りました。"), False
    ),
    "restrict": CommentAction(
        RestrictForm,
        _restrict,
        gettext_lazy("コメント #%(id)s の投稿者の機能を制限しました。コメントは非表示になりました。"),
        False,
    ),
}


@moderators_only
@require_POST
def comment_action(request: HttpRequest, comment_id: int, action: str) -> HttpResponse:
    step = COMMENT_ACTIONS.get(action)
    if step is None:
        raise Http404
    comment = get_object_or_404(Comment.objects.select_related("author"), pk=comment_id)
    if not hit("comments.moderation", str(request.user.pk), MODERATION_ACTIONS):
        return too_many_requests(request, MODERATION_ACTIONS)
    next_url = _safe_next(request, request.POST.get("next", ""))
    detail = _detail_url(comment.pk, next_url)
    form = step.form(request.POST, prefix=action)
    if form.is_valid():
        if not _first_submit(form):
            return _repeated(request, detail)
        try:
            step.run(request.user, comment, form)
        except CommentError as error:
            _refused(form, error)
        else:
            messages.success(request, str(step.done) % {"id": comment.pk})
            if step.back_to_queue:
                return HttpResponseRedirect(next_url or reverse("comment_moderation:index"))
            return HttpResponseRedirect(detail)
    record = selectors.comment_record(comment.pk)
    if record is None:  # removed from the database meanwhile
        raise Http404
    _not_done(request, form)
    return _comment_page(request, record, next_url=next_url, bound={action: form})


def _comment_page(
    request: HttpRequest,
    record: selectors.CommentRecord,
    *,
    next_url: str,
    bound: dict[str, ActionForm] | None = None,
) -> HttpResponse:
    bound = bound or {}
    comment = record.comment
    history = selectors.author_history(comment.author) if comment.author is not None else None
    reason = record.top_reason
    forms = {
        name: bound.get(name)
        or step.form(prefix=name, initial={"submit_token": _token(), "reason": reason, "indefinite": False})
        for name, step in COMMENT_ACTIONS.items()
    }
    context = {
        "record": record,
        "comment": comment,
        "history": history,
        "lift_items": _lift_items(history.active if history else [], bound),
        "forms": forms,
        "failed": next(iter(bound), ""),
        "failed_form": next(iter(bound.values()), None),
        "next": next_url,
        "here": _detail_url(comment.pk, next_url),
        "article_url": comment.article.get_url(request),
        "article_edit_url": reverse("wagtailadmin_pages:edit", args=[comment.article_id]),
        "member_admin": can_manage_members(request.user),
    }
    title = _("コメント #%(id)s") % {"id": comment.pk}
    return _admin_page(request, "comments/moderation/comment_detail.html", context, title=title)


def _detail_url(comment_id: int, next_url: str = "") -> str:
    url = reverse("comment_moderation:comment", args=[comment_id])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# A member's record ----------------------------------------------------------------------------------


@moderators_only
@require_GET
def member_history(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(get_user_model(), pk=user_id)
    history = selectors.author_history(member)
    context = {
        "member": member,
        "history": history,
        "lift_items": _lift_items(history.active, {}),
        "here": request.get_full_path(),
        "member_admin": can_manage_members(request.user),
    }
    return _admin_page(
        request, "comments/moderation/member_history.html", context, title=_member_title(history)
    )


def _member_title(history: selectors.AuthorHistory) -> str:
    name = history.author.display_name if history.author else ""
    return _("%(name)s さんのコメント履歴") % {"name": name or _("会員 #%(id)s") % {"id": history.user.pk}}


# Restrictions and appeals ---------------------------------------------------------------------------


@moderators_only
@require_GET
def restriction_detail(request: HttpRequest, restriction_id: int) -> HttpResponse:
    return _restriction_page(
        request, restriction_id, next_url=_safe_next(request, request.GET.get("next", ""))
    )


@moderators_only
@require_POST
def lift(request: HttpRequest, restriction_id: int) -> HttpResponse:
    restriction = get_object_or_404(Restriction, pk=restriction_id)
    prefix = f"lift-{restriction.pk}"
    done = _("機能制限 #%(id)s を解除しました。") % {"id": restriction.pk}

    def run(form: ActionForm) -> object:
        return services.lift(request.user, restriction, note=form.cleaned_data["note"])

    return _restriction_action(request, restriction, LiftForm(request.POST, prefix=prefix), run, done)


@moderators_only
@require_POST
def accept_appeal(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.select_related("restriction"), pk=appeal_id)
    restriction = appeal.restriction
    if appeal.status != Appeal.Status.OPEN:
        return _decided(request, restriction)
    form = AcceptAppealForm(request.POST, prefix=f"accept-{appeal.pk}")
    done = _("申し立てを認め、機能制限 #%(id)s を解除しました。") % {"id": restriction.pk}

    def run(form: ActionForm) -> object:
        return services.lift(request.user, restriction, note=form.cleaned_data["note"])

    return _restriction_action(request, restriction, form, run, done)


@moderators_only
@require_POST
def reject_appeal(request: HttpRequest, appeal_id: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal.objects.select_related("restriction"), pk=appeal_id)
    if appeal.status != Appeal.Status.OPEN:
        return _decided(request, appeal.restriction)
    form = RejectAppealForm(request.POST, prefix=f"reject-{appeal.pk}")
    done = _("申し立てを認めないと回答しました。機能制限は続きます。")

    def run(form: ActionForm) -> object:
        return services.reject_appeal(request.user, appeal, response=form.cleaned_data["response"])

    return _restriction_action(request, appeal.restriction, form, run, done)


def _decided(request: HttpRequest, restriction: Restriction) -> HttpResponse:
    """Another moderator (or a second submit) decided the appeal first: show the outcome."""
    messages.info(request, _("この申し立てはすでに審査が終わっています。結果をご確認ください。"))
    return HttpResponseRedirect(_restriction_url(restriction.pk))


def _restriction_action(
    request: HttpRequest,
    restriction: Restriction,
    form: ActionForm,
    run: Callable[[ActionForm], object],
    done: str,
) -> HttpResponse:
    if not hit("comments.moderation", str(request.user.pk), MODERATION_ACTIONS):
        return too_many_requests(request, MODERATION_ACTIONS)
    next_url = _safe_next(request, request.POST.get("next", ""))
    page = _restriction_url(restriction.pk, next_url)
    if form.is_valid():
        if not _first_submit(form):
            return _repeated(request, page)
        try:
            run(form)
        except CommentError as error:
            _refused(form, error)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(next_url or page)
    _not_done(request, form)
    return _restriction_page(request, restriction.pk, next_url=next_url, bound={form.prefix or "": form})


def _restriction_page(
    request: HttpRequest,
    restriction_id: int,
    *,
    next_url: str,
    bound: dict[str, ActionForm] | None = None,
) -> HttpResponse:
    found = selectors.restriction_record(restriction_id)
    if found is None:
        raise Http404
    restriction, appeals = found
    bound = bound or {}
    open_appeal = next((a for a in appeals if a.status == Appeal.Status.OPEN), None)
    member = selectors.shown_author(restriction.user)
    context = {
        "restriction": restriction,
        "member": member,
        "appeals": appeals,
        "appeal_item": _appeal_item(selectors.AppealRow(open_appeal, member), bound) if open_appeal else None,
        "lift_form": None
        if open_appeal or not restriction.is_active()
        else _form(LiftForm, f"lift-{restriction.pk}", bound),
        "next": next_url,
        "here": _restriction_url(restriction.pk, next_url),
    }
    title = _("機能制限 #%(id)s") % {"id": restriction.pk}
    crumb = {
        "url": reverse("comment_moderation:member", args=[restriction.user_id]),
        "label": _("%(name)s さんのコメント履歴") % {"name": member.display_name if member else ""},
    }
    return _admin_page(
        request, "comments/moderation/restriction_detail.html", context, title=title, crumb=crumb
    )


def _restriction_url(restriction_id: int, next_url: str = "") -> str:
    url = reverse("comment_moderation:restriction", args=[restriction_id])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _appeal_item(row: selectors.AppealRow, bound: dict[str, ActionForm] | None = None) -> dict[str, Any]:
    pk = row.appeal.pk
    return {
        "row": row,
        "accept": _form(AcceptAppealForm, f"accept-{pk}", bound or {}),
        "reject": _form(RejectAppealForm, f"reject-{pk}", bound or {}),
    }


def _lift_items(
    active: list[Restriction], bound: dict[str, ActionForm]
) -> list[tuple[Restriction, ActionForm]]:
    return [(r, _form(LiftForm, f"lift-{r.pk}", bound)) for r in active]


def _form(form_class: type[ActionForm], prefix: str, bound: dict[str, ActionForm]) -> ActionForm:
    return bound.get(prefix) or form_class(prefix=prefix, initial={"submit_token": _token()})


# Helpers --------------------------------------------------------------------------------------------


def _admin_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    title: str,
    crumb: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render inside the Wagtail admin chrome, with breadcrumbs back to the queue."""
    crumbs = [{"url": reverse("wagtailadmin_home"), "label": _("ホーム")}]
    if status == 200:
        crumbs.append({"url": reverse("comment_moderation:index"), "label": _("コメント管理")})
    if crumb is not None:
        crumbs.append(crumb)
    if crumbs[-1]["label"] != title:
        crumbs.append({"url": "", "label": title})
    context |= {"header_title": title, "breadcrumbs_items": crumbs, "header_icon": "comment"}
    return render(request, template, context, status=status)


def _safe_next(request: HttpRequest, value: str) -> str:
    """Where to go back to: only a page of these tools, on this site."""
    base = reverse("comment_moderation:index")
    if (
        value.startswith(base)
        and not value.startswith("//")
        and url_has_allowed_host_and_scheme(value, allowed_hosts={request.get_host()})
    ):
        return value
    return ""


def _token() -> str:
    return uuid.uuid4().hex


def _submitted_key(form: ActionForm) -> str:
    return f"comments:moderation:submitted:{form.cleaned_data['submit_token']}"


def _first_submit(form: ActionForm) -> bool:
    return bool(cache.add(_submitted_key(form), True, SUBMIT_TOKEN_SECONDS))


def _repeated(request: HttpRequest, url: str) -> HttpResponse:
    messages.info(request, _("この操作はすでに実行されています(二重送信のため無視しました)。"))
    return HttpResponseRedirect(url)


def _not_done(request: HttpRequest, form: ActionForm) -> None:
    """Say at the top of the page why nothing was done; the form below marks its fields too."""
    errors = [str(error) for errors in form.errors.values() for error in errors]
    messages.error(request, _("操作は実行されませんでした: %(errors)s") % {"errors": " ".join(errors)})


def _refused(form: ActionForm, error: CommentError) -> None:
    """The service said no and changed nothing: show why, and let the same form be sent again."""
    form.add_error(form.field_for(error.code), error.message)
    cache.delete(_submitted_key(form))
