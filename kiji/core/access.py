"""The one access ladder: may this person do this to that, and if not, why and what unlocks it.

Every surface (pages, feeds, sitemap, later the API, e-mail, search and the assistant) asks here.
The membership issue extends the levels; callers only ever see `Decision`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.utils.functional import Promise

    Person = AbstractBaseUser | AnonymousUser | None


class Readable(Protocol):
    """Anything that stands for an article: the page itself or its cached bundle."""

    @property
    def members_only(self) -> bool: ...


class Action(StrEnum):
    READ_ARTICLE = "read_article"


class Level(StrEnum):
    ANONYMOUS = "anonymous"
    REGISTERED = "registered"
    STAFF = "staff"


class Unlock(StrEnum):
    """The next step that lifts a denial."""

    SIGN_UP = "sign_up"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str = ""
    message: Promise | str = ""
    unlock: Unlock | None = None

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(allowed=True)


def level_of(person: Person) -> Level:
    if person is None or not person.is_authenticated:
        return Level.ANONYMOUS
    if getattr(person, "is_staff", False):
        return Level.STAFF
    return Level.REGISTERED


def decide(person: Person, action: Action, obj: Any = None) -> Decision:
    if action is Action.READ_ARTICLE:
        return _read_article(person, obj)
    raise ValueError(f"unknown action {action!r}")


def can_read_article(person: Person, article: Readable) -> Decision:
    return decide(person, Action.READ_ARTICLE, article)


def _read_article(person: Person, article: Readable) -> Decision:
    if not article.members_only:
        return ALLOW
    if level_of(person) is Level.ANONYMOUS:
        return Decision(
            allowed=False,
            reason="members_only",
            message=_("この記事は会員限定です。無料の会員登録で続きをお読みいただけます。"),
            unlock=Unlock.SIGN_UP,
        )
    return ALLOW


def full_text_is_public(article: Readable) -> bool:
    """Whether anonymous surfaces (feeds, caches, search engines) may carry the whole text."""
    return _read_article(None, article).allowed
