"""Staff see what the assistant costs: usage rows with totals. Conversations stay private to
their member and are not listed here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, Sum
from django.http import HttpRequest
from django.template.response import TemplateResponse

from kiji.assistant.models import Usage


@admin.register(Usage)
class UsageAdmin(admin.ModelAdmin[Usage]):
    list_display = (
        "at",
        "member",
        "engine",
        "model",
        "input_tokens",
        "output_tokens",
        "estimated",
        "cost_yen",
        "declined",
        "latency_ms",
    )
    list_filter = ("engine", "declined", "at")
    date_hierarchy = "at"
    search_fields = ("member__email", "model")
    list_select_related = ("member",)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        response = super().changelist_view(request, extra_context)
        if isinstance(response, TemplateResponse) and response.context_data is not None:
            # Totals of what the filters select, not only of the page shown.
            rows = response.context_data["cl"].queryset
            response.context_data["totals"] = rows.aggregate(
                answers=Count("pk"),
                input_tokens=Sum("input_tokens"),
                output_tokens=Sum("output_tokens"),
                cost_yen=Sum("cost_yen"),
            )
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Usage | None = None) -> bool:
        return False
