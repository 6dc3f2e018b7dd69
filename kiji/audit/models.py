"""An append-only log of staff actions (and of members' own privacy actions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Readable names for the actions the project records; any other action shows its code alone.
ACTION_LABELS: dict[str, Promise] = {
    "member.quota_reset": _("今月の閲覧数のリセット"),
    "member.deleted": _("退会(アカウント削除)"),
    "privacy.consent_given": _("基本情報公開への同意"),
    "privacy.consent_withdrawn": _("基本情報公開への同意の撤回"),
    "privacy.exported": _("個人データの書き出し"),
    "premium.granted": _("プレミアムの付与"),
    "premium.revoked": _("プレミアムの取り消し"),
    "premium.payment_confirmed": _("入金確認"),
    "page.published": _("ページの公開"),
    "page.unpublished": _("ページの非公開"),
    "page.publish_scheduled": _("ページの公開予約"),
    "comments.approved": _("コメントの承認"),
    "comments.hidden": _("コメントの非表示"),
    "comments.removed": _("コメントの削除(運営)"),
    "comments.auto_hidden": _("通報によるコメントの自動非表示"),
    "comments.warned": _("投稿者への注意"),
    "comments.restricted": _("機能制限"),
    "comments.restriction_lifted": _("機能制限の解除"),
    "comments.appeal_filed": _("異議の申し立て"),
    "comments.appeal_rejected": _("異議申し立ての却下"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


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
        # "view_auditentry" (Django's default) opens the audit log; this one opens member administration.
        permissions = (("manage_members", _("会員を管理できる")),)

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)
