"""Asking the assistant: the access check, retrieval and the engine, in that order.

In a conversation a question is first recorded (`start_question`), then answered once
(`answer_events`, streamed; `answer` for a plain request): the answer, its citations and the
usage are saved together when the engine's "done" arrives.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from kiji.assistant import selectors
from kiji.assistant.engines import Answer, Engine, Event, default_engine
from kiji.assistant.models import TITLE_MAX, Conversation, Message, Usage
from kiji.assistant.permissions import check_can_open_conversation
from kiji.assistant.retrieval import QUESTION_MAX, Passage, QuestionError, clean_text, retrieve
from kiji.core import access

# A follow-up this short, or one that points back (それ, その, it…), is searched together with
# the questions before it: alone it names too little to find anything.
FOLLOW_UP_CHARS = 15
FOLLOW_UP_HISTORY = 2
_REFERS_BACK = re.compile(
    r"それ|その|そこ|これ|この|こちら|あれ|あの|同社|同氏|前者|後者|先ほど|さっき"
    r"|(?<![a-z])(?:it|its|they|them|their|this|that|these|those)(?![a-z])",
    re.IGNORECASE,
)
ANSWERING_SECONDS = 300  # a second stream of the same message waits this long at most
QUOTE_CHARS = 160


class AskError(Exception):
    """Why a question was not answered: not allowed, or not askable as written."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def _check_may_ask(person: Any, action: access.Action = access.Action.ASK_QUESTION, obj: Any = None) -> None:
    decision = access.decide(person, action, obj)
    if not decision.allowed:
        raise AskError(str(decision.message), decision.reason)


def _article_id(article_slug: str | None) -> int | None:
    from kiji.articles.selectors import live_articles

    if not article_slug:
        return None
    article = live_articles().filter(slug=article_slug).only("pk").first()
    if article is None:
        raise AskError(_("その記事は見つかりません。"), "no_article")
    return int(article.pk)


def _question_error(error: QuestionError) -> AskError:
    if str(error) == "too_long":
        message = _("質問は%(max)s文字以内でお書きください。") % {"max": QUESTION_MAX}
    else:
        message = _("質問を入力してください。")
    return AskError(message, str(error))


def ask(person: Any, question: str, *, article_slug: str | None = None) -> Answer:
    """A single answer, recorded nowhere (`manage.py ask`)."""
    _check_may_ask(person, access.Action.ASK_ASSISTANT)
    try:
        context = retrieve(person, question, article_id=_article_id(article_slug))
    except QuestionError as error:
        raise _question_error(error) from error
    return default_engine().answer(context)


def _checked_question(question: str) -> str:
    """The question as the member wrote it (全角 kept for showing); checked as retrieval reads it."""
    text = clean_text(question).strip()
    if not text:
        raise _question_error(QuestionError("empty"))
    if len(text) > QUESTION_MAX:
        raise _question_error(QuestionError("too_long"))
    return question.replace("\r\n", "\n").strip()


def start_question(
    member: Any,
    question: str,
    *,
    token: uuid.UUID | None = None,
    conversation: Conversation | None = None,
    article_slug: str | None = None,
) -> Message:
    """Record a question, opening a conversation unless it follows up on one; the answer comes
    later. A token already used returns its message and records nothing."""
    _check_may_ask(member)
    if conversation is not None:
        check_can_open_conversation(member, conversation)
    text = _checked_question(question)
    token = token or uuid.uuid4()
    existing = Message.objects.filter(token=token, conversation__member=member).first()
    if existing is not None:
        return existing
    article_id = _article_id(article_slug) if conversation is None else None
    try:
        return _record_question(member, text, token, conversation, article_id)
    except IntegrityError:
        # The same token from a parallel submit that committed first (or, unguessably, another's).
        existing = Message.objects.filter(token=token, conversation__member=member).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def _record_question(
    member: Any, text: str, token: uuid.UUID, conversation: Conversation | None, article_id: int | None
) -> Message:
    now = timezone.now()
    if conversation is None:
        title = Truncator(text.replace("\n", " ")).chars(TITLE_MAX)
        conversation = Conversation.objects.create(
            member=member, article_id=article_id, title=title, created=now, updated=now
        )
    else:
        Conversation.objects.filter(pk=conversation.pk).update(updated=now)
    return Message.objects.create(conversation=conversation, token=token, question=text, created=now)


def refers_back(question: str) -> bool:
    return len(question) < FOLLOW_UP_CHARS or _REFERS_BACK.search(question) is not None


