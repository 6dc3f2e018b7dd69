"""Writes that staff make from member administration (premium changes live in kiji.premium.services)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kiji.audit.services import record
from kiji.core import access
from kiji.members.models import ArticleRead
from kiji.members.selectors import this_month


@transaction.atomic
def reset_monthly_quota(user: Any, *, by: Any) -> int:
    """Forget the member's members-only reads this month, so the full quota is available again.

    Returns how many reads were removed; a reset with nothing to remove (a double submit) is not logged.
    """
    month = this_month()
    removed, _ = ArticleRead.objects.filter(user=user, month=month).delete()
    if removed:
        record(by, "member.quota_reset", target=user, month=month.isoformat(), reads_removed=removed)
    access.forget_status(user)
    return removed
