"""Writes for premium: subscribing, paying, cancelling, expiry, and staff grants.

Every function takes `now=` so billing can be tested at fixed times; it defaults to the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kiji.audit.services import record
from kiji.core import access
from kiji.premium import billing
from kiji.premium.errors import PremiumError
from kiji.premium.models import Invoice, Plan, Subscription
from kiji.premium.permissions import check_can_confirm_payments, check_can_manage_premium
from kiji.premium.providers import PROVIDERS, Checkout, Confirmation, InvoiceProvider, provider_for
from kiji.premium.selectors import OPEN_STATUSES
from kiji.premium.tasks import send_payment_confirmed_task

STAFF_GRANT = "staff"
MAX_GRANT_MONTHS = 36

# code, name, price (yen, tax included), months
DEFAULT_PLANS = (
    ("monthly", "プレミアム月額", 1980, 1),
    ("yearly", "プレミアム年額", 19800, 12),
)


def _clock(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def _lock_open(user: Any) -> Subscription | None:
    return (
        # of=self: without it PostgreSQL would also lock the shared plan row.
        Subscription.objects.select_for_update(of=("self",))
        .select_related("plan")
        .filter(user=user, status__in=OPEN_STATUSES)
        .first()
    )


@transaction.atomic
def ensure_plans() -> list[Plan]:
    """Create the two standard plans if missing; an operator's later edits are kept."""
    plans = []
    for code, name, price, months in DEFAULT_PLANS:
        plan, _created = Plan.objects.get_or_create(
            code=code, defaults={"name": name, "price_yen": price, "interval_months": months}
        )
        plans.append(plan)
    return plans


@transaction.atomic
def subscribe(
    user: Any, *, plan: Plan, provider: str = InvoiceProvider.code, now: datetime | None = None
) -> Checkout:
    """Apply for premium: a pending subscription and its first payment request. Repeats return the same."""
    now = _clock(now)
    payment = provider_for(provider)
    if payment is None:
        raise PremiumError(_("このお支払い方法はご利用いただけません。"), code="unknown_provider")
    if not plan.active:
        raise PremiumError(_("このプランは現在お申し込みいただけません。"), code="plan_closed")
    subscription = _lock_open(user)
    if subscription is None:
        try:
            with transaction.atomic():
                subscription = Subscription.objects.create(user=user, plan=plan, provider=provider)
        except IntegrityError:  # a concurrent double submit created it first
            subscription = _lock_open(user)
            if subscription is None:
                raise
    if subscription.status == Subscription.Status.ACTIVE:
        if subscription.current_period_end is not None and subscription.current_period_end <= now:
            raise PremiumError(
                _("更新のお支払いをお待ちしています。プレミアム契約のページから請求書をご確認ください。"),
                code="renewal_due",
            )
        raise PremiumError(
            _("すでにプレミアム会員です。契約内容はプレミアム契約のページでご確認いただけます。"),
            code="already_premium",
        )
    if subscription.plan_id != plan.pk or subscription.provider != provider:
        raise PremiumError(
            _("別のプランでお申し込み中です。プランを変えるには、先にお申し込みを取り消してください。"),
            code="other_plan_pending",
        )
    checkout = payment.start_checkout(subscription, now=now)
    access.forget_status(user)
    return checkout


@transaction.atomic
def confirm_invoice_payment(invoice: Invoice | str, *, by: Any, now: datetime | None = None) -> Confirmation:
    """入金確認: the transfer arrived. Activates or extends; a second confirmation is a no-op."""
    check_can_confirm_payments(by)
    number = invoice if isinstance(invoice, str) else invoice.number
    result = PROVIDERS[InvoiceProvider.code].confirm(number, by=by, now=_clock(now))
    if result.newly_confirmed and result.invoice is not None:
        subscription = result.subscription
        # The member is the target, so their history in member administration shows it.
        record(
            by,
            "premium.payment_confirmed",
            target=subscription.user,
            subscription_id=subscription.pk,
            invoice=result.invoice.number,
            amount_yen=result.invoice.amount_yen,
            months=result.invoice.months,
            period_end=subscription.current_period_end.isoformat() if subscription.current_period_end else "",
        )
        access.forget_status(subscription.user)
        transaction.on_commit(partial(send_payment_confirmed_task.enqueue, result.invoice.pk))
    return result


