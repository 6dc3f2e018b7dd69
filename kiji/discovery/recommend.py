"""おすすめ: articles a member is likely to want next, and never one they read or cannot read.

Signals, strongest first when they disagree:
- the next part of a series the member is reading;
- content similarity to what the member read recently and saved (shared tags weighted by how
  rare the tag is, the same series, the same authors), plus the tags, series and authors the
  member follows;
- co-reading: members who read X also read Y (the `CoRead` table the worker rebuilds daily);
- popular in the window and recent, which is also the whole answer for a member with no history
  (the cold start).

The ranking costs a fixed number of queries whatever the member's history (about a dozen), is
cached per member for a few minutes, and the cards are re-checked against the member's reads and
the access ladder each time they are shown.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import CharField, Count, Exists, Max, OuterRef, Q, QuerySet, Value
from django.utils import timezone

from kiji.articles import selectors as articles
from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag
from kiji.core import access, pagecache
from kiji.core.access import Action, ArticleAccess
from kiji.discovery.models import CoRead, ReadEvent
from kiji.discovery.selectors import PopularArticle, popular_articles
from kiji.library.models import Favorite, TagFollow
from kiji.members.models import ArticleRead
from kiji.social.models import AuthorFollow, SeriesFollow

CACHE_SECONDS = 300
PICKS = 40  # ranked once per member and cached; the views show 6 or 20
SEED_READS = 30  # the recent reads that shape the member's profile
SEED_FAVORITES = 20
RECENCY_DECAY = 0.95  # the i-th most recent read weighs RECENCY_DECAY**i
FAVORITE_WEIGHT = 0.8
FOLLOW_TAG_WEIGHT = 1.5
FOLLOW_SERIES_WEIGHT = 2.0
FOLLOW_AUTHOR_WEIGHT = 1.5
PROFILE_TAGS = 20  # candidates are drawn from the member's strongest tags
CONTENT_CANDIDATES = 300
POPULAR_POOL = 50
POPULAR_DAYS = 30  # popular-recent for recommendations: a steadier window than the sidebar's
TAG_LENGTH_NORM = 0.5  # an article's tag score is divided by (number of tags) ** this
RECENT_POOL = 60
NEW_HALF_LIFE_DAYS = 14.0
SAME_SERIES_PENALTY = 0.75  # each pick already from a series lowers the next one from it

# How the signals mix (each normalised to 0–1 over the candidates first).
W_CONTENT = 0.5
W_COREAD = 0.35
W_NEXT_PART = 0.4
W_POPULAR = 0.12
W_NEW = 0.05


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an article is recommended: `kind` and, for some kinds, the name it refers to."""

    # next_part, followed_series, followed_tag, followed_author, tag, series, author, co_read,
    # popular or new
    kind: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class Pick:
    article_id: int
    score: float
    reason: Reason


@dataclass(frozen=True, slots=True)
class Recommendation:
    article: ArticlePage
    reason: Reason


@dataclass(slots=True)
class Features:
    series_id: int | None = None
    series_name: str = ""
    series_position: int | None = None
    published_at: datetime | None = None
    access_level: str = ArticleAccess.FREE
    tags: list[tuple[int, str]] = field(default_factory=list)
    authors: list[tuple[int, str]] = field(default_factory=list)


@dataclass(slots=True)
class Signals:
    reads: list[int]  # newest first, distinct
    favorites: list[int]  # newest first
    tags: set[int]
    series: set[int]
    authors: set[int]

    @property
    def empty(self) -> bool:
        return not (self.reads or self.favorites or self.tags or self.series or self.authors)


@dataclass(frozen=True, slots=True)
class _Probe:
    """An article of a given access level, to ask the ladder which levels this member may read."""

    pk: int
    access_level: str


# Public entry points ---------------------------------------------------------------------------


def recommend_for(user: Any, limit: int = 10) -> list[Recommendation]:
    """Up to `limit` recommendations with cards, for members the ladder lets see them."""
    if not access.decide(user, Action.SEE_RECOMMENDATIONS):
        return []
    level = access.status_of(user).level
    # One ranking serves the home section and the full page; spare picks cover articles the
    # member reads before the entry expires (they are filtered out when shown).
    size = max(PICKS, limit * 2)
    key = f"discovery:recs:{user.pk}:{level}:{pagecache.generation()}:{size}"
    picks: list[Pick] | None = cache.get(key)
    if picks is None:
        picks = rank(user, limit=size)
        cache.set(key, picks, CACHE_SECONDS)
    return _cards(user, picks, limit)


