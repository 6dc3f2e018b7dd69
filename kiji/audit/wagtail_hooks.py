"""Member administration (「会員管理」) and the audit log (「監査ログ」) in the Wagtail admin."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet

from kiji.audit import views
from kiji.audit.permissions import can_manage_members, can_view_audit_log


class _GuardedMenuItem(MenuItem):
    """Shown only to staff who pass `check`; the views check again on every request."""

    check = staticmethod(lambda user: False)

    def is_shown(self, request: HttpRequest) -> bool:
        return bool(self.check(request.user))


class MemberAdminViewSet(ViewSet):
    name = "member_admin"
    url_prefix = "members"
    icon = "group"
    menu_label = _("会員管理")
    menu_name = "member-admin"
    menu_order = 600
    add_to_admin_menu = True

    @cached_property
    def menu_item_class(self) -> type[MenuItem]:
        return type("MemberAdminMenuItem", (_GuardedMenuItem,), {"check": staticmethod(can_manage_members)})

    def get_urlpatterns(self) -> list[URLPattern]:
        return [
            path("", views.member_index, name="index"),
            path("<int:user_id>/", views.member_detail, name="detail"),
            path("<int:user_id>/reset-quota/", views.member_reset_quota, name="reset_quota"),
            path("<int:user_id>/grant-premium/", views.member_grant_premium, name="grant_premium"),
            path("<int:user_id>/revoke-premium/", views.member_revoke_premium, name="revoke_premium"),
        ]


class AuditLogViewSet(ViewSet):
    name = "audit_log"
    url_prefix = "audit-log"
    icon = "history"
    menu_label = _("監査ログ")
    menu_name = "audit-log"
    menu_order = 8990
    add_to_admin_menu = True

    @cached_property
    def menu_item_class(self) -> type[MenuItem]:
        return type("AuditLogMenuItem", (_GuardedMenuItem,), {"check": staticmethod(can_view_audit_log)})

    def get_urlpatterns(self) -> list[URLPattern]:
        return [path("", views.audit_log, name="index")]


def register_staff_tools() -> list[ViewSet]:
    return [MemberAdminViewSet(), AuditLogViewSet()]


def staff_tool_permissions() -> QuerySet[Permission]:
    """Lets the Groups screen grant 「会員を管理できる」 and 監査ログ viewing (no add/change/delete)."""
    return Permission.objects.filter(
        content_type__app_label="audit", codename__in=("manage_members", "view_auditentry")
    )


hooks.register("register_admin_viewset", register_staff_tools)
hooks.register("register_permissions", staff_tool_permissions)
