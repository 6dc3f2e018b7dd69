from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from kiji.premium.display import status_label
from kiji.premium.selectors import open_subscription

register = template.Library()


@register.simple_tag
def premium_status(user: Any) -> str:
    """「有効(5月10日まで)」 and the like, for the account menu (one query)."""
    return status_label(open_subscription(user), now=timezone.now())
