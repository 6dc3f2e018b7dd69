"""Privacy pages: the policy and rules (public), consent, settings, export and account deletion."""

from __future__ import annotations

import json
import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiji.core.pagecache import cache_for_anonymous
from kiji.core.ratelimit import Limit, hit, too_many_requests
from kiji.members.selectors import profile_for
from kiji.privacy import selectors, services
from kiji.privacy.consent import consent_url, safe_next
from kiji.privacy.forms import DeleteAccountForm
from kiji.privacy.policy import POLICY_ESTABLISHED, RULES_ESTABLISHED, operator

CONSENT_LIMIT = Limit(20, 60)
EXPORT_LIMIT = Limit(5, 3600)
DELETE_LIMIT = Limit(5, 900)


class MemberRequest(HttpRequest):
    """A request behind `login_required`."""

    user: User


def _public_page(request: HttpRequest, name: str, established: Any) -> HttpResponse:
    language = "en" if (get_language() or "").startswith("en") else "ja"
    context = {"body": f"privacy/{name}/{language}.html", "operator": operator(), "established": established}
    response = render(request, f"privacy/{name}.html", context)
    cache_for_anonymous(response)
    return response


@require_GET
def policy(request: HttpRequest) -> HttpResponse:
    return _public_page(request, "policy", POLICY_ESTABLISHED)


@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    return _public_page(request, "rules", RULES_ESTABLISHED)


@login_required
@require_http_methods(["GET", "POST"])
def consent(request: MemberRequest) -> HttpResponse:
    """Explains exactly which basic-info fields others will see, then records the consent."""
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    profile = profile_for(request.user)
    if profile is None:
        messages.info(request, _("先に基本情報(表示名)を登録してください。"))
        return HttpResponseRedirect(_with_query(reverse("members:basic"), next=consent_url(next_url)))
    if request.method == "POST":
        if not hit("privacy.consent", str(request.user.pk), CONSENT_LIMIT):
            return too_many_requests(request, CONSENT_LIMIT)
        services.give_consent(request.user)
        messages.success(request, _("基本情報の公開に同意しました。"))
        return HttpResponseRedirect(next_url or reverse("privacy:settings"))
    context = {
        "profile": profile,
        "rows": selectors.basic_info_rows(profile),
        "next": next_url,
        "edit_url": _with_query(reverse("members:basic"), next=consent_url(next_url)),
    }
    return render(request, "privacy/consent.html", context)


@login_required
@require_GET
def privacy_settings(request: MemberRequest) -> HttpResponse:
    profile = profile_for(request.user)
    rows = selectors.basic_info_rows(profile) if profile else []
    return render(request, "privacy/settings.html", {"profile": profile, "rows": rows})


@login_required
@require_POST
def withdraw_consent(request: MemberRequest) -> HttpResponse:
    if not hit("privacy.consent", str(request.user.pk), CONSENT_LIMIT):
        return too_many_requests(request, CONSENT_LIMIT)
    services.withdraw_disclosure_consent(request.user)
    messages.success(
        request, _("基本情報の公開への同意を撤回しました。今後、あなたの基本情報は他の方に表示されません。")
    )
    return HttpResponseRedirect(reverse("privacy:settings"))


@login_required
@require_http_methods(["GET", "POST"])
def export(request: MemberRequest) -> HttpResponse:
    if request.method == "GET":
        return render(request, "privacy/export.html", {"limit": EXPORT_LIMIT})
    if not hit("privacy.export", str(request.user.pk), EXPORT_LIMIT):
        return too_many_requests(request, EXPORT_LIMIT)
    services.record_export(request.user)
    data = selectors.member_export(request.user, absolute_url=request.build_absolute_uri)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kiji-export-{timezone.localdate():%Y%m%d}.json"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: MemberRequest) -> HttpResponse:
    """Asks for the password (or, without one, a recent sign-in), then deletes the account."""
    user = request.user
    reauth_needed = not user.has_usable_password() and not _signed_in_recently(request)
    form = DeleteAccountForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and not reauth_needed:
        if not hit("privacy.delete", str(user.pk), DELETE_LIMIT):
            return too_many_requests(request, DELETE_LIMIT)
        if form.is_valid():
            return _delete_and_sign_out(request)
    context = {"form": form, "reauth_needed": reauth_needed, **_reauth_options(request)}
    return render(request, "privacy/delete.html", context)


def _delete_and_sign_out(request: MemberRequest) -> HttpResponse:
    try:
        services.delete_account(request.user, by=request.user)
    except (ProtectedError, RestrictedError):
        messages.error(
            request,
            _(
                "法令で保存が必要な記録(請求書など)があるため、退会手続きを完了できませんでした。お問い合わせ窓口までご連絡ください。"
            ),
        )
        return HttpResponseRedirect(reverse("privacy:delete"))
    logout(request)
    messages.success(request, _("退会手続きが完了しました。これまでのご利用ありがとうございました。"))
    return HttpResponseRedirect("/")


def _signed_in_recently(request: MemberRequest) -> bool:
    """Whether this session signed in or re-authenticated within allauth's reauthentication window."""
    from allauth.account import app_settings as account_settings
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, request.user)
    return (
        bool(records) and time.time() - float(records[-1]["at"]) < account_settings.REAUTHENTICATION_TIMEOUT
    )


def _reauth_options(request: MemberRequest) -> dict[str, Any]:
    from allauth.account.adapter import get_adapter

    here = reverse("privacy:delete")
    methods = [
        {"description": m["description"], "url": _with_query(m["url"], next=here)}
        for m in get_adapter(request).get_reauthentication_methods(request.user)
    ]
    return {"reauth_methods": methods, "login_again_next": _with_query(reverse("account_login"), next=here)}


def _with_query(url: str, **params: str) -> str:
    query = {key: value for key, value in params.items() if value}
    return f"{url}?{urlencode(query)}" if query else url
