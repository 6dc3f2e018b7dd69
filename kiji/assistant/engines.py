"""Answer engines. The built-in one is extractive and offline: it answers only with sentences taken
from the retrieved passages, each with its source number, and declines when they do not support
an answer. The OpenAI-compatible remote engine (remote.py) comes behind the same interface and
falls back to this one; `default_engine()` returns the one settings choose."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from kiji.assistant import safety
from kiji.assistant.retrieval import Context, Passage
from kiji.search import analyzer

MAX_SENTENCES = 3
MIN_COVERAGE = 0.5  # share of the question's weight the answer must cover, or it declines
DIVERSITY = 0.7  # MMR: relevance against repeating what is already said
SUPPORTING = 0.5  # a further sentence must score this share of the first one
_SENTENCE_END = re.compile(r"(?<=[。！？!?])\s*|\n+")


@dataclass(frozen=True)
class Sentence:
    text: str
    sources: tuple[int, ...]  # passage numbers


@dataclass(frozen=True)
class Answer:
    sentences: tuple[Sentence, ...]
    passages: tuple[Passage, ...]  # everything the engine was given
    declined: bool = False
    notice: str = ""
    closest: tuple[Passage, ...] = field(default=())  # when declining: where to read on
    engine: str = "extractive"
    usage: Usage | None = None  # remote engines: what the model server counted
    # Why this is not the configured engine's answer (a fallback), for the page to say so.
    warning: str = ""

    @property
    def cited(self) -> tuple[Passage, ...]:
        numbers = {n for sentence in self.sentences for n in sentence.sources}
        return tuple(p for p in self.passages if p.number in numbers)

    @property
    def text(self) -> str:
        if self.declined:
            return self.notice
        return "".join(f"{s.text}[{']['.join(map(str, s.sources))}]" for s in self.sentences)


@dataclass(frozen=True)
class Usage:
    model: str
    input_tokens: int
    output_tokens: int
    cost_yen: Decimal = Decimal(0)  # at the prices configured when it was counted
    estimated: bool = False  # the server sent no counts: estimated from the text's length


@dataclass(frozen=True)
class Event:
    """One step of a streamed answer. "progress" says what the engine is doing; "sentence" is
    one checked sentence of the answer, ready to show; "notice" is something the reader should
    know (a fallback); "done" closes the stream and carries the final Answer."""

    kind: Literal["progress", "sentence", "notice", "done"]
    text: str = ""
    sentence: Sentence | None = None
    answer: Answer | None = None


class Engine(Protocol):
    name: str

    def answer(self, context: Context) -> Answer: ...
    def stream(self, context: Context) -> Iterator[Event]: ...


def final(events: Iterator[Event]) -> Answer:
    """The Answer a stream ends with."""
    for event in events:
        if event.kind == "done" and event.answer is not None:
            return event.answer
    raise RuntimeError("an engine's stream ended without an answer")


def decline(context: Context) -> Answer:
    seen: set[int] = set()
    closest = []
    for passage in context.passages:
        if passage.article_id not in seen:
            seen.add(passage.article_id)
            closest.append(passage)
    return Answer(
        sentences=(),
        passages=context.passages,
        declined=True,
        notice=_("記事からは確かな答えが見つかりませんでした。"),
        closest=tuple(closest[:3]),
    )


@dataclass(frozen=True)
class _Candidate:
    text: str
    source: int
    terms: frozenset[str]
    score: float


def _sentences(passage: Passage, weights: dict[str, float]) -> list[_Candidate]:
    found = []
    text = passage.text
    if passage.kind == "article" and passage.paragraph == 0:
        text = text.partition("\n")[2]  # the lead without the headline: an answer is not a title
    for piece in _SENTENCE_END.split(text):
        piece = piece.strip()
        if len(piece) < 8 or not safety.is_plain(piece):
            continue  # a quote with a link, markup or an address is not shown: never edited
        terms = frozenset(analyzer.index_terms(piece))
        matched = terms & weights.keys()
        if not matched:
            continue
        # Distinctive question words count most; long sentences are not favoured for length;
        # the best passages (numbered in order) are preferred.
        score = sum(weights[t] for t in matched) / (1 + len(terms) / 40) / (1 + 0.15 * (passage.number - 1))
        found.append(_Candidate(piece, passage.number, terms, score))
    return found


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / (len(a | b) or 1)


class ExtractiveEngine:
    """Selects, by maximal marginal relevance, the few sentences of the passages that cover the
    question best; every sentence is a source's own, so nothing is stated that is not in one."""

    name = "extractive"

    def answer(self, context: Context) -> Answer:
        weights = context.weights
        candidates = [
            c for p in context.passages for c in _sentences(p, weights) if c.text not in context.said
        ]
        if not candidates or not weights:
            return decline(context)
        chosen: list[_Candidate] = []
        best = max(c.score for c in candidates)
        while candidates and len(chosen) < MAX_SENTENCES:

            def value(c: _Candidate) -> float:
                overlap = max(
                    (len(c.terms & o.terms) / (len(c.terms | o.terms) or 1) for o in chosen), default=0
                )
                return DIVERSITY * c.score / best - (1 - DIVERSITY) * overlap

            pick = max(candidates, key=value)
            if value(pick) <= 0 or any(pick.text == c.text for c in chosen):
                break
            if chosen and pick.score < SUPPORTING * chosen[0].score:
                break  # a weak extra sentence adds a citation more than it adds an answer
            chosen.append(pick)
            candidates.remove(pick)
        covered = frozenset().union(*(c.terms for c in chosen)) & weights.keys()
        coverage = sum(weights[t] for t in covered) / sum(weights.values())
        if coverage < MIN_COVERAGE:
            return decline(context)
        sentences = tuple(Sentence(c.text, (c.source,)) for c in chosen)
        return Answer(sentences=sentences, passages=context.passages, engine=self.name)

    def stream(self, context: Context) -> Iterator[Event]:
        # Quick enough to answer whole; the stream only has the same shape as a remote engine's.
        answer = self.answer(context)
        for sentence in answer.sentences:
            yield Event("sentence", sentence.text, sentence=sentence)
        yield Event("done", answer=answer)


def default_engine() -> Engine:
    """The engine settings choose (KIJI_ASSISTANT_ENGINE): "extractive" or "openai"."""
    choice = settings.KIJI_ASSISTANT_ENGINE
    if choice == "extractive":
        return ExtractiveEngine()
    if choice == "openai":
        from kiji.assistant.remote import OpenAIEngine, RemoteConfig

        return OpenAIEngine(RemoteConfig.from_settings())
    raise ImproperlyConfigured(f"KIJI_ASSISTANT_ENGINE must be extractive or openai, not {choice!r}")
