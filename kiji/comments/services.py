"""Writes for comments: posting, editing, deleting, likes, reports, appeals and moderation.

Every write checks the access ladder itself (pages, the admin and the API share these), runs in one
transaction, and is safe to repeat: a second submit of the same form changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kiji.audit import services as audit
from kiji.comments import announce, text
from kiji.comments.models import (
    Appeal,
    ArticleCommentCount,
    Comment,
    CommentLike,
    CommentReport,
    CommentRevision,
    Restriction,
    Warning,
)
from kiji.comments.rules import Feature, ReportReason
from kiji.comments.selectors import comment_settings
from kiji.core import access
from kiji.core.access import Action, Decision
from kiji.privacy.consent import needs_disclosure_consent

Status = Comment.Status
HoldReason = Comment.HoldReason
DETAILS_MAX = 1000
APPEAL_MIN, APPEAL_MAX = 10, 2000
DUPLICATE_WINDOW = timedelta(hours=1)


class CommentError(Exception):
    """A write refused with a message for the member; nothing was changed."""

    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class Refused(CommentError):
    """The access ladder said no (sign up, complete the profile, a restriction…)."""

    code = "refused"

    def __init__(self, decision: Decision) -> None:
        super().__init__(str(decision.message))
        self.decision = decision


class NeedsConsent(CommentError):
    code = "consent"


class TooSoon(CommentError):
    code = "too_soon"

    def __init__(self, message: str, wait: int) -> None:
        super().__init__(message)
        self.wait = wait


def _check(user: Any, action: Action, article: Any = None) -> None:
    decision = access.decide(user, action, article)
    if not decision:
        raise Refused(decision)


def _check_moderator(user: Any) -> None:
    _check(user, Action.MODERATE_COMMENTS)


# Counters ------------------------------------------------------------------------------------------


def _bump_article(article_id: int, delta: int) -> None:
    """Change the article's visible count by `delta` and move its version (the cache key)."""
    ArticleCommentCount.objects.get_or_create(article_id=article_id)
    ArticleCommentCount.objects.filter(article_id=article_id).update(
        count=F("count") + delta if delta >= 0 else _floor(F("count") + delta), version=F("version") + 1
    )


def _floor(expression: Any) -> Any:
    from django.db.models.functions import Greatest

    return Greatest(expression, 0)


def _set_status(comment: Comment, status: str, **fields: Any) -> None:
    """Move a comment to `status`, keeping the article's count and the parent's replies right."""
    was_visible = comment.status == Status.PUBLISHED
    comment.status = status
    for name, value in fields.items():
        setattr(comment, name, value)
    comment.save(update_fields=["status", *fields])
    now_visible = status == Status.PUBLISHED
    delta = int(now_visible) - int(was_visible)
    if comment.parent_id and delta:
        Comment.objects.filter(pk=comment.parent_id).update(reply_count=_floor(F("reply_count") + delta))
    _bump_article(comment.article_id, delta)


# Posting -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Posted:
    comment: Comment
    created: bool

    @property
    def held(self) -> bool:
        return self.comment.status == Status.PENDING


def _validated_body(raw: str) -> str:
    body = text.clean(raw or "")
    limit = comment_settings().max_length
    if not body:
        raise CommentError(_("コメントを入力してください。"), code="empty")
    if text.length(body) > limit:
        raise CommentError(
            _("コメントは%(limit)s文字以内で入力してください(現在%(count)s文字)。")
            % {"limit": limit, "count": text.length(body)},
            code="too_long",
        )
    return body


def hold_reason_for(user: Any, body: str) -> str:
    """Why a new or edited text waits for a moderator, or "" to publish it at once."""
    if getattr(user, "is_staff", False):
        return HoldReason.NONE
    config = comment_settings()
    if text.first_match(body, text.parse_word_list(config.banned_words)):
        return HoldReason.BANNED_WORD
    if text.first_match(body, text.parse_word_list(config.suspect_words)):
        return HoldReason.SUSPECT_WORD
    if len(text.links_in(body)) > config.max_links:
        return HoldReason.LINKS
    needed = config.premoderate_first_comments
    if needed and Comment.objects.filter(author=user, status=Status.PUBLISHED)[:needed].count() < needed:
        return HoldReason.FIRST_COMMENTS
    return HoldReason.NONE


def is_new_member(user: Any) -> bool:
    joined = getattr(user, "date_joined", None)
    days = comment_settings().new_member_days
    return joined is None or joined > timezone.now() - timedelta(days=days)


