from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from kiji.premium import admin_views
from kiji.premium.permissions import can_confirm_payments


def register_admin_urls() -> list[URLPattern]:
    return [
        path("premium/invoices/", admin_views.InvoiceIndexView.as_view(), name="premium_admin_invoices"),
        path(
            "premium/invoices/<int:pk>/confirm/",
            admin_views.InvoiceConfirmView.as_view(),
            name="premium_admin_invoice_confirm",
        ),
    ]


class InvoicesMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return can_confirm_payments(request.user)


def register_invoices_menu_item() -> Any:
    return InvoicesMenuItem(
        _("請求書・入金確認"),
        reverse("premium_admin_invoices"),
        name="premium-invoices",
        icon_name="doc-full",
        order=900,
    )


def register_permissions() -> QuerySet[Permission]:
    # Groups can be given 入金確認 (change invoice) and grant/revoke (change subscription).
    return Permission.objects.filter(
        content_type__app_label="premium", codename__in=["change_invoice", "change_subscription"]
    )


# Registered by call: the decorator form is untyped, and strict mypy would drop these signatures.
hooks.register("register_admin_urls", register_admin_urls)
hooks.register("register_admin_menu_item", register_invoices_menu_item)
hooks.register("register_permissions", register_permissions)
