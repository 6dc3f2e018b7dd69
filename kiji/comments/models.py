"""Comments under articles, their likes, reports, and the moderation records around them.

Counters (likes, replies, reports, an article's comment count) are kept on the rows and changed in
the same transaction as the write that moves them, so a page of comments never counts anything.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.contrib.settings.models import BaseGenericSetting
from wagtail.contrib.settings.registry import register_setting

from kiji.comments.rules import Feature, ReportReason


class WhoMayPost(models.TextChoices):
    REGISTERED = "registered", _("すべての会員")
    COMPLETE = "complete", _("詳細情報を登録した会員")
    PREMIUM = "premium", _("プレミアム会員")


@register_setting(icon="comment")
class CommentSettings(BaseGenericSetting):
    """The operator's rules for the community layer; read through a cache until saved."""

    comments_enabled = models.BooleanField(_("コメント欄を表示する"), default=True)
    who_may_post = models.CharField(
        _("コメントを投稿できる会員"),
        max_length=16,
        choices=WhoMayPost.choices,
        default=WhoMayPost.REGISTERED,
    )
    max_length = models.PositiveIntegerField(_("コメントの最大文字数"), default=2000)
    max_links = models.PositiveSmallIntegerField(_("リンクの上限(超えると承認待ち)"), default=3)
    min_interval_seconds = models.PositiveIntegerField(_("連続投稿の間隔(秒)"), default=5)
    new_member_interval_seconds = models.PositiveIntegerField(_("新規会員の連続投稿の間隔(秒)"), default=30)
    daily_limit = models.PositiveIntegerField(_("1日の投稿上限"), default=50)
    new_member_daily_limit = models.PositiveIntegerField(_("新規会員の1日の投稿上限"), default=10)
    new_member_days = models.PositiveSmallIntegerField(_("新規会員とみなす日数"), default=7)
    premoderate_first_comments = models.PositiveSmallIntegerField(
        _("承認が必要な最初のコメント数"),
        default=1,
        help_text=_("この数のコメントが承認されるまで、会員のコメントは承認待ちになります。0で無効。"),
    )
    report_threshold = models.DecimalField(
        _("自動で非表示にする通報の重み"),
        max_digits=4,
        decimal_places=1,
        default=3,
        help_text=_(
            "異なる会員からの通報の重み(通報の実績で0.25〜2)の合計がこの値に達すると、確認まで非表示にします。"
        ),
    )
    banned_words = models.TextField(
        _("禁止語"),
        blank=True,
        help_text=_(
            "1行に1語。含むコメントは承認待ちになります(全角・半角、ひらがな・カタカナを区別しません)。"
        ),
    )
    suspect_words = models.TextField(
        _("要注意語"), blank=True, help_text=_("1行に1語。含むコメントは承認待ちになります。")
    )

    class Meta:
        verbose_name = _("コメント設定")

    def save(self, *args: Any, **kwargs: Any) -> None:
        from kiji.core import pagecache

        changed = not self._state.adding  # a first load creates the defaults: nothing to drop
        super().save(*args, **kwargs)
        # Every process keys its copy by the generation (pages show the comment rules too).
        if changed:
            pagecache.invalidate()


