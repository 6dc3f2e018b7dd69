"""The per-member state of the author and series follow buttons, for pages whose other parts are
shared.

Anonymous visitors get the page cache's shared copy: the templates give them a sign-in link and
never call these tags. A member pays one query per button (the ladder's decision is memoised on
the request's user).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from kiji.core import access
from kiji.core.access import Action, Decision
from kiji.social import selectors

register = template.Library()


@dataclass(frozen=True, slots=True)
class FollowButton:
    decision: Decision
    following: bool = False


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def author_follow_state(context: template.Context, author_id: int) -> FollowButton:
    user = _user(context)
    decision = access.decide(user, Action.FOLLOW_TAG)
    return FollowButton(decision, bool(decision) and selectors.follows_author(user, author_id))


@register.simple_tag(takes_context=True)
def series_follow_state(context: template.Context, series_id: int) -> FollowButton:
    user = _user(context)
    decision = access.decide(user, Action.FOLLOW_TAG)
    return FollowButton(decision, bool(decision) and selectors.follows_series(user, series_id))
