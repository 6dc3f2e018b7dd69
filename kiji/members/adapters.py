from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request: HttpRequest) -> str:
        from kiji.members.selectors import profile_for

        if profile_for(request.user) is None:  # e.g. staff created in the admin
            return "/members/me/basic/"
        url: str = super().get_login_redirect_url(request)
        return url

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        return super().save_user(request, user, form, commit)
