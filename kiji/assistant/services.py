"""Asking the assistant: the access check, retrieval and the engine, in that order."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from kiji.assistant.engines import Answer, default_engine
from kiji.assistant.retrieval import QUESTION_MAX, QuestionError, retrieve
from kiji.core import access


class AskError(Exception):
    """Why a question was not answered: not allowed, or not askable as written."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def ask(person: Any, question: str, *, article_slug: str | None = None) -> Answer:
    from kiji.articles.selectors import live_articles

    decision = access.decide(person, access.Action.ASK_ASSISTANT)
    if not decision.allowed:
        raise AskError(str(decision.message), decision.reason)
    article_id = None
    if article_slug:
        article = live_articles().filter(slug=article_slug).only("pk").first()
        if article is None:
            raise AskError(_("その記事は見つかりません。"), "no_article")
        article_id = article.pk
    try:
        context = retrieve(person, question, article_id=article_id)
    except QuestionError as error:
        if str(error) == "too_long":
            message = _("質問は%(max)s文字以内でお書きください。") % {"max": QUESTION_MAX}
        else:
            message = _("質問を入力してください。")
        raise AskError(message, str(error)) from error
    return default_engine().answer(context)