def _cards(user: Any, picks: list[Pick], limit: int) -> list[Recommendation]:
    """The picks still unread and readable, with what a card shows: three queries."""
    picks = picks[: limit * 2]
    ids = [pick.article_id for pick in picks]
    if not ids:
        return []
    unread = articles.live_articles().filter(pk__in=ids).exclude(_read_by(user))
    cards = {a.pk: a for a in articles.with_cards(unread)}
    chosen = [
        Recommendation(cards[p.article_id], p.reason)
        for p in picks
        if p.article_id in cards and access.can_read_article(user, cards[p.article_id])
    ][:limit]
    articles.prefetch_renditions(r.article.hero_image for r in chosen)
    return chosen


def _read_by(user: Any) -> Q:
    """Articles this member has read, counted or not (a Q for ArticlePage querysets)."""
    return Q(Exists(ReadEvent.objects.filter(user=user, article_id=OuterRef("pk")))) | Q(
        Exists(ArticleRead.objects.filter(user=user, article_id=OuterRef("pk")))
    )


# Ranking ----------------------------------------------------------------------------------------


def rank(
    user: Any,
    *,
    limit: int = 10,
    now: datetime | None = None,
    popular: list[PopularArticle] | None = None,
    idf: dict[int, float] | None = None,
) -> list[Pick]:
    """The member's top `limit` picks (uncached). `popular` and `idf` may be given by callers
    that rank many members at once (the offline evaluation)."""
    now = now or timezone.now()
    readable = _readable_levels(user)
    signals = _signals(user)
    popular = popular if popular is not None else popular_articles(limit=POPULAR_POOL, days=POPULAR_DAYS)
    idf = idf if idf is not None else tag_idf()
    pop_score = _normalised({p.pk: float(p.readers or 1) for p in popular})

    seed_weights = _seed_weights(signals)
    seeds = _features(list(seed_weights)) if seed_weights else {}
    profile = _Profile.build(signals, seed_weights, seeds, idf)
    coread = _coread_scores(seed_weights) if seed_weights else {}

    exclude = _read_by(user) | Q(Exists(Favorite.objects.filter(user=user, article_id=OuterRef("pk"))))
    pool = articles.live_articles().filter(access_level__in=readable).exclude(exclude)
    match = profile.match()
    ids: list[int] = []
    if match is not None:
        ids += (
            pool.filter(match)
            .order_by("-published_at", "-pk")
            .values_list("pk", flat=True)[:CONTENT_CANDIDATES]
        )
    else:
        ids += pool.order_by("-published_at", "-pk").values_list("pk", flat=True)[:RECENT_POOL]
    extra = (set(coread) | set(pop_score)) - set(ids)
    if extra:
        ids += pool.filter(pk__in=extra).values_list("pk", flat=True)
    candidates = _features(ids)

    content = _normalised({pk: profile.content(f, idf) for pk, f in candidates.items()})
    co = _normalised({pk: coread.get(pk, 0.0) for pk in candidates})
    scored: list[tuple[float, int, Reason]] = []
    for pk, f in candidates.items():
        next_part = profile.next_part(f)
        age_days = max((now - f.published_at).total_seconds() / 86400, 0.0) if f.published_at else 365.0
        newness = 0.5 ** (age_days / NEW_HALF_LIFE_DAYS)
        parts = {
            "content": W_CONTENT * content.get(pk, 0.0),
            "co_read": W_COREAD * co.get(pk, 0.0),
            "next_part": W_NEXT_PART * next_part,
            "popular": W_POPULAR * pop_score.get(pk, 0.0),
            "new": W_NEW * newness,
        }
        scored.append((sum(parts.values()), pk, _reason(parts, f, profile, idf)))
    return _diversify(scored, candidates, limit)


def _readable_levels(user: Any) -> list[str]:
    """The access levels the ladder lets this member read now (the quota included)."""
    return [
        level.value
        for level in ArticleAccess
        if access.can_read_article(user, _Probe(pk=0, access_level=level))
    ]


