"""Premium subscriptions: what makes a member premium, and its history."""

from __future__ import annotations

from datetime import date, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Billing periods and due dates are Tokyo calendar days, whatever the active time zone.
TOKYO = ZoneInfo("Asia/Tokyo")


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

    @property
    def monthly_equivalent_yen(self) -> int:
        return self.price_yen // max(self.interval_months, 1)


class Subscription(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("お支払い待ち")
        ACTIVE = "active", _("有効")
        CANCELED = "canceled", _("解約済み")
        EXPIRED = "expired", _("期限切れ")

    class EndReason(models.TextChoices):
        NONE = "", _("—")
        PERIOD_ENDED = "period_ended", _("期間終了")
        PAYMENT_OVERDUE = "payment_overdue", _("お支払い期限切れ")
        MEMBER_CANCELED = "member_canceled", _("会員による解約")
        MEMBER_WITHDREW = "member_withdrew", _("会員による申し込みの取り消し")
        STAFF_REVOKED = "staff_revoked", _("スタッフによる取り消し")
        SUPERSEDED = "superseded", _("スタッフによる付与へ切り替え")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(_("手続き"), max_length=20, default="staff")
    current_period_start = models.DateTimeField(_("期間開始"), null=True, blank=True)
    current_period_end = models.DateTimeField(_("期間終了"), null=True, blank=True)
    cancel_at_period_end = models.BooleanField(_("期間終了で解約"), default=False)
    ended_at = models.DateTimeField(_("終了日時"), null=True, blank=True)
    end_reason = models.CharField(
        _("終了の理由"), max_length=20, choices=EndReason.choices, default=EndReason.NONE, blank=True
    )
    staff_note = models.TextField(_("スタッフのメモ"), blank=True)
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
        indexes: ClassVar = [
            models.Index(fields=("status", "current_period_end"), name="subscription_status_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.plan} · {self.get_status_display()}"

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.ACTIVE)

    @property
    def first_day(self) -> date | None:
        if self.current_period_start is None:
            return None
        return self.current_period_start.astimezone(TOKYO).date()

    @property
    def last_day(self) -> date | None:
        """The last Tokyo calendar day of the period (the end itself is the following midnight)."""
        if self.current_period_end is None:
            return None
        return (self.current_period_end - timedelta(microseconds=1)).astimezone(TOKYO).date()


class Invoice(models.Model):
    """A request for one bank transfer; its number is the reference the member writes on it."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("未入金")
        PAID = "paid", _("入金済み")
        VOID = "void", _("無効")

    class Kind(models.TextChoices):
        NEW = "new", _("新規")
        RENEWAL = "renewal", _("更新")

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="invoices")
    number = models.CharField(_("請求書番号"), max_length=20, unique=True)
    kind = models.CharField(_("種別"), max_length=10, choices=Kind.choices, default=Kind.NEW)
    # Copies, so a later price or name change does not rewrite an issued invoice.
    plan_name = models.CharField(_("プラン名"), max_length=100)
    months = models.PositiveSmallIntegerField(_("期間(月)"))
    amount_yen = models.PositiveIntegerField(_("金額(税込・円)"))
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    issued_at = models.DateTimeField(_("発行日時"))
    due_at = models.DateTimeField(_("お支払い期限"))
    paid_at = models.DateTimeField(_("入金確認日時"), null=True, blank=True)
    voided_at = models.DateTimeField(_("無効化日時"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("請求書")
        verbose_name_plural = _("請求書")
        ordering = ("-issued_at", "-pk")
        constraints: ClassVar = [
            # One outstanding transfer per subscription: renewals and double submits cannot stack up.
            models.UniqueConstraint(
                fields=("subscription",),
                condition=Q(status="issued"),
                name="invoice_one_open_per_subscription",
            ),
            models.CheckConstraint(condition=Q(amount_yen__gt=0), name="invoice_amount_positive"),
        ]
        indexes: ClassVar = [models.Index(fields=("status", "due_at"), name="invoice_status_due_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def tax_yen(self) -> int:
        """Consumption tax (10%) contained in the tax-inclusive amount."""
        return self.amount_yen * 10 // 110

    @property
    def issued_date(self) -> date:
        return self.issued_at.astimezone(TOKYO).date()

    @property
    def due_date(self) -> date:
        """The last Tokyo calendar day on which the transfer is on time."""
        return (self.due_at - timedelta(microseconds=1)).astimezone(TOKYO).date()


class InvoiceSequence(models.Model):
    """The last invoice number used in a year: KIJI-2026-000123 counts up per Tokyo calendar year."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("請求書番号の採番")
        verbose_name_plural = _("請求書番号の採番")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"