def _check_pace(user: Any) -> None:
    """At least N seconds between comments, and a daily cap; both tighter for new members."""
    if getattr(user, "is_staff", False):
        return
    config = comment_settings()
    new = is_new_member(user)
    interval = config.new_member_interval_seconds if new else config.min_interval_seconds
    cap = config.new_member_daily_limit if new else config.daily_limit
    now = timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    since = min(day_start, now - timedelta(seconds=interval))
    recent = Comment.objects.filter(author=user, created_at__gte=since).aggregate(
        today=Count("pk", filter=Q(created_at__gte=day_start)), last=Max("created_at")
    )
    if recent["last"] is not None and interval:
        wait = interval - int((now - recent["last"]).total_seconds())
        if wait > 0:
            raise TooSoon(
                _("連続して投稿することはできません。あと%(wait)s秒お待ちください。") % {"wait": wait}, wait
            )
    if recent["today"] >= cap:
        raise CommentError(
            _("本日の投稿数の上限(%(cap)s件)に達しました。明日以降にお試しください。") % {"cap": cap},
            code="daily_cap",
        )


def _check_duplicate(user: Any, article_id: int, body: str) -> None:
    key = text.squash(body)
    since = timezone.now() - DUPLICATE_WINDOW
    recent = Comment.objects.filter(author=user, article_id=article_id, created_at__gte=since).exclude(
        status__in=(Status.DELETED, Status.REMOVED)
    )
    if any(text.squash(other) == key for other in recent.values_list("body", flat=True)[:50]):
        raise CommentError(_("同じ内容のコメントがすでに投稿されています。"), code="duplicate")


def post_comment(
    user: Any, *, article: Any, body: str, parent: Comment | None = None, token: str = ""
) -> Posted:
    """Post a comment (or a reply) as the member's public basic info.

    Replies are one level deep: answering a reply answers its thread. A repeated `token` (the form
    was sent twice) returns the comment the first submit made.
    """
    token = (token or "")[:64]
    if parent is not None and parent.parent_id:
        parent = parent.parent
    _check(user, Action.REPLY_COMMENT, parent) if parent else _check(user, Action.POST_COMMENT, article)
    if needs_disclosure_consent(user):
        raise NeedsConsent(_("コメントを投稿するには、基本情報の公開への同意が必要です。"))
    if not comment_settings().comments_enabled:
        raise CommentError(_("現在、コメントの受け付けを停止しています。"), code="closed")
    body = _validated_body(body)
    if parent is not None:
        parent = Comment.objects.filter(pk=parent.pk).first()  # as it is now, not as the form saw it
    if parent is not None and (parent.article_id != article.pk or parent.status != Status.PUBLISHED):
        raise CommentError(_("返信先のコメントは削除されたか、表示されていません。"), code="parent_gone")
    if token and (existing := Comment.objects.filter(author=user, submit_token=token).first()):
        return Posted(existing, created=False)
    try:
        with transaction.atomic():
            _lock_member(user)
            _check_pace(user)
            _check_duplicate(user, article.pk, body)
            hold = hold_reason_for(user, body)
            comment = Comment.objects.create(
                article_id=article.pk,
                author=user,
                parent=parent,
                body=body,
                body_html=text.render(body),
                status=Status.PENDING if hold else Status.PUBLISHED,
                hold_reason=hold,
                submit_token=token,
            )
            if comment.status == Status.PUBLISHED and parent is not None:
                Comment.objects.filter(pk=parent.pk).update(reply_count=F("reply_count") + 1)
                announce.replied(comment)
            _bump_article(article.pk, 1 if comment.status == Status.PUBLISHED else 0)
    except IntegrityError:
        # The same form arrived twice at the same moment; the other request made the comment.
        existing = Comment.objects.filter(author=user, submit_token=token).first() if token else None
        if existing is None:
            raise
        return Posted(existing, created=False)
    return Posted(comment, created=True)


def _lock_member(user: Any) -> None:
    """Serialise one member's posts (PostgreSQL row lock; SQLite writes are serial already)."""
    from kiji.members.models import Profile

    list(Profile.objects.select_for_update().filter(user=user).values_list("pk", flat=True))


