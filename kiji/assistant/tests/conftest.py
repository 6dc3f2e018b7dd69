"""Assistant fixtures: an indexed article to ask about, signed-in clients, and a scripted engine
in place of a model server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from kiji.assistant import services
from kiji.assistant.engines import Answer, Event, Sentence, Usage
from kiji.assistant.retrieval import Context
from kiji.search.indexing import index_article


@pytest.fixture
def boj(article_factory: Callable[..., Any]) -> Any:
    article = article_factory(
        title="利上げと資金繰り",
        slug="boj",
        body=[
            ("paragraph", "<p>日銀の利上げで、中小企業の借入金利は上がり始めた。</p>"),
            ("paragraph", "<p>借り換えを急ぐ中小企業も多い。</p>"),
        ],
    )
    index_article(article.pk)
    return article


@pytest.fixture
def client_for() -> Callable[[Any], Client]:
    def make(member: Any) -> Client:
        client = Client()
        client.force_login(member)
        return client

    return make


class ScriptedEngine:
    """Says what it is told, citing passage 1, and counts what it was asked."""

    name = "scripted"

    def __init__(self, *texts: str, usage: Usage | None = None, notice: str = "") -> None:
        self.texts = texts or ("日銀の利上げで、中小企業の借入金利は上がり始めた。",)
        self.usage = usage
        self.notice = notice
        self.questions: list[str] = []

    def answer(self, context: Context) -> Answer:
        return next(e.answer for e in self.stream(context) if e.answer is not None)

    def stream(self, context: Context) -> Iterator[Event]:
        self.questions.append(context.question)
        yield Event("progress", "モデルが書いています")
        if self.notice:
            yield Event("notice", self.notice)
        sentences = tuple(Sentence(text, (1,)) for text in self.texts)
        for sentence in sentences:
            yield Event("sentence", sentence.text, sentence=sentence)
        answer = Answer(sentences, context.passages, engine=self.name, usage=self.usage)
        yield Event("done", answer=answer)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Callable[..., ScriptedEngine]:
    """`scripted("文。", usage=Usage(...))`: every answer from now on comes from this engine."""

    def install(*texts: str, **options: Any) -> ScriptedEngine:
        engine = ScriptedEngine(*texts, **options)
        monkeypatch.setattr(services, "default_engine", lambda: engine)
        return engine

    return install


def sse(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """The (event, data) pairs of a server-sent events response, in order."""
    body = b"".join(response.streaming_content).decode()
    events = []
    for block in body.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n"))
        events.append((fields["event"], json.loads(fields["data"])))
    return events
