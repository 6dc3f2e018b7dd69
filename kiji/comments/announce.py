"""What the community layer tells members through notifications (kiji.social): replies, likes,
report outcomes, warnings, restrictions and their lifting. Sent after commit, so a rolled-back
write tells nobody."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from kiji.comments.models import Comment, Restriction, Warning
from kiji.social.models import Kind
from kiji.social.notifications import notify, unlike

EXCERPT = 80


def _excerpt(comment: Comment) -> str:
    body = " ".join(comment.body.split())
    return body if len(body) <= EXCERPT else body[: EXCERPT - 1] + "…"


def _thread_url(comment: Comment) -> str:
    top = comment.parent_id or comment.pk
    return f"{reverse('comments:thread', args=[top])}#comment-{comment.pk}"


def _later(work: Any) -> None:
    transaction.on_commit(work)


def replied(reply: Comment) -> None:
    parent_id = reply.parent_id
    if parent_id is None:
        return

    def send() -> None:
        parent = Comment.objects.select_related("author", "article").filter(pk=parent_id).first()
        if parent is None or parent.author is None:
            return
        notify(
            parent.author,
            Kind.REPLY,
            actor=reply.author,
            title=parent.article.title,
            detail=_excerpt(reply),
            url=_thread_url(reply),
        )

    _later(send)


def liked(comment: Comment, liker: Any) -> None:
    def send() -> None:
        current = Comment.objects.select_related("author", "article").filter(pk=comment.pk).first()
        if current is None or current.author is None:
            return
        notify(
            current.author,
            Kind.LIKE,
            actor=liker,
            title=current.article.title,
            detail=_excerpt(current),
            url=_thread_url(current),
            key=f"like:{current.pk}",
        )

    _later(send)


def unliked(comment: Comment, liker: Any) -> None:
    if comment.author_id is not None:
        author_id = comment.author_id
        _later(lambda: unlike(author_id, comment.pk, liker.pk))


def report_outcome(comment: Comment, reporter_ids: list[int], status: str) -> None:
    if not reporter_ids:
        return

    def send() -> None:
        title = Comment.objects.filter(pk=comment.pk).values_list("article__title", flat=True).first() or ""
        for reporter in get_user_model().objects.filter(pk__in=reporter_ids):
            notify(
                reporter,
                Kind.REPORT_OUTCOME,
                title=title,
                detail=status,
                url=reverse("comments:my_status") + "#reports",
            )

    _later(send)


def warned(warning: Warning) -> None:
    def send() -> None:
        notify(warning.user, Kind.MODERATION, detail=warning.reason, url=reverse("comments:my_status"))

    _later(send)


def restricted(restriction: Restriction) -> None:
    def send() -> None:
        notify(
            restriction.user,
            Kind.RESTRICTION,
            detail=restriction.reason,
            url=f"{reverse('comments:my_status')}#restriction-{restriction.pk}",
        )

    _later(send)


def lifted(restriction: Restriction) -> None:
    def send() -> None:
        notify(restriction.user, Kind.RESTRICTION_LIFTED, url=reverse("comments:my_status"))

    _later(send)
