"""Reads for the assistant: a member's conversations, their messages, and today's usage."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet
from django.utils import timezone

from kiji.assistant.models import Conversation, Message, Usage

# Quotas are Tokyo calendar days, whatever the active time zone.
TOKYO = ZoneInfo("Asia/Tokyo")


def tokyo_day_start(now: datetime | None = None) -> datetime:
    """Midnight (Asia/Tokyo) that began the current day: when the day's quota started."""
    today = (now or timezone.now()).astimezone(TOKYO).date()
    return datetime.combine(today, time.min, tzinfo=TOKYO)


def questions_asked_today(member: Any, *, now: datetime | None = None, answering: Any = None) -> int:
    """Answers given today, and questions posted today still waiting for theirs (except the one
    being answered): a member cannot post past the limit while answers are on their way."""
    start = tokyo_day_start(now)
    waiting = Message.objects.filter(
        conversation__member=member, answered_at__isnull=True, created__gte=start
    )
    if answering is not None:
        waiting = waiting.exclude(pk=answering.pk)
    return Usage.objects.filter(member=member, at__gte=start).count() + waiting.count()


def conversations_of(member: Any) -> QuerySet[Conversation]:
    """The member's conversations, most recently used first, with their message counts."""
    return (
        Conversation.objects.filter(member=member)
        .annotate(message_count=Count("messages"))
        .order_by("-updated", "-pk")
    )


def messages_of(conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).order_by("created", "pk")


def earlier_questions(message: Message, *, limit: int) -> list[str]:
    """The questions asked before this one in its conversation, oldest first."""
    found = (
        Message.objects.filter(conversation_id=message.conversation_id, pk__lt=message.pk)
        .order_by("-pk")
        .values_list("question", flat=True)[:limit]
    )
    return list(reversed(found))


def earlier_sentences(message: Message) -> frozenset[str]:
    """Every sentence the answers before this one in its conversation gave."""
    answers = Message.objects.filter(conversation_id=message.conversation_id, pk__lt=message.pk)
    return frozenset(
        s["text"] for sentences in answers.values_list("sentences", flat=True) for s in sentences
    )


def conversation_by_id(pk: int) -> Conversation | None:
    """Whoever's it is: the caller checks it with `permissions.check_can_open_conversation`."""
    return Conversation.objects.filter(pk=pk).select_related("article").first()
