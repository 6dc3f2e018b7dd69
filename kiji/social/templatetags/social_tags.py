"""Template tags of kiji.social: the header's unread notification count."""

from __future__ import annotations

from django import template

from kiji.social.context_processors import BELL_LIMIT, unread_for

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """`{% unread_notifications as n %}`: one COUNT query, only for signed-in members."""
    return unread_for(context.get("request"))


@register.filter
def badge(count: int) -> str:
    """The bell's badge: the count, or "99+" beyond what is counted."""
    return f"{BELL_LIMIT - 1}+" if count >= BELL_LIMIT else str(count)
