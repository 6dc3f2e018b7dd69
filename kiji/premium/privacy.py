"""What premium holds about a member, for the privacy export (APPI disclosure requests)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from kiji.premium.selectors import subscription_history


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_member_data(user: Any) -> dict[str, Any]:
    subscriptions = list(subscription_history(user))
    return {
        "subscriptions": [
            {
                "id": s.pk,
                "plan": s.plan.name,
                "plan_code": s.plan.code,
                "status": s.status,
                "payment_method": s.provider,
                "current_period_start": _iso(s.current_period_start),
                "current_period_end": _iso(s.current_period_end),
                "cancel_at_period_end": s.cancel_at_period_end,
                "created_at": _iso(s.created_at),
                "ended_at": _iso(s.ended_at),
                "end_reason": s.end_reason,
                "staff_note": s.staff_note,
            }
            for s in subscriptions
        ],
        "invoices": [
            {
                "number": i.number,
                "subscription_id": s.pk,
                "kind": i.kind,
                "plan": i.plan_name,
                "months": i.months,
                "amount_yen": i.amount_yen,
                "status": i.status,
                "issued_at": _iso(i.issued_at),
                "due_at": _iso(i.due_at),
                "paid_at": _iso(i.paid_at),
                "voided_at": _iso(i.voided_at),
            }
            for s in subscriptions
            for i in s.invoices.all()
        ],
    }
