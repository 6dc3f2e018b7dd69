"""The assistant's evaluation: the question set's shape, the metrics, and the offline engine on the
demo content."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command

from kiji.assistant.engines import Answer, Sentence
from kiji.assistant.evaluation import evaluate
from kiji.assistant.retrieval import Passage
from kiji.demo import loader

CONTENT = loader.DEMO_DIR / "content"


def _bodies() -> dict[str, str]:
    found = {}
    for path in CONTENT.glob("*.md"):
        _, front, body = path.read_text(encoding="utf-8").split("---", 2)
        found[yaml.safe_load(front)["slug"]] = evaluate.fold(body)
    return found


def test_the_question_set_covers_what_the_issue_asks_for() -> None:
    questions = evaluate.load_questions()
    bodies = _bodies()
    answerable = [q for q in questions if q.answerable]
    assert len(questions) >= 40 and len(questions) - len(answerable) >= 8
    assert len({slug for q in answerable for slug in q.sources}) >= 25
    for question in answerable:
        assert set(question.sources) <= set(bodies), question.text
        for fact in question.facts:  # every key fact is really in one of its sources
            assert any(evaluate.fold(fact) in bodies[slug] for slug in question.sources), (
                question.text,
                fact,
            )


def test_a_malformed_question_set_is_refused(tmp_path) -> None:
    path = tmp_path / "questions.yaml"
    path.write_text("questions:\n  - question: 何？\n    category: fact\n    sources: []\n", encoding="utf-8")
    with pytest.raises(evaluate.QuestionSetError):
        evaluate.load_questions(path)


def _passage(number: int, text: str, slug: str = "a") -> Passage:
    from django.utils import timezone

    return Passage(number, "article", 1, slug, "題", timezone.now(), text, f"/articles/{slug}/")


def test_the_metrics() -> None:
    answered = evaluate.Question("金利は？", "fact", ("a",), ("2%", "上昇"))
    unanswerable = evaluate.Question("火星は？", "unanswerable", (), ())
    passages = (_passage(1, "金利は2%に上がった。"), _passage(2, "関係のない話。", "b"))
    answers = {
        "金利は？": Answer(
            (Sentence("金利は2%に上がった。", (1,)), Sentence("関係のない話。", (2,))), passages
        ),
        "火星は？": Answer((), passages, declined=True, notice="…"),
    }
    report = evaluate.evaluate([answered, unanswerable], answers.__getitem__)
    assert report.citation_precision == 0.5  # one of the two cited passages holds a key fact
    assert report.fact_recall == 0.5  # 2% found, 上昇 not
    assert report.correct_declines == 1.0 and report.wrong_declines == 0.0
    assert report.source_hit_rate == 1.0


@pytest.mark.django_db
def test_the_offline_engine_on_the_demo_content(tmp_path, settings) -> None:
    from kiji.search import vocabulary
    from kiji.search.indexing import reindex_all
    from kiji.search.tests.test_relevance import _load_demo_text

    _load_demo_text(tmp_path, settings)
    reindex_all(jobs=1)
    vocabulary.refresh()  # the question words' weights come from it
    report = evaluate.evaluate(evaluate.load_questions(), evaluate.offline_answerer())
    # Floors a little under the measured numbers (see the issue note): a regression fails here.
    assert report.citation_precision >= CITATION_FLOOR
    assert report.fact_recall >= RECALL_FLOOR
    assert report.correct_declines >= DECLINE_FLOOR
    assert report.wrong_declines <= WRONG_DECLINE_CEILING
    out = io.StringIO()
    call_command("evaluate_assistant", stdout=out)
    assert "citation precision" in out.getvalue() and "correct declines" in out.getvalue()


# Measured on 99 questions: citation precision 0.481, key-fact recall 0.434, correct declines
# 0.933, wrong declines 0.083.
CITATION_FLOOR = 0.45
RECALL_FLOOR = 0.40
DECLINE_FLOOR = 0.85
WRONG_DECLINE_CEILING = 0.15