def edit_comment(user: Any, comment: Comment, *, body: str) -> Comment:
    """Edit one's own comment; the old text is kept for moderators and the comment shows 編集済み."""
    if comment.author_id != user.pk:
        raise CommentError(_("ご自身のコメントのみ編集できます。"), code="not_author")
    if comment.status not in (Status.PUBLISHED, Status.PENDING):
        raise CommentError(_("このコメントは編集できません。"), code="not_editable")
    _check(user, Action.REPLY_COMMENT if comment.parent_id else Action.POST_COMMENT, comment.article)
    body = _validated_body(body)
    if body == comment.body:
        return comment
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        CommentRevision.objects.create(comment=comment, body=comment.body)
        comment.body = body
        comment.body_html = text.render(body)
        comment.edited_at = timezone.now()
        comment.save(update_fields=["body", "body_html", "edited_at"])
        hold = hold_reason_for(user, body)
        if hold and hold != HoldReason.FIRST_COMMENTS and comment.status == Status.PUBLISHED:
            _set_status(comment, Status.PENDING, hold_reason=hold)
        else:
            _bump_article(comment.article_id, 0)
    return comment


def delete_comment(user: Any, comment: Comment) -> bool:
    """Delete one's own comment (always allowed, even under a restriction). False if already gone.

    A comment with replies leaves a placeholder; the text stays for moderators until the account
    itself is deleted.
    """
    if comment.author_id != user.pk:
        raise CommentError(_("ご自身のコメントのみ削除できます。"), code="not_author")
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment.pk)
        if comment.is_gone:
            return False
        _set_status(comment, Status.DELETED)
    return True


# Likes ---------------------------------------------------------------------------------------------


def set_like(user: Any, comment: Comment, *, liked: bool) -> tuple[bool, int]:
    """Like or unlike (the form says which, so a double click cannot undo itself).

    Returns the member's state and the new count.
    """
    if comment.author_id == user.pk:
        raise CommentError(_("ご自身のコメントにはいいねできません。"), code="own")
    if comment.status != Status.PUBLISHED:
        raise CommentError(_("このコメントにはいいねできません。"), code="not_visible")
    _check(user, Action.LIKE_COMMENT, comment)
    with transaction.atomic():
        if liked:
            try:
                with transaction.atomic():
                    CommentLike.objects.create(comment=comment, user=user)
                changed = 1
            except IntegrityError:
                changed = 0
        else:
            deleted, _ignored = CommentLike.objects.filter(comment=comment, user=user).delete()
            changed = -1 if deleted else 0
        if changed:
            Comment.objects.filter(pk=comment.pk).update(like_count=_floor(F("like_count") + changed))
            _bump_article(comment.article_id, 0)
            if changed > 0:
                announce.liked(comment, user)
            else:
                announce.unliked(comment, user)
        count = Comment.objects.values_list("like_count", flat=True).get(pk=comment.pk)
    return liked, count


# Reports -------------------------------------------------------------------------------------------


def reporter_weight(user: Any) -> Decimal:
    """A reporter's say, from their record: 1 for a newcomer, up to 2 when moderators keep agreeing,
    down to 0.25 when they keep finding nothing wrong (Laplace-smoothed share of upheld reports)."""
    counts = CommentReport.objects.filter(reporter=user).aggregate(
        upheld=Count("pk", filter=Q(status=CommentReport.Status.UPHELD)),
        dismissed=Count("pk", filter=Q(status=CommentReport.Status.DISMISSED)),
    )
    upheld, dismissed = counts["upheld"], counts["dismissed"]
    weight = Decimal(2 * (upheld + 1)) / Decimal(upheld + dismissed + 2)
    return min(max(weight, Decimal("0.25")), Decimal(2)).quantize(Decimal("0.01"))


def report_comment(
    user: Any, comment: Comment, *, reason: str, details: str = ""
) -> tuple[CommentReport, bool]:
    """通報. One per member per comment: a repeat returns the first report and False."""
    if comment.author_id == user.pk:
        raise CommentError(_("ご自身のコメントは通報できません。"), code="own")
    if comment.status != Status.PUBLISHED:
        raise CommentError(
            _("このコメントはすでに非表示になっているため、通報できません。"), code="not_visible"
        )
    _check(user, Action.REPORT_COMMENT, comment.article)
    if reason not in ReportReason.values:
        raise CommentError(_("通報の理由を選んでください。"), code="reason")
    details = text.clean(details or "")
    if reason == ReportReason.OTHER and not details:
        raise CommentError(_("「その他」を選んだ場合は、問題の詳細をお知らせください。"), code="details")
    if text.length(details) > DETAILS_MAX:
        raise CommentError(
            _("問題の詳細は%(limit)s文字以内で入力してください。") % {"limit": DETAILS_MAX}, code="details"
        )
    if existing := CommentReport.objects.filter(comment=comment, reporter=user).first():
        return existing, False
    weight = reporter_weight(user)
    try:
        with transaction.atomic():
            report = CommentReport.objects.create(
                comment=comment, reporter=user, reason=reason, details=details, weight=weight
            )
            Comment.objects.filter(pk=comment.pk).update(open_report_count=F("open_report_count") + 1)
            _maybe_auto_hide(comment)
    except IntegrityError:
        return CommentReport.objects.get(comment=comment, reporter=user), False
    return report, True


