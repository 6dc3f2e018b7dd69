"""Keeping the index in step with articles and comments.

The task worker calls `index_article` and `index_comment` after each publish, edit, unpublish,
delete and moderation; `reindex_all` rebuilds everything (`manage.py reindex`).
"""

from __future__ import annotations

import heapq
import logging
import multiprocessing
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from itertools import islice
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet

from kiji.search import analyzer
from kiji.search.backends import backend
from kiji.search.documents import (
    Fields,
    IndexedText,
    article_fields,
    comment_fields,
    facets,
    indexed_text,
    taxonomy,
)
from kiji.search.models import Kind, SearchDocument

log = logging.getLogger(__name__)

BATCH = 500
Progress = Callable[[int, int], None]


class StaleIndex(RuntimeError):
    """The index was built by another analyzer: only a full rebuild can change it now."""


def _articles() -> QuerySet[Any]:
    from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag

    queryset: QuerySet[Any] = (
        ArticlePage.objects.live()
        .select_related("series")
        .prefetch_related(
            Prefetch("tagged_items", queryset=ArticleTag.objects.select_related("tag").order_by("tag__name")),
            Prefetch(
                "article_authors",
                queryset=ArticleAuthor.objects.select_related("author").order_by("sort_order"),
            ),
        )
    )
    return queryset


def _visible_comments() -> QuerySet[Any]:
    from kiji.comments.models import Comment

    return Comment.objects.filter(
        status=Comment.Status.PUBLISHED, author__isnull=False, article__live=True
    ).select_related("article")


def _stored_fields(doc: SearchDocument) -> Fields:
    return Fields(title=doc.title, lead=doc.lead, tags=doc.tags, body=doc.body, facets=doc.facets)


def _forget(doc: SearchDocument) -> None:
    if doc.signature != analyzer.SIGNATURE:
        raise StaleIndex(f"document {doc.pk} was indexed by {doc.signature}; run manage.py reindex")
    backend().remove(doc.pk, indexed_text(_stored_fields(doc)))


def _keep(doc: SearchDocument, fields: Fields) -> None:
    doc.title, doc.lead, doc.tags, doc.body = fields.title, fields.lead, fields.tags, fields.body
    doc.facets = fields.facets


def _store(doc: SearchDocument, fields: Fields, text: IndexedText) -> None:
    _keep(doc, fields)
    doc.signature = analyzer.SIGNATURE
    doc.save()
    backend().add(doc.pk, text)


def _article_doc(article: Any) -> SearchDocument:
    return SearchDocument(
        kind=Kind.ARTICLE,
        article_id=article.pk,
        access_level=article.access_level,
        series_id=article.series_id,
        published_at=article.published_at,
    )


def _comment_doc(comment: Any) -> SearchDocument:
    return SearchDocument(
        kind=Kind.COMMENT,
        article_id=comment.article_id,
        comment_id=comment.pk,
        member_id=comment.author_id,
        access_level=comment.article.access_level,
        series_id=comment.article.series_id,
        published_at=comment.created_at,
    )


@transaction.atomic
def index_article(article_id: int) -> bool:
    """Bring one article (and the copies its comments keep of it) up to date; True if indexed."""
    article = _articles().filter(pk=article_id).first()
    docs = list(SearchDocument.objects.select_for_update().filter(article_id=article_id))
    current = next((d for d in docs if d.kind == Kind.ARTICLE), None)
    if article is None:
        SearchDocument.objects.filter(pk__in=[d.pk for d in docs]).delete()  # signals forget them
        return False
    fields = article_fields(article)
    doc = current or _article_doc(article)
    old_taxonomy = _taxonomy_of(current.facets) if current is not None else ""
    if current is not None:
        _forget(current)
        doc.access_level, doc.series_id = article.access_level, article.series_id
        doc.published_at = article.published_at
    _store(doc, fields, indexed_text(fields))
    # Comments carry the article's wall and series for filtering without a join.
    SearchDocument.objects.filter(article_id=article_id, kind=Kind.COMMENT).update(
        access_level=article.access_level, series_id=article.series_id
    )
    new_taxonomy = taxonomy(article)
    if current is None:
        # A newly (re)published article: its visible comments come back too.
        indexed = {d.comment_id for d in docs}
        for comment in _visible_comments().filter(article_id=article_id).exclude(pk__in=indexed):
            comment_fields_ = comment_fields(comment, new_taxonomy)
            _store(_comment_doc(comment), comment_fields_, indexed_text(comment_fields_))
    elif set(new_taxonomy.split()) != set(old_taxonomy.split()):
        # Tags, series or authors changed: the comments' copies of them follow.
        for comment_doc in docs:
            if comment_doc.kind == Kind.COMMENT:
                _forget(comment_doc)
                old = _stored_fields(comment_doc)
                new = replace(old, facets=facets("comment", comment_doc.published_at, new_taxonomy))
                _store(comment_doc, new, indexed_text(new))
    return True


