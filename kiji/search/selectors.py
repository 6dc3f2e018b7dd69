"""Search: a reader's query in, a page of access-filtered results with snippets out.

Every result passes the access ladder: walled article bodies are searched, but a reader who may
not read one now sees only its title and lead; comments appear only where the reader may read the
article's comments, never hidden or deleted ones, never those of members the reader blocks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, cast
from urllib.parse import quote

from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kiji.core import access
from kiji.search import query as query_module
from kiji.search.backends import Order, Where, backend
from kiji.search.models import Kind, SearchDocument
from kiji.search.snippets import highlight, mentions, snippet

COUNT_CAP = 1000  # "1,000件以上": counting further costs time and tells the reader nothing
FALLBACK_BELOW = 10  # fewer morphological matches than this: add character-gram matches
FALLBACK_CAP = 200
FALLBACK_WINDOW = 500
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
    article: Card
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


MONTH_FACETS_AT_MOST = 36  # a longer date range is left to the SQL test alone


def _months(since: datetime, until: datetime) -> tuple[str, ...]:
    """The month facets (documents.month) of every moment in [since, until)."""
    first, last = since.astimezone(UTC), (until - timedelta(microseconds=1)).astimezone(UTC)
    found: list[str] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month) and len(found) <= MONTH_FACETS_AT_MOST:
        found.append(f"m{year:04d}{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(found) if len(found) <= MONTH_FACETS_AT_MOST else ()


def where_for(person: Any, filters: SearchFilters, *, now: datetime | None = None) -> Where:
    """The SQL (over documents `d`) for what this person may find, narrowed by the filters, and
    the filters again as facet tokens, for the full-text index to apply while it matches."""
    from kiji.articles.models import ArticleAuthor, ArticleTag, Author, Series, Tag

    now = now or timezone.now()
    sql = ["d.published_at <= %s"]
    # Raw SQL gets datetimes as the database stores them (SQLite: naive UTC text, which an aware
    # Tokyo datetime would compare with nine hours off).
    moment = connection.ops.adapt_datetimefield_value
    params: list[object] = [moment(now)]
    facets: list[tuple[str, ...]] = []
    kinds = sorted(k for k in filters.kinds if k in Kind.values) or list(Kind.values)
    sql.append(f"d.kind IN ({', '.join(['%s'] * len(kinds))})")
    params.extend(kinds)
    if len(kinds) == 1:
        facets.append((f"k{kinds[0][0]}",))
    if Kind.COMMENT in kinds:
        levels, opened = access.walls_open_now(person)
        member = person is not None and person.is_authenticated and person.pk is not None
        blocking = sorted(access.status_of(person).blocks()[0]) if member else []
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
        series = list(Series.objects.filter(slug=filters.series).values_list("pk", flat=True))
        sql.append(f"d.series_id IN (SELECT id FROM {Series._meta.db_table} WHERE slug = %s)")  # noqa: S608
        params.append(filters.series)
        facets.append(tuple(f"s{pk}" for pk in series) or ("s0",))
    if filters.tags:
        tagged, tags = ArticleTag._meta.db_table, Tag._meta.db_table
        sql.append(
            f"d.article_id IN (SELECT t.content_object_id FROM {tagged} t JOIN {tags} g ON g.id = t.tag_id "  # noqa: S608
            f"WHERE g.slug IN ({', '.join(['%s'] * len(filters.tags))}))"
        )
        params.extend(filters.tags)
        found = Tag.objects.filter(slug__in=filters.tags).values_list("pk", flat=True)
        facets.append(tuple(f"t{pk}" for pk in sorted(found)) or ("t0",))
    if filters.author:
        links, authors = ArticleAuthor._meta.db_table, Author._meta.db_table
        sql.append(
            f"d.article_id IN (SELECT l.page_id FROM {links} l JOIN {authors} a ON a.id = l.author_id "  # noqa: S608
            "WHERE a.slug = %s)"
        )
        params.append(filters.author)
        found = Author.objects.filter(slug=filters.author).values_list("pk", flat=True)
        facets.append(tuple(f"w{pk}" for pk in found) or ("w0",))
    since = _tokyo_midnight(filters.since) if filters.since else None
    until = _tokyo_midnight(filters.until + timedelta(days=1)) if filters.until else None
    if since:
        sql.append("d.published_at >= %s")
        params.append(moment(since))
    if until:
        sql.append("d.published_at < %s")
        params.append(moment(until))
    if since and (months := _months(since, min(until or now, now))):
        facets.append(months)
    return Where(" AND ".join(sql), tuple(params), facets=tuple(facets), since=since)


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
    found, total = (
        index.page(parsed, where, order, per_page, offset, COUNT_CAP + 1) if parsed.words else ([], 0)
    )
    if total >= FALLBACK_BELOW or not parsed.grams:
        return found, min(total, COUNT_CAP), total > COUNT_CAP, min(total, COUNT_CAP)
    # Fewer full matches than FALLBACK_BELOW: all of them, then the looser ones.
    merged = (
        found if offset == 0 and len(found) == total else index.match(parsed, "words", where, order, total)
    )
    seen = {doc_id for doc_id, _ in merged}
    strict = len(merged)
    # Looser matches are ranked among the most recent FALLBACK_WINDOW candidates only.
    grams = index.match(
        parsed, "grams", where, "relevance", FALLBACK_CAP, 0, windows=(FALLBACK_WINDOW,), exhaustive=False
    )
    looser = [grams]
    # Some of the words: each part, and the longer pieces of compounds (人手 of 人手不足).
    pieces = [(term,) for phrase in parsed.words if len(phrase) > 1 for term in phrase if len(term) > 1]
    parts = list(dict.fromkeys([*parsed.words, *pieces]))
    if len(parts) > 1:
        looser.append(
            index.match_any(parts, where, FALLBACK_CAP, parsed.excluded_words, window=FALLBACK_WINDOW)
        )
    for found in looser:
        for doc_id, score in found:
            if doc_id not in seen:
                seen.add(doc_id)
                merged.append((doc_id, score))
    if sort is not Sort.RELEVANCE and len(merged) > strict:
        dates = dict(SearchDocument.objects.filter(pk__in=seen).values_list("pk", "published_at"))
        merged.sort(key=lambda item: dates[item[0]], reverse=sort is Sort.NEWEST)
    return merged[offset : offset + per_page], len(merged), False, strict


@dataclass(frozen=True)
class Link:
    name: str
    url: str


@dataclass(frozen=True)
class Card:
    """What a hit shows of its article, read as plain values: building 20 Wagtail pages with
    their prefetches cost more than the search itself."""

    pk: int
    slug: str
    title: str
    access_level: str
    published_at: datetime
    url: str
    series: Link | None = None
    authors: tuple[str, ...] = ()
    tags: tuple[Link, ...] = ()

    @property
    def members_only(self) -> bool:
        return self.access_level != access.ArticleAccess.FREE

    @property
    def premium_only(self) -> bool:
        return self.access_level == access.ArticleAccess.PREMIUM


def url_maker(name: str) -> Callable[[str], str]:
    """reverse() for many slugs at once: the pattern is resolved once, each slug quoted as
    reverse() quotes it (a reverse() per link was a tenth of a search's time)."""
    placeholder = "kiji-slug-placeholder"
    pattern = reverse(name, kwargs={"slug": placeholder})
    before, after = pattern.split(placeholder)
    return lambda slug: before + quote(slug, safe=RFC3986_SUBDELIMS + "/~:@") + after


def _cards(article_ids: set[int]) -> dict[int, Card]:
    """The cards of the live ones among these articles, in three plain queries (building them
    through the ORM cost three times what running them does)."""
    from wagtail.models import Page

    from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag, Author, Series, Tag

    if not article_ids:
        return {}
    ids = sorted(article_ids)
    listed = ", ".join(["%s"] * len(ids))
    article_url, series_url, tag_url = (
        url_maker("articles:article"),
        url_maker("articles:series"),
        url_maker("articles:tag"),
    )
    authors: dict[int, list[str]] = defaultdict(list)
    tags: dict[int, list[Link]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT l.page_id, a.name FROM {ArticleAuthor._meta.db_table} l "  # noqa: S608
            f"JOIN {Author._meta.db_table} a ON a.id = l.author_id "
            f"WHERE l.page_id IN ({listed}) ORDER BY l.page_id, l.sort_order, l.id",
            ids,
        )
        for page_id, name in cursor.fetchall():
            authors[page_id].append(name)
        cursor.execute(
            f"SELECT t.content_object_id, g.name, g.slug FROM {ArticleTag._meta.db_table} t "  # noqa: S608
            f"JOIN {Tag._meta.db_table} g ON g.id = t.tag_id "
            f"WHERE t.content_object_id IN ({listed}) ORDER BY g.name, g.id",
            ids,
        )
        for page_id, name, slug in cursor.fetchall():
            tags[page_id].append(Link(name, tag_url(slug)))
        cursor.execute(
            f"SELECT p.id, p.slug, p.title, a.access_level, a.published_at, s.name, s.slug "  # noqa: S608
            f"FROM {Page._meta.db_table} p JOIN {ArticlePage._meta.db_table} a ON a.page_ptr_id = p.id "
            f"LEFT JOIN {Series._meta.db_table} s ON s.id = a.series_id "
            f"WHERE p.id IN ({listed}) AND p.live AND a.published_at <= %s",
            [*ids, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        rows = cursor.fetchall()
    return {
        pk: Card(
            pk=pk,
            slug=slug,
            title=title,
            access_level=level,
            published_at=_aware(published),
            url=article_url(slug),
            series=Link(series_name, series_url(series_slug)) if series_slug else None,
            authors=tuple(authors[pk]),
            tags=tuple(tags[pk]),
        )
        for pk, slug, title, level, published, series_name, series_slug in rows
    }


def _aware(value: Any) -> datetime:
    # Raw SQL: SQLite hands back naive UTC (as text or datetime), PostgreSQL aware datetimes.
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        raise ValueError(f"not a datetime: {value!r}")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def _hydrate(person: Any, parsed: query_module.Query, ranked: list[tuple[int, float]]) -> list[Hit]:
    from kiji.comments.models import Comment
    from kiji.privacy.selectors import disclosed_profile

    docs = {
        d.pk: d
        for d in SearchDocument.objects.filter(pk__in=[doc_id for doc_id, _ in ranked]).only(
            "id", "kind", "article_id", "comment_id", "title", "lead", "tags", "body"
        )
    }
    cards = _cards({d.article_id for d in docs.values()})
    comment_ids = [d.comment_id for d in docs.values() if d.comment_id]
    comments = (
        {c.pk: c for c in Comment.objects.filter(pk__in=comment_ids).select_related("author__profile")}
        if comment_ids
        else {}
    )
    needles, terms = parsed.highlights, frozenset(t for p in parsed.words for t in p)
    # Reading a body with the analyzer (written forms differ from the query's) costs ~1 ms per
    # 1,000 characters: a page does it for a few results at most; the rest show their opening.
    analyses = ANALYSED_SNIPPETS
    hits: list[Hit] = []
    for doc_id, score in ranked:
        doc = docs.get(doc_id)
        card = cards.get(doc.article_id) if doc else None
        if doc is None or card is None:
            continue  # gone since it was indexed
        hit = Hit(kind=doc.kind, doc_id=doc_id, score=score, article=card)
        if doc.kind == Kind.COMMENT:
            comment = comments.get(doc.comment_id or 0)
            if comment is None or not comment.is_visible:
                continue
            hit.comment = comment
            hit.author_name = str(disclosed_profile(getattr(comment.author, "profile", None)).display_name)
            hit.title = highlight(card.title, ())
            hit.snippet = snippet(doc.body, needles, terms, analyse=analyses > 0).html
            analyses -= 1
            root = comment.parent_id or comment.pk
            hit.url = f"/comments/{root}/#comment-{comment.pk}"
        else:
            hit.title = highlight(doc.title, needles, terms)
            hit.walled = not access.text_visible_now(person, card)
            if hit.walled:
                hit.snippet = snippet(doc.lead, needles, terms).html
                hit.url = card.url
            else:
                lead = snippet(doc.lead, needles, terms)
                # Reading the body pays only when nothing else shows why the article matched.
                explained = "<mark>" in lead.html or "<mark>" in hit.title or mentions(doc.tags, needles)
                analyse = analyses > 0 and not explained
                best = snippet(doc.body, needles, terms, analyse=analyse)
                analyses -= analyse
                use_lead = "<mark>" in lead.html and "<mark>" not in best.html
                hit.snippet = lead.html if use_lead else best.html
                hit.url = card.url if use_lead or best.page == 1 else f"{card.url}?page={best.page}"
        hits.append(hit)
    return hits


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