def _signals(user: Any) -> Signals:
    """What the member did: reads (newest first), favourites and follows. Two queries."""
    reads = list(
        ReadEvent.objects.filter(user=user)
        .values("article_id")
        .annotate(last=Max("read_at"))
        .order_by("-last", "-article_id")
        .values_list("article_id", flat=True)[:SEED_READS]
    )
    kind = CharField()
    rows = (
        Favorite.objects.filter(user=user)
        .values_list(Value("favorite", output_field=kind), "article_id", "created_at")
        .union(
            TagFollow.objects.filter(user=user).values_list(
                Value("tag", output_field=kind), "tag_id", "created_at"
            ),
            SeriesFollow.objects.filter(user=user).values_list(
                Value("series", output_field=kind), "series_id", "created_at"
            ),
            AuthorFollow.objects.filter(user=user).values_list(
                Value("author", output_field=kind), "author_id", "created_at"
            ),
            all=True,
        )
    )
    by_kind: defaultdict[str, list[tuple[datetime, int]]] = defaultdict(list)
    for name, ref, created in rows:
        by_kind[name].append((created, ref))
    favorites = [ref for _, ref in sorted(by_kind["favorite"], reverse=True)][:SEED_FAVORITES]
    return Signals(
        reads=reads,
        favorites=favorites,
        tags={ref for _, ref in by_kind["tag"]},
        series={ref for _, ref in by_kind["series"]},
        authors={ref for _, ref in by_kind["author"]},
    )


def _seed_weights(signals: Signals) -> dict[int, float]:
    weights: dict[int, float] = {}
    for i, article_id in enumerate(signals.reads):
        weights[article_id] = RECENCY_DECAY**i
    for article_id in signals.favorites:
        weights[article_id] = weights.get(article_id, 0.0) + FAVORITE_WEIGHT
    return weights


def _features(ids: list[int]) -> dict[int, Features]:
    """Series, tags and authors of these articles: three queries."""
    if not ids:
        return {}
    found: dict[int, Features] = {}
    for pk, series_id, series_name, position, published, level in ArticlePage.objects.filter(
        pk__in=ids
    ).values_list("pk", "series_id", "series__name", "series_position", "published_at", "access_level"):
        found[pk] = Features(series_id, series_name or "", position, published, level)
    for article_id, tag_id, name in ArticleTag.objects.filter(content_object_id__in=ids).values_list(
        "content_object_id", "tag_id", "tag__name"
    ):
        if article_id in found:
            found[article_id].tags.append((tag_id, name))
    for article_id, author_id, name in ArticleAuthor.objects.filter(page_id__in=ids).values_list(
        "page_id", "author_id", "author__name"
    ):
        if article_id in found:
            found[article_id].authors.append((author_id, name))
    return found


def _coread_scores(seed_weights: dict[int, float]) -> dict[int, float]:
    scores: defaultdict[int, float] = defaultdict(float)
    for article_id, other_id, score in CoRead.objects.filter(article_id__in=list(seed_weights)).values_list(
        "article_id", "other_id", "score"
    ):
        scores[other_id] += seed_weights[article_id] * score
    return dict(scores)


def tag_idf() -> dict[int, float]:
    """How distinctive each tag is among live articles (log-scaled), cached per content generation."""
    key = f"discovery:tag-idf:{pagecache.generation()}"
    cached: dict[int, float] | None = cache.get(key)
    if cached is not None:
        return cached
    counts = dict(
        ArticleTag.objects.filter(content_object__live=True)
        .values("tag_id")
        .annotate(n=Count("id"))
        .values_list("tag_id", "n")
    )
    total = max(articles.live_articles().count(), 1)
    idf = {tag_id: math.log(1 + total / n) for tag_id, n in counts.items() if n}
    cache.set(key, idf, 3600)
    return idf


