"""Search: a reader's query in, a page of access-filtered results with snippets out.

Every result passes the access ladder: walled article bodies are searched, but a reader who may
not read one now sees only its title and lead; comments appear only where the reader may read the
article's comments, never hidden or deleted ones, never those of members the reader blocks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, cast

from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kiji.core import access
from kiji.search import query as query_module
from kiji.search.backends import Order, Where, backend
from kiji.search.models import Kind, SearchDocument
from kiji.search.snippets import highlight, snippet

COUNT_CAP = 1000  # "1,000件以上": counting further costs time and tells the reader nothing
FALLBACK_BELOW = 10  # fewer morphological matches than this: add character-gram matches
FALLBACK_CAP = 200
MAX_PAGE = 50
ANALYSED_SNIPPETS = 3


class Sort(StrEnum):
    RELEVANCE = "relevance"
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True)
class SearchFilters:
    kinds: frozenset[str] = frozenset({Kind.ARTICLE, Kind.COMMENT})
    tags: tuple[str, ...] = ()  # tag slugs, any of them
    series: str = ""  # series slug
    author: str = ""  # author slug
    since: date | None = None
    until: date | None = None


@dataclass
class Hit:
    kind: str
    doc_id: int
    score: float
    article: Any  # ArticlePage, card-ready
    comment: Any = None  # Comment with author__profile
    title: SafeString = field(default_factory=lambda: SafeString(""))
    snippet: SafeString = field(default_factory=lambda: SafeString(""))
    walled: bool = False  # the reader sees only title and lead
    partial: bool = False  # a looser match: some words only, or their characters inside other words
    url: str = ""
    author_name: str = ""


@dataclass
class SearchResults:
    query: query_module.Query
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    capped: bool = False  # more than COUNT_CAP matched
    page: int = 1
    per_page: int = 20
    sort: Sort = Sort.RELEVANCE
    filters: SearchFilters = field(default_factory=SearchFilters)
    used_fallback: bool = False
    strict_total: int = 0  # results with every part of the query; the rest are looser matches
    suggestion: str = ""

    @property
    def has_next(self) -> bool:
        return self.page * self.per_page < self.total and self.page < MAX_PAGE

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def problem(self) -> str:
        return self.query.problem


def _tokyo_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def where_for(person: Any, filters: SearchFilters, *, now: datetime | None = None) -> Where:
    """The SQL (over documents `d`) for what this person may find, narrowed by the filters."""
    from kiji.articles.models import ArticleAuthor, ArticleTag, Author, Tag

    sql = ["d.published_at <= %s"]
    params: list[object] = [now or timezone.now()]
    kinds = sorted(k for k in filters.kinds if k in Kind.values) or list(Kind.values)
    sql.append(f"d.kind IN ({', '.join(['%s'] * len(kinds))})")
    params.extend(kinds)
    if Kind.COMMENT in kinds:
        levels, opened = access.walls_open_now(person)
        blocking = sorted(access.status_of(person).blocks()[0]) if person and person.is_authenticated else []
        open_sql = f"d.access_level IN ({', '.join(['%s'] * len(levels))})"
        open_params: list[object] = [*sorted(levels)]
        if opened:
            open_sql += f" OR d.article_id IN ({', '.join(['%s'] * len(opened))})"
            open_params.extend(sorted(opened))
        comment_sql = f"({open_sql})"
        if blocking:
            comment_sql += f" AND d.member_id NOT IN ({', '.join(['%s'] * len(blocking))})"
            open_params.extend(blocking)
        sql.append(f"(d.kind = 'article' OR ({comment_sql}))")
        params.extend(open_params)
    if filters.series:
        from kiji.articles.models import Series

        sql.append(f"d.series_id IN (SELECT id FROM {Series._meta.db_table} WHERE slug = %s)")  # noqa: S608
        params.append(filters.series)
    if filters.tags:
        tagged, tags = ArticleTag._meta.db_table, Tag._meta.db_table
        sql.append(
            f"d.article_id IN (SELECT t.content_object_id FROM {tagged} t JOIN {tags} g ON g.id = t.tag_id "  # noqa: S608
            f"WHERE g.slug IN ({', '.join(['%s'] * len(filters.tags))}))"
        )
        params.extend(filters.tags)
    if filters.author:
        links, authors = ArticleAuthor._meta.db_table, Author._meta.db_table
        sql.append(
            f"d.article_id IN (SELECT l.page_id FROM {links} l JOIN {authors} a ON a.id = l.author_id "  # noqa: S608
            "WHERE a.slug = %s)"
        )
        params.append(filters.author)
    if filters.since:
        sql.append("d.published_at >= %s")
        params.append(_tokyo_midnight(filters.since))
    if filters.until:
        sql.append("d.published_at < %s")
        params.append(_tokyo_midnight(filters.until + timedelta(days=1)))
    return Where(" AND ".join(sql), tuple(params))


def _ranked(
    parsed: query_module.Query, where: Where, sort: Sort, page: int, per_page: int
) -> tuple[list[tuple[int, float]], int, bool, int]:
    """(ids with scores for this page, total, capped, how many match strictly).

    Every required part matching comes first. When that finds fewer than FALLBACK_BELOW, looser
    matches follow, best first: character grams (compound parts, other verb forms), then
    documents with only some of the words (ranked by how many and how distinctive).
    """
    index = backend()
    order = cast(Order, str(sort))
    offset = (page - 1) * per_page
    total = index.count(parsed, "words", where, COUNT_CAP + 1) if parsed.words else 0
    if total >= FALLBACK_BELOW or not parsed.grams:
        found = index.match(parsed, "words", where, order, per_page, offset) if total else []
        return found, min(total, COUNT_CAP), total > COUNT_CAP, min(total, COUNT_CAP)
    merged = index.match(parsed, "words", where, order, FALLBACK_BELOW, 0) if total else []
    seen = {doc_id for doc_id, _ in merged}
    strict = len(merged)
    looser = [index.match(parsed, "grams", where, "relevance", FALLBACK_CAP, 0)]
    # Some of the words: each part, and the longer pieces of compounds (人手 of 人手不足).
    pieces = [(term,) for phrase in parsed.words if len(phrase) > 1 for term in phrase if len(term) > 1]
    parts = list(dict.fromkeys([*parsed.words, *pieces]))
    if len(parts) > 1:
        looser.append(index.match_any(parts, where, FALLBACK_CAP, parsed.excluded_words))
    for found in looser:
        for doc_id, score in found:
            if doc_id not in seen:
                seen.add(doc_id)
                merged.append((doc_id, score))
    if sort is not Sort.RELEVANCE and len(merged) > strict:
        dates = dict(SearchDocument.objects.filter(pk__in=seen).values_list("pk", "published_at"))
        merged.sort(key=lambda item: dates[item[0]], reverse=sort is Sort.NEWEST)
    return merged[offset : offset + per_page], len(merged), False, strict


def _hydrate(person: Any, parsed: query_module.Query, ranked: list[tuple[int, float]]) -> list[Hit]:
    from kiji.articles.selectors import with_cards
    from kiji.comments.models import Comment

    docs = {
        d.pk: d
        for d in SearchDocument.objects.filter(pk__in=[doc_id for doc_id, _ in ranked]).only(
            "id", "kind", "article_id", "comment_id", "title", "lead", "body"
        )
    }
    article_ids = {d.article_id for d in docs.values()}
    # Cards never show the body: leaving it out saves decoding 20 StreamFields.
    articles = {a.pk: a for a in with_cards(_live_articles().filter(pk__in=article_ids)).defer("body")}
    comment_ids = [d.comment_id for d in docs.values() if d.comment_id]
    comments = {c.pk: c for c in Comment.objects.filter(pk__in=comment_ids).select_related("author__profile")}
    needles, terms = parsed.highlights, frozenset(t for p in parsed.words for t in p)
    # Reading a body with the analyzer (written forms differ from the query's) costs ~1 ms per
    # 1,000 characters: a page does it for a few results at most; the rest show their opening.
    analyses = ANALYSED_SNIPPETS
    hits: list[Hit] = []
    for doc_id, score in ranked:
        doc = docs.get(doc_id)
        article = articles.get(doc.article_id) if doc else None
        if doc is None or article is None:
            continue  # gone since it was indexed
        hit = Hit(kind=doc.kind, doc_id=doc_id, score=score, article=article)
        if doc.kind == Kind.COMMENT:
            comment = comments.get(doc.comment_id or 0)
            if comment is None or not comment.is_visible:
                continue
            from kiji.privacy.selectors import disclosed_profile

            hit.comment = comment
            hit.author_name = str(disclosed_profile(getattr(comment.author, "profile", None)).display_name)
            hit.title = highlight(article.title, ())
            hit.snippet = snippet(doc.body, needles, terms, analyse=analyses > 0).html
            analyses -= 1
            root = comment.parent_id or comment.pk
            hit.url = f"/comments/{root}/#comment-{comment.pk}"
        else:
            url = reverse("articles:article", kwargs={"slug": article.slug})
            hit.title = highlight(doc.title, needles, terms)
            hit.walled = not access.text_visible_now(person, article)
            if hit.walled:
                hit.snippet = snippet(doc.lead, needles, terms).html
                hit.url = url
            else:
                lead = snippet(doc.lead, needles, terms)
                analyse = analyses > 0 and "<mark>" not in lead.html
                best = snippet(doc.body, needles, terms, analyse=analyse)
                analyses -= analyse
                use_lead = "<mark>" in lead.html and "<mark>" not in best.html
                hit.snippet = lead.html if use_lead else best.html
                hit.url = url if use_lead or best.page == 1 else f"{url}?page={best.page}"
        hits.append(hit)
    return hits


def _live_articles() -> Any:
    from kiji.articles.selectors import live_articles

    return live_articles()


def search(
    person: Any,
    text: str,
    *,
    filters: SearchFilters | None = None,
    sort: Sort = Sort.RELEVANCE,
    page: int = 1,
    per_page: int = 20,
) -> SearchResults:
    filters = filters or SearchFilters()
    parsed = query_module.parse(text)
    page = max(1, min(page, MAX_PAGE))
    results = SearchResults(query=parsed, page=page, per_page=per_page, sort=sort, filters=filters)
    if parsed.problem or parsed.is_empty:
        return results
    where = where_for(person, filters)
    ranked, total, capped, strict = _ranked(parsed, where, sort, page, per_page)
    results.total, results.capped, results.strict_total = total, capped, strict
    results.used_fallback = total > strict
    results.hits = _hydrate(person, parsed, ranked)
    first = (page - 1) * per_page
    for position, hit in enumerate(results.hits, start=first):
        hit.partial = position >= strict
    if results.total == 0:
        from kiji.search.vocabulary import suggest

        results.suggestion = suggest(parsed)
    return results


def describe_total(results: SearchResults) -> str:
    if results.capped:
        return _("%(count)s件以上") % {"count": f"{COUNT_CAP:,}"}
    return _("%(count)s件") % {"count": f"{results.total:,}"}
