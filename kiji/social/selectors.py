"""Reads for follows, blocks and notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from kiji.social.models import AuthorFollow, Block, MemberFollow, Notification, SeriesFollow


def block_sets(user: Any) -> tuple[set[int], set[int]]:
    """(ids this member blocks, ids of members who block this member), in one query."""
    blocking: set[int] = set()
    blocked_by: set[int] = set()
    for blocker_id, blocked_id in Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list(
        "blocker_id", "blocked_id"
    ):
        if blocker_id == user.pk:
            blocking.add(blocked_id)
        else:
            blocked_by.add(blocker_id)
    return blocking, blocked_by


def blocked_ids(user: Any) -> set[int]:
    if user is None or not user.is_authenticated:
        return set()
    from kiji.core import access

    return access.status_of(user).blocks()[0]


def is_following(user: Any, target: Any) -> bool:
    return MemberFollow.objects.filter(follower=user, followed=target).exists()


def followers_of(user: Any) -> QuerySet[MemberFollow]:
    return (
        MemberFollow.objects.filter(followed=user).select_related("follower__profile").order_by("-created_at")
    )


def following_of(user: Any) -> QuerySet[MemberFollow]:
    return (
        MemberFollow.objects.filter(follower=user).select_related("followed__profile").order_by("-created_at")
    )


def blocks_of(user: Any) -> QuerySet[Block]:
    return Block.objects.filter(blocker=user).select_related("blocked__profile").order_by("-created_at")


def inbox(user: Any) -> QuerySet[Notification]:
    """The member's notifications, newest first, never one caused by a member they block."""
    return (
        Notification.objects.filter(recipient=user)
        .exclude(actor__blocks_received__blocker=user)
        .order_by("-updated_at", "-pk")
    )


def unread_count(user: Any) -> int:
    return inbox(user).filter(read_at__isnull=True).count()


def follows_author(user: Any, author_id: int) -> bool:
    return AuthorFollow.objects.filter(user=user, author_id=author_id).exists()


def follows_series(user: Any, series_id: int) -> bool:
    return SeriesFollow.objects.filter(user=user, series_id=series_id).exists()
