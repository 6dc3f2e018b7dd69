"""What the assistant holds about a member, for the privacy export (開示請求). Account deletion
takes it all with the account (conversations, messages and usage cascade)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from kiji.assistant.models import Conversation, Message, Usage


def export_member_data(user: Any) -> dict[str, Any]:
    """Every conversation with its questions and answers, and every usage record: three queries."""
    messages = Message.objects.order_by("created", "pk")
    conversations = (
        Conversation.objects.filter(member=user)
        .select_related("article")
        .prefetch_related(Prefetch("messages", queryset=messages))
        .order_by("created", "pk")
    )
    usage = Usage.objects.filter(member=user).order_by("at", "pk")
    return {
        "conversations": [
            {
                "id": c.pk,
                "title": c.title,
                "article_slug": c.article.slug if c.article else None,
                "created_at": c.created.isoformat(),
                "updated_at": c.updated.isoformat(),
                "messages": [
                    {
                        "question": m.question,
                        "answer": m.answer,
                        "citations": m.citations,
                        "engine": m.engine,
                        "declined": m.declined,
                        "notice": m.notice,
                        "asked_at": m.created.isoformat(),
                        "answered_at": m.answered_at.isoformat() if m.answered_at else None,
                    }
                    for m in c.messages.all()
                ],
            }
            for c in conversations
        ],
        "usage": [
            {
                "at": u.at.isoformat(),
                "conversation_id": u.conversation_id,
                "engine": u.engine,
                "model": u.model,
                "input_tokens": u.input_tokens,
                "output_tokens": u.output_tokens,
                "estimated": u.estimated,
                "cost_yen": str(u.cost_yen),
                "declined": u.declined,
                "latency_ms": u.latency_ms,
            }
            for u in usage
        ],
    }
