"""Who may run the operator side of premium: staff holding the model permission (superusers do)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied


def _is_staff_with(user: Any, perm: str) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.is_active
        and user.is_staff
        and user.has_perm(perm)
    )


def can_confirm_payments(user: Any) -> bool:
    return _is_staff_with(user, "premium.change_invoice")


def check_can_confirm_payments(user: Any) -> None:
    if not can_confirm_payments(user):
        raise PermissionDenied("入金確認はスタッフのみが行えます。")


def check_can_manage_premium(user: Any) -> None:
    """Granting and revoking premium by hand."""
    if not _is_staff_with(user, "premium.change_subscription"):
        raise PermissionDenied("プレミアムの付与・取り消しはスタッフのみが行えます。")
