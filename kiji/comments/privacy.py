"""The member's comments in their data export, and what account deletion leaves of them."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.db.models.functions import Greatest

from kiji.comments.models import (
    Appeal,
    Comment,
    CommentLike,
    CommentReport,
    CommentRevision,
    Restriction,
    Warning,
)


def export_member_data(user: Any) -> dict[str, Any]:
    comments = Comment.objects.filter(author=user).order_by("created_at").select_related("article")
    return {
        "comments": [
            {
                "id": c.pk,
                "article_slug": c.article.slug,
                "reply_to": c.parent_id,
                "body": c.body,
                "status": c.status,
                "created_at": c.created_at,
                "edited_at": c.edited_at,
                "earlier_versions": list(c.revisions.values("body", "created_at")),
            }
            for c in comments.prefetch_related("revisions")
        ],
        "likes": list(
            CommentLike.objects.filter(user=user).order_by("created_at").values("comment_id", "created_at")
        ),
        "reports": list(
            CommentReport.objects.filter(reporter=user)
            .order_by("created_at")
            .values("comment_id", "reason", "details", "status", "created_at")
        ),
        "restrictions": list(
            Restriction.objects.filter(user=user)
            .order_by("starts_at")
            .values("features", "reason", "message", "starts_at", "ends_at", "lifted_at")
        ),
        "appeals": list(
            Appeal.objects.filter(restriction__user=user)
            .order_by("created_at")
            .values("restriction_id", "text", "status", "response", "created_at")
        ),
        "warnings": list(
            Warning.objects.filter(user=user)
            .order_by("created_at")
            .values("comment_id", "reason", "message", "created_at")
        ),
    }


def anonymise_member(user: Any) -> None:
    """Before the account goes: comments without visible replies are deleted; those with replies
    stay as an empty placeholder without an author. Likes leave the counts they raised."""
    from kiji.comments.services import _bump_article

    CommentRevision.objects.filter(comment__author=user).delete()
    reported = CommentReport.objects.filter(reporter=user, status=CommentReport.Status.OPEN).values_list(
        "comment_id"
    )
    Comment.objects.filter(pk__in=list(reported)).update(
        open_report_count=Greatest(F("open_report_count") - 1, 0)
    )
    liked = CommentLike.objects.filter(user=user).values_list("comment_id", flat=True)
    Comment.objects.filter(pk__in=list(liked)).update(like_count=Greatest(F("like_count") - 1, 0))
    mine = Comment.objects.filter(author=user)
    articles = set(mine.values_list("article_id", flat=True))
    visible_replies = mine.filter(parent__isnull=False, status=Comment.Status.PUBLISHED).values_list(
        "parent_id", flat=True
    )
    for parent_id in list(visible_replies):
        Comment.objects.filter(pk=parent_id).update(reply_count=Greatest(F("reply_count") - 1, 0))
    for article_id in articles:
        gone = mine.filter(article_id=article_id, status=Comment.Status.PUBLISHED).count()
        _bump_article(article_id, -gone)
    mine.filter(reply_count__gt=0, parent__isnull=True).update(
        author=None, body="", body_html="", status=Comment.Status.DELETED, submit_token=""
    )
    Comment.objects.filter(author=user).delete()