def _taxonomy_of(stored: str) -> str:
    return " ".join(part for part in stored.split() if part[0] in "tsw")


@transaction.atomic
def index_comment(comment_id: int) -> bool:
    """Index a visible comment, or take a hidden, deleted or removed one out; True if indexed."""
    comment = _visible_comments().filter(pk=comment_id).first()
    current = SearchDocument.objects.select_for_update().filter(comment_id=comment_id).first()
    if comment is None:
        if current is not None:
            current.delete()  # the post_delete signal forgets it
        return False
    if current is not None:
        _forget(current)
    article = _articles().filter(pk=comment.article_id).first()
    fields = comment_fields(comment, taxonomy(article) if article is not None else "")
    doc = current or _comment_doc(comment)
    _store(doc, fields, indexed_text(fields))
    return True


def forget_deleted(doc: SearchDocument) -> None:
    """A document row is gone (post_delete): its entries leave the full-text index."""
    if doc.signature == analyzer.SIGNATURE:
        backend().remove(doc.pk, indexed_text(_stored_fields(doc)))
    else:
        log.warning("search document %s was indexed by %s; run manage.py reindex", doc.pk, doc.signature)


def needs_rebuild() -> bool:
    return SearchDocument.objects.exclude(signature=analyzer.SIGNATURE).exists()


# Rebuilding: analysis is the slow part, so it runs in worker processes; writes stay in this one.


def _analyse(batch: list[tuple[int, Fields]]) -> list[tuple[int, IndexedText]]:
    return [(key, indexed_text(fields)) for key, fields in batch]


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _sources() -> Iterator[tuple[SearchDocument, Fields]]:
    """Articles and comments merged in publication order, so that document ids (and the FTS
    rowids) follow time as they do for documents indexed one by one (backends.WINDOWS)."""
    articles = (
        (_article_doc(a), article_fields(a))
        for a in _articles().order_by("published_at", "pk").iterator(chunk_size=BATCH)
    )
    taxonomies = _taxonomies()
    comments = (
        (_comment_doc(c), comment_fields(c, taxonomies.get(c.article_id, "")))
        for c in _visible_comments().order_by("created_at", "pk").iterator(chunk_size=BATCH)
    )
    yield from heapq.merge(articles, comments, key=lambda pair: pair[0].published_at)


def _taxonomies() -> dict[int, str]:
    """documents.taxonomy of every article that has comments, in three queries."""
    from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag
    from kiji.comments.models import Comment

    commented = Comment.objects.values("article_id")
    parts: dict[int, list[str]] = defaultdict(list)
    tagged = ArticleTag.objects.filter(content_object_id__in=commented).order_by("tag__name", "pk")
    for article_id, tag_id in tagged.values_list("content_object_id", "tag_id"):
        parts[article_id].append(f"t{tag_id}")
    in_series = ArticlePage.objects.filter(pk__in=commented, series__isnull=False)
    for article_id, series_id in in_series.values_list("pk", "series_id"):
        parts[article_id].append(f"s{series_id}")
    authored = ArticleAuthor.objects.filter(page_id__in=commented).order_by("sort_order", "pk")
    for article_id, author_id in authored.values_list("page_id", "author_id"):
        parts[article_id].append(f"w{author_id}")
    return {article_id: " ".join(found) for article_id, found in parts.items()}


def _total() -> int:
    from kiji.articles.models import ArticlePage

    return int(ArticlePage.objects.live().count() + _visible_comments().count())


def reindex_all(*, progress: Progress | None = None, jobs: int = 0) -> int:
    """Empty the index and rebuild it from every live article and visible comment."""
    jobs = jobs or min(os.cpu_count() or 1, 4)
    total = _total()
    done = 0
    with transaction.atomic():
        backend().clear()
        with connection.cursor() as cursor:  # raw: the index is already empty, no signals needed
            cursor.execute(f"DELETE FROM {SearchDocument._meta.db_table}")  # noqa: S608
        pool = (
            ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"))
            if jobs > 1
            else None
        )
        search_backend = backend()
        try:
            with search_backend.bulk():
                for chunk in _chunks(_sources(), BATCH):
                    docs = [doc for doc, _ in chunk]
                    for doc, fields in chunk:
                        _keep(doc, fields)
                        doc.signature = analyzer.SIGNATURE
                    pieces = [chunk[i : i + 50] for i in range(0, len(chunk), 50)]
                    batches = [[(i, fields) for i, (_, fields) in enumerate(piece)] for piece in pieces]
                    analysed = list(pool.map(_analyse, batches)) if pool else [_analyse(b) for b in batches]
                    texts = [text for result in analysed for _, text in result]
                    SearchDocument.objects.bulk_create(docs)
                    for doc, text in zip(docs, texts, strict=True):
                        search_backend.add(doc.pk, text)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
        finally:
            if pool:
                pool.shutdown()
    backend().settle()
    return done
