"""The two htmx conventions every app shares: spotting an htmx request, and answering one with
the content of the page's dialog (#comment-dialog, opened as a modal by kiji/static/kiji/site.js)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

DIALOG_TARGET = "#comment-dialog"


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def dialog(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render `template` into the page's dialog instead of the element that asked."""
    response = render(request, template, context, status=status)
    response["HX-Retarget"] = DIALOG_TARGET
    response["HX-Reswap"] = "innerHTML"
    return response
