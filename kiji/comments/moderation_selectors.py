"""Reads for the moderation tools in the Wagtail admin (コメント管理).

A page costs the same number of queries at 3 rows or 50: rows carry their article's title and the
summed weight of their open reports as annotations, and their authors come in the same query.
Members are shown to moderators as others see them (kiji.privacy.selectors.disclosed_profile),
with their id to tell apart members who did not consent to show their basic info.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from kiji.comments.models import Appeal, Comment, CommentReport, CommentRevision, Restriction, Warning
from kiji.privacy.selectors import DisclosedProfile, disclosed_profile

Status = Comment.Status
NEIGHBOURS = 2  # comments shown before and after the one under review
AUTHOR_RECENT = 10
AUTHOR_RECORDS = 20


class Tab(models.TextChoices):
    REPORTED = "reported", _("通報あり")
    PENDING = "pending", _("承認待ち")
    AUTO_HIDDEN = "auto_hidden", _("自動非表示")
    APPEALS = "appeals", _("異議申し立て")
    ALL = "all", _("すべて")


class Order(models.TextChoices):
    NEWEST = "newest", _("新しい順")
    MOST_REPORTED = "most_reported", _("通報の多い順")


_TAB_FILTERS: dict[str, Q] = {
    Tab.REPORTED: Q(status=Status.PUBLISHED, open_report_count__gt=0),
    Tab.PENDING: Q(status=Status.PENDING),
    Tab.AUTO_HIDDEN: Q(status=Status.AUTO_HIDDEN),
    Tab.ALL: Q(),
}
_ORDERING: dict[str, tuple[str, ...]] = {
    Order.NEWEST: ("-created_at", "-pk"),
    Order.MOST_REPORTED: ("-open_weight", "-open_report_count", "-created_at", "-pk"),
}


@dataclass(frozen=True, slots=True)
class QueueFilters:
    tab: str = Tab.REPORTED
    hold_reason: str = ""
    report_reason: str = ""
    article: str = ""
    q: str = ""
    order: str = ""

    @property
    def ordering(self) -> str:
        """The chosen order, or the tab's own: reported comments most-reported first."""
        if self.order in Order.values:
            return self.order
        return Order.MOST_REPORTED if self.tab in (Tab.REPORTED, Tab.AUTO_HIDDEN) else Order.NEWEST


def _words(text: str) -> list[str]:
    return text.split()[:5]  # split() also splits on the ideographic space


def _open_weight() -> Coalesce:
    total = (
        CommentReport.objects.filter(comment=OuterRef("pk"), status=CommentReport.Status.OPEN)
        .order_by()
        .values("comment")
        .annotate(total=Sum("weight"))
        .values("total")
    )
    money = DecimalField(max_digits=8, decimal_places=2)
    return Coalesce(Subquery(total, output_field=money), Value(Decimal(0)), output_field=money)


def queue_comments(filters: QueueFilters) -> QuerySet[Comment]:
    """Comments of one tab, filtered; each has `article_title` and `open_weight`."""
    comments = Comment.objects.filter(_TAB_FILTERS.get(filters.tab, Q()))
    if filters.hold_reason:
        comments = comments.filter(hold_reason=filters.hold_reason)
    if filters.report_reason:
        reports = CommentReport.objects.filter(comment=OuterRef("pk"), reason=filters.report_reason)
        if filters.tab != Tab.ALL:
            reports = reports.filter(status=CommentReport.Status.OPEN)
        comments = comments.filter(Exists(reports))
    for word in _words(filters.article):
        comments = comments.filter(article__title__icontains=word)
    for word in _words(filters.q):
        comments = comments.filter(body__icontains=word)
    return (
        comments.select_related("author__profile")
        .annotate(article_title=F("article__title"), open_weight=_open_weight())
        .order_by(*_ORDERING[filters.ordering])
    )


@dataclass(frozen=True, slots=True)
class CommentRow:
    """A comment with its author as others see them (None: the account was deleted)."""

    comment: Comment
    author: DisclosedProfile | None

    @property
    def open_weight(self) -> Decimal:
        return Decimal(getattr(self.comment, "open_weight", 0) or 0)

    @property
    def article_title(self) -> str:
        return str(getattr(self.comment, "article_title", "") or "")


def shown_author(user: Any) -> DisclosedProfile | None:
    if user is None:
        return None
    return disclosed_profile(getattr(user, "profile", None))


def rows(comments: Any) -> list[CommentRow]:
    return [CommentRow(c, shown_author(c.author) if c.author_id else None) for c in comments]


def tab_counts() -> dict[str, int]:
    """How many items wait in each tab (two queries, whatever the numbers)."""
    counts = Comment.objects.aggregate(
        **{
            str(tab): Count("pk", filter=_TAB_FILTERS[tab])
            for tab in (Tab.REPORTED, Tab.PENDING, Tab.AUTO_HIDDEN)
        }
    )
    counts[str(Tab.APPEALS)] = Appeal.objects.filter(status=Appeal.Status.OPEN).count()
    return counts


