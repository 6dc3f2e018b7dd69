"""What one reader sees of a comment: its text, or the placeholder that stands in for it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from kiji.comments.models import Comment
from kiji.comments.rules import rule_anchor as _rule_anchor

register = template.Library()

Status = Comment.Status
_OWN_ONLY = (Status.PENDING, Status.AUTO_HIDDEN, Status.HIDDEN)


@register.filter
def body_shown_to(comment: Comment, user: Any) -> bool:
    if comment.status == Status.PUBLISHED:
        return True
    return bool(
        user is not None
        and user.is_authenticated
        and comment.author_id == user.pk
        and comment.status in _OWN_ONLY
    )


@register.filter
def placeholder(comment: Comment) -> str:
    return {
        Status.DELETED: _("このコメントは投稿者により削除されました。"),
        Status.REMOVED: _("このコメントは運営により削除されました。"),
        Status.HIDDEN: _("このコメントは運営により非表示になりました。"),
        Status.AUTO_HIDDEN: _("このコメントは確認中のため表示されていません。"),
        Status.PENDING: _("このコメントは承認待ちです。"),
    }.get(Status(comment.status), "")


@register.filter
def own_note(comment: Comment) -> str:
    """The line only the author sees on their comment that others cannot see."""
    return {
        Status.PENDING: _("承認待ち:運営の確認後に公開されます(あなたにだけ表示されています)。"),
        Status.AUTO_HIDDEN: _("複数の通報があったため、運営の確認が終わるまで非表示になっています。"),
        Status.HIDDEN: _("運営により非表示になりました。詳しくは「コミュニティの利用状況」をご覧ください。"),
    }.get(Status(comment.status), "")


@register.filter
def rule_anchor(reason: str) -> str:
    return _rule_anchor(reason)
