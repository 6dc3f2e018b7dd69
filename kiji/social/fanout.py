"""Fan-out of a new article to the followers of its authors, its series and its tags.

The database does the work: one INSERT … SELECT per source and batch of follower ids, so 100,000
followers cost a few statements, not 100,000 round trips. A member who follows the article through
several sources gets one notification (the unique key `article:<id>`, the first source wins:
author, then series, then tag). Members who turned that kind off are skipped in the same SELECT.
An article that is no longer live, or is private, when the worker runs notifies nobody.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from kiji.social.models import Channel, Kind, Notification

logger = logging.getLogger(__name__)
BATCH = 5000


@dataclass(frozen=True, slots=True)
class Source:
    kind: str
    table: str
    column: str


def _sources() -> list[Source]:
    from kiji.library.models import TagFollow
    from kiji.social.models import AuthorFollow, SeriesFollow

    return [
        Source(Kind.AUTHOR_ARTICLE, AuthorFollow._meta.db_table, "author_id"),
        Source(Kind.SERIES_ARTICLE, SeriesFollow._meta.db_table, "series_id"),
        Source(Kind.TAG_ARTICLE, TagFollow._meta.db_table, "tag_id"),
    ]


def fan_out(article_id: int) -> int:
    """Create the notifications for one article; returns how many were created."""
    from kiji.articles.models import ArticlePage

    article = (
        ArticlePage.objects.live()
        .filter(pk=article_id)
        .select_related("series")
        .prefetch_related("article_authors__author", "tagged_items")
        .first()
    )
    # Unpublished before the worker came (or never published), or private (Wagtail's privacy
    # setting on it or on an ancestor): its followers could not open it, so nobody is told.
    if article is None or article.get_view_restrictions().exists():
        return 0
    ids: dict[str, list[int]] = {
        Kind.AUTHOR_ARTICLE: [link.author_id for link in article.article_authors.all()],
        Kind.SERIES_ARTICLE: [article.series_id] if article.series_id else [],
        Kind.TAG_ARTICLE: [item.tag_id for item in article.tagged_items.all()],
    }
    title = article.title[:255]
    url = article.url or ""
    key = f"article:{article.pk}"
    created = 0
    for source in _sources():
        targets = ids[source.kind]
        if not targets:
            continue
        detail = _detail(article, source.kind)
        created += _insert_in_batches(source, targets, title=title, detail=detail, url=url, key=key)
    if created:
        from kiji.social.mail import queue_article_emails

        queue_article_emails(key)
    logger.info("fan-out of article %s: %s notifications", article_id, created)
    return created


def _detail(article: object, kind: str) -> str:
    if kind == Kind.SERIES_ARTICLE:
        series = getattr(article, "series", None)
        return str(getattr(series, "name", ""))[:255]
    if kind == Kind.AUTHOR_ARTICLE:
        names = [link.author.name for link in article.article_authors.all()]  # type: ignore[attr-defined]
        return "、".join(names)[:255]
    return ""


def _insert_in_batches(
    source: Source, targets: list[int], *, title: str, detail: str, url: str, key: str
) -> int:
    notification = Notification._meta.db_table
    from kiji.social.models import NotificationPreference

    preference = NotificationPreference._meta.db_table
    placeholders = ", ".join(["%s"] * len(targets))
    # Table and column names come from model metadata, never from input; values are parameters.
    # ON CONFLICT DO NOTHING works on SQLite and PostgreSQL alike: the partial unique index on
    # (recipient, group_key) drops members who already heard of this article through another source.
    columns = ", ".join(
        ("recipient_id", "kind", "actor_id", "actor_name", "others", "title", "detail", "url", "group_key")
        + ("created_at", "updated_at")
    )
    turned_off = (
        f"SELECT 1 FROM {preference} p WHERE p.user_id = f.user_id AND p.kind = %s AND p.channel = %s"  # noqa: S608
    )
    # DISTINCT only over the member ids: on PostgreSQL a DISTINCT over the constants too would type
    # the bare NULL as text, which the integer actor_id column refuses. The outer WHERE also keeps
    # SQLite from reading ON CONFLICT as part of a join (its INSERT … SELECT upsert rule).
    sql = (
        f"INSERT INTO {notification} ({columns}) "  # noqa: S608
        f"SELECT f.user_id, %s, NULL, '', 0, %s, %s, %s, %s, %s, %s FROM ("
        f"SELECT DISTINCT user_id FROM {source.table} WHERE {source.column} IN ({placeholders}) "
        f"AND user_id > %s AND user_id <= %s) f "
        f"WHERE NOT EXISTS ({turned_off}) ON CONFLICT DO NOTHING"
    )
    bounds = (
        f"SELECT MIN(user_id), MAX(user_id) FROM {source.table} WHERE {source.column} IN ({placeholders})"  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.execute(bounds, targets)
        low, high = cursor.fetchone()
    if low is None:
        return 0
    created = 0
    now = timezone.now()
    start = low - 1
    while start < high:
        end = start + BATCH
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                sql,
                [
                    source.kind,
                    title,
                    detail,
                    url,
                    key,
                    now,
                    now,
                    *targets,
                    start,
                    end,
                    source.kind,
                    Channel.OFF,
                ],
            )
            created += max(cursor.rowcount, 0)
        start = end
    return created
