"""「Kiji に聞く」: a question in, an answer quoted from our articles and comments with its sources out.

Without JavaScript the forms post, the answer is written, and the browser is sent to the
conversation (post, redirect, get). With JavaScript htmx posts the question, which is only
recorded, and assistant.js streams its answer from `stream` (server-sent events).
Members whose level may not ask see what it gives and how to get it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiji.assistant import selectors, services
from kiji.assistant.engines import Event
from kiji.assistant.forms import AskForm
from kiji.assistant.models import Conversation, Message
from kiji.assistant.permissions import check_can_open_conversation
from kiji.core import access
from kiji.core.htmx import is_htmx
from kiji.core.ratelimit import Limit, hit, too_many_requests

logger = logging.getLogger(__name__)
ASK_LIMIT = Limit(count=20, seconds=60)
RECENT = 5
PER_PAGE = 20
# Refusals the member can act on, as HTTP statuses.
_STATUS = {"premium_only": 403, "assistant_quota_used_up": 429}


class MemberRequest(HttpRequest):
    """A request behind `login_required`."""

    user: User


def _personal(response: HttpResponseBase) -> HttpResponseBase:
    patch_cache_control(response, private=True, no_store=True)  # questions and answers are personal
    return response


def _article(slug: str) -> Any:
    from kiji.articles.selectors import live_articles

    return live_articles().filter(slug=slug).only("pk", "slug", "title").first() if slug else None


def _own(request: HttpRequest, pk: int) -> Conversation:
    return check_can_open_conversation(request.user, selectors.conversation_by_id(pk))


def _see_other(url: str) -> HttpResponseRedirect:
    """Post, redirect, get: the browser fetches the result, and reloading it sends nothing."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _thread_url(message: Message) -> str:
    return f"{reverse('assistant:conversation', args=[message.conversation_id])}#m-{message.pk}"


def _submit(
    request: HttpRequest, form: AskForm, *, conversation: Conversation | None = None, article: Any = None
) -> tuple[HttpResponseBase | None, int]:
    """Record the question and answer it (or, for htmx, leave the answer to the stream).
    Returns the response, or None and the status to show the form's errors with."""
    if not hit("assistant-ask", f"member:{request.user.pk}", ASK_LIMIT):
        if not is_htmx(request):
            return too_many_requests(request, ASK_LIMIT), 429
        form.add_error(None, _("続けて質問が送られました。少し時間をおいてからお試しください。"))
        return None, 429
    if not form.is_valid():
        return None, 400
    try:
        message = services.start_question(
            request.user,
            form.cleaned_data["question"],
            token=form.cleaned_data["token"],
            conversation=conversation,
            article_slug=article.slug if article is not None else None,
        )
        if not is_htmx(request):
            services.answer(request.user, message)
    except services.AskError as error:
        form.add_error("question", str(error))
        return None, _STATUS.get(error.reason, 400)
    if not is_htmx(request):
        return _see_other(_thread_url(message)), 303
    if conversation is None:  # a new conversation: its page streams the answer
        return HttpResponse(status=204, headers={"HX-Redirect": _thread_url(message)}), 204
    # The new turn goes to the end of the thread; a fresh form (new token) replaces the old one.
    html = render_to_string("assistant/_message.html", {"message": message}, request=request)
    html += render_to_string(
        "assistant/_ask_form.html", {"form": AskForm(), "conversation": conversation, "oob": True}, request
    )
    return HttpResponse(html, headers={"HX-Retarget": "#thread", "HX-Reswap": "beforeend"}), 200


def _form_errors(request: HttpRequest, form: AskForm, status: int, **context: Any) -> HttpResponse:
    """For htmx, only the form with its errors, in place of the one sent."""
    return render(request, "assistant/_ask_form.html", {"form": form, **context}, status=status)


@require_http_methods(["GET", "POST"])
def ask_page(request: HttpRequest) -> HttpResponseBase:
    decision = access.decide(request.user, access.Action.ASK_ASSISTANT)
    slug = (request.POST if request.method == "POST" else request.GET).get("article", "")
    article = _article(slug)
    form = AskForm(request.POST or None, initial={"article": article.slug if article else ""})
    status = 200
    if request.method == "POST" and not decision:
        status = 403
    elif request.method == "POST":
        response, status = _submit(request, form, article=article)
        if response is not None:
            return _personal(response)
        if is_htmx(request):
            return _personal(_form_errors(request, form, status, article=article))
    recent = selectors.conversations_of(request.user)[:RECENT] if request.user.is_authenticated else []
    context = {
        "form": form,
        "decision": decision,
        "quota": access.decide(request.user, access.Action.ASK_QUESTION) if decision else None,
        "article": article,
        "recent": recent,
    }
    return _personal(render(request, "assistant/ask.html", context, status=status))