def _maybe_auto_hide(comment: Comment) -> None:
    """Hide pending review once distinct reporters' weights reach the threshold (Discourse-style)."""
    total = CommentReport.objects.filter(comment=comment, status=CommentReport.Status.OPEN).aggregate(
        total=Sum("weight"), reporters=Count("reporter", distinct=True)
    )
    threshold = comment_settings().report_threshold
    if (total["total"] or 0) < threshold:
        return
    current = Comment.objects.select_for_update().get(pk=comment.pk)
    if current.status != Status.PUBLISHED:
        return
    _set_status(current, Status.AUTO_HIDDEN, hold_reason=HoldReason.REPORTS, moderated_at=timezone.now())
    audit.record(
        None, "comments.auto_hidden", target=current, weight=str(total["total"]), reporters=total["reporters"]
    )


def _resolve_reports(comment: Comment, status: str) -> int:
    now = timezone.now()
    open_reports = CommentReport.objects.filter(comment=comment, status=CommentReport.Status.OPEN)
    reporters = list(open_reports.values_list("reporter_id", flat=True))
    resolved = open_reports.update(status=status, resolved_at=now)
    announce.report_outcome(comment, reporters, status)
    Comment.objects.filter(pk=comment.pk).update(open_report_count=0)
    comment.open_report_count = 0
    return resolved


def mark_outcomes_seen(user: Any) -> int:
    return (
        CommentReport.objects.filter(reporter=user, outcome_seen_at__isnull=True)
        .exclude(status=CommentReport.Status.OPEN)
        .update(outcome_seen_at=timezone.now())
    )


# Appeals and warnings (the member's side) ----------------------------------------------------------


def appeal(user: Any, restriction: Restriction, *, text_: str) -> Appeal:
    if restriction.user_id != user.pk:
        raise CommentError(_("この機能制限に異議を申し立てることはできません。"), code="not_yours")
    if not restriction.is_active():
        raise CommentError(_("この機能制限はすでに終了しています。"), code="ended")
    body = text.clean(text_ or "")
    if text.length(body) < APPEAL_MIN:
        raise CommentError(
            _("申し立ての内容を%(min)s文字以上で入力してください。") % {"min": APPEAL_MIN}, code="too_short"
        )
    if text.length(body) > APPEAL_MAX:
        raise CommentError(
            _("申し立ての内容は%(max)s文字以内で入力してください。") % {"max": APPEAL_MAX}, code="too_long"
        )
    try:
        with transaction.atomic():
            if restriction.appeals.filter(status=Appeal.Status.OPEN).exists():
                raise CommentError(
                    _("この機能制限への申し立ては審査中です。結果をお待ちください。"), code="open"
                )
            made = Appeal.objects.create(restriction=restriction, text=body)
            audit.record(user, "comments.appeal_filed", target=restriction, appeal=made.pk)
    except IntegrityError as race:
        raise CommentError(
            _("この機能制限への申し立ては審査中です。結果をお待ちください。"), code="open"
        ) from race
    return made


def acknowledge_warning(user: Any, warning: Warning) -> None:
    Warning.objects.filter(pk=warning.pk, user=user, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )


# Moderation ----------------------------------------------------------------------------------------


@transaction.atomic
def approve(moderator: Any, comment: Comment, *, note: str = "") -> Comment:
    """Publish (or re-publish) the comment and dismiss its open reports."""
    _check_moderator(moderator)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    dismissed = _resolve_reports(comment, CommentReport.Status.DISMISSED)
    if comment.status != Status.DELETED:
        was_pending = comment.status == Status.PENDING
        _set_status(comment, Status.PUBLISHED, hold_reason=HoldReason.NONE, moderated_at=timezone.now())
        if was_pending and comment.parent_id:
            announce.replied(comment)
    audit.record(moderator, "comments.approved", target=comment, reports_dismissed=dismissed, note=note)
    return comment


@transaction.atomic
def hide(moderator: Any, comment: Comment, *, reason: str, note: str = "") -> Comment:
    _check_moderator(moderator)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    upheld = _resolve_reports(comment, CommentReport.Status.UPHELD)
    if not comment.is_gone:
        _set_status(comment, Status.HIDDEN, moderated_at=timezone.now())
    audit.record(
        moderator, "comments.hidden", target=comment, reason=reason, reports_upheld=upheld, note=note
    )
    return comment


