"""Short, human status lines for a subscription, shared by the account menu and the pages."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats
from django.utils.translation import gettext as _

from kiji.premium.models import Subscription


def _day(subscription: Subscription) -> str:
    return formats.date_format(subscription.last_day, "DATE_FORMAT") if subscription.last_day else ""


def status_label(subscription: Subscription | None, *, now: datetime) -> str:
    if subscription is None or not subscription.is_open:
        return _("未加入")
    if subscription.status == Subscription.Status.PENDING:
        return _("お支払い待ち")
    end = subscription.current_period_end
    if end is None or end <= now:
        return _("更新のお支払い待ち")
    if subscription.cancel_at_period_end:
        return _("%(day)sまで(解約予定)") % {"day": _day(subscription)}
    return _("有効(%(day)sまで)") % {"day": _day(subscription)}
