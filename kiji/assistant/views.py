"""「Kiji に聞く」: a question in, an answer quoted from our articles and comments with its sources out.
A plain form (works without JavaScript); members whose level may not ask see what it gives and
how to get it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_http_methods

from kiji.assistant import services
from kiji.assistant.forms import AskForm
from kiji.core import access
from kiji.core.ratelimit import Limit, hit, too_many_requests

ASK_LIMIT = Limit(count=20, seconds=60)


def _article(slug: str) -> Any:
    from kiji.articles.selectors import live_articles

    return live_articles().filter(slug=slug).only("pk", "slug", "title").first() if slug else None


@require_http_methods(["GET", "POST"])
def ask_page(request: HttpRequest) -> HttpResponse:
    decision = access.decide(request.user, access.Action.ASK_ASSISTANT)
    slug = (request.POST if request.method == "POST" else request.GET).get("article", "")
    article = _article(slug)
    form = AskForm(request.POST or None, initial={"article": article.slug if article else ""})
    answer, status = None, 200
    if request.method == "POST" and decision.allowed:
        if not hit("assistant-ask", f"member:{request.user.pk}", ASK_LIMIT):
            return too_many_requests(request, ASK_LIMIT)
        if form.is_valid():
            try:
                answer = services.ask(
                    request.user,
                    form.cleaned_data["question"],
                    article_slug=article.slug if article else None,
                )
            except services.AskError as error:
                form.add_error("question", str(error))
        status = 400 if form.errors else 200
    elif request.method == "POST":
        status = 403
    response = render(
        request,
        "assistant/ask.html",
        {"form": form, "decision": decision, "answer": answer, "article": article},
        status=status,
    )
    patch_cache_control(response, private=True, no_store=True)  # answers are personal
    return response
