"""Premium subscriptions: what makes a member premium, and its history."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    code = models.SlugField(_("コード"), max_length=40, unique=True)
    name = models.CharField(_("プラン名"), max_length=100)
    price_yen = models.PositiveIntegerField(_("価格(税込・円)"))
    interval_months = models.PositiveSmallIntegerField(_("更新間隔(月)"), default=1)
    active = models.BooleanField(_("提供中"), default=True)

    class Meta:
        verbose_name = _("プラン")
        verbose_name_plural = _("プラン")
        ordering = ("price_yen",)

    def __str__(self) -> str:
        return self.name


class Subscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("お支払い待ち")
        ACTIVE = "active", _("有効")
        CANCELED = "canceled", _("解約済み")
        EXPIRED = "expired", _("期限切れ")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(_("手続き"), max_length=20, default="staff")
    current_period_start = models.DateTimeField(_("期間開始"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("期間終了"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("期間終了で解約"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("プレミアム契約")
        verbose_name_plural = _("プレミアム契約")
        ordering = ("-created_at",)
        constraints: ClassVar = [
            # At most one open subscription per member; history rows are canceled or expired.
            models.UniqueConstraint(
                fields=("user",),
                condition=Q(status__in=["pending", "active"]),
                name="subscription_one_open_per_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.plan} · {self.get_status_display()}"
