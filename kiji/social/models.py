"""Follows (members, authors, series), blocks, and notifications.

A notification keeps copies of the names and titles it shows, so a later deletion does not blank
it; `actor` is kept only to honour blocks and is cleared when that member's account goes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MemberFollow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_links"
    )
    followed = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_links"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="member_follow_once"),
            models.CheckConstraint(condition=~Q(follower=F("followed")), name="member_follow_not_self"),
        ]
        indexes = [models.Index(fields=["followed", "-created_at"], name="member_followers")]

    def __str__(self) -> str:
        return f"user {self.follower_id} follows user {self.followed_id}"


class Block(models.Model):
    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_self"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"], name="block_received")]

    def __str__(self) -> str:
        return f"user {self.blocker_id} blocks user {self.blocked_id}"


class AuthorFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="author_follows"
    )
    author = models.ForeignKey("articles.Author", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["author", "user"], name="author_follow_once")]

    def __str__(self) -> str:
        return f"user {self.user_id} follows author {self.author_id}"


class SeriesFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="series_follows"
    )
    series = models.ForeignKey("articles.Series", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "user"], name="series_follow_once")]

    def __str__(self) -> str:
        return f"user {self.user_id} follows series {self.series_id}"


class Kind(models.TextChoices):
    REPLY = "reply", _("コメントへの返信")
    LIKE = "like", _("コメントへのいいね")
    FOLLOWER = "follower", _("新しいフォロワー")
    AUTHOR_ARTICLE = "author_article", _("フォロー中の執筆者の新着記事")
    SERIES_ARTICLE = "series_article", _("フォロー中の連載の新着記事")
    TAG_ARTICLE = "tag_article", _("フォロー中のタグの新着記事")
    REPORT_OUTCOME = "report_outcome", _("通報の結果")
    MODERATION = "moderation", _("運営からのお知らせ")
    RESTRICTION = "restriction", _("機能制限")
    RESTRICTION_LIFTED = "restriction_lifted", _("機能制限の解除")


class Channel(models.TextChoices):
    SITE = "site", _("サイト内のみ")
    EMAIL = "email", _("サイト内とメール(すぐに)")
    DIGEST = "digest", _("サイト内とメール(1日1回まとめて)")
    OFF = "off", _("受け取らない")


DEFAULT_CHANNELS: dict[str, str] = {
    Kind.REPLY: Channel.EMAIL,
    Kind.LIKE: Channel.SITE,
    Kind.FOLLOWER: Channel.SITE,
    Kind.AUTHOR_ARTICLE: Channel.DIGEST,
    Kind.SERIES_ARTICLE: Channel.DIGEST,
    Kind.TAG_ARTICLE: Channel.DIGEST,
    Kind.REPORT_OUTCOME: Channel.SITE,
    Kind.MODERATION: Channel.EMAIL,
    Kind.RESTRICTION: Channel.EMAIL,
    Kind.RESTRICTION_LIFTED: Channel.EMAIL,
}


class NotificationPreference(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.channel} for user {self.user_id}"


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # Who caused it (blocks are checked against this); a copy of the name is what is shown.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=80, blank=True)
    # Batched likes: how many others besides `actor_name` (「Aさん他12人」).
    others = models.PositiveIntegerField(default=0)
    title = models.CharField(max_length=255, blank=True)
    detail = models.CharField(max_length=255, blank=True)
    url = models.CharField(max_length=500, blank=True)
    # At most one per (recipient, key) while unread: likes of one comment gather into one; an
    # article reaches a member once even through a tag, its author and its series.
    group_key = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["recipient", "read_at", "-updated_at"], name="notification_inbox"),
            models.Index(fields=["kind", "emailed_at", "created_at"], name="notification_digest"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "group_key"], condition=~Q(group_key=""), name="notification_key_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for user {self.recipient_id}"
