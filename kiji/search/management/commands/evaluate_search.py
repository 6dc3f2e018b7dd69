"""`manage.py evaluate_search [--verbose]`: nDCG@10 of Kiji's search beside a character-bigram BM25
baseline, over the relevance judgments in kiji/search/relevance/judgments.yaml.

Needs the demo content (`manage.py load_demo`) and a built index (`manage.py reindex`).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiji.search.relevance import evaluate


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "Print nDCG@10, recall@10 and MRR of Kiji's search beside a character-bigram BM25 baseline."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--verbose", action="store_true", help="One line per query, and the top results.")

    def handle(self, *args: Any, **options: Any) -> None:
        from kiji.search.models import Kind, SearchDocument

        queries = evaluate.load_judgments()
        documents = evaluate.live_documents()
        if not documents:
            raise CommandError("No live articles: load the demo content first (manage.py load_demo).")
        if not SearchDocument.objects.filter(kind=Kind.ARTICLE).exists():
            raise CommandError("The search index is empty: build it first (manage.py reindex).")
        missing = sorted({slug for q in queries for slug in q.judgments} - set(documents))
        if missing:
            self.stderr.write(f"Judged articles missing from this database: {', '.join(missing)}")
        baseline = evaluate.BigramBM25(documents)
        report = evaluate.evaluate(queries, evaluate.kiji_ranker(), baseline.search)
        out = self.stdout.write

        if options["verbose"]:
            width = max(_width(row.query.text) for row in report.rows) + 2
            out(f"{_pad('query', width)}{'category':<11} {'Kiji':>6} {'base':>6}")
            for row in report.rows:
                mark = "  <" if row.kiji.ndcg < row.baseline.ndcg else ""
                out(
                    f"{_pad(row.query.text, width)}{row.query.category:<11} "
                    f"{row.kiji.ndcg:6.3f} {row.baseline.ndcg:6.3f}{mark}"
                )
            out("")
            out(f"{'category':<11} {'n':>3} {'Kiji':>6} {'base':>6}")
            for name, (kiji, base, count) in report.by_category().items():
                out(f"{name:<11} {count:3d} {kiji.ndcg:6.3f} {base.ndcg:6.3f}")
            losses = report.losses()
            if losses:
                out("")
                out("Queries where the baseline does better (top 5 of each, * = judged):")
                for row in losses:
                    out(f"  {row.query.text}")
                    for label, ranked in (("Kiji", row.kiji_ranked), ("base", row.baseline_ranked)):
                        shown = [f"{slug}{'*' if slug in row.query.judgments else ''}" for slug in ranked[:5]]
                        out(f"    {label}: {', '.join(shown) or '-'}")
            out("")

        kiji, base = report.kiji, report.baseline
        out(f"{'':<12} {'nDCG@10':>8} {'recall@10':>10} {'MRR@10':>8}")
        out(f"{'Kiji':<12} {kiji.ndcg:8.3f} {kiji.recall:10.3f} {kiji.mrr:8.3f}")
        out(f"{'bigram BM25':<12} {base.ndcg:8.3f} {base.recall:10.3f} {base.mrr:8.3f}")
        wins = sum(1 for row in report.rows if row.kiji.ndcg > row.baseline.ndcg)
        out(
            f"{len(report.rows)} queries over {len(documents)} articles; Kiji better on {wins}, "
            f"worse on {len(report.losses())}."
        )
