from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from kiji.premium.models import Invoice, Plan, Subscription

_BARE_NUMBER = re.compile(r"KIJI-?(\d{4})-?(\d{6})", re.IGNORECASE)

OPEN_STATUSES = (Subscription.Status.PENDING, Subscription.Status.ACTIVE)


def active_subscription(user: Any) -> Subscription | None:
    """The subscription that makes this member premium right now, if any."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Subscription.objects.filter(
            user=user, status=Subscription.Status.ACTIVE, current_period_end__gt=timezone.now()
        )
        .select_related("plan")
        .first()
    )


def plans_on_offer() -> QuerySet[Plan]:
    return Plan.objects.filter(active=True).order_by("interval_months", "price_yen")


def open_subscription(user: Any) -> Subscription | None:
    """Pending or active: the one subscription the member can act on (at most one exists)."""
    if user is None or not user.is_authenticated:
        return None
    return Subscription.objects.filter(user=user, status__in=OPEN_STATUSES).select_related("plan").first()


def subscription_history(user: Any) -> QuerySet[Subscription]:
    """Every subscription of the member, newest first, with its invoices: two queries in all."""
    return (
        Subscription.objects.filter(user=user)
        .select_related("plan")
        .prefetch_related(Prefetch("invoices", queryset=Invoice.objects.order_by("-issued_at", "-pk")))
        .order_by("-created_at", "-pk")
    )


def invoice_for(user: Any, number: str) -> Invoice | None:
    """The member's own invoice by number; None for anyone else's, so numbers reveal nothing."""
    return (
        Invoice.objects.filter(number=number, subscription__user=user)
        .select_related("subscription__plan")
        .first()
    )


def invoices_for_operators(*, status: str = "", query: str = "") -> QuerySet[Invoice]:
    invoices = Invoice.objects.select_related("subscription__user", "subscription__plan")
    if status:
        invoices = invoices.filter(status=status)
    if query := query.strip():
        # Transfers arrive as "KIJI2026000123 ヤマダ": accept the number without its hyphens too.
        if match := _BARE_NUMBER.search(query):
            query = f"KIJI-{match[1]}-{match[2]}"
        invoices = invoices.filter(Q(number__icontains=query) | Q(subscription__user__email__iexact=query))
    return invoices.order_by("due_at", "pk") if status == Invoice.Status.ISSUED else invoices


@dataclass(frozen=True, slots=True)
class Overview:
    """The member's premium page in one read: the open subscription, its open invoice, the history."""

    history: list[Subscription]
    current: Subscription | None
    open_invoice: Invoice | None
    # Active, its period over, a renewal invoice still payable: kept open but not premium.
    lapsed: bool


def subscription_overview(user: Any, *, now: datetime) -> Overview:
    history = list(subscription_history(user))
    current = next((s for s in history if s.is_open), None)
    open_invoice = None
    lapsed = False
    if current is not None:
        open_invoice = next((i for i in current.invoices.all() if i.status == Invoice.Status.ISSUED), None)
        end = current.current_period_end
        lapsed = current.status == Subscription.Status.ACTIVE and end is not None and end <= now
    return Overview(history, current, open_invoice, lapsed)
