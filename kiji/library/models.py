"""The member's library: saved articles (お気に入り) and followed tags (タグフォロー)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Favorite(models.Model):
    """An article a member saved to read later (記事取り置き)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites")
    article = models.ForeignKey(
        "articles.ArticlePage", verbose_name=_("記事"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("登録日時"), default=timezone.now)

    class Meta:
        verbose_name = _("お気に入り")
        verbose_name_plural = _("お気に入り")
        constraints: ClassVar = [
            # A double submit or two tabs must never save the same article twice.
            models.UniqueConstraint(fields=("user", "article"), name="favorite_once_per_member"),
        ]
        indexes: ClassVar = [models.Index(fields=("user", "-created_at"), name="favorite_user_newest")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.article_id}"


class TagFollow(models.Model):
    """A tag a member follows: its new articles appear in the member's feed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tag_follows")
    tag = models.ForeignKey(
        "articles.Tag", verbose_name=_("タグ"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("フォロー日時"), default=timezone.now)

    class Meta:
        verbose_name = _("タグフォロー")
        verbose_name_plural = _("タグフォロー")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=("user", "tag"), name="tagfollow_once_per_member"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.tag_id}"