@transaction.atomic
def remove(moderator: Any, comment: Comment, *, reason: str, note: str = "") -> Comment:
    _check_moderator(moderator)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    upheld = _resolve_reports(comment, CommentReport.Status.UPHELD)
    if comment.status != Status.REMOVED:
        _set_status(comment, Status.REMOVED, moderated_at=timezone.now())
    audit.record(
        moderator, "comments.removed", target=comment, reason=reason, reports_upheld=upheld, note=note
    )
    return comment


@transaction.atomic
def warn(moderator: Any, comment: Comment, *, reason: str, message: str = "") -> Warning:
    _check_moderator(moderator)
    if comment.author_id is None:
        raise CommentError(_("投稿者が退会しているため、注意できません。"), code="no_author")
    warning = Warning.objects.create(
        user_id=comment.author_id,
        comment=comment,
        reason=reason,
        message=text.clean(message),
        created_by=moderator,
    )
    audit.record(
        moderator, "comments.warned", target=comment, reason=reason, warning=warning.pk, note=message
    )
    announce.warned(warning)
    return warning


@transaction.atomic
def restrict(
    moderator: Any,
    member: Any,
    *,
    features: list[str],
    reason: str,
    days: int | None,
    comment: Comment | None = None,
    message: str = "",
) -> Restriction:
    """機能制限: turn `features` off for `days` (None: until lifted). A comment named as the cause
    is hidden (if still visible) and its reports are upheld."""
    _check_moderator(moderator)
    chosen = [f for f in Feature.values if f in set(features)]
    if not chosen:
        raise CommentError(_("制限する機能を選んでください。"), code="features")
    if reason not in ReportReason.values:
        raise CommentError(_("理由を選んでください。"), code="reason")
    if days is not None and not 1 <= days <= 3650:
        raise CommentError(_("期間は1〜3650日で指定してください。"), code="days")
    now = timezone.now()
    restriction = Restriction.objects.create(
        user=member,
        features=chosen,
        reason=reason,
        comment=comment,
        message=text.clean(message),
        created_by=moderator,
        starts_at=now,
        ends_at=now + timedelta(days=days) if days else None,
    )
    detail: dict[str, Any] = {"features": chosen, "reason": reason, "days": days, "note": message}
    if comment is not None:
        locked = Comment.objects.select_for_update().get(pk=comment.pk)
        detail["reports_upheld"] = _resolve_reports(locked, CommentReport.Status.UPHELD)
        if locked.status in (Status.PUBLISHED, Status.AUTO_HIDDEN, Status.PENDING):
            _set_status(locked, Status.HIDDEN, moderated_at=now)
        detail["comment"] = locked.pk
    access.forget_status(member)
    audit.record(moderator, "comments.restricted", target=restriction, member=member.pk, **detail)
    announce.restricted(restriction)
    return restriction


@transaction.atomic
def lift(moderator: Any, restriction: Restriction, *, note: str = "") -> Restriction:
    """End a restriction now; an open appeal against it is accepted."""
    _check_moderator(moderator)
    restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
    if restriction.lifted_at is None:
        restriction.lifted_at = timezone.now()
        restriction.lifted_by = moderator
        restriction.lift_note = text.clean(note)
        restriction.save(update_fields=["lifted_at", "lifted_by", "lift_note"])
    accepted = restriction.appeals.filter(status=Appeal.Status.OPEN).update(
        status=Appeal.Status.ACCEPTED,
        decided_at=timezone.now(),
        decided_by=moderator,
        response=text.clean(note),
    )
    audit.record(
        moderator, "comments.restriction_lifted", target=restriction, appeals_accepted=accepted, note=note
    )
    announce.lifted(restriction)
    return restriction


@transaction.atomic
def reject_appeal(moderator: Any, appeal_: Appeal, *, response: str) -> Appeal:
    _check_moderator(moderator)
    response = text.clean(response or "")
    if not response:
        raise CommentError(_("会員への回答を入力してください。"), code="response")
    updated = Appeal.objects.filter(pk=appeal_.pk, status=Appeal.Status.OPEN).update(
        status=Appeal.Status.REJECTED, decided_at=timezone.now(), decided_by=moderator, response=response
    )
    if updated:
        audit.record(moderator, "comments.appeal_rejected", target=appeal_.restriction, appeal=appeal_.pk)
    appeal_.refresh_from_db()
    return appeal_
