"""関連コンテンツ: articles that are about the same thing, by what they say, not only their tags.

For an article, the most distinctive terms of its title, lead and body (tf-idf against the index
vocabulary) are asked of the index as one OR query, ranked by BM25. That content score is blended
with the series (same series: strongly related) and shared tags, and the best few are stored for
the article page. The worker does this after each publish, for the new article and for the
articles it now resembles, and once a day for recent articles.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from kiji.search import analyzer
from kiji.search.backends import Where, backend
from kiji.search.models import Kind, RelatedArticle, SearchDocument, Term

LIMIT = 6
DISTINCTIVE_TERMS = 16
CANDIDATES = 40
# Blend weights: content similarity (0–1), same series, shared tags (Jaccard, 0–1).
CONTENT, SERIES, TAGS = 1.0, 0.35, 0.4
TITLE_BOOST = 3


@dataclass(frozen=True)
class Scored:
    article_id: int
    score: float


def distinctive_terms(doc: SearchDocument, *, limit: int = DISTINCTIVE_TERMS) -> list[str]:
    counts: Counter[str] = Counter()
    for field, boost in ((doc.title, TITLE_BOOST), (doc.lead, 2), (doc.tags, 2), (doc.body, 1)):
        for term in analyzer.index_terms(field):
            if not term.isdigit() and (len(term) > 1 or not term.isascii()):
                counts[term] += boost
    if not counts:
        return []
    total = SearchDocument.objects.filter(kind=Kind.ARTICLE).count() or 1
    frequency = dict(Term.objects.filter(term__in=list(counts)).values_list("term", "doc_count"))

    def weight(term: str) -> float:
        df = frequency.get(term, 1)
        # Words in most articles (企業, 日本) say little about this one.
        return (1 + math.log(counts[term])) * math.log((total + 1) / (df + 0.5))

    ranked = sorted(counts, key=weight, reverse=True)
    return [term for term in ranked if weight(term) > 0][:limit]


def _tags_of(article_ids: list[int]) -> dict[int, set[int]]:
    from kiji.articles.models import ArticleTag

    tags: dict[int, set[int]] = {pk: set() for pk in article_ids}
    for article_id, tag_id in ArticleTag.objects.filter(content_object_id__in=article_ids).values_list(
        "content_object_id", "tag_id"
    ):
        tags[article_id].add(tag_id)
    return tags


def compute(article_id: int, *, limit: int = LIMIT) -> list[Scored]:
    """The related articles of one article, best first (nothing is stored)."""
    doc = SearchDocument.objects.filter(kind=Kind.ARTICLE, article_id=article_id).first()
    if doc is None:
        return []
    terms = distinctive_terms(doc)
    where = Where(
        "d.kind = 'article' AND d.article_id <> %s AND d.published_at <= %s",
        (article_id, timezone.now()),
        facets=(("ka",),),
    )
    found = backend().match_any([(term,) for term in terms], where, CANDIDATES) if terms else []
    docs = dict(SearchDocument.objects.filter(pk__in=[pk for pk, _ in found]).values_list("pk", "article_id"))
    content = {docs[pk]: score for pk, score in found if pk in docs}
    if doc.series_id:
        siblings = SearchDocument.objects.filter(
            kind=Kind.ARTICLE, series_id=doc.series_id, published_at__lte=timezone.now()
        ).exclude(article_id=article_id)
        for other in siblings.values_list("article_id", flat=True)[:CANDIDATES]:
            content.setdefault(other, 0.0)
    if not content:
        return []
    best = max(content.values()) or 1.0
    series_of = dict(
        SearchDocument.objects.filter(kind=Kind.ARTICLE, article_id__in=list(content)).values_list(
            "article_id", "series_id"
        )
    )
    tags = _tags_of([article_id, *content])
    mine = tags[article_id]
    scored = []
    for other, score in content.items():
        shared = len(mine & tags[other]) / len(mine | tags[other]) if mine or tags[other] else 0.0
        same_series = bool(doc.series_id) and series_of.get(other) == doc.series_id
        scored.append(Scored(other, CONTENT * score / best + SERIES * same_series + TAGS * shared))
    scored.sort(key=lambda s: (-s.score, -s.article_id))
    return scored[:limit]


@transaction.atomic
def refresh(article_id: int) -> list[int]:
    """Recompute and store one article's related list; returns the related ids."""
    scored = compute(article_id)
    RelatedArticle.objects.filter(article_id=article_id).delete()
    RelatedArticle.objects.bulk_create(
        RelatedArticle(article_id=article_id, other_id=s.article_id, rank=rank, score=s.score)
        for rank, s in enumerate(scored)
    )
    return [s.article_id for s in scored]


def refresh_after_publish(article_id: int) -> int:
    """The new article's list, and the lists of the articles it resembles (they may now list it)."""
    from kiji.core import pagecache

    neighbours = refresh(article_id)
    for other in neighbours:
        refresh(other)
    pagecache.invalidate()
    return len(neighbours) + 1


def refresh_recent(*, days: int = 90) -> int:
    since = timezone.now() - timedelta(days=days)
    ids = SearchDocument.objects.filter(kind=Kind.ARTICLE, published_at__gte=since).values_list(
        "article_id", flat=True
    )
    count = 0
    for article_id in ids.iterator():
        refresh(article_id)
        count += 1
    return count


def related_ids(article_id: int) -> list[int]:
    return list(
        RelatedArticle.objects.filter(article_id=article_id)
        .order_by("rank")
        .values_list("other_id", flat=True)
    )
