from __future__ import annotations

from typing import Any

from django.utils import timezone

from kiji.premium.models import Subscription


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
