"""The member's own pages: account home, basic info, and the guided profile completion."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kiji.core import access
from kiji.members import services
from kiji.members.forms import BasicInfoForm, DetailsForm
from kiji.members.selectors import member_settings, profile_for


def _safe_next(request: HttpRequest, url: str | None, default: str) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return default


def _profile(request: HttpRequest) -> object:
    profile = profile_for(request.user)
    if profile is None:
        name = request.user.get_username().split("@")[0][:40] if request.user.is_authenticated else ""
        profile = services.create_profile(request.user, display_name=name or "member")
    return profile


@login_required
def account_home(request: HttpRequest) -> HttpResponse:
    status = access.status_of(request.user)
    context = {
        "status": status,
        "profile": _profile(request),
        "reads_used": len(status.read_ids()) if status.level is access.Level.REGISTERED else None,
        "locked": access.LOCKED_UNTIL_COMPLETE if status.level is access.Level.REGISTERED else (),
    }
    return render(request, "members/account_home.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def basic_info(request: HttpRequest) -> HttpResponse:
    profile = _profile(request)
    form = BasicInfoForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.update_profile(request.user, form=form)
        messages.success(request, _("基本情報を保存しました。"))
        return HttpResponseRedirect(_safe_next(request, request.GET.get("next"), reverse("members:complete")))
    return render(request, "members/basic_info.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def complete_profile(request: HttpRequest) -> HttpResponse:
    """詳細情報の入力: shows progress and what completing it unlocks."""
    profile = _profile(request)
    required = member_settings().required_details
    form = DetailsForm(request.POST or None, instance=profile, required=required)
    if request.method == "POST" and form.is_valid():
        services.update_profile(request.user, form=form)
        if access.status_of(request.user).level is not access.Level.REGISTERED:
            messages.success(
                request, _("詳細情報の登録が完了しました。会員限定機能をすべてご利用いただけます。")
            )
            return HttpResponseRedirect(
                _safe_next(request, request.POST.get("next"), reverse("members:home"))
            )
        messages.success(request, _("保存しました。"))
        return HttpResponseRedirect(reverse("members:complete"))
    missing = profile.missing_details(required)  # type: ignore[attr-defined]
    context = {
        "form": form,
        "required": required,
        "done_count": len(required) - len(missing),
        "required_count": len(required),
        "unlocks": access.LOCKED_UNTIL_COMPLETE,
        "next": request.GET.get("next", ""),
    }
    return render(request, "members/complete_profile.html", context)
