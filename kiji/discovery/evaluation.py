"""Offline evaluation of おすすめ: hit rate@k on simulated reading logs, against popularity.

Simulated members (complete profiles, so they may read free and members-only articles) each
prefer a couple of tags; they read in sequence, following a series to its next part half of the
time they can, otherwise picking by their tags and each article's appeal, with some noise that
picks by appeal alone. Each member's last read is held out; the recommender sees the rest (as
`ReadEvent` rows and a `CoRead` table rebuilt from them) and has to find it in its top k.

Everything runs inside one transaction that is rolled back, and no cache entry is written for
the simulated members, so nothing is left behind.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kiji.core.access import ArticleAccess
from kiji.discovery.models import ReadEvent
from kiji.discovery.recommend import POPULAR_DAYS, POPULAR_POOL, Features, _features, rank, tag_idf
from kiji.discovery.selectors import popular_articles_uncached
from kiji.discovery.services import refresh_coreads, tokyo_day
from kiji.members.choices import AgeBand, CompanySize, Industry, JobFunction
from kiji.members.models import Profile

SERIES_FOLLOW_RATE = 0.5  # how often a member goes on to the next part when there is one
NOISE = 0.2  # how often a member picks by appeal alone, ignoring their tags
PREFERRED_TAGS = 2
SPAN_DAYS = 28  # the simulated logs cover the last four weeks


class CorpusTooSmall(Exception):
    pass


@dataclass
class Evaluation:
    members: int
    reads_per_member: int
    articles: int
    k: int
    seed: int
    kiji_hits: int = 0
    popular_hits: int = 0
    kiji_items: set[int] = field(default_factory=set)
    popular_items: set[int] = field(default_factory=set)

    @property
    def kiji_hit_rate(self) -> float:
        return self.kiji_hits / self.members if self.members else 0.0

    @property
    def popular_hit_rate(self) -> float:
        return self.popular_hits / self.members if self.members else 0.0

    @property
    def kiji_coverage(self) -> float:
        return len(self.kiji_items) / self.articles if self.articles else 0.0

    @property
    def popular_coverage(self) -> float:
        return len(self.popular_items) / self.articles if self.articles else 0.0


def evaluate(
    *, members: int = 300, reads: int = 20, seed: int = 1, k: int = 10, now: datetime | None = None
) -> Evaluation:
    """Simulate, hold out, rank, compare; always rolled back."""
    with transaction.atomic():
        try:
            return _evaluate(members=members, reads=reads, seed=seed, k=k, now=now or timezone.now())
        finally:
            transaction.set_rollback(True)


def _evaluate(*, members: int, reads: int, seed: int, k: int, now: datetime) -> Evaluation:
    from kiji.articles.selectors import live_articles

    rng = random.Random(seed)  # noqa: S311  (a reproducible simulation, not a secret)
    readable = list(
        live_articles()
        .filter(access_level__in=[ArticleAccess.FREE, ArticleAccess.MEMBERS], published_at__lte=now)
        .values_list("pk", flat=True)
    )
    if len(readable) < 6:
        raise CorpusTooSmall(f"{len(readable)} readable live articles; at least 6 are needed")
    corpus = _features(readable)
    # Without this cap a member would read most of a small corpus and anything would "hit".
    per_member = max(3, min(reads, len(readable) // 3))
    # Each article's appeal to everyone: what makes popular articles popular.
    appeal = {pk: rng.lognormvariate(0, 0.8) for pk in sorted(corpus)}
    logs = [_simulate_member(rng, corpus, appeal, per_member) for _ in range(members)]

    users = _simulated_members(members)
    _write_training_reads(users, logs, now)
    refresh_coreads(now=now)
    popular = popular_articles_uncached(limit=POPULAR_POOL, days=POPULAR_DAYS, now=now)
    idf = tag_idf()
    readers = Counter(pk for log in logs for pk in set(log[:-1]))
    by_popularity = [pk for pk, _ in sorted(readers.items(), key=lambda kv: (-kv[1], -kv[0]))]

    result = Evaluation(members=members, reads_per_member=per_member, articles=len(readable), k=k, seed=seed)
    for user, log in zip(users, logs, strict=True):
        held_out, seen = log[-1], set(log[:-1])
        picks = [p.article_id for p in rank(user, limit=k, now=now, popular=popular, idf=idf)]
        baseline = [pk for pk in by_popularity if pk not in seen][:k]
        result.kiji_hits += held_out in picks
        result.popular_hits += held_out in baseline
        result.kiji_items.update(picks)
        result.popular_items.update(baseline)
    return result


def _simulate_member(
    rng: random.Random, corpus: dict[int, Features], appeal: dict[int, float], count: int
) -> list[int]:
    """One member's reads in order: tag preferences, series continuation and some noise."""
    tag_counts = Counter(t for f in corpus.values() for t, _ in f.tags)
    tags = list(tag_counts)
    preferred: set[int] = set()
    while tags and len(preferred) < min(PREFERRED_TAGS, len(tags)):
        preferred.add(rng.choices(tags, weights=[tag_counts[t] for t in tags])[0])
    parts = {(f.series_id, f.series_position): pk for pk, f in corpus.items() if f.series_id}

    log: list[int] = []
    unread = set(corpus)
    while len(log) < count and unread:
        choice = None
        if log and rng.random() < SERIES_FOLLOW_RATE:
            last = corpus[log[-1]]
            if last.series_id and last.series_position:
                following = parts.get((last.series_id, last.series_position + 1))
                choice = following if following in unread else None
        if choice is None:
            options = sorted(unread)
            if rng.random() < NOISE:
                weights = [appeal[pk] for pk in options]
            else:
                weights = [
                    appeal[pk] * (0.05 + sum(1 for t, _ in corpus[pk].tags if t in preferred))
                    for pk in options
                ]
            choice = rng.choices(options, weights=weights)[0]
        log.append(choice)
        unread.discard(choice)
    return log


def _simulated_members(count: int) -> list[Any]:
    """Members with complete details, clearly marked and never committed."""
    user_model = get_user_model()
    token = secrets.token_hex(4)
    password = make_password(None)
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"simulated-eval-{token}-{i}", email="", password=password)
            for i in range(count)
        ]
    )
    details = {
        "industry": Industry.values[0],
        "job_function": JobFunction.values[0],
        "company_size": CompanySize.values[0],
        "prefecture": "東京都",
        "age_band": AgeBand.values[0],
    }
    Profile.objects.bulk_create(
        [
            Profile(user=user, display_name=f"シミュレーション会員{i}", **details)
            for i, user in enumerate(users)
        ]
    )
    return list(user_model.objects.filter(pk__in=[u.pk for u in users]).order_by("pk"))


def _write_training_reads(users: list[Any], logs: list[list[int]], now: datetime) -> None:
    events = []
    for user, log in zip(users, logs, strict=True):
        training = log[:-1]
        for i, article_id in enumerate(training):
            # Spread over the span, oldest first; the held-out read would come next, today.
            at = now - timedelta(days=SPAN_DAYS * (len(training) - i) / len(training), minutes=i)
            events.append(ReadEvent(user=user, article_id=article_id, day=tokyo_day(at), read_at=at))
    ReadEvent.objects.bulk_create(events, batch_size=2000, ignore_conflicts=True)
