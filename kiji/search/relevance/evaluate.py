"""Offline relevance evaluation of Kiji's search over the demo content (issue 6).

`judgments.yaml` holds queries written for Kiji, each with graded judgments by article slug
(3 = the article is about it, 2 = substantially relevant, 1 = mentions it). Every query is run
through Kiji's search and through a character-bigram BM25 baseline computed in the same run over
the same live articles, and scored with nDCG@10 (gain 2^rel - 1, log2 discount, the ideal ranking
taken from the judgments), recall@10 (share of judged articles in the top 10) and MRR@10 (the
reciprocal rank of the first judged article in the top 10, 0 when there is none).

The baseline is what a search without a Japanese analyzer does: NFKC + casefold, runs of letters
and digits cut into overlapping character bigrams (a one-character run is its own token), plain
BM25 (k1 = 1.2, b = 0.75), every query bigram an OR term. It reads the same fields Kiji indexes
(kiji.search.documents.article_fields: title, lead, tags with series and author names, body) and
follows Kiji's field order (title > lead > tags > body) by repetition in one field: the title
three times, lead and tags twice, the body once. It knows no operators: quotes and a leading "-"
are removed, so an excluded word is searched like any other word.

Kiji is asked as a staff reader (everything readable, so walls play no part), articles only,
relevance order, the first page of ten.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

JUDGMENTS = Path(__file__).resolve().parent / "judgments.yaml"
K = 10
GRADES = (1, 2, 3)
# How many times each field is repeated in the baseline's single field.
FIELD_WEIGHTS = {"title": 3, "lead": 2, "tags": 2, "body": 1}

Ranker = Callable[[str], list[str]]


# Judgments -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    text: str
    category: str
    note: str
    judgments: Mapping[str, int]


class JudgmentError(ValueError):
    pass


def load_judgments(path: Path = JUDGMENTS) -> list[Query]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("queries"), list):
        raise JudgmentError(f"{path}: expected a mapping with a list under 'queries'")
    queries: list[Query] = []
    seen: set[str] = set()
    for number, row in enumerate(data["queries"], start=1):
        if not isinstance(row, dict):
            raise JudgmentError(f"{path}: query {number} is not a mapping")
        text = row.get("query")
        judged = row.get("judgments")
        if not isinstance(text, str) or not text.strip():
            raise JudgmentError(f"{path}: query {number} has no query text")
        if text in seen:
            raise JudgmentError(f"{path}: query {text!r} appears twice")
        seen.add(text)
        if not isinstance(judged, dict) or not judged:
            raise JudgmentError(f"{path}: query {text!r} has no judgments")
        grades: dict[str, int] = {}
        for slug, grade in judged.items():
            if grade not in GRADES:
                raise JudgmentError(f"{path}: query {text!r}: grade of {slug} must be 1, 2 or 3")
            grades[str(slug)] = int(grade)
        queries.append(Query(text, str(row.get("category", "")), str(row.get("note", "")).strip(), grades))
    return queries


# Metrics ---------------------------------------------------------------------------------------


def _dcg(grades: Iterable[int]) -> float:
    return sum((2.0**grade - 1.0) / math.log2(rank + 2) for rank, grade in enumerate(grades))


def ndcg(ranked: Sequence[str], judgments: Mapping[str, int], k: int = K) -> float:
    ideal = _dcg(sorted(judgments.values(), reverse=True)[:k])
    if ideal == 0:
        return 0.0
    return _dcg(judgments.get(slug, 0) for slug in ranked[:k]) / ideal


def recall(ranked: Sequence[str], judgments: Mapping[str, int], k: int = K) -> float:
    relevant = {slug for slug, grade in judgments.items() if grade > 0}
    if not relevant:
        return 0.0
    return len(relevant.intersection(ranked[:k])) / len(relevant)


def reciprocal_rank(ranked: Sequence[str], judgments: Mapping[str, int], k: int = K) -> float:
    for rank, slug in enumerate(ranked[:k], start=1):
        if judgments.get(slug, 0) > 0:
            return 1.0 / rank
    return 0.0


# The baseline ----------------------------------------------------------------------------------


def _is_word_character(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"


def bigrams(text: str) -> list[str]:
    """Overlapping character bigrams of each run of letters and digits (NFKC, casefolded)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    grams: list[str] = []
    run: list[str] = []
    for char in [*text, " "]:
        if _is_word_character(char):
            run.append(char)
            continue
        if len(run) == 1:
            grams.append(run[0])
        else:
            grams.extend(run[i] + run[i + 1] for i in range(len(run) - 1))
        run = []
    return grams


def strip_operators(query: str) -> str:
    """The query as the baseline sees it: no quotes, no exclusion marks."""
    words = query.replace('"', " ").replace("“", " ").replace("”", " ").split()
    return " ".join(word.lstrip("-") for word in words)


