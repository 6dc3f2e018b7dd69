"""Staff pages in the Wagtail admin: member administration and the audit log (read only).

Wagtail checks admin access; each view adds the guard of its tool. Every member action is a GET
confirmation page and a POST with CSRF that calls a service, which writes the audit entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kiji.audit import selectors
from kiji.audit.forms import (
    AuditFilterForm,
    ConfirmForm,
    GrantPremiumForm,
    MemberSearchForm,
    RevokePremiumForm,
)
from kiji.audit.permissions import (
    can_change_premium,
    can_manage_members,
    can_view_audit_log,
    check_can_change_premium,
    check_can_manage_members,
    check_can_view_audit_log,
)
from kiji.audit.staff import reset_monthly_quota
from kiji.core.ratelimit import Limit, hit, too_many_requests
from kiji.members.selectors import profile_for
from kiji.premium.selectors import active_subscription

MEMBERS_PER_PAGE = 50
ENTRIES_PER_PAGE = 50
MEMBER_ACTIONS = Limit(count=30, seconds=60)  # per staff account
SUBMIT_TOKEN_SECONDS = 24 * 3600

View = Callable[..., HttpResponse]


def guarded_by(check: Callable[[Any], None], refusal: Any) -> Callable[[View], View]:
    """Run a guard before the view. Wagtail turns PermissionDenied into a redirect home, so a
    refusal is answered here with a real 403 page that says which permission is missing."""

    def decorate(view: View) -> View:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                check(request.user)
            except PermissionDenied:
                context = {"refusal": refusal}
                return _admin_page(
                    request, "audit/forbidden.html", context, title=_("権限がありません"), status=403
                )
            return view(request, *args, **kwargs)

        return guarded

    return decorate


manages_members = guarded_by(
    check_can_manage_members,
    gettext_lazy("会員管理を使うには「会員を管理できる」権限が必要です。管理者に依頼してください。"),
)
changes_premium = guarded_by(
    check_can_change_premium,
    gettext_lazy("プレミアムの付与・取り消しには、会員管理の権限とプレミアム契約を変更する権限が必要です。"),
)
reads_audit_log = guarded_by(
    check_can_view_audit_log,
    gettext_lazy("監査ログを見るには「監査ログ」の閲覧権限が必要です。管理者に依頼してください。"),
)


@manages_members
@require_GET
def member_index(request: HttpRequest) -> HttpResponse:
    form = MemberSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.members_matching(query), MEMBERS_PER_PAGE).get_page(request.GET.get("p"))
    context = {
        "form": form,
        "query": query,
        "page_obj": page,
        "rows": selectors.member_rows(cast("QuerySet[Any]", page.object_list)),
    }
    return _admin_page(request, "audit/member_index.html", context, title=_("会員管理"))


@manages_members
@require_GET
def member_detail(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(get_user_model(), pk=user_id)
    record = selectors.member_record(member, entries=20 if can_view_audit_log(request.user) else 0)
    context = {
        "member": member,
        "record": record,
        "entry_rows": [(entry, None) for entry in record.entries],
        "can_change_premium": can_change_premium(request.user),
    }
    return _admin_page(
        request, "audit/member_detail.html", context, title=_member_name(member), member=member
    )


@manages_members
@require_http_methods(["GET", "POST"])
def member_reset_quota(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(get_user_model(), pk=user_id)
    form = ConfirmForm(request.POST or None, initial={"submit_token": _token()})
    if request.method == "POST" and form.is_valid():
        if refused := _refuse_repeat(request, form, member):
            return refused
        removed = reset_monthly_quota(member, by=request.user)
        if removed:
            messages.success(request, _("今月の閲覧数をリセットしました(%(count)d件)。") % {"count": removed})
        else:
            messages.info(request, _("今月の閲覧記録はありません。リセットの必要はありませんでした。"))
        return _back_to(member)
    context = {"member": member, "form": form, "record": selectors.member_record(member, entries=0)}
    title = _("今月の閲覧数をリセット")
    return _admin_page(request, "audit/member_reset_quota.html", context, title=title, member=member)


@changes_premium
@require_http_methods(["GET", "POST"])
def member_grant_premium(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(get_user_model(), pk=user_id)
    current = active_subscription(member)
    initial = {"submit_token": _token()}
    form = GrantPremiumForm(
        request.POST or None, initial=initial, current_plan=current.plan if current else None
    )
    if request.method == "POST" and form.is_valid():
        if refused := _refuse_repeat(request, form, member):
            return refused
        try:  # imported here: member administration works before and without the premium app's services
            from kiji.premium.services import grant_premium
        except ImportError:
            return _unavailable(request, form, member)
        try:
            data = form.cleaned_data
            grant_premium(member, plan=data["plan"], months=data["months"], by=request.user)
        except (ValueError, ValidationError) as error:
            _refused(form, _("プレミアムを付与できませんでした: %(error)s"), error)
        else:
            messages.success(request, _("プレミアムを付与しました。"))
            return _back_to(member)
    context = {"member": member, "form": form, "current": current}
    title = _("プレミアムの期間を延長") if current else _("プレミアムを付与")
    return _admin_page(request, "audit/member_grant_premium.html", context, title=title, member=member)


@changes_premium
@require_http_methods(["GET", "POST"])
def member_revoke_premium(request: HttpRequest, user_id: int) -> HttpResponse:
    member = get_object_or_404(get_user_model(), pk=user_id)
    current = active_subscription(member)
    if current is None:  # also what a second submit of the same form finds
        messages.info(request, _("この会員には有効なプレミアム契約がありません。"))
        return _back_to(member)
    form = RevokePremiumForm(request.POST or None, initial={"submit_token": _token()})
    if request.method == "POST" and form.is_valid():
        if refused := _refuse_repeat(request, form, member):
            return refused
        try:
            from kiji.premium.services import revoke_premium
        except ImportError:
            return _unavailable(request, form, member)
        try:
            revoke_premium(member, by=request.user, reason=form.reason_text())
        except (ValueError, ValidationError) as error:
            _refused(form, _("プレミアムを取り消せませんでした: %(error)s"), error)
        else:
            messages.success(request, _("プレミアムを取り消しました。"))
            return _back_to(member)
    context = {"member": member, "form": form, "current": current}
    title = _("プレミアムを取り消す")
    return _admin_page(request, "audit/member_revoke_premium.html", context, title=title, member=member)


@reads_audit_log
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET, actions=selectors.audit_actions())
    valid = form.is_valid()
    entries = selectors.audit_entries(**form.cleaned_data) if valid else selectors.audit_entries().none()
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("p"))
    links = selectors.target_links(page.object_list, link_members=can_manage_members(request.user))
    context = {
        "form": form,
        "page_obj": page,
        "rows": [(entry, links.get((entry.target_type, entry.target_id))) for entry in page.object_list],
        "filtered": any(request.GET.get(name) for name in form.fields),
    }
    return _admin_page(request, "audit/audit_log.html", context, title=_("監査ログ"), section="audit_log")


# Helpers


def _admin_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    title: str,
    member: Any = None,
    section: str = "member_admin",
    status: int = 200,
) -> HttpResponse:
    """Render inside the Wagtail admin chrome, with breadcrumbs back to the tool's index."""
    crumbs = [{"url": reverse("wagtailadmin_home"), "label": _("ホーム")}]
    if status == 200:
        index_label = _("監査ログ") if section == "audit_log" else _("会員管理")
        crumbs.append({"url": reverse(f"{section}:index"), "label": index_label})
    if member is not None:
        context["member_name"] = _member_name(member)
        crumbs.append(
            {"url": reverse("member_admin:detail", args=[member.pk]), "label": context["member_name"]}
        )
    if crumbs[-1]["label"] != title:
        crumbs.append({"url": "", "label": title})
    icon = "history" if section == "audit_log" else "group"
    context |= {"header_title": title, "breadcrumbs_items": crumbs, "header_icon": icon}
    return render(request, template, context, status=status)


