"""Payment providers: how a subscription gets paid for. One is real here: invoice and bank transfer.

A card provider later implements the same three steps; the services around them (locking,
audit, the access ladder) stay the same.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kiji.premium import billing
from kiji.premium.errors import PremiumError
from kiji.premium.models import Invoice, Subscription

# 振込先 (fictional): printed on every invoice. Constants, not settings: they are part of the invoice.
BANK_NAME = "みらい銀行"
BANK_BRANCH = "本店営業部"
BANK_ACCOUNT_TYPE = "普通"
BANK_ACCOUNT_NUMBER = "1234567"
BANK_ACCOUNT_HOLDER = "カ)キジ"


@dataclass(frozen=True, slots=True)
class BankAccount:
    bank: str
    branch: str
    account_type: str
    number: str
    holder: str


BANK_ACCOUNT = BankAccount(
    BANK_NAME, BANK_BRANCH, BANK_ACCOUNT_TYPE, BANK_ACCOUNT_NUMBER, BANK_ACCOUNT_HOLDER
)


@dataclass(frozen=True, slots=True)
class Checkout:
    subscription: Subscription
    invoice: Invoice | None
    # Where the member goes next: our invoice page here, a hosted payment page for a card provider.
    next_url: str


@dataclass(frozen=True, slots=True)
class Confirmation:
    subscription: Subscription
    invoice: Invoice | None
    newly_confirmed: bool


class PaymentProvider(ABC):
    code: ClassVar[str]
    label: ClassVar[Promise | str]

    @abstractmethod
    def start_checkout(self, subscription: Subscription, *, now: datetime) -> Checkout:
        """Ask for the first payment of a pending subscription (again: returns the same request)."""

    @abstractmethod
    def confirm(self, reference: str, *, by: Any, now: datetime) -> Confirmation:
        """The money arrived: activate or extend. A second confirmation changes nothing."""

    @abstractmethod
    def cancel(self, subscription: Subscription, *, now: datetime) -> None:
        """Withdraw any payment request still outstanding for this subscription."""

    def renew(self, subscription: Subscription, *, now: datetime) -> Invoice | None:
        """Ask for the next period's payment, if this provider does that; None if nothing was asked."""
        return None


class InvoiceProvider(PaymentProvider):
    """請求書払い・銀行振込: an invoice per period, activated when an operator sees the transfer."""

    code = "invoice"
    label = _("請求書払い(銀行振込)")

    def start_checkout(self, subscription: Subscription, *, now: datetime) -> Checkout:
        invoice = subscription.invoices.filter(status=Invoice.Status.ISSUED).first()
        if invoice is None:
            invoice = billing.issue_invoice(
                subscription, plan=subscription.plan, kind=Invoice.Kind.NEW, now=now
            )
        return Checkout(subscription, invoice, reverse("premium:invoice", args=[invoice.number]))

    def confirm(self, reference: str, *, by: Any, now: datetime) -> Confirmation:
        found = Invoice.objects.filter(number=reference).values_list("subscription_id", flat=True).first()
        if found is None:
            raise PremiumError(_("請求書が見つかりません。請求書番号をご確認ください。"), code="not_found")
        # Lock order everywhere: the subscription, then its invoices.
        subscription = (
            Subscription.objects.select_for_update(of=("self",)).select_related("plan", "user").get(pk=found)
        )
        invoice = Invoice.objects.select_for_update().get(number=reference)
        if invoice.status == Invoice.Status.PAID:
            return Confirmation(subscription, invoice, newly_confirmed=False)
        if invoice.status == Invoice.Status.VOID or not subscription.is_open:
            raise PremiumError(
                _(
                    "この請求書は取り消し済みか期限切れのため、入金を確認できません。返金または新しい請求書でご対応ください。"
                ),
                code="void",
            )
        invoice.status = Invoice.Status.PAID
        invoice.paid_at = now
        invoice.confirmed_by = by
        invoice.save(update_fields=["status", "paid_at", "confirmed_by"])
        billing.extend(subscription, months=invoice.months, now=now)
        return Confirmation(subscription, invoice, newly_confirmed=True)

    def cancel(self, subscription: Subscription, *, now: datetime) -> None:
        billing.void_open_invoices(subscription, now=now)

    def renew(self, subscription: Subscription, *, now: datetime) -> Invoice | None:
        if subscription.invoices.filter(status=Invoice.Status.ISSUED).exists():
            return None
        return billing.issue_invoice(subscription, plan=subscription.plan, kind=Invoice.Kind.RENEWAL, now=now)


PROVIDERS: dict[str, PaymentProvider] = {InvoiceProvider.code: InvoiceProvider()}


def provider_for(code: str) -> PaymentProvider | None:
    """None for subscriptions no provider bills, such as staff grants."""
    return PROVIDERS.get(code)
