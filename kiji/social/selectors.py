"""Reads for follows, blocks and notifications."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

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


# Member pages: counts and lists that cost the same at 10 or 100,000 follows.


@dataclass(frozen=True, slots=True)
class FollowCounts:
    followers: int = 0
    following: int = 0


def follow_counts(user: Any) -> FollowCounts:
    """How many active members follow this member and how many they follow, in one query."""
    counts = MemberFollow.objects.filter(
        Q(followed=user, follower__is_active=True) | Q(follower=user, followed__is_active=True)
    ).aggregate(
        followers=Count("pk", filter=Q(followed=user)),
        following=Count("pk", filter=Q(follower=user)),
    )
    return FollowCounts(followers=counts["followers"] or 0, following=counts["following"] or 0)


def listed_followers(user: Any) -> QuerySet[MemberFollow]:
    """Followers who may be shown by name (active, consented to show their basic info)."""
    return followers_of(user).filter(
        follower__is_active=True, follower__profile__disclosure_consent_at__isnull=False
    )


def listed_following(user: Any) -> QuerySet[MemberFollow]:
    """Members this member follows who may be shown by name."""
    return following_of(user).filter(
        followed__is_active=True, followed__profile__disclosure_consent_at__isnull=False
    )


def recent_comments(member: Any, limit: int = 50) -> list[Any]:
    """The member's latest published comments on live articles, with their article (one query).

    The caller keeps only those on articles the viewer may read (the access ladder decides).
    """
    from kiji.comments.models import Comment

    return list(
        Comment.objects.filter(author=member, status=Comment.Status.PUBLISHED, article__live=True)
        .select_related("article")
        .only(
            "id",
            "body",
            "created_at",
            "parent_id",
            "author_id",
            "article_id",
            "article__id",
            "article__title",
            "article__access_level",
            "article__live",
        )
        .order_by("-created_at", "-pk")[:limit]
    )


def followed_authors(user: Any) -> QuerySet[AuthorFollow]:
    return AuthorFollow.objects.filter(user=user).select_related("author").order_by("-created_at", "-pk")


def followed_series(user: Any) -> QuerySet[SeriesFollow]:
    return SeriesFollow.objects.filter(user=user).select_related("series").order_by("-created_at", "-pk")
