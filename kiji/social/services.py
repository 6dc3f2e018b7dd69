"""Writes for follows and blocks. Each checks the access ladder, runs in one transaction and is
idempotent: a repeated submit returns False and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from kiji.core import access
from kiji.core.access import Action, Decision
from kiji.privacy.consent import needs_disclosure_consent
from kiji.social.models import AuthorFollow, Block, Kind, MemberFollow, SeriesFollow
from kiji.social.notifications import notify


class SocialError(Exception):
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class Refused(SocialError):
    code = "refused"

    def __init__(self, decision: Decision) -> None:
        super().__init__(str(decision.message))
        self.decision = decision


class NeedsConsent(SocialError):
    code = "consent"


def _check(user: Any, action: Action, obj: Any = None) -> None:
    decision = access.decide(user, action, obj)
    if not decision:
        raise Refused(decision)


def follow_member(user: Any, target: Any) -> bool:
    """Follow a member: discloses one's basic info to them (consent first), notifies them."""
    if target.pk == user.pk:
        raise SocialError(_("ご自身をフォローすることはできません。"), code="self")
    if not getattr(target, "is_active", True):
        raise SocialError(_("この会員はフォローできません。"), code="inactive")
    _check(user, Action.FOLLOW_MEMBER, target)
    if needs_disclosure_consent(user):
        raise NeedsConsent(_("フォローするには、基本情報の公開への同意が必要です。"))
    try:
        with transaction.atomic():
            _lock_pair(user, target)
            # A block made while this request ran wins: the ladder above read the blocks earlier.
            if _blocked_between(user, target):
                access.forget_status(user)
                _check(user, Action.FOLLOW_MEMBER, target)
                raise SocialError(_("この会員をフォローすることはできません。"), code="blocked")
            _follow, created = MemberFollow.objects.get_or_create(follower=user, followed=target)
            if created:
                notify(
                    target,
                    Kind.FOLLOWER,
                    actor=user,
                    url=reverse("social:member", args=[user.pk]),
                    key=f"follower:{user.pk}",
                )
    except IntegrityError:
        return False
    access.forget_status(user)
    return created


def _lock_pair(user: Any, target: Any) -> None:
    """Serialise follows and blocks between two members (row locks in a fixed order; SQLite
    serialises writing transactions already)."""
    ids = sorted({user.pk, target.pk})
    list(get_user_model().objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def _blocked_between(user: Any, target: Any) -> bool:
    return Block.objects.filter(Q(blocker=user, blocked=target) | Q(blocker=target, blocked=user)).exists()


def unfollow_member(user: Any, target: Any) -> bool:
    deleted, _ignored = MemberFollow.objects.filter(follower=user, followed=target).delete()
    access.forget_status(user)
    return deleted > 0


@transaction.atomic
def block(user: Any, target: Any) -> bool:
    """ブロック: the follow between the two goes (both ways), and neither can follow the other,
    nor can the blocked member like or reply to the blocker's comments, until unblocked."""
    _check(user, Action.BLOCK_MEMBER)
    if target.pk == user.pk:
        raise SocialError(_("ご自身をブロックすることはできません。"), code="self")
    _lock_pair(user, target)
    _block, created = Block.objects.get_or_create(blocker=user, blocked=target)
    MemberFollow.objects.filter(
        Q(follower=user, followed=target) | Q(follower=target, followed=user)
    ).delete()
    access.forget_status(user)
    access.forget_status(target)
    return created


@transaction.atomic
def unblock(user: Any, target: Any) -> bool:
    deleted, _ignored = Block.objects.filter(blocker=user, blocked=target).delete()
    access.forget_status(user)
    access.forget_status(target)
    return deleted > 0


def follow_author(user: Any, author: Any) -> bool:
    _check(user, Action.FOLLOW_TAG)
    _follow, created = AuthorFollow.objects.get_or_create(user=user, author=author)
    return created


def unfollow_author(user: Any, author: Any) -> bool:
    deleted, _ignored = AuthorFollow.objects.filter(user=user, author=author).delete()
    return deleted > 0


def follow_series(user: Any, series: Any) -> bool:
    _check(user, Action.FOLLOW_TAG)
    _follow, created = SeriesFollow.objects.get_or_create(user=user, series=series)
    return created


def unfollow_series(user: Any, series: Any) -> bool:
    deleted, _ignored = SeriesFollow.objects.filter(user=user, series=series).delete()
    return deleted > 0
