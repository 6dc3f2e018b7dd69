"""A member's conversations with 「Kiji に聞く」, and what each answer cost."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLE_MAX = 80


class Conversation(models.Model):
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assistant_conversations"
    )
    # Asked from an article page: every answer stays within that article.
    article = models.ForeignKey(
        "articles.ArticlePage",
        verbose_name=_("記事"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("タイトル"), max_length=TITLE_MAX)
    created = models.DateTimeField(_("開始日時"), default=timezone.now)
    updated = models.DateTimeField(_("最終更新"), default=timezone.now)

    class Meta:
        verbose_name = _("会話")
        verbose_name_plural = _("会話")
        indexes: ClassVar = [models.Index(fields=("member", "-updated"), name="conversation_member_recent")]

    def __str__(self) -> str:
        return self.title


class Message(models.Model):
    """One question and its answer; `answered_at` is empty while the answer is still to come."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    # From the form: a double submit finds the message the first submit made.
    token = models.UUIDField(default=uuid.uuid4, editable=False)
    question = models.TextField(_("質問"))
    answer = models.TextField(_("回答"), blank=True)
    # [{"text", "sources": [n, ...]}]: sentences are kept apart from their citation numbers so
    # links are built from the numbers, never from text.
    sentences = models.JSONField(default=list, blank=True)
    # [{"number", "kind", "article_slug", "article_title", "comment_id", "page", "paragraph", "url",
    # "quote"}]: the cited passages, or where to read on when declined.
    citations = models.JSONField(default=list, blank=True)
    engine = models.CharField(_("エンジン"), max_length=40, blank=True)
    declined = models.BooleanField(_("回答見送り"), default=False)
    notice = models.TextField(_("お知らせ"), blank=True)
    created = models.DateTimeField(_("質問日時"), default=timezone.now)
    answered_at = models.DateTimeField(_("回答日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("質問と回答")
        verbose_name_plural = _("質問と回答")
        ordering = ("created", "pk")
        constraints: ClassVar = [models.UniqueConstraint(fields=("token",), name="message_token_unique")]

    def __str__(self) -> str:
        return self.question[:40]

    @property
    def pending(self) -> bool:
        return self.answered_at is None


class Usage(models.Model):
    """One answer given: what it cost. Kept when the conversation is deleted, so the day's quota
    still counts it; goes with the member's account."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assistant_usage"
    )
    at = models.DateTimeField(_("日時"), default=timezone.now)
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    engine = models.CharField(_("エンジン"), max_length=40)
    model = models.CharField(_("モデル"), max_length=100, blank=True)
    input_tokens = models.PositiveIntegerField(_("入力トークン"), default=0)
    output_tokens = models.PositiveIntegerField(_("出力トークン"), default=0)
    # The model server sent no counts: they were estimated from the text's length.
    estimated = models.BooleanField(_("推定値"), default=False)
    cost_yen = models.DecimalField(_("費用(円)"), max_digits=12, decimal_places=4, default=Decimal(0))
    declined = models.BooleanField(_("回答見送り"), default=False)
    latency_ms = models.PositiveIntegerField(_("所要時間(ミリ秒)"), default=0)

    class Meta:
        verbose_name = _("利用記録")
        verbose_name_plural = _("利用記録")
        ordering = ("-at", "-pk")
        indexes: ClassVar = [models.Index(fields=("member", "at"), name="usage_member_at")]

    def __str__(self) -> str:
        return f"{self.member_id} · {self.at:%Y-%m-%d %H:%M}"