class Comment(models.Model):
    class Status(models.TextChoices):
        PUBLISHED = "published", _("公開")
        PENDING = "pending", _("承認待ち")
        AUTO_HIDDEN = "auto_hidden", _("通報により非表示(確認待ち)")
        HIDDEN = "hidden", _("非表示")
        REMOVED = "removed", _("運営が削除")
        DELETED = "deleted", _("投稿者が削除")

    class HoldReason(models.TextChoices):
        NONE = "", _("なし")
        FIRST_COMMENTS = "first_comments", _("新規会員の最初のコメント")
        BANNED_WORD = "banned_word", _("禁止語")
        SUSPECT_WORD = "suspect_word", _("要注意語")
        LINKS = "links", _("リンクが多い")
        REPORTS = "reports", _("通報")

    article = models.ForeignKey("articles.ArticlePage", on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(_("本文"))
    body_html = models.TextField(editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PUBLISHED)
    hold_reason = models.CharField(max_length=16, choices=HoldReason.choices, blank=True, default="")
    like_count = models.PositiveIntegerField(default=0)
    # Replies that readers can see; a removed comment with visible replies stays as a placeholder.
    reply_count = models.PositiveIntegerField(default=0)
    open_report_count = models.PositiveIntegerField(default=0)
    # One submitted form makes at most one comment, however often it is sent.
    submit_token = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("コメント")
        verbose_name_plural = _("コメント")
        permissions = [("moderate_comments", _("コメントをモデレートできる"))]
        indexes = [
            # Ordered walks that stop after one page; the status filter is checked on the way.
            models.Index(fields=["article", "parent", "created_at"], name="comment_thread_time"),
            models.Index(
                fields=["article", "parent", "like_count", "created_at"], name="comment_thread_likes"
            ),
            models.Index(fields=["parent", "status", "created_at"], name="comment_replies"),
            models.Index(fields=["author", "created_at"], name="comment_author_recent"),
            models.Index(fields=["status", "created_at"], name="comment_queue"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submit_token"], condition=~Q(submit_token=""), name="comment_submit_once"
            )
        ]

    def __str__(self) -> str:
        return f"comment {self.pk} on article {self.article_id}"

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_gone(self) -> bool:
        return self.status in (self.Status.DELETED, self.Status.REMOVED)

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None


class CommentRevision(models.Model):
    """The text before each edit: moderators see what was said, not only what is said now."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"revision of comment {self.comment_id}"


class ArticleCommentCount(models.Model):
    """Visible comments per article for listings; `version` moves on every change (cache key)."""

    article = models.OneToOneField(
        "articles.ArticlePage", primary_key=True, on_delete=models.CASCADE, related_name="comment_stats"
    )
    count = models.PositiveIntegerField(default=0)
    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.count} comments on article {self.article_id}"


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_likes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="comment_like_once")]
        indexes = [models.Index(fields=["user", "comment"], name="comment_like_user")]

    def __str__(self) -> str:
        return f"like of comment {self.comment_id} by user {self.user_id}"


class CommentReport(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("確認中")
        UPHELD = "upheld", _("対応しました")
        DISMISSED = "dismissed", _("問題は確認されませんでした")

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_reports"
    )
    reason = models.CharField(_("理由"), max_length=16, choices=ReportReason.choices)
    details = models.TextField(_("問題の詳細"), blank=True)
    # The reporter's track record when they reported (0.25–2); see services.reporter_weight.
    weight = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "reporter"], name="comment_report_once")]
        indexes = [
            models.Index(fields=["reporter", "status"], name="comment_report_reporter"),
            models.Index(fields=["comment", "status"], name="comment_report_open"),
        ]

    def __str__(self) -> str:
        return f"report of comment {self.comment_id} ({self.reason})"


class Restriction(models.Model):
    """機能制限: some features turned off for a member, with the reason, an end and an appeal."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="restrictions")
    features = models.JSONField(default=list)
    reason = models.CharField(_("理由"), max_length=16, choices=ReportReason.choices)
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    message = models.TextField(_("会員へのメッセージ"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    starts_at = models.DateTimeField(default=timezone.now)
    ends_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lift_note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "lifted_at", "ends_at"], name="restriction_active")]

    def __str__(self) -> str:
        return f"restriction {self.pk} of user {self.user_id}"

    def is_active(self, now: Any = None) -> bool:
        now = now or timezone.now()
        return (
            self.lifted_at is None and self.starts_at <= now and (self.ends_at is None or self.ends_at > now)
        )

    def feature_labels(self) -> list[str]:
        return [str(Feature(f).label) for f in self.features if f in Feature.values]


class Appeal(models.Model):
    """The member's 異議申し立て against a restriction; it goes into the moderation queue."""

    class Status(models.TextChoices):
        OPEN = "open", _("審査中")
        ACCEPTED = "accepted", _("認められました")
        REJECTED = "rejected", _("認められませんでした")

    restriction = models.ForeignKey(Restriction, on_delete=models.CASCADE, related_name="appeals")
    text = models.TextField(_("申し立ての内容"))
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    response = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["restriction"], condition=Q(status="open"), name="appeal_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"appeal {self.pk} against restriction {self.restriction_id}"


class Warning(models.Model):
    """A moderator's 注意 to a member about one comment; shown until the member acknowledges it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_warnings"
    )
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("理由"), max_length=16, choices=ReportReason.choices)
    message = models.TextField(_("会員へのメッセージ"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"warning {self.pk} to user {self.user_id}"
