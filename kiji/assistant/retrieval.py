"""What the assistant may read to answer a member: paragraph-sized passages of articles and visible
comments, found through the search index and filtered by the access ladder before anything else.

A passage enters the context only if the asker may read its text now: article bodies by
`access.text_visible_now` (otherwise the title and lead only, which everyone sees), comments by
the same SQL filter as search (walls, hidden or deleted comments, members the asker blocks).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.utils import timezone

from kiji.articles.anchors import anchor
from kiji.core import access
from kiji.search import analyzer
from kiji.search.backends import backend
from kiji.search.documents import PAGE_BREAK, paragraph_lines
from kiji.search.models import Kind, SearchDocument, Term
from kiji.search.selectors import SearchFilters, url_maker, where_for

QUESTION_MAX = 500  # characters
CANDIDATE_DOCS = 24
MAX_PASSAGES = 8
PER_ARTICLE = 3
PASSAGE_CHARS = 600
RECENT_DAYS = 180
YEAR_BOOST = 2.0
# A year as a date (2024年の, 2024年に), not as part of a name (2024年問題).
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?![\u3005\u30a0-\u30ff\u4e00-\u9fff])")
_LATEST = ("最新", "最近", "直近", "いま", "今年", "latest", "recent")


class QuestionError(ValueError):
    """A question that cannot be asked as it is (empty, too long)."""


@dataclass(frozen=True)
class Passage:
    number: int  # its citation number in the context, from 1
    kind: str  # "article" or "comment"
    article_id: int
    article_slug: str
    article_title: str
    published_at: datetime
    text: str
    url: str
    comment_id: int | None = None
    page: int = 1  # the article page the paragraph is on
    paragraph: int = 0  # 0: title and lead; then the body's paragraphs, counted from 1


@dataclass(frozen=True)
class Context:
    question: str
    terms: tuple[str, ...]
    passages: tuple[Passage, ...]
    weights: dict[str, float]  # idf of each question term
    # Sentences this conversation's earlier answers already gave: a follow-up is answered with
    # something new, or declined, rather than repeated.
    said: frozenset[str] = frozenset()


def clean_text(text: str) -> str:
    """Member and article text as data: format characters (zero-width, bidi controls, Unicode
    tag characters) and control characters other than line breaks removed, NFKC applied."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cs")
    )


def _dates(question: str) -> tuple[int | None, bool]:
    """(year, latest): a year asked about ("2024年の"), or a wish for the latest."""
    year = _YEAR.search(question)
    folded = question.casefold()
    return (int(year.group(1)) if year else None), any(word in folded for word in _LATEST)


def _when(published: datetime, now: datetime, year: int | None, latest: bool) -> float:
    """Date awareness as a weight: the year asked about, or recency when the latest is asked for."""
    if year is not None:
        return YEAR_BOOST if timezone.localtime(published).year == year else 1.0
    if latest:
        return 1 / (1 + max(0, (now - published).days) / RECENT_DAYS)
    return 1.0


def _weights(terms: tuple[str, ...]) -> dict[str, float]:
    total = SearchDocument.objects.count() or 1
    counts = dict(Term.objects.filter(term__in=terms).values_list("term", "doc_count"))
    return {t: math.log(1 + total / (1 + counts.get(t, 0))) for t in terms}


@dataclass(frozen=True)
class _Wall:
    pk: int
    access_level: str


def _paragraphs(doc: SearchDocument) -> list[tuple[int, int, str]]:
    """(page, paragraph number, text) of a body, long paragraphs cut at sentence ends."""
    found: list[tuple[int, int, str]] = []
    number = 0
    for page, text in enumerate(doc.body.split(PAGE_BREAK), start=1):
        for paragraph in paragraph_lines(text):  # as kiji.articles.anchors numbers them: id="p12"
            number += 1
            while len(paragraph) > PASSAGE_CHARS:
                cut = paragraph.rfind("。", 0, PASSAGE_CHARS) + 1 or PASSAGE_CHARS
                found.append((page, number, paragraph[:cut]))
                paragraph = paragraph[cut:].strip()
            if paragraph:
                found.append((page, number, paragraph))
    return found


