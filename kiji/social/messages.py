"""The sentence a notification reads as, in the reader's language (built when shown), and the
copied title and excerpt shown beneath it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kiji.social.models import Kind, Notification

# Kinds whose sentence does not name the article: the copied title is shown beneath it.
_TITLED = frozenset({Kind.REPLY, Kind.LIKE, Kind.REPORT_OUTCOME})
# Kinds that carry an excerpt of a comment (the reply, or the liked comment).
_QUOTED = frozenset({Kind.REPLY, Kind.LIKE})


def sentence(n: Notification) -> str:
    name = n.actor_name or _("退会した会員")
    if n.kind == Kind.LIKE:
        if n.others:
            return ngettext(
                "%(name)sさん他%(count)s人があなたのコメントにいいねしました",
                "%(name)sさん他%(count)s人があなたのコメントにいいねしました",
                n.others,
            ) % {"name": name, "count": n.others}
        return _("%(name)sさんがあなたのコメントにいいねしました") % {"name": name}
    texts: dict[str, str] = {
        Kind.REPLY: _("%(name)sさんがあなたのコメントに返信しました"),
        Kind.FOLLOWER: _("%(name)sさんがあなたをフォローしました"),
        Kind.AUTHOR_ARTICLE: _("フォロー中の執筆者(%(detail)s)の新着記事「%(title)s」"),
        Kind.SERIES_ARTICLE: _("フォロー中の連載「%(detail)s」の新着記事「%(title)s」"),
        Kind.TAG_ARTICLE: _("フォロー中のタグの新着記事「%(title)s」"),
        Kind.REPORT_OUTCOME: _("あなたの通報の結果: %(detail)s"),
        Kind.MODERATION: _("あなたのコメントについて運営から注意がありました(%(detail)s)"),
        Kind.RESTRICTION: _("機能制限のお知らせ(%(detail)s)"),
        Kind.RESTRICTION_LIFTED: _("機能制限が解除されました"),
    }
    template = texts.get(n.kind, "%(title)s")
    return template % {"name": name, "title": n.title, "detail": _detail(n)}


def title_of(n: Notification) -> str:
    """The copied article title, for kinds whose sentence does not already name it."""
    return n.title if n.kind in _TITLED else ""


def excerpt_of(n: Notification) -> str:
    """The copied excerpt of the reply or of the liked comment."""
    return n.detail if n.kind in _QUOTED else ""


def kind_label(n: Notification) -> str:
    return str(Kind(n.kind).label) if n.kind in Kind.values else ""


def _detail(n: Notification) -> str:
    """Moderation notifications keep a code, shown in the reader's language."""
    from kiji.comments.models import CommentReport
    from kiji.comments.rules import ReportReason

    if n.kind == Kind.REPORT_OUTCOME and n.detail in CommentReport.Status.values:
        return str(CommentReport.Status(n.detail).label)
    if n.kind in (Kind.MODERATION, Kind.RESTRICTION) and n.detail in ReportReason.values:
        return str(ReportReason(n.detail).label)
    return n.detail
