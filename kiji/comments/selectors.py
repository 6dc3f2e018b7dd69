"""Reads for comments. A page of comments costs the same number of queries at 10 or 10,000."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from kiji.comments.models import (
    Appeal,
    ArticleCommentCount,
    Comment,
    CommentLike,
    CommentReport,
    CommentSettings,
    Restriction,
    Warning,
)
from kiji.core import pagecache

SETTINGS_CACHE_KEY = "comment-settings"
COMMENTS_PER_PAGE = 20
REPLIES_SHOWN = 3
REPLIES_PER_PAGE = 50

Status = Comment.Status
# Removed comments with replies stay in the thread as a placeholder.
PLACEHOLDER_STATUSES = (Status.DELETED, Status.REMOVED, Status.HIDDEN, Status.AUTO_HIDDEN)


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    LIKED = "liked"


ORDERING = {
    Sort.NEWEST: ("-created_at", "-pk"),
    Sort.OLDEST: ("created_at", "pk"),
    Sort.LIKED: ("-like_count", "-created_at", "-pk"),
}


def comment_settings() -> CommentSettings:
    """The operator's rules, read on every comment request. Cached per process; saving them moves
    the shared generation file, so every worker reads them afresh."""
    key = f"{SETTINGS_CACHE_KEY}:{pagecache.generation()}"
    config: CommentSettings | None = cache.get(key)
    if config is None:
        config = CommentSettings.load()
        # The first load creates the row, which moves the generation: store under the new one.
        cache.set(f"{SETTINGS_CACHE_KEY}:{pagecache.generation()}", config, 3600)
    return config


def active_restrictions(user: Any) -> list[Restriction]:
    now = timezone.now()
    return list(
        Restriction.objects.filter(user=user, lifted_at__isnull=True, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .select_related("comment")
        .order_by("-starts_at")
    )


def _with_author(queryset: QuerySet[Comment]) -> QuerySet[Comment]:
    return queryset.select_related("author__profile")


def _visible_to(viewer: Any) -> Q:
    shown = Q(status=Status.PUBLISHED) | Q(status__in=PLACEHOLDER_STATUSES, reply_count__gt=0)
    if viewer is not None and viewer.is_authenticated:
        # Members see their own comments that wait for review, marked as such.
        shown |= Q(author=viewer, status__in=(Status.PENDING, Status.AUTO_HIDDEN, Status.HIDDEN))
    return shown


def thread_page(article_id: int, viewer: Any, *, sort: Sort, number: Any) -> Page[Comment]:
    """One page of top-level comments; each carries `shown_replies`, its first few replies."""
    queryset = _with_author(
        Comment.objects.filter(_visible_to(viewer), article_id=article_id, parent__isnull=True)
    ).order_by(*ORDERING[sort])
    page = Paginator(queryset, COMMENTS_PER_PAGE).get_page(number)
    attach_replies(page.object_list, viewer)
    return page


def attach_replies(parents: Any, viewer: Any, limit: int = REPLIES_SHOWN) -> None:
    """The first `limit` replies of each parent, in one query (a window per parent)."""
    parents = list(parents)
    by_id = {parent.pk: parent for parent in parents}
    for parent in parents:
        parent.shown_replies = []
    if not by_id:
        return
    ranked = (
        Comment.objects.filter(Q(status=Status.PUBLISHED) | _own_pending(viewer), parent_id__in=by_id)
        .annotate(
            position=Window(RowNumber(), partition_by=[F("parent_id")], order_by=[F("created_at"), F("pk")])
        )
        .select_related("author__profile")
    )
    # Filtering on a window needs Django 4.2+; it is done in SQL, not here.
    for reply in ranked.filter(position__lte=limit).order_by("parent_id", "created_at", "pk"):
        by_id[reply.parent_id].shown_replies.append(reply)


def _own_pending(viewer: Any) -> Q:
    if viewer is None or not viewer.is_authenticated:
        return Q(pk__in=[])
    return Q(author=viewer, status__in=(Status.PENDING, Status.AUTO_HIDDEN, Status.HIDDEN))


def replies_page(parent: Comment, viewer: Any, number: Any) -> Page[Comment]:
    queryset = _with_author(
        Comment.objects.filter(Q(status=Status.PUBLISHED) | _own_pending(viewer), parent=parent)
    )
    return Paginator(queryset.order_by("created_at", "pk"), REPLIES_PER_PAGE).get_page(number)


def visible_comment(comment_id: int, viewer: Any) -> Comment | None:
    """A comment as a reader may open it (permalink, forms): visible, a placeholder, or their own."""
    return (
        _with_author(Comment.objects.filter(_visible_to(viewer), pk=comment_id))
        .select_related("article")
        .first()
    )


@dataclass
class ViewerState:
    """What one member's copy of a page of comments needs beyond the shared one."""

    liked: set[int] = field(default_factory=set)
    reported: set[int] = field(default_factory=set)
    # Authors this member blocks: their comments are collapsed for them.
    blocked: set[int] = field(default_factory=set)


def viewer_state(viewer: Any, comments: list[Comment]) -> ViewerState:
    if viewer is None or not viewer.is_authenticated or not comments:
        return ViewerState()
    ids = [c.pk for c in comments]
    liked = set(
        CommentLike.objects.filter(user=viewer, comment_id__in=ids).values_list("comment_id", flat=True)
    )
    reported = set(
        CommentReport.objects.filter(reporter=viewer, comment_id__in=ids).values_list("comment_id", flat=True)
    )
    from kiji.core import access

    return ViewerState(liked=liked, reported=reported, blocked=access.status_of(viewer).blocks()[0])


def comment_count(article_id: int) -> int:
    stats = ArticleCommentCount.objects.filter(article_id=article_id).values_list("count", flat=True).first()
    return stats or 0


def thread_version(article_id: int) -> int:
    """Moves on every change to the article's comments: the shared copy's cache key."""
    version = (
        ArticleCommentCount.objects.filter(article_id=article_id).values_list("version", flat=True).first()
    )
    return version or 0


def counts_for(article_ids: list[int]) -> dict[int, int]:
    return dict(
        ArticleCommentCount.objects.filter(article_id__in=article_ids, count__gt=0).values_list(
            "article_id", "count"
        )
    )


# The member's own community page (コミュニティの利用状況).


def open_warnings(user: Any) -> list[Warning]:
    return list(
        Warning.objects.filter(user=user, acknowledged_at__isnull=True)
        .select_related("comment")
        .order_by("-created_at")
    )


def reports_by(user: Any) -> QuerySet[CommentReport]:
    return (
        CommentReport.objects.filter(reporter=user).select_related("comment__article").order_by("-created_at")
    )


def unseen_outcomes(user: Any) -> int:
    return (
        CommentReport.objects.filter(reporter=user, outcome_seen_at__isnull=True)
        .exclude(status=CommentReport.Status.OPEN)
        .count()
    )


def restriction_history(user: Any) -> list[Restriction]:
    return list(
        Restriction.objects.filter(user=user)
        .select_related("comment")
        .prefetch_related("appeals")
        .order_by("-starts_at")[:20]
    )


def held_comments(user: Any) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(author=user, status__in=(Status.PENDING, Status.AUTO_HIDDEN, Status.HIDDEN))
        .select_related("article")
        .order_by("-created_at")
    )


def open_appeal_for(restriction: Restriction) -> Appeal | None:
    return restriction.appeals.filter(status=Appeal.Status.OPEN).first()