def search_text(message: Message) -> str:
    """What retrieval reads for this message: a follow-up that needs it brings the questions
    before it, oldest dropped first to stay within the length a question may have."""
    if not refers_back(message.question):
        return message.question
    earlier = selectors.earlier_questions(message, limit=FOLLOW_UP_HISTORY)
    while earlier and len("\n".join([*earlier, message.question])) > QUESTION_MAX:
        earlier.pop(0)
    return "\n".join([*earlier, message.question])


def answer_events(member: Any, message: Message, *, engine: Engine | None = None) -> Iterator[Event]:
    """The answer to the member's recorded question as it is written. Access and quota are
    checked now; the events raise AskError("busy") if another request is answering it."""
    check_can_open_conversation(member, message.conversation)
    _check_may_ask(member, obj=message)
    return _answering(message, member, engine or default_engine())


def _answering(message: Message, member: Any, engine: Engine) -> Iterator[Event]:
    lock = f"assistant:answering:{message.pk}"
    if not cache.add(lock, 1, ANSWERING_SECONDS):
        raise AskError(_("この質問にはいま回答を準備しています。しばらくしてからご覧ください。"), "busy")
    try:
        started = time.monotonic()
        yield Event("progress", _("記事を探しています…"))
        context = retrieve(member, search_text(message), article_id=message.conversation.article_id)
        context = replace(context, said=selectors.earlier_sentences(message))
        yield Event("progress", _("回答を書いています…"))
        notices: list[str] = []
        for event in engine.stream(context):
            if event.kind == "notice":
                notices.append(event.text)
            elif event.kind == "done" and event.answer is not None:
                latency_ms = int((time.monotonic() - started) * 1000)
                save_answer(message, event.answer, notices=notices, latency_ms=latency_ms)
            yield event
    finally:
        cache.delete(lock)


def answer(member: Any, message: Message, *, engine: Engine | None = None) -> Message:
    """Answer a recorded question in one go (the plain form); an answered one is left as it is."""
    if message.pending:
        try:
            for _event in answer_events(member, message, engine=engine):
                pass  # run to the end, so the lock is released here and not by the garbage collector
        except AskError as error:
            if error.reason != "busy":
                raise
        message.refresh_from_db()
    return message


def _citation(passage: Passage) -> dict[str, Any]:
    quote = Truncator(passage.text.partition("\n")[2] if passage.paragraph == 0 else passage.text)
    return {
        "number": passage.number,
        "kind": passage.kind,
        "article_slug": passage.article_slug,
        "article_title": passage.article_title,
        "comment_id": passage.comment_id,
        "page": passage.page,
        "paragraph": passage.paragraph,
        "url": passage.url,
        "quote": quote.chars(QUOTE_CHARS),
    }


def cost_yen(answer: Answer) -> Decimal:
    """What the model server's tokens cost, as the engine priced them when it counted them (a
    fallback answer keeps the tokens its failed remote call spent); the offline engine is free."""
    return answer.usage.cost_yen if answer.usage is not None else Decimal(0)


@transaction.atomic
def save_answer(message: Message, answer: Answer, *, notices: list[str], latency_ms: int) -> bool:
    """Store the answer and log its usage, once: False if the message was answered already."""
    now = timezone.now()
    warning = answer.warning  # a remote engine's fallback, said on the page
    notice = "\n".join(dict.fromkeys(n for n in (*notices, warning, answer.notice) if n))
    saved = Message.objects.filter(pk=message.pk, answered_at__isnull=True).update(
        answer=answer.text,
        sentences=[{"text": s.text, "sources": list(s.sources)} for s in answer.sentences],
        citations=[_citation(p) for p in (answer.closest if answer.declined else answer.cited)],
        engine=answer.engine,
        declined=answer.declined,
        notice=notice,
        answered_at=now,
    )
    if not saved:
        return False
    Conversation.objects.filter(pk=message.conversation_id).update(updated=now)
    usage = answer.usage
    Usage.objects.create(
        member_id=message.conversation.member_id,
        at=now,
        conversation_id=message.conversation_id,
        message=message,
        engine=answer.engine,
        model=usage.model if usage else "",
        input_tokens=usage.input_tokens if usage else 0,
        output_tokens=usage.output_tokens if usage else 0,
        estimated=usage.estimated if usage else False,
        cost_yen=cost_yen(answer),
        declined=answer.declined,
        latency_ms=latency_ms,
    )
    return True


@transaction.atomic
def delete_conversation(member: Any, conversation: Conversation) -> None:
    """Delete one conversation with its messages; its usage rows stay for the day's quota."""
    check_can_open_conversation(member, conversation)
    conversation.delete()


@transaction.atomic
def delete_all_conversations(member: Any) -> int:
    deleted, _by_model = Conversation.objects.filter(member=member).delete()
    return int(_by_model.get(Conversation._meta.label, 0)) if deleted else 0
