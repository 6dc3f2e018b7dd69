"""The per-member state of the library buttons, for pages whose other parts are shared.

Anonymous visitors get the page cache's shared copy, so for them nothing here reads the database
or depends on who they are. A member pays one query per button: the access decision is memoised
on the request's user (the article view has already made it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from kiji.core import access
from kiji.core.access import Action, Decision
from kiji.library import selectors

register = template.Library()


@dataclass(frozen=True, slots=True)
class ButtonState:
    decision: Decision
    active: bool = False  # saved / following


def _user(context: template.Context) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.simple_tag(takes_context=True)
def favorite_state(context: template.Context, article_id: int) -> ButtonState:
    user = _user(context)
    decision = access.decide(user, Action.SAVE_FAVORITE)
    return ButtonState(decision, bool(decision) and selectors.is_saved(user, article_id=article_id))


@register.simple_tag(takes_context=True)
def follow_state(context: template.Context, tag_id: int) -> ButtonState:
    user = _user(context)
    decision = access.decide(user, Action.FOLLOW_TAG)
    return ButtonState(decision, bool(decision) and selectors.is_following(user, tag_id=tag_id))


@register.simple_tag(takes_context=True)
def tag_follow_states(context: template.Context, tags: Any) -> list[dict[str, Any]]:
    """Follow buttons for an article's tags: one query for all of them.

    `tags` is the cached bundle's (id, name) pairs, or an article's tag manager (htmx partials).
    """
    if hasattr(tags, "all"):
        tags = [(tag.pk, tag.name) for tag in tags.all()]
    user = _user(context)
    if not tags or not access.decide(user, Action.FOLLOW_TAG):
        return []
    followed = selectors.followed_among(user, tag_ids=[pk for pk, _name in tags])
    return [{"id": pk, "name": name, "following": pk in followed} for pk, name in tags]


@register.simple_tag(takes_context=True)
def favorite_count(context: template.Context) -> int:
    user = _user(context)
    if user is None or not user.is_authenticated:
        return 0
    return selectors.favorite_count(user)