@transaction.atomic
def cancel_at_period_end(user: Any, *, now: datetime | None = None) -> Subscription:
    """解約: premium stays until the period's last day, then ends; no further invoice is issued."""
    now = _clock(now)
    subscription = _lock_open(user)
    if subscription is None:
        raise PremiumError(_("解約できるプレミアム契約がありません。"), code="nothing_to_cancel")
    if subscription.status == Subscription.Status.PENDING:
        raise PremiumError(
            _("お支払い前のお申し込みです。「お申し込みを取り消す」から取り消してください。"), code="pending"
        )
    payment = provider_for(subscription.provider)
    if payment is None:
        raise PremiumError(
            _("スタッフが付与したプレミアムは、期間の終了とともに自動で終わります。"), code="not_cancelable"
        )
    end = subscription.current_period_end
    if end is None or end <= now:
        # Lapsed while a renewal was unpaid: nothing is left to keep until a later date.
        billing.close(
            subscription,
            status=Subscription.Status.CANCELED,
            reason=Subscription.EndReason.MEMBER_CANCELED,
            now=now,
        )
    elif not subscription.cancel_at_period_end:
        subscription.cancel_at_period_end = True
        subscription.save(update_fields=["cancel_at_period_end", "updated_at"])
        payment.cancel(subscription, now=now)
    access.forget_status(user)
    return subscription


@transaction.atomic
def resume_subscription(user: Any, *, now: datetime | None = None) -> Subscription:
    """Undo a cancellation before the period ends; the next invoice follows as usual."""
    now = _clock(now)
    subscription = _lock_open(user)
    if subscription is None or subscription.status != Subscription.Status.ACTIVE:
        raise PremiumError(_("継続に戻せるプレミアム契約がありません。"), code="nothing_to_resume")
    if subscription.cancel_at_period_end:
        subscription.cancel_at_period_end = False
        subscription.save(update_fields=["cancel_at_period_end", "updated_at"])
        _renew_if_due(subscription, now=now)
    access.forget_status(user)
    return subscription


@transaction.atomic
def withdraw_application(user: Any, *, now: datetime | None = None) -> Subscription:
    """Take back an application not yet paid for; its invoice becomes void."""
    now = _clock(now)
    subscription = _lock_open(user)
    if subscription is None or subscription.status != Subscription.Status.PENDING:
        raise PremiumError(_("取り消せるお申し込みがありません。"), code="nothing_to_withdraw")
    payment = provider_for(subscription.provider)
    if payment is not None:
        payment.cancel(subscription, now=now)
    billing.close(
        subscription,
        status=Subscription.Status.CANCELED,
        reason=Subscription.EndReason.MEMBER_WITHDREW,
        now=now,
    )
    access.forget_status(user)
    return subscription


def _renew_if_due(subscription: Subscription, *, now: datetime) -> Invoice | None:
    payment = provider_for(subscription.provider)
    end = subscription.current_period_end
    if (
        payment is None
        or subscription.cancel_at_period_end
        or end is None
        or end - billing.RENEWAL_NOTICE > now
    ):
        return None
    return payment.renew(subscription, now=now)


@dataclass(frozen=True, slots=True)
class BillingRun:
    invoices_issued: int
    expired: int


def expire_subscriptions(*, now: datetime | None = None) -> BillingRun:
    """The periodic job: next invoices 7 days before a period ends, then end what has ended.

    Each subscription is handled in its own transaction, so one failure does not undo the rest.
    """
    now = _clock(now)
    due = (
        Subscription.objects.filter(
            status=Subscription.Status.ACTIVE,
            cancel_at_period_end=False,
            provider__in=list(PROVIDERS),
            current_period_end__lte=now + billing.RENEWAL_NOTICE,
        )
        .exclude(invoices__status=Invoice.Status.ISSUED)
        .values_list("pk", flat=True)
    )
    issued = sum(_issue_renewal(pk, now=now) for pk in list(due))
    ended = Subscription.objects.filter(status=Subscription.Status.ACTIVE, current_period_end__lte=now)
    unpaid = Subscription.objects.filter(
        status=Subscription.Status.PENDING,
        invoices__status=Invoice.Status.ISSUED,
        invoices__due_at__lte=now - billing.PAYMENT_GRACE,
    )
    candidates = set(ended.values_list("pk", flat=True)) | set(unpaid.values_list("pk", flat=True))
    expired = sum(_expire_one(pk, now=now) for pk in sorted(candidates))
    return BillingRun(invoices_issued=issued, expired=expired)


