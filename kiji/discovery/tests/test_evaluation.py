"""The offline evaluation: Kiji's recommender beats popularity, and leaves nothing behind."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from kiji.discovery.evaluation import evaluate
from kiji.discovery.models import CoRead, ReadEvent
from kiji.members.models import Profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_corpus(article_factory, tag_factory, series_factory):
    """36 articles over six topics and three series, a few members-only, one premium-only."""
    tags = [tag_factory(n) for n in ("生成AI", "半導体", "円相場", "フィンテック", "物流", "脱炭素")]
    series = [series_factory() for _ in range(3)]
    made = []
    for i in range(36):
        topic = [tags[i % 6], tags[(i * 5 + 1) % 6]] if i % 3 == 0 else [tags[i % 6]]
        kwargs = {"series": series[i % 3], "series_position": i // 3 + 1} if i < 12 else {}
        access = "premium" if i == 35 else ("members" if i % 4 == 0 else None)
        made.append(article_factory(tags=topic, access=access, **kwargs))
    return made


def test_kiji_beats_popularity_on_simulated_logs_and_keeps_nothing(small_corpus, member_factory):
    member_factory("complete")  # a real member, who must still be there afterwards
    users_before = get_user_model().objects.count()

    result = evaluate(members=80, reads=20, seed=7)

    assert result.articles == 35  # the premium-only article is not readable at this level
    assert result.reads_per_member == 11  # capped at a third of the corpus
    assert result.kiji_hit_rate > result.popular_hit_rate
    assert result.kiji_coverage > result.popular_coverage
    assert get_user_model().objects.count() == users_before
    assert not ReadEvent.objects.exists() and not CoRead.objects.exists()
    assert not Profile.objects.filter(display_name__startswith="シミュレーション").exists()


def test_the_command_prints_both_side_by_side(small_corpus):
    out = StringIO()

    call_command("evaluate_recommendations", "--members", "30", "--seed", "3", stdout=out)

    text = out.getvalue()
    assert "hit rate@10" in text and "coverage" in text
    assert "Kiji (おすすめ)" in text and "Popularity baseline" in text
    assert "rolled back" in text
    assert not get_user_model().objects.filter(username__startswith="simulated-eval-").exists()


def test_the_command_refuses_an_empty_site(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="readable live articles"):
        call_command("evaluate_recommendations", "--members", "5", stdout=StringIO())
