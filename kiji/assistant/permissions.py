"""Guards for the assistant. The decisions live in `kiji.core.access`; a conversation that is not
the member's is answered as missing, so others cannot even learn that it exists."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from kiji.assistant.models import Conversation
from kiji.core import access


def check_can_open_conversation(member: Any, conversation: Conversation | None) -> Conversation:
    if conversation is None or not access.decide(member, access.Action.OPEN_CONVERSATION, conversation):
        raise Http404("conversation")
    return conversation