def _score(text: str, weights: dict[str, float]) -> float:
    counts: dict[str, int] = {}
    for term in analyzer.index_terms(text):
        if term in weights:
            counts[term] = counts.get(term, 0) + 1
    if not counts:
        return 0.0
    return sum(weights[t] * (1 + math.log(n)) for t, n in counts.items()) / math.sqrt(1 + len(text) / 200)


def retrieve(
    person: Any, question: str, *, article_id: int | None = None, now: datetime | None = None
) -> Context:
    """The passages that best answer `question` among what `person` may read now, numbered."""
    from kiji.comments.models import Comment

    question = clean_text(question).strip()
    if not question:
        raise QuestionError("empty")
    if len(question) > QUESTION_MAX:
        raise QuestionError("too_long")
    now = now or timezone.now()
    terms = tuple(t for t in dict.fromkeys(analyzer.index_terms(question)) if t)
    weights = _weights(terms)
    if not terms:
        return Context(question, terms, (), weights)
    year, latest = _dates(question)
    where = where_for(person, SearchFilters(), now=now)
    if article_id is not None:
        where = replace(where, sql=f"{where.sql} AND d.article_id = %s", params=(*where.params, article_id))
    found = backend().match_any([(t,) for t in terms], where, CANDIDATE_DOCS, window=None)
    docs = SearchDocument.objects.filter(pk__in=[pk for pk, _ in found]).select_related("article")
    visible_comments = set(
        Comment.objects.filter(pk__in=[d.comment_id for d in docs if d.comment_id])
        .filter(status=Comment.Status.PUBLISHED, author__isnull=False)
        .values_list("pk", flat=True)
    )
    article_url = url_maker("articles:article")
    scored: list[tuple[float, Passage]] = []
    for doc in docs:
        page_obj = doc.article
        if not page_obj.live:
            continue
        base = Passage(
            number=0,
            kind=doc.kind,
            article_id=doc.article_id,
            article_slug=page_obj.slug,
            article_title=clean_text(page_obj.title),
            published_at=doc.published_at,
            text="",
            url=article_url(page_obj.slug),
        )
        recency = _when(doc.published_at, now, year, latest)
        if doc.kind == Kind.COMMENT:
            if doc.comment_id not in visible_comments:
                continue  # hidden, deleted or withdrawn since it was indexed
            text = clean_text(doc.body)
            root = f"/comments/{doc.comment_id}/#comment-{doc.comment_id}"
            passage = replace(base, text=text, url=root, comment_id=doc.comment_id)
            scored.append((_score(text, weights) * recency, passage))
            continue
        head = clean_text(f"{doc.title}\n{doc.lead}")
        head_url = f"{base.url}#{anchor(0)}"
        scored.append((_score(head, weights) * recency, replace(base, text=head, url=head_url)))
        if not access.text_visible_now(person, _Wall(doc.article_id, doc.access_level)):
            continue  # walled for this member: the title and lead only
        for page, paragraph, text in _paragraphs(doc):
            # The page as the article's pager links it, then the paragraph's anchor on that page.
            page_url = base.url if page == 1 else f"{base.url}?page={page}"
            url = f"{page_url}#{anchor(paragraph)}"
            passage = replace(base, text=clean_text(text), url=url, page=page, paragraph=paragraph)
            scored.append((_score(text, weights) * recency, passage))
    chosen: list[Passage] = []
    per_article: dict[int, int] = {}
    for score, passage in sorted(scored, key=lambda item: -item[0]):
        if score <= 0 or len(chosen) >= MAX_PASSAGES:
            break
        if per_article.get(passage.article_id, 0) >= PER_ARTICLE:
            continue
        per_article[passage.article_id] = per_article.get(passage.article_id, 0) + 1
        chosen.append(replace(passage, number=len(chosen) + 1))
    return Context(question, terms, tuple(chosen), weights)
