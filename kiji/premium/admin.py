from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from kiji.premium.models import Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin[Plan]):
    """Prices and names can change; a plan that was sold is withdrawn (提供中 off), never deleted."""

    list_display = ("name", "code", "price_yen", "interval_months", "active")

    def get_readonly_fields(self, request: HttpRequest, obj: Plan | None = None) -> tuple[str, ...]:
        return ("code",) if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Plan | None = None) -> bool:
        return False
