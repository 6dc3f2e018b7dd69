"""`manage.py evaluate_assistant [--verbose]`: the offline engine on the judged questions in
kiji/assistant/evaluation/questions.yaml. Needs the demo content and a built search index."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiji.assistant.evaluation import evaluate


class Command(BaseCommand):
    help = "Print citation precision, key-fact recall and correct-decline rate of the offline engine."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--verbose", action="store_true", help="One line per question.")

    def handle(self, *args: Any, **options: Any) -> None:
        from kiji.search.models import Kind, SearchDocument

        if not SearchDocument.objects.filter(kind=Kind.ARTICLE).exists():
            raise CommandError("The search index is empty: load the demo content and run manage.py reindex.")
        questions = evaluate.load_questions()
        report = evaluate.evaluate(questions, evaluate.offline_answerer())
        out = self.stdout.write
        if options["verbose"]:
            for row in report.rows:
                found, total = row.facts_found
                state = "declined" if row.answer.declined else f"facts {found}/{total}"
                source = "" if not row.question.answerable else (" source" if row.cites_a_source else " -")
                out(f"{row.question.category:<12} {state:<10}{source:<7} {row.question.text}")
            out("")
        answerable = sum(q.answerable for q in questions)
        out(
            f"Offline engine on {len(questions)} questions ({answerable} answerable, "
            f"{len(questions) - answerable} not answerable by the articles)"
        )
        out(f"  citation precision  {report.citation_precision:.3f}  (cited passages holding a key fact)")
        out(f"  key-fact recall     {report.fact_recall:.3f}")
        out(f"  cites a source      {report.source_hit_rate:.3f}")
        out(f"  correct declines    {report.correct_declines:.3f}")
        out(f"  wrong declines      {report.wrong_declines:.3f}  (answerable questions declined)")
