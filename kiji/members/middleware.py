from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.utils.translation import gettext as _

ADMIN_PREFIXES = ("/admin/", "/django-admin/")


class StaffMustUseMFAMiddleware:
    """Staff reach the admin only with a second factor (TOTP or a passkey) set up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            settings.KIJI_STAFF_MFA_REQUIRED
            and request.path.startswith(ADMIN_PREFIXES)
            and request.user.is_authenticated
            and request.user.is_staff
            and not _has_second_factor(request.user)
        ):
            messages.warning(request, _("管理画面を使うには二段階認証の設定が必要です。"))
            return HttpResponseRedirect("/accounts/2fa/")
        return self.get_response(request)


def _has_second_factor(user: object) -> bool:
    from allauth.mfa.models import Authenticator

    return bool(
        Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
    )