def _member_name(member: Any) -> str:
    profile = profile_for(member)
    return profile.display_name if profile else member.get_username()


def _back_to(member: Any) -> HttpResponse:
    return HttpResponseRedirect(reverse("member_admin:detail", args=[member.pk]))


def _token() -> str:
    return uuid.uuid4().hex


def _submitted_key(form: ConfirmForm) -> str:
    return f"audit:submitted:{form.cleaned_data['submit_token']}"


def _refuse_repeat(request: HttpRequest, form: ConfirmForm, member: Any) -> HttpResponse | None:
    """Rate-limit member actions and turn a second submit of the same confirmation into a no-op."""
    if not hit("audit.member_action", str(request.user.pk), MEMBER_ACTIONS):
        return too_many_requests(request, MEMBER_ACTIONS)
    if not cache.add(_submitted_key(form), True, SUBMIT_TOKEN_SECONDS):
        messages.info(request, _("この操作はすでに実行されています(二重送信のため無視しました)。"))
        return _back_to(member)
    return None


def _refused(form: ConfirmForm, message: str, error: Exception) -> None:
    """The service said no: show why, and let the same confirmation be sent again once fixed."""
    reason = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
    form.add_error(None, message % {"error": reason})
    cache.delete(_submitted_key(form))


def _unavailable(request: HttpRequest, form: ConfirmForm, member: Any) -> HttpResponse:
    cache.delete(_submitted_key(form))
    messages.error(request, _("プレミアムの付与・取り消しはまだ使えません(準備中です)。"))
    return _back_to(member)