class BigramBM25:
    def __init__(self, documents: Mapping[str, str], *, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.frequencies: dict[str, Counter[str]] = {}
        self.lengths: dict[str, int] = {}
        self.document_frequency: Counter[str] = Counter()
        for key, text in documents.items():
            grams = Counter(bigrams(text))
            self.frequencies[key] = grams
            self.lengths[key] = sum(grams.values())
            self.document_frequency.update(grams.keys())
        self.count = len(self.frequencies)
        self.average_length = sum(self.lengths.values()) / self.count if self.count else 0.0

    def idf(self, gram: str) -> float:
        n = self.document_frequency.get(gram, 0)
        return math.log(1 + (self.count - n + 0.5) / (n + 0.5))

    def scores(self, query: str) -> dict[str, float]:
        grams = list(dict.fromkeys(bigrams(strip_operators(query))))
        scores: dict[str, float] = {}
        for key, frequencies in self.frequencies.items():
            norm = self.k1 * (1 - self.b + self.b * self.lengths[key] / self.average_length)
            score = 0.0
            for gram in grams:
                tf = frequencies.get(gram, 0)
                if tf:
                    score += self.idf(gram) * tf * (self.k1 + 1) / (tf + norm)
            if score > 0:
                scores[key] = score
        return scores

    def search(self, query: str, k: int = K) -> list[str]:
        scores = self.scores(query)
        return sorted(scores, key=lambda key: (-scores[key], key))[:k]


def weighted_text(fields: Mapping[str, str]) -> str:
    return "\n".join("\n".join([fields.get(name, "")] * weight) for name, weight in FIELD_WEIGHTS.items())


# Reading articles ------------------------------------------------------------------------------


def article_fields(article: Any) -> dict[str, str]:
    """Title, lead, tags and body text, read exactly as Kiji's indexer reads them (its tags field
    also carries the series and author names)."""
    from kiji.search.documents import article_fields as indexed_fields

    fields = indexed_fields(article)
    return {name: str(getattr(fields, name)) for name in FIELD_WEIGHTS}


def live_documents() -> dict[str, str]:
    """slug -> the baseline's weighted text, for every live article."""
    from kiji.articles.selectors import live_articles

    articles = (
        live_articles()
        .select_related("series")
        .prefetch_related("tagged_items__tag", "article_authors__author")
        .order_by("pk")
    )
    return {article.slug: weighted_text(article_fields(article)) for article in articles}


def kiji_ranker(person: Any = None) -> Ranker:
    """Kiji's own search, articles only, the first page of ten; `person` defaults to a staff reader."""
    from kiji.search.selectors import SearchFilters, Sort, search

    if person is None:
        person = _staff_reader()

    def rank(text: str) -> list[str]:
        results = search(
            person, text, filters=SearchFilters(kinds=frozenset({"article"})), sort=Sort.RELEVANCE, per_page=K
        )
        slugs = [hit.article.slug for hit in results.hits if hit.kind == "article"]
        return list(dict.fromkeys(slugs))

    return rank


def _staff_reader() -> Any:
    """An unsaved staff user: staff read everything, so paywalls play no part in ranking."""
    from django.contrib.auth import get_user_model

    user = get_user_model()(username="relevance-evaluation", is_staff=True, is_superuser=True)
    return user


# The evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    ndcg: float
    recall: float
    mrr: float

    @classmethod
    def of(cls, ranked: Sequence[str], judgments: Mapping[str, int]) -> Scores:
        return cls(ndcg(ranked, judgments), recall(ranked, judgments), reciprocal_rank(ranked, judgments))

    @classmethod
    def mean(cls, rows: Sequence[Scores]) -> Scores:
        if not rows:
            return cls(0.0, 0.0, 0.0)
        n = len(rows)
        return cls(
            sum(r.ndcg for r in rows) / n, sum(r.recall for r in rows) / n, sum(r.mrr for r in rows) / n
        )


@dataclass(frozen=True)
class Row:
    query: Query
    kiji: Scores
    baseline: Scores
    kiji_ranked: list[str]
    baseline_ranked: list[str]


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)

    @property
    def kiji(self) -> Scores:
        return Scores.mean([row.kiji for row in self.rows])

    @property
    def baseline(self) -> Scores:
        return Scores.mean([row.baseline for row in self.rows])

    def losses(self) -> list[Row]:
        return [row for row in self.rows if row.kiji.ndcg < row.baseline.ndcg]

    def by_category(self) -> dict[str, tuple[Scores, Scores, int]]:
        groups: dict[str, list[Row]] = {}
        for row in self.rows:
            groups.setdefault(row.query.category, []).append(row)
        return {
            name: (Scores.mean([r.kiji for r in rows]), Scores.mean([r.baseline for r in rows]), len(rows))
            for name, rows in groups.items()
        }


def evaluate(queries: Sequence[Query], kiji: Ranker, baseline: Ranker) -> Report:
    report = Report()
    for query in queries:
        kiji_ranked = kiji(query.text)[:K]
        baseline_ranked = baseline(query.text)[:K]
        report.rows.append(
            Row(
                query,
                Scores.of(kiji_ranked, query.judgments),
                Scores.of(baseline_ranked, query.judgments),
                kiji_ranked,
                baseline_ranked,
            )
        )
    return report


def run(*, person: Any = None, path: Path = JUDGMENTS) -> Report:
    """The whole evaluation on the database in use (the demo content loaded, the index built)."""
    queries = load_judgments(path)
    baseline = BigramBM25(live_documents())
    return evaluate(queries, kiji_ranker(person), baseline.search)
