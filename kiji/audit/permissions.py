"""Who may use the staff pages: Django permissions on AuditEntry, granted per group in the admin.

Readers' access goes through kiji.core.access; these guards are only for staff tools.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

MANAGE_MEMBERS = "audit.manage_members"
VIEW_AUDIT_LOG = "audit.view_auditentry"


def _staff_with(user: Any, permission: str) -> bool:
    # has_perm is already True for active superusers; is_staff keeps the tools to admin accounts.
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
        and user.has_perm(permission)
    )


def can_manage_members(user: Any) -> bool:
    return _staff_with(user, MANAGE_MEMBERS)


def can_view_audit_log(user: Any) -> bool:
    return _staff_with(user, VIEW_AUDIT_LOG)


def check_can_manage_members(user: Any) -> None:
    if not can_manage_members(user):
        raise PermissionDenied("member administration needs the audit.manage_members permission")


def check_can_change_premium(user: Any) -> None:
    """Granting and revoking premium by hand: member administration plus premium's own permission."""
    check_can_manage_members(user)
    try:
        from kiji.premium.permissions import check_can_manage_premium
    except ImportError as missing:  # fail closed while the premium app lacks its guard
        raise PermissionDenied("premium permissions are not available") from missing
    check_can_manage_premium(user)


def can_change_premium(user: Any) -> bool:
    try:
        check_can_change_premium(user)
    except PermissionDenied:
        return False
    return True


def check_can_view_audit_log(user: Any) -> None:
    if not can_view_audit_log(user):
        raise PermissionDenied("the audit log needs the audit.view_auditentry permission")
