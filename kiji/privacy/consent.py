"""The consent step before a member's basic info is shown to others (APPI art. 27: provision to a
third party needs the person's consent). Comments and follows call these before they write:

    if needs_disclosure_consent(request.user):
        return redirect_to_consent(request)
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from kiji.members.selectors import profile_for


def needs_disclosure_consent(user: Any) -> bool:
    """True until this member has agreed that their basic info may be shown to others.

    Fails closed: anonymous visitors and accounts without a profile need it too (they are sent to
    sign in or fill in basic info first by the consent page itself).
    """
    if user is None or not user.is_authenticated:
        return True
    profile = profile_for(user)
    return profile is None or profile.disclosure_consent_at is None


def consent_url(next_url: str = "") -> str:
    url = reverse("privacy:consent")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def redirect_to_consent(request: HttpRequest, next_url: str | None = None) -> HttpResponseRedirect:
    """Send the member to the consent page; they come back to `next_url` (default: this page)."""
    target = next_url or _referring_page(request)
    return HttpResponseRedirect(consent_url(safe_next(request, target)))


def safe_next(request: HttpRequest, url: str | None, default: str = "") -> str:
    """`url` when it points at this site, else `default` (no open redirects)."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def _referring_page(request: HttpRequest) -> str:
    # A POST (e.g. a comment form) cannot be replayed; come back to the page the form was on.
    if request.method == "GET":
        return request.get_full_path()
    return safe_next(request, request.META.get("HTTP_REFERER"), default="/")