def open_appeals(filters: QueueFilters) -> QuerySet[Appeal]:
    """Open appeals, the longest-waiting first; the restriction, its member and comment come along."""
    appeals = Appeal.objects.filter(status=Appeal.Status.OPEN)
    if filters.report_reason:
        appeals = appeals.filter(restriction__reason=filters.report_reason)
    for word in _words(filters.article):
        appeals = appeals.filter(restriction__comment__article__title__icontains=word)
    for word in _words(filters.q):
        appeals = appeals.filter(text__icontains=word)
    return (
        appeals.select_related(
            "restriction__user__profile", "restriction__comment", "restriction__created_by"
        )
        .annotate(article_title=F("restriction__comment__article__title"))
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True, slots=True)
class AppealRow:
    appeal: Appeal
    member: DisclosedProfile | None

    @property
    def restriction(self) -> Restriction:
        return self.appeal.restriction

    @property
    def article_title(self) -> str:
        return str(getattr(self.appeal, "article_title", "") or "")


def appeal_rows(appeals: Any) -> list[AppealRow]:
    return [AppealRow(a, shown_author(a.restriction.user)) for a in appeals]


# One comment under review ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRow:
    report: CommentReport
    reporter: DisclosedProfile | None


@dataclass
class CommentRecord:
    """Everything a moderator reads before acting on a comment."""

    comment: Comment
    author: DisclosedProfile | None
    parent: CommentRow | None
    before: list[CommentRow]
    after: list[CommentRow]
    revisions: list[CommentRevision]
    reports: list[ReportRow]

    @property
    def open_reports(self) -> list[ReportRow]:
        return [r for r in self.reports if r.report.status == CommentReport.Status.OPEN]

    @property
    def open_weight(self) -> Decimal:
        return sum((r.report.weight for r in self.open_reports), Decimal(0))

    @property
    def top_reason(self) -> str:
        """The reason most open reports give (the actions' preselected reason), or ""."""
        reasons = Counter(r.report.reason for r in self.open_reports)
        return reasons.most_common(1)[0][0] if reasons else ""


def comment_record(comment_id: int) -> CommentRecord | None:
    comment = (
        Comment.objects.select_related("article", "author__profile", "parent__author__profile")
        .filter(pk=comment_id)
        .first()
    )
    if comment is None:
        return None
    siblings = Comment.objects.filter(article_id=comment.article_id, parent_id=comment.parent_id).exclude(
        pk=comment.pk
    )
    siblings = siblings.select_related("author__profile")
    before = siblings.filter(
        Q(created_at__lt=comment.created_at) | Q(created_at=comment.created_at, pk__lt=comment.pk)
    ).order_by("-created_at", "-pk")[:NEIGHBOURS]
    after = siblings.filter(
        Q(created_at__gt=comment.created_at) | Q(created_at=comment.created_at, pk__gt=comment.pk)
    ).order_by("created_at", "pk")[:NEIGHBOURS]
    reports = sorted(  # open reports first, each group newest first
        CommentReport.objects.filter(comment=comment)
        .select_related("reporter__profile")
        .order_by("-created_at", "-pk"),
        key=lambda report: report.status != CommentReport.Status.OPEN,
    )
    parent = comment.parent
    return CommentRecord(
        comment=comment,
        author=shown_author(comment.author) if comment.author_id else None,
        parent=CommentRow(parent, shown_author(parent.author) if parent.author_id else None)
        if parent is not None
        else None,
        before=rows(reversed(list(before))),
        after=rows(after),
        revisions=list(comment.revisions.all()),
        reports=[ReportRow(r, shown_author(r.reporter)) for r in reports],
    )


# A member's record as a commenter --------------------------------------------------------------------


@dataclass
class AuthorHistory:
    user: Any
    author: DisclosedProfile | None
    counts: dict[str, int]
    recent: list[CommentRow]
    warnings: list[Warning]
    restrictions: list[Restriction]
    active: list[Restriction] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return self.counts.get("hidden", 0) + self.counts.get("auto_hidden", 0)


def author_history(user: Any) -> AuthorHistory:
    """The member's recent comments, how many were hidden or removed, warnings and restrictions."""
    mine = Comment.objects.filter(author=user)
    counts = mine.aggregate(
        total=Count("pk"),
        **{str(status): Count("pk", filter=Q(status=status)) for status in Status.values},
    )
    recent = mine.annotate(article_title=F("article__title")).order_by("-created_at", "-pk")[:AUTHOR_RECENT]
    warnings = (
        Warning.objects.filter(user=user)
        .select_related("created_by")
        .order_by("-created_at")[:AUTHOR_RECORDS]
    )
    restrictions = list(
        Restriction.objects.filter(user=user)
        .select_related("comment", "created_by", "lifted_by")
        .prefetch_related("appeals")
        .order_by("-starts_at", "-pk")[:AUTHOR_RECORDS]
    )
    author = shown_author(user)
    return AuthorHistory(
        user=user,
        author=author,
        counts=counts,
        recent=[CommentRow(c, author) for c in recent],
        warnings=list(warnings),
        restrictions=restrictions,
        active=[r for r in restrictions if r.is_active()],
    )


def restriction_record(restriction_id: int) -> tuple[Restriction, list[Appeal]] | None:
    restriction = (
        Restriction.objects.select_related("user__profile", "comment", "created_by", "lifted_by")
        .filter(pk=restriction_id)
        .first()
    )
    if restriction is None:
        return None
    appeals = list(restriction.appeals.select_related("decided_by").order_by("-created_at", "-pk"))
    return restriction, appeals