@transaction.atomic
def _issue_renewal(pk: int, *, now: datetime) -> bool:
    subscription = Subscription.objects.select_for_update(of=("self",)).select_related("plan").get(pk=pk)
    if subscription.status != Subscription.Status.ACTIVE:
        return False
    return _renew_if_due(subscription, now=now) is not None


@transaction.atomic
def _expire_one(pk: int, *, now: datetime) -> bool:
    subscription = Subscription.objects.select_for_update().get(pk=pk)
    outstanding = subscription.invoices.filter(status=Invoice.Status.ISSUED).order_by("-due_at").first()
    payable = outstanding is not None and outstanding.due_at + billing.PAYMENT_GRACE > now
    if subscription.status == Subscription.Status.PENDING:
        if payable:
            return False
        billing.close(
            subscription,
            status=Subscription.Status.EXPIRED,
            reason=Subscription.EndReason.PAYMENT_OVERDUE,
            now=now,
        )
        return True
    end = subscription.current_period_end
    if subscription.status != Subscription.Status.ACTIVE or end is None or end > now:
        return False
    if payable and not subscription.cancel_at_period_end:
        return False  # lapsed, but the renewal transfer may still arrive: kept open, not premium
    if outstanding is not None and not subscription.cancel_at_period_end:
        reason, ended_at = Subscription.EndReason.PAYMENT_OVERDUE, now
    else:
        reason, ended_at = Subscription.EndReason.PERIOD_ENDED, end
    billing.close(subscription, status=Subscription.Status.EXPIRED, reason=reason, now=ended_at)
    return True


@transaction.atomic
def grant_premium(
    user: Any, *, plan: Plan, months: int, by: Any, now: datetime | None = None
) -> Subscription:
    """Staff give premium for `months`: a running subscription is lengthened, otherwise a new one starts.

    A pending application is replaced (its invoice voided); a grant never sends an invoice.
    """
    check_can_manage_premium(by)
    if not 1 <= months <= MAX_GRANT_MONTHS:
        raise PremiumError(
            _("付与する期間は1〜%(max)dか月で指定してください。") % {"max": MAX_GRANT_MONTHS}, code="months"
        )
    now = _clock(now)
    subscription = _lock_open(user)
    extended = subscription is not None and subscription.status == Subscription.Status.ACTIVE
    if subscription is not None and extended:
        # A transfer requested for the old end date is premature now; a new one follows the new end.
        billing.void_open_invoices(subscription, now=now)
        billing.extend(subscription, months=months, now=now)
    else:
        if subscription is not None:
            billing.close(
                subscription,
                status=Subscription.Status.CANCELED,
                reason=Subscription.EndReason.SUPERSEDED,
                now=now,
            )
        subscription = Subscription.objects.create(user=user, plan=plan, provider=STAFF_GRANT)
        billing.extend(subscription, months=months, now=now)
    record(
        by,
        "premium.granted",
        target=user,
        subscription_id=subscription.pk,
        plan=subscription.plan.code,
        months=months,
        extended=extended,
        period_end=subscription.current_period_end.isoformat() if subscription.current_period_end else "",
    )
    access.forget_status(user)
    return subscription


@transaction.atomic
def revoke_premium(user: Any, *, by: Any, reason: str, now: datetime | None = None) -> None:
    """Staff end premium (or a pending application) at once; nothing open is a no-op.

    The reason stays on the subscription, not in the audit log, as it may name people.
    """
    check_can_manage_premium(by)
    reason = reason.strip()
    if not reason:
        raise PremiumError(_("取り消しの理由を入力してください。"), code="reason_required")
    now = _clock(now)
    subscription = _lock_open(user)
    if subscription is None:
        return
    status_was = subscription.status
    subscription.staff_note = "\n".join(filter(None, [subscription.staff_note, reason]))[:2000]
    subscription.save(update_fields=["staff_note", "updated_at"])
    billing.close(
        subscription,
        status=Subscription.Status.CANCELED,
        reason=Subscription.EndReason.STAFF_REVOKED,
        now=now,
    )
    record(by, "premium.revoked", target=user, subscription_id=subscription.pk, status_was=status_was)
    access.forget_status(user)
