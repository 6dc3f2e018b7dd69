"""Writes for discovery: counting a read, rebuilding the co-reading table, pruning old reads."""

from __future__ import annotations

import logging
import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from kiji.discovery.models import CoRead, ReadEvent

logger = logging.getLogger(__name__)

TOKYO = ZoneInfo("Asia/Tokyo")
# The co-reading table: reads of the last COREAD_DAYS, each member's newest COREAD_HISTORY
# articles, and the TOP_NEIGHBOURS best neighbours kept per article.
COREAD_DAYS = 180
COREAD_HISTORY = 50
TOP_NEIGHBOURS = 20
_SHRINK = 2.0  # a pair read together by few members counts for less (significance weighting)


def tokyo_day(moment: datetime | None = None) -> date:
    return timezone.localtime(moment or timezone.now(), TOKYO).date()


def _seen_key(user_id: int, article_id: int, day: date) -> str:
    return f"discovery:seen:{user_id}:{article_id}:{day:%Y%m%d}"


def record_view(user: Any, article_id: int, *, now: datetime | None = None) -> None:
    """Count that this member opened this article today; the same day again is a no-op.

    One INSERT … ON CONFLICT DO NOTHING the first time in a day, nothing after that (a cache
    marker remembers it). A failure is logged and swallowed: counting never breaks the page.
    """
    if user is None or not user.is_authenticated:
        return
    now = now or timezone.now()
    day = tokyo_day(now)
    key = _seen_key(user.pk, article_id, day)
    if cache.get(key):
        return
    try:
        ReadEvent.objects.bulk_create(
            [ReadEvent(user_id=user.pk, article_id=article_id, day=day, read_at=now)], ignore_conflicts=True
        )
    except DatabaseError:
        logger.warning("could not record a read of article %s", article_id, exc_info=True)
        return
    cache.set(key, 1, 60 * 60 * 26)


def refresh_coreads(*, now: datetime | None = None) -> int:
    """Rebuild `CoRead` from recent reads: for each article, the articles most read by the same
    members (cosine over distinct readers, shrunk for small overlaps). Returns the rows written."""
    since = tokyo_day(now) - timedelta(days=COREAD_DAYS)
    rows = (
        ReadEvent.objects.filter(day__gte=since, article__live=True)
        .order_by("user_id", "-read_at")
        .values_list("user_id", "article_id")
    )
    readers: Counter[int] = Counter()
    pairs: defaultdict[int, Counter[int]] = defaultdict(Counter)

    def flush(history: list[int]) -> None:
        for article_id in history:
            readers[article_id] += 1
        for i, a in enumerate(history):
            for b in history[i + 1 :]:
                pairs[a][b] += 1
                pairs[b][a] += 1

    current: int | None = None
    history: list[int] = []
    seen: set[int] = set()
    for user_id, article_id in rows.iterator(chunk_size=5000):
        if user_id != current:
            flush(history)
            current, history, seen = user_id, [], set()
        if article_id not in seen and len(history) < COREAD_HISTORY:
            seen.add(article_id)
            history.append(article_id)
    flush(history)

    links: list[CoRead] = []
    for article_id, others in pairs.items():
        scored = []
        for other_id, both in others.items():
            cosine = both / math.sqrt(readers[article_id] * readers[other_id])
            scored.append((cosine * both / (both + _SHRINK), other_id, both))
        scored.sort(reverse=True)
        links.extend(
            CoRead(article_id=article_id, other_id=other_id, score=score, readers=both)
            for score, other_id, both in scored[:TOP_NEIGHBOURS]
        )
    with transaction.atomic():
        CoRead.objects.all().delete()
        CoRead.objects.bulk_create(links, batch_size=2000)
    return len(links)


def prune_read_events(*, now: datetime | None = None) -> int:
    """Forget reads older than KIJI_READ_HISTORY_DAYS (default 365): kept no longer than needed."""
    keep_days = int(getattr(settings, "KIJI_READ_HISTORY_DAYS", 365))
    deleted, _ = ReadEvent.objects.filter(day__lt=tokyo_day(now) - timedelta(days=keep_days)).delete()
    return deleted
