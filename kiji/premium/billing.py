"""Billing arithmetic and the row changes every provider shares; callers hold the transaction.

Periods run from the moment a payment is confirmed to the Tokyo midnight that ends the same
calendar day N months later, so a member who pays on 3/10 is premium through 4/10.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from functools import partial

from django.db import IntegrityError, transaction

from kiji.premium.models import TOKYO, Invoice, InvoiceSequence, Plan, Subscription
from kiji.premium.tasks import send_invoice_issued_task

INVOICE_DUE_DAYS = 14
RENEWAL_NOTICE = timedelta(days=7)
# A transfer made on the due date can reach the account days later; invoices stay payable this long.
PAYMENT_GRACE = timedelta(days=7)


def add_months(day: date, months: int) -> date:
    """Calendar months later; the 31st becomes the month's last day when it has none."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def tokyo_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=TOKYO)


def period_end(base: datetime, months: int) -> datetime:
    """The exclusive end (a Tokyo midnight) of `months` that follow `base`.

    From a midnight (an earlier period's end) it counts whole days; from mid-day it runs through
    the same calendar day `months` later, so paying on 3/10 covers 3/10 to 4/10.
    """
    local = base.astimezone(TOKYO)
    last_day_so_far = local.date() - timedelta(days=1) if local.time() == time.min else local.date()
    return tokyo_midnight(add_months(last_day_so_far, months) + timedelta(days=1))


def due_at(issued_at: datetime) -> datetime:
    """Payable through the 14th Tokyo calendar day after issue."""
    return tokyo_midnight(issued_at.astimezone(TOKYO).date() + timedelta(days=INVOICE_DUE_DAYS + 1))


def next_invoice_number(now: datetime) -> str:
    """KIJI-2026-000123: counted per Tokyo year under a row lock, so numbers never repeat."""
    year = now.astimezone(TOKYO).year
    try:
        with transaction.atomic():
            InvoiceSequence.objects.get_or_create(year=year)
    except IntegrityError:  # another transaction created this year's row first
        pass
    sequence = InvoiceSequence.objects.select_for_update().get(year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return f"KIJI-{year}-{sequence.last_number:06d}"


def issue_invoice(subscription: Subscription, *, plan: Plan, kind: str, now: datetime) -> Invoice:
    """A new invoice for the plan's current price; the member gets it by mail once committed."""
    invoice = Invoice.objects.create(
        subscription=subscription,
        number=next_invoice_number(now),
        kind=kind,
        plan_name=plan.name,
        months=plan.interval_months,
        amount_yen=plan.price_yen,
        issued_at=now,
        due_at=due_at(now),
    )
    transaction.on_commit(partial(send_invoice_issued_task.enqueue, invoice.pk))
    return invoice


def void_open_invoices(subscription: Subscription, *, now: datetime) -> int:
    return Invoice.objects.filter(subscription=subscription, status=Invoice.Status.ISSUED).update(
        status=Invoice.Status.VOID, voided_at=now
    )


def extend(subscription: Subscription, *, months: int, now: datetime) -> None:
    """Start (pending) or lengthen (active) the paid-up period by `months`; saves the row."""
    end = subscription.current_period_end
    if subscription.status == Subscription.Status.ACTIVE and end is not None and end > now:
        subscription.current_period_end = period_end(end, months)
    else:
        # New, or lapsed while a renewal invoice was outstanding: a fresh period from today.
        subscription.current_period_start = now
        subscription.current_period_end = period_end(now, months)
    subscription.status = Subscription.Status.ACTIVE
    subscription.save(update_fields=["status", "current_period_start", "current_period_end", "updated_at"])


def close(subscription: Subscription, *, status: str, reason: str, now: datetime) -> None:
    """Close an open subscription and void whatever transfer it still waits for."""
    subscription.status = status
    subscription.end_reason = reason
    subscription.ended_at = now
    subscription.save(update_fields=["status", "end_reason", "ended_at", "updated_at"])
    void_open_invoices(subscription, now=now)