@dataclass(slots=True)
class _Profile:
    """The member's interests: weights per tag, series and author, and where they are in series."""

    tags: dict[int, float]
    series: dict[int, float]
    authors: dict[int, float]
    followed_tags: set[int]
    followed_series: set[int]
    followed_authors: set[int]
    series_read_up_to: dict[int, int]

    @classmethod
    def build(
        cls, signals: Signals, weights: dict[int, float], seeds: dict[int, Features], idf: dict[int, float]
    ) -> _Profile:
        tags: defaultdict[int, float] = defaultdict(float)
        series: defaultdict[int, float] = defaultdict(float)
        authors: defaultdict[int, float] = defaultdict(float)
        read_up_to: dict[int, int] = {}
        read = set(signals.reads)
        for pk, f in seeds.items():
            w = weights.get(pk, 0.0)
            for tag_id, _name in f.tags:
                tags[tag_id] += w
            if f.series_id:
                series[f.series_id] += w
                if pk in read and f.series_position:
                    read_up_to[f.series_id] = max(read_up_to.get(f.series_id, 0), f.series_position)
            for author_id, _name in f.authors:
                authors[author_id] += w
        for tag_id in signals.tags:
            tags[tag_id] += FOLLOW_TAG_WEIGHT
        for series_id in signals.series:
            series[series_id] += FOLLOW_SERIES_WEIGHT
        for author_id in signals.authors:
            authors[author_id] += FOLLOW_AUTHOR_WEIGHT
        return cls(
            dict(tags),
            dict(series),
            dict(authors),
            signals.tags,
            signals.series,
            signals.authors,
            read_up_to,
        )

    def match(self) -> Q | None:
        """Articles sharing one of the strongest tags, a series or an author of the profile."""
        strongest = [t for t, _ in sorted(self.tags.items(), key=lambda kv: -kv[1])[:PROFILE_TAGS]]
        conditions = []
        if strongest:
            conditions.append(
                Q(Exists(ArticleTag.objects.filter(content_object=OuterRef("pk"), tag_id__in=strongest)))
            )
        if self.series:
            conditions.append(Q(series_id__in=list(self.series)))
        if self.authors:
            conditions.append(
                Q(Exists(ArticleAuthor.objects.filter(page=OuterRef("pk"), author_id__in=list(self.authors))))
            )
        if not conditions:
            return None
        combined = conditions[0]
        for condition in conditions[1:]:
            combined |= condition
        return combined

    def content(self, f: Features, idf: dict[int, float]) -> float:
        tag_part = sum(self.tags.get(t, 0.0) * idf.get(t, 1.0) for t, _ in f.tags) / math.sqrt(
            max(len(f.tags), 1)
        )
        series_part = self.series.get(f.series_id, 0.0) if f.series_id else 0.0
        author_part = sum(self.authors.get(a, 0.0) for a, _ in f.authors) * 0.5
        return tag_part + series_part + author_part

    def next_part(self, f: Features) -> float:
        """1 for the next unread part of a series the member is reading, less for later parts."""
        if not f.series_id or not f.series_position or f.series_id not in self.series_read_up_to:
            return 0.0
        ahead = f.series_position - self.series_read_up_to[f.series_id]
        return 1.0 / ahead if ahead > 0 else 0.0


def _normalised(values: dict[int, float]) -> dict[int, float]:
    top = max(values.values(), default=0.0)
    if top <= 0:
        return {}
    return {k: v / top for k, v in values.items() if v > 0}


def _reason(parts: dict[str, float], f: Features, profile: _Profile, idf: dict[int, float]) -> Reason:
    if parts["next_part"] > 0 and f.series_name:
        return Reason("next_part", f.series_name)
    if f.series_id in profile.followed_series:
        return Reason("followed_series", f.series_name)
    followed = [(idf.get(t, 0.0), name) for t, name in f.tags if t in profile.followed_tags]
    if followed:
        return Reason("followed_tag", max(followed)[1])
    authors = [name for a, name in f.authors if a in profile.followed_authors]
    if authors:
        return Reason("followed_author", authors[0])
    strongest = max(parts, key=lambda k: parts[k])
    if strongest == "content":
        shared = [
            (profile.tags.get(t, 0.0) * idf.get(t, 1.0), name) for t, name in f.tags if t in profile.tags
        ]
        if shared:
            return Reason("tag", max(shared)[1])
        if f.series_id in profile.series:
            return Reason("series", f.series_name)
        authors = [name for a, name in f.authors if a in profile.authors]
        if authors:
            return Reason("author", authors[0])
    if strongest in ("co_read", "popular", "new"):
        return Reason(strongest)
    return Reason("popular" if parts["popular"] > 0 else "new")


def _diversify(
    scored: list[tuple[float, int, Reason]], features: dict[int, Features], limit: int
) -> list[Pick]:
    """Best first, but a series already picked weighs less each time (no page of one series)."""
    remaining = sorted(scored, key=lambda s: (-s[0], -s[1]))
    picks: list[Pick] = []
    per_series: Counter[int] = Counter()
    while remaining and len(picks) < limit:
        best_i, best_score = 0, -1.0
        for i, (score, pk, _reason) in enumerate(remaining[: limit * 4]):
            series_id = features[pk].series_id
            adjusted = score * (SAME_SERIES_PENALTY ** per_series[series_id] if series_id else 1.0)
            if adjusted > best_score:
                best_i, best_score = i, adjusted
        score, pk, reason = remaining.pop(best_i)
        series_id = features[pk].series_id
        if series_id:
            per_series[series_id] += 1
        picks.append(Pick(pk, round(best_score, 6), reason))
    return picks


def readable_queryset(user: Any) -> QuerySet[ArticlePage]:
    """Live articles this member may read now (used by the evaluation's baseline)."""
    return articles.live_articles().filter(access_level__in=_readable_levels(user))