@login_required
@require_http_methods(["GET", "POST"])
def conversation_page(request: MemberRequest, pk: int) -> HttpResponseBase:
    conversation = _own(request, pk)
    form = AskForm(request.POST or None)
    status = 200
    if request.method == "POST":
        response, status = _submit(request, form, conversation=conversation)
        if response is not None:
            return _personal(response)
        if is_htmx(request):
            return _personal(_form_errors(request, form, status, conversation=conversation))
    context = {
        "conversation": conversation,
        "thread": selectors.messages_of(conversation),
        "form": form,
        "quota": access.decide(request.user, access.Action.ASK_QUESTION),
    }
    return _personal(render(request, "assistant/conversation.html", context, status=status))


@login_required
@require_GET
def conversations_page(request: MemberRequest) -> HttpResponseBase:
    page = Paginator(selectors.conversations_of(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return _personal(render(request, "assistant/conversations.html", {"page": page}))


@login_required
@require_POST
def answer_page(request: MemberRequest, pk: int, message_pk: int) -> HttpResponseBase:
    """The plain form's way to an answer the stream did not finish."""
    message = get_object_or_404(selectors.messages_of(_own(request, pk)), pk=message_pk)
    try:
        services.answer(request.user, message)
    except services.AskError as error:
        messages.error(request, str(error))
    return _personal(_see_other(_thread_url(message)))


@login_required
@require_http_methods(["GET", "POST"])
def delete_page(request: MemberRequest, pk: int) -> HttpResponseBase:
    conversation = _own(request, pk)
    if request.method == "POST":
        services.delete_conversation(request.user, conversation)
        messages.success(request, _("会話「%(title)s」を削除しました。") % {"title": conversation.title})
        return _personal(_see_other(reverse("assistant:conversations")))
    return _personal(render(request, "assistant/confirm_delete.html", {"conversation": conversation}))


@login_required
@require_http_methods(["GET", "POST"])
def delete_all_page(request: MemberRequest) -> HttpResponseBase:
    if request.method == "POST":
        deleted = services.delete_all_conversations(request.user)
        text = ngettext("%(count)s件の会話を削除しました。", "%(count)s件の会話を削除しました。", deleted)
        messages.success(request, text % {"count": deleted})
        return _personal(_see_other(reverse("assistant:conversations")))
    count = selectors.conversations_of(request.user).count()
    return _personal(render(request, "assistant/confirm_delete.html", {"count": count}))


def _sse(kind: str, data: dict[str, Any]) -> bytes:
    # json.dumps escapes line breaks, so one data line carries the whole event.
    return f"event: {kind}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


def _event_stream(request: HttpRequest, message: Message, events: Iterator[Event]) -> Iterator[bytes]:
    try:
        for event in events:
            if event.kind == "sentence" and event.sentence is not None:
                yield _sse("sentence", {"text": event.sentence.text, "sources": list(event.sentence.sources)})
            elif event.kind in ("progress", "notice"):
                yield _sse(event.kind, {"text": event.text})
            elif event.kind == "done":
                message.refresh_from_db()
                yield _done(request, message)
    except services.AskError as error:
        yield _sse("refused", {"text": str(error)})
    except Exception:
        logger.exception("assistant stream failed for message %s", message.pk)
        yield _sse("refused", {"text": _("回答を用意できませんでした。もう一度お試しください。")})


def _done(request: HttpRequest, message: Message) -> bytes:
    """The saved answer as the page shows it: links and sources built here, never by the model."""
    html = render_to_string("assistant/_message.html", {"message": message}, request=request)
    return _sse("done", {"html": html})


@login_required
@require_GET
def stream(request: MemberRequest, pk: int, message_pk: int) -> HttpResponseBase:
    """Server-sent events: progress, each checked sentence, notices, then the saved answer."""
    message = get_object_or_404(selectors.messages_of(_own(request, pk)), pk=message_pk)
    events: Iterator[bytes]
    if not message.pending:
        events = iter([_done(request, message)])  # a reconnect after the answer was saved
    else:
        try:
            events = _event_stream(request, message, services.answer_events(request.user, message))
        except services.AskError as error:
            if error.reason == "premium_only":
                return _personal(HttpResponse(str(error), status=403, content_type="text/plain"))
            events = iter([_sse("refused", {"text": str(error)})])
    response = StreamingHttpResponse(events, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store, private"
    response["X-Accel-Buffering"] = "no"  # nginx would otherwise hold the events back
    return response
