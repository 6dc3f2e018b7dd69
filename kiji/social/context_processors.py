"""The member's unread notification count for templates, worked out only if a template uses it.

The header's bell reads it through `{% unread_notifications as n %}` (kiji/social/templatetags);
either way the count is one COUNT query per request, remembered on the request, and none at all
for visitors who are not signed in or pages that never show it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import connection
from django.http import HttpRequest

from kiji.social.models import Block, Notification

# The bell shows "99+" beyond this; counting further is work nobody sees.
BELL_LIMIT = 100
# Table names come from model metadata; values are parameters.
_UNREAD_SQL = (
    f"SELECT COUNT(*) FROM (SELECT 1 FROM {Notification._meta.db_table} n "  # noqa: S608
    "WHERE n.recipient_id = %s AND n.read_at IS NULL AND NOT EXISTS ("
    f"SELECT 1 FROM {Block._meta.db_table} b WHERE b.blocker_id = %s AND b.blocked_id = n.actor_id"
    ") LIMIT %s) unread"
)
_ATTR = "_kiji_unread_notifications"


def unread_for(request: HttpRequest | None) -> int:
    """Unread notifications of the signed-in member (at most BELL_LIMIT), once per request."""
    user = getattr(request, "user", None)
    if request is None or user is None or not user.is_authenticated:
        return 0
    cached: int | None = getattr(request, _ATTR, None)
    if cached is None:
        cached = _count_unread(user.pk)
        setattr(request, _ATTR, cached)
    return cached


def _count_unread(user_id: int) -> int:
    """What `inbox(user).filter(read_at__isnull=True)[:BELL_LIMIT].count()` counts, as one
    precomposed statement: it runs on every signed-in page, where the ORM's compilation of the
    block subquery cost more than the query itself (1.4 ms against 0.03 ms on this machine)."""
    with connection.cursor() as cursor:
        cursor.execute(_UNREAD_SQL, [user_id, user_id, BELL_LIMIT])
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def forget_unread(request: HttpRequest) -> None:
    """After marking read: the next use counts again."""
    if hasattr(request, _ATTR):
        delattr(request, _ATTR)


def notifications(request: HttpRequest) -> dict[str, Any]:
    """`{{ unread_notification_count }}`: templates call it when (and only if) they use it."""
    return {"unread_notification_count": partial(unread_for, request)}
