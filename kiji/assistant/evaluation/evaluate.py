"""The offline engine against a judged question set over the demo content
(kiji/assistant/evaluation/questions.yaml): citation precision, key-fact recall and the rate of
correct declines for questions the articles cannot answer."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kiji.assistant.engines import Answer

QUESTIONS = Path(__file__).with_name("questions.yaml")
CATEGORIES = frozenset({"fact", "number", "why", "how", "who", "date", "compare", "unanswerable"})


class QuestionSetError(ValueError):
    """The question file is not in the expected shape."""


@dataclass(frozen=True)
class Question:
    text: str
    category: str
    sources: tuple[str, ...]
    facts: tuple[str, ...]

    @property
    def answerable(self) -> bool:
        return bool(self.sources)


def load_questions(path: Path = QUESTIONS) -> list[Question]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for number, row in enumerate(data.get("questions") or [], start=1):
        if not isinstance(row, dict) or not str(row.get("question") or "").strip():
            raise QuestionSetError(f"question {number}: needs a `question`")
        category = str(row.get("category") or "")
        if category not in CATEGORIES:
            raise QuestionSetError(f"question {number}: unknown category {category!r}")
        sources, facts = tuple(row.get("sources") or ()), tuple(row.get("facts") or ())
        if (category == "unanswerable") != (not sources) or bool(sources) != bool(facts):
            raise QuestionSetError(
                f"question {number}: answerable ones need sources and facts, others neither"
            )
        found.append(Question(str(row["question"]), category, sources, facts))
    return found


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class Row:
    question: Question
    answer: Answer

    @property
    def precise_citations(self) -> tuple[int, int]:
        """(cited passages that contain a key fact, cited passages)."""
        cited = self.answer.cited
        facts = [fold(f) for f in self.question.facts]
        return sum(1 for p in cited if any(f in fold(p.text) for f in facts)), len(cited)

    @property
    def facts_found(self) -> tuple[int, int]:
        text = "" if self.answer.declined else fold(self.answer.text)
        return sum(1 for f in self.question.facts if fold(f) in text), len(self.question.facts)

    @property
    def cites_a_source(self) -> bool:
        return any(p.article_slug in self.question.sources for p in self.answer.cited)


@dataclass(frozen=True)
class Report:
    rows: tuple[Row, ...]

    def _answerable(self) -> list[Row]:
        return [r for r in self.rows if r.question.answerable]

    @property
    def citation_precision(self) -> float:
        precise = sum(r.precise_citations[0] for r in self._answerable())
        cited = sum(r.precise_citations[1] for r in self._answerable())
        return precise / cited if cited else 0.0

    @property
    def fact_recall(self) -> float:
        found = sum(r.facts_found[0] for r in self._answerable())
        total = sum(r.facts_found[1] for r in self._answerable())
        return found / total if total else 0.0

    @property
    def correct_declines(self) -> float:
        unanswerable = [r for r in self.rows if not r.question.answerable]
        return sum(r.answer.declined for r in unanswerable) / len(unanswerable) if unanswerable else 0.0

    @property
    def wrong_declines(self) -> float:
        answerable = self._answerable()
        return sum(r.answer.declined for r in answerable) / len(answerable) if answerable else 0.0

    @property
    def source_hit_rate(self) -> float:
        answerable = self._answerable()
        return sum(r.cites_a_source for r in answerable) / len(answerable) if answerable else 0.0


def evaluate(questions: Sequence[Question], answer: Callable[[str], Answer]) -> Report:
    return Report(tuple(Row(q, answer(q.text)) for q in questions))


def staff_reader() -> Any:
    """An unsaved staff user: staff read everything, so the paywall plays no part in the scores
    (access filtering has its own tests)."""
    from django.contrib.auth import get_user_model

    return get_user_model()(username="assistant-evaluation", is_staff=True, is_superuser=True)


def offline_answerer(person: Any = None) -> Callable[[str], Answer]:
    from kiji.assistant.engines import ExtractiveEngine
    from kiji.assistant.retrieval import retrieve

    reader = person if person is not None else staff_reader()
    engine = ExtractiveEngine()
    return lambda text: engine.answer(retrieve(reader, text))
