"""The notification center (通知) and its settings (通知の設定).

Writes are POST forms that work without JavaScript (a redirect back with a message); with htmx
(`HX-Request`) they answer with the fragment to swap and the header's bell, updated out of band.
A member only ever sees and touches their own notifications, never one caused by a member they
block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiji.core import access
from kiji.core.access import Action
from kiji.core.htmx import is_htmx
from kiji.core.ratelimit import Limit, hit, too_many_requests
from kiji.social import notifications as service
from kiji.social.context_processors import forget_unread, unread_for
from kiji.social.forms import PreferencesForm
from kiji.social.messages import excerpt_of, kind_label, sentence, title_of
from kiji.social.models import Notification
from kiji.social.selectors import inbox

PER_PAGE = 30
WRITE_LIMIT = Limit(60, 60)  # generous for a person clicking, tight for a script
SETTINGS_LIMIT = Limit(20, 60)

View = Callable[..., HttpResponse]


@dataclass(frozen=True, slots=True)
class Item:
    """One notification as the center shows it."""

    notification: Notification
    sentence: str
    title: str
    excerpt: str
    label: str
    when: str

    @property
    def pk(self) -> int:
        return self.notification.pk

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


def _center_url(page: int | str | None = None) -> str:
    base = reverse("notifications:center")
    return f"{base}?page={page}" if page and str(page) != "1" else base


def _safe_next(request: HttpRequest) -> str:
    """Back to the center page the member came from (only a path of this site)."""
    wanted = request.POST.get("next") or ""
    if is_local_path(wanted) and wanted.startswith(reverse("notifications:center")):
        return wanted
    return _center_url()


def is_local_path(url: str) -> bool:
    """A path on this site ("/…"), never another site ("//host", "/\\host", "https://…")."""
    return (
        url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
    )


def _when(moment: datetime) -> str:
    local = timezone.localtime(moment)
    if local.year == timezone.localtime().year:
        return date_format(local, _("n月j日 H:i"))
    return date_format(local, _("Y年n月j日 H:i"))


def _item(n: Notification) -> Item:
    return Item(n, sentence(n), title_of(n), excerpt_of(n), kind_label(n), _when(n.updated_at))


def notifications_reader(view: View) -> View:
    """The member's own notifications: the access ladder says who has them (members, not visitors)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.decide(request.user, Action.USE_NOTIFICATIONS):
            return redirect_to_login(request.get_full_path(), login_url=reverse("account_login"))
        return view(request, *args, **kwargs)

    return guarded


def member_write(view: View) -> View:
    """POST only; signed in, and the rate limit counted on every request."""

    @require_POST
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.decide(request.user, Action.USE_NOTIFICATIONS):
            return redirect_to_login(_center_url(), login_url=reverse("account_login"))
        if not hit("notifications-write", str(request.user.pk), WRITE_LIMIT):
            return too_many_requests(request, WRITE_LIMIT)
        return view(request, *args, **kwargs)

    return guarded


def _page(request: HttpRequest, number: str | None) -> Page[Notification]:
    # get_page clamps: a page number past the end lands on the last page.
    return Paginator(inbox(request.user), PER_PAGE).get_page(number)


def _center_context(request: HttpRequest, page: Page[Notification]) -> dict[str, Any]:
    return {
        "page_obj": page,
        "items": [_item(n) for n in page.object_list],
        **_toolbar_context(
            request,
            has_items=page.paginator.count > 0,
            page_number=page.number,
            drawn_at=timezone.now().isoformat(),
        ),
    }


def _toolbar_context(
    request: HttpRequest, *, has_items: bool, page_number: int, drawn_at: str
) -> dict[str, Any]:
    return {
        "unread": unread_for(request),
        "has_items": has_items,
        "page_number": page_number,
        "drawn_at": drawn_at,
        "here": _center_url(page_number),
    }


def _posted_page(request: HttpRequest) -> int:
    raw = request.POST.get("page") or ""
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _posted_until(request: HttpRequest) -> datetime | None:
    """When the page the member acted on was drawn (what they saw), if the form says so."""
    try:
        until = parse_datetime(request.POST.get("until") or "")
    except ValueError:  # well formed, but no such moment
        return None
    return until if until is not None and timezone.is_aware(until) else None


@notifications_reader
@require_GET
def center(request: HttpRequest) -> HttpResponse:
    """通知: newest first, 30 a page, unread ones marked."""
    return render(
        request,
        "social/notifications/center.html",
        _center_context(request, _page(request, request.GET.get("page"))),
    )


@notifications_reader
@require_GET
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification's link: it is marked read, and only a path of this site is followed."""
    n = inbox(request.user).filter(pk=notification_id).only("pk", "url", "read_at").first()
    if n is None:
        raise Http404(_("通知が見つかりません。"))
    service.mark_read(request.user, n.pk)
    if n.url and is_local_path(n.url):
        return HttpResponseRedirect(n.url)
    messages.info(request, _("この通知にはリンク先がありません。"))
    return HttpResponseRedirect(_center_url())


@member_write
def mark_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    member: Any = request.user
    n = Notification.objects.filter(pk=notification_id, recipient=member).first()
    if n is None:
        raise Http404(_("通知が見つかりません。"))
    changed = service.mark_read(request.user, n.pk)
    if is_htmx(request):
        n.refresh_from_db()
        forget_unread(request)
        until = _posted_until(request) or timezone.now()
        context = {
            "item": _item(n),
            "status": _("既読にしました。") if changed else _("この通知はすでに既読です。"),
            **_toolbar_context(
                request, has_items=True, page_number=_posted_page(request), drawn_at=until.isoformat()
            ),
        }
        return render(request, "social/notifications/_item_read.html", context)
    if changed:
        messages.success(request, _("通知を既読にしました。"))
    else:
        messages.info(request, _("この通知はすでに既読です。"))
    return HttpResponseRedirect(_safe_next(request))


@member_write
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = service.mark_all_read(request.user, until=_posted_until(request))
    if count:
        text = ngettext(
            "%(count)s件の通知を既読にしました。", "%(count)s件の通知を既読にしました。", count
        ) % {"count": count}
    else:
        text = _("未読の通知はありません。")
    if is_htmx(request):
        forget_unread(request)
        context = _center_context(request, _page(request, str(_posted_page(request))))
        context["status"] = text
        return render(request, "social/notifications/_center_swap.html", context)
    if count:
        messages.success(request, text)
    else:
        messages.info(request, text)
    return HttpResponseRedirect(_safe_next(request))


@notifications_reader
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """通知の設定: for every kind, on the site only, also by e-mail at once or daily, or not at all."""
    current = service.preferences_of(request.user)
    if request.method == "POST":
        if not hit("notifications-settings", str(request.user.pk), SETTINGS_LIMIT):
            return too_many_requests(request, SETTINGS_LIMIT)
        form = PreferencesForm(request.POST, current=current)
        if form.is_valid():
            service.save_preferences(request.user, form.choices())
            messages.success(request, _("通知の設定を保存しました。"))
            return HttpResponseRedirect(reverse("notifications:settings"))
        messages.error(request, _("保存できませんでした。選択内容をご確認ください。"))
    else:
        form = PreferencesForm(current=current)
    return render(request, "social/notifications/settings.html", {"form": form})
