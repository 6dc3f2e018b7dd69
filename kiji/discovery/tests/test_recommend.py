"""おすすめ: what a member is shown, and what they never are."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kiji.core import access
from kiji.discovery.recommend import rank, recommend_for
from kiji.discovery.services import refresh_coreads
from kiji.library.models import Favorite, TagFollow
from kiji.members.models import ArticleRead
from kiji.members.selectors import this_month
from kiji.social.models import AuthorFollow, SeriesFollow

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(article_factory, tag_factory, series_factory, author_factory):
    """Three topics, a four-part series, and articles at each access level."""
    ai, chips, yen, fintech = (tag_factory(n) for n in ("生成AI", "半導体", "円相場", "フィンテック"))
    series = series_factory(name="半導体地図")
    writer = author_factory(name="木村 健二")
    now = timezone.now()

    def make(title, *, tags, days, **kwargs):
        return article_factory(title=title, tags=tags, published_at=now - timedelta(days=days), **kwargs)

    c = {
        "ai": [make(f"AI記事{i}", tags=[ai], days=i + 1) for i in range(6)],
        "yen": [make(f"円記事{i}", tags=[yen], days=i + 1) for i in range(4)],
        "fintech": [make(f"金融記事{i}", tags=[fintech], days=i + 2, authors=[writer]) for i in range(3)],
        "parts": [
            make(f"連載第{i}回", tags=[chips], days=20 - i, series=series, series_position=i)
            for i in range(1, 5)
        ],
        "ai_members": make("AI会員限定", tags=[ai], days=1, members_only=True),
        "ai_premium": make("AIプレミアム", tags=[ai], days=1, access="premium"),
    }
    c.update(tags={"ai": ai, "chips": chips, "yen": yen, "fintech": fintech}, series=series, writer=writer)
    return c


def _titles(user, limit=10):
    return [r.article.title for r in recommend_for(user, limit=limit)]


def _ids(picks):
    return [p.article_id for p in picks]


def test_cold_start_is_popular_then_recent_and_never_premium_for_a_complete_member(
    corpus, member_factory, read
):
    others = [member_factory("complete") for _ in range(3)]
    for member in others:
        read(member, corpus["yen"][3])
    read(others[0], corpus["fintech"][2])
    newcomer = member_factory("complete")

    titles = _titles(newcomer)

    assert titles[:2] == ["円記事3", "金融記事2"]
    assert "AIプレミアム" not in titles
    assert "AI会員限定" in titles  # members-only is readable at this level


def test_premium_only_articles_are_for_premium_members_and_staff(corpus, member_factory, read):
    for level in ("premium", "staff"):
        member = member_factory(level)
        read(member, corpus["ai"][0])
        assert "AIプレミアム" in _titles(member), level


def test_never_an_article_already_read_counted_or_saved(corpus, member_factory, read):
    member = member_factory("complete")
    read(member, corpus["ai"][0])
    read(member, corpus["ai"][1], days_ago=40)
    # Counted against the quota before the member completed their details.
    ArticleRead.objects.create(user=member, article=corpus["ai"][2], month=this_month())
    Favorite.objects.create(user=member, article=corpus["ai"][3])

    titles = _titles(member, limit=30)

    assert not {"AI記事0", "AI記事1", "AI記事2", "AI記事3"} & set(titles)
    assert titles[0] in ("AI記事4", "AI記事5", "AI会員限定")


def test_an_article_read_after_ranking_drops_out_of_the_cached_list(corpus, member_factory, read):
    member = member_factory("complete")
    read(member, corpus["ai"][0])
    first = recommend_for(member)
    top = first[0].article

    read(member, top)

    assert top.pk not in [r.article.pk for r in recommend_for(member)]


def test_reading_history_pulls_in_similar_articles(corpus, member_factory, read):
    others = [member_factory("complete") for _ in range(4)]
    for member in others:
        read(member, corpus["yen"][0])  # popular, but not what this member reads
    member = member_factory("complete")
    for i, article in enumerate(corpus["ai"][:3]):
        read(member, article, minutes=i)

    picks = recommend_for(member, limit=4)

    assert {r.article.title for r in picks[:3]} <= {"AI記事3", "AI記事4", "AI記事5", "AI会員限定"}
    assert picks[0].reason.kind == "tag" and picks[0].reason.label == "生成AI"


def test_the_next_part_of_a_series_comes_first(corpus, member_factory, read):
    member = member_factory("complete")
    read(member, corpus["parts"][0], days_ago=2)
    read(member, corpus["parts"][1], days_ago=1)

    first = recommend_for(member)[0]

    assert first.article.title == "連載第3回"
    assert (first.reason.kind, first.reason.label) == ("next_part", "半導体地図")


def test_follows_shape_recommendations_without_any_history(corpus, member_factory):
    member = member_factory("complete")
    TagFollow.objects.create(user=member, tag=corpus["tags"]["fintech"])

    picks = recommend_for(member, limit=3)

    assert {r.article.title for r in picks} == {"金融記事0", "金融記事1", "金融記事2"}
    assert {(r.reason.kind, r.reason.label) for r in picks} == {("followed_tag", "フィンテック")}

    other = member_factory("complete")
    SeriesFollow.objects.create(user=other, series=corpus["series"])
    assert recommend_for(other)[0].reason.kind == "followed_series"

    third = member_factory("complete")
    AuthorFollow.objects.create(user=third, author=corpus["writer"])
    assert recommend_for(third)[0].reason.kind == "followed_author"


def test_members_who_read_x_also_read_y(corpus, member_factory, read):
    x, y = corpus["yen"][0], corpus["fintech"][0]  # no tag, series or author in common
    for _ in range(4):
        someone = member_factory("complete")
        read(someone, x, days_ago=3)
        read(someone, y, days_ago=2)
    assert refresh_coreads() > 0
    member = member_factory("complete")
    read(member, x)

    picks = {r.article: r.reason.kind for r in recommend_for(member, limit=5)}

    # Behind the articles on the same topic, and ahead of everything else.
    assert picks[y] == "co_read"


def test_members_below_the_level_get_nothing(corpus, member_factory, read):
    registered = member_factory("registered")
    read(registered, corpus["ai"][0])

    assert recommend_for(registered) == []
    assert not access.decide(registered, access.Action.SEE_RECOMMENDATIONS)


def test_the_ranking_respects_a_registered_members_quota(corpus, member_factory, read, settings):
    """rank() asks the ladder: with reads left members-only articles may appear; used up, never."""
    member = member_factory("registered")
    read(member, corpus["ai"][0])

    assert corpus["ai_members"].pk in _ids(rank(member, limit=30))

    for article in (corpus["parts"] + corpus["fintech"])[:5]:
        ArticleRead.objects.create(user=member, article=article, month=this_month())
    access.forget_status(member)

    ids = _ids(rank(member, limit=30))
    assert corpus["ai_members"].pk not in ids
    assert corpus["ai_premium"].pk not in ids
    assert corpus["ai"][1].pk in ids  # free articles stay


def test_ranking_costs_the_same_queries_however_long_the_history(corpus, member_factory, read):
    everything = corpus["ai"] + corpus["yen"] + corpus["fintech"] + corpus["parts"]
    short, long = member_factory("complete"), member_factory("complete")
    read(short, everything[0])
    for i, article in enumerate(everything[:15]):
        read(long, article, days_ago=i % 3, minutes=i)
    TagFollow.objects.create(user=long, tag=corpus["tags"]["yen"])
    Favorite.objects.create(user=long, article=everything[16])
    refresh_coreads()
    rank(short)  # popular and tag statistics are shared and cached: warm them

    counts = []
    for member in (short, long):
        access.status_of(member)
        with CaptureQueriesContext(connection) as queries:
            rank(member)
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 12


def test_recommendations_are_cached_per_member_for_a_few_minutes(
    corpus, member_factory, read, django_assert_max_num_queries
):
    member = member_factory("complete")
    read(member, corpus["ai"][0])
    recommend_for(member)

    with django_assert_max_num_queries(3):  # the cards: articles, authors, renditions
        again = recommend_for(member)

    assert again
    cache.clear()
    with CaptureQueriesContext(connection) as fresh:
        recommend_for(member)
    assert len(fresh) > 3


def test_a_page_of_recommendations_is_not_all_one_series(
    article_factory, series_factory, tag_factory, member_factory, read
):
    chips = tag_factory("半導体")
    series = series_factory()
    parts = [article_factory(tags=[chips], series=series, series_position=i) for i in range(1, 9)]
    singles = [article_factory(tags=[chips]) for _ in range(4)]
    member = member_factory("complete")
    read(member, singles[0])

    picks = recommend_for(member, limit=6)

    from_series = [r for r in picks if r.article.series_id == series.pk]
    assert len(picks) == 6 and len(from_series) < 6
    assert parts  # the corpus had more than enough parts to fill the page
