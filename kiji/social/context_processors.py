"""The member's unread notification count for templates, worked out only if a template uses it.

The header's bell reads it through `{% unread_notifications as n %}` (kiji/social/templatetags);
either way the count is one COUNT query per request, remembered on the request, and none at all
for visitors who are not signed in or pages that never show it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest

from kiji.social.selectors import inbox

# The bell shows "99+" beyond this; counting further is work nobody sees.
BELL_LIMIT = 100
_ATTR = "_kiji_unread_notifications"


def unread_for(request: HttpRequest | None) -> int:
    """Unread notifications of the signed-in member (at most BELL_LIMIT), once per request."""
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    cached: int | None = getattr(request, _ATTR, None)
    if cached is None:
        cached = inbox(user).filter(read_at__isnull=True)[:BELL_LIMIT].count()
        setattr(request, _ATTR, cached)
    return cached


def forget_unread(request: HttpRequest) -> None:
    """After marking read: the next use counts again."""
    if hasattr(request, _ATTR):
        delattr(request, _ATTR)


def notifications(request: HttpRequest) -> dict[str, Any]:
    """`{{ unread_notification_count }}`: templates call it when (and only if) they use it."""
    return {"unread_notification_count": partial(unread_for, request)}
