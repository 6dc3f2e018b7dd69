"""An append-only log of staff actions (and of members' own privacy actions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    # Kept when the actor or target account is deleted: ids and a copied label, never an e-mail.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(_("実行者"), max_length=100, blank=True)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    target_type = models.CharField(_("対象の種類"), max_length=60, blank=True)
    target_id = models.CharField(_("対象ID"), max_length=60, blank=True)
    detail = models.JSONField(_("詳細"), default=dict, blank=True)
    created_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("監査ログ")
        verbose_name_plural = _("監査ログ")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"
