"""The member's follows, blocks and notifications in their data export.

Nothing of anyone else: the members one follows or blocks appear by account number only, and
one's followers only as a count.
"""

from __future__ import annotations

from typing import Any

from kiji.social.models import (
    AuthorFollow,
    Block,
    Kind,
    MemberFollow,
    Notification,
    NotificationPreference,
    SeriesFollow,
)


def export_member_data(user: Any) -> dict[str, Any]:
    return {
        "member_follows": list(
            MemberFollow.objects.filter(follower=user)
            .order_by("created_at", "pk")
            .values("followed_id", "created_at")
        ),
        "followers_count": MemberFollow.objects.filter(followed=user).count(),
        "blocks": list(
            Block.objects.filter(blocker=user).order_by("created_at", "pk").values("blocked_id", "created_at")
        ),
        "author_follows": [
            {"author": f.author.name, "author_slug": f.author.slug, "created_at": f.created_at}
            for f in AuthorFollow.objects.filter(user=user).select_related("author").order_by("pk")
        ],
        "series_follows": [
            {"series": f.series.name, "series_slug": f.series.slug, "created_at": f.created_at}
            for f in SeriesFollow.objects.filter(user=user).select_related("series").order_by("pk")
        ],
        "notification_preferences": list(
            NotificationPreference.objects.filter(user=user).order_by("kind").values("kind", "channel")
        ),
        "notifications": [_notification(row) for row in _notifications(user)],
    }


def _notifications(user: Any) -> Any:
    return (
        Notification.objects.filter(recipient=user)
        .order_by("created_at", "pk")
        .values("kind", "title", "detail", "url", "created_at", "updated_at", "read_at", "emailed_at")
    )


def _notification(row: dict[str, Any]) -> dict[str, Any]:
    # A reply's excerpt is the other member's words, and who acted is theirs too: left out.
    if row["kind"] == Kind.REPLY:
        row["detail"] = ""
    return row
