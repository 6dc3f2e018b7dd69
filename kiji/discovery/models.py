"""What members read (one row per member, article and day) and which articles are read together.

`ReadEvent` is personal data (in the member's export, deleted with the account); `CoRead` is an
anonymous aggregate rebuilt by the worker each day from the events of many members.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReadEvent(models.Model):
    """A signed-in member opened an article they may read, on a day (Asia/Tokyo)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_events")
    article = models.ForeignKey(
        "articles.ArticlePage", verbose_name=_("記事"), on_delete=models.CASCADE, related_name="read_events"
    )
    day = models.DateField(_("閲覧日"))
    read_at = models.DateTimeField(_("閲覧日時"), default=timezone.now)

    class Meta:
        verbose_name = _("閲覧履歴")
        verbose_name_plural = _("閲覧履歴")
        constraints: ClassVar = [
            # A reload, the next page or a second tab on the same day is the same read.
            models.UniqueConstraint(fields=("user", "article", "day"), name="readevent_once_a_day"),
        ]
        indexes: ClassVar = [
            # Reads of article X in the last N days (co-reading, per-article counts).
            models.Index(fields=("article", "day"), name="readevent_article_day"),
            # The popularity window: every read since a day, grouped by article (covering).
            models.Index(fields=("day", "article", "user"), name="readevent_window"),
            # The member's history, newest first.
            models.Index(fields=("user", "-read_at"), name="readevent_user_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.article_id} · {self.day:%Y-%m-%d}"


class CoRead(models.Model):
    """Members who read `article` also read `other`: the top neighbours of each article."""

    article = models.ForeignKey("articles.ArticlePage", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("articles.ArticlePage", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    readers = models.PositiveIntegerField(default=0)  # members who read both

    class Meta:
        verbose_name = _("一緒に読まれている記事")
        verbose_name_plural = _("一緒に読まれている記事")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("article", "other"), name="coread_once"),
        ]
        indexes: ClassVar = [models.Index(fields=("article", "-score"), name="coread_neighbours")]

    def __str__(self) -> str:
        return f"{self.article_id} → {self.other_id} ({self.score:.3f})"
