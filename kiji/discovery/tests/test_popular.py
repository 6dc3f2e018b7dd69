"""人気: popular articles and tags by distinct readers over a sliding window."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kiji.articles import selectors as article_selectors
from kiji.comments.models import ArticleCommentCount
from kiji.core import pagecache
from kiji.discovery.selectors import popular_articles, popular_tags

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(member_factory):
    return [member_factory("complete") for _ in range(4)]


def test_articles_rank_by_distinct_readers_in_the_window(readers, article_factory, read, settings):
    settings.KIJI_POPULAR_DAYS = 7
    a, b, c = (article_factory(title=t) for t in ("記事A", "記事B", "記事C"))
    for member in readers[:3]:
        read(member, b, days_ago=1)
    # One member reading A on three days is one reader, not three.
    for day in (0, 1, 2):
        read(readers[0], a, days_ago=day)
    read(readers[1], a, days_ago=3)
    # Old reads have fallen out of the window.
    for member in readers:
        read(member, c, days_ago=8)

    ranked = popular_articles(limit=5)

    assert [(p.title, p.readers) for p in ranked] == [("記事B", 3), ("記事A", 2)]
    assert ranked[0].url == b.url


def test_the_window_slides(readers, article_factory, read, settings):
    article = article_factory()
    read(readers[0], article, days_ago=6)

    settings.KIJI_POPULAR_DAYS = 7
    assert [p.pk for p in popular_articles(now=timezone.now())] == [article.pk]
    assert popular_articles(days=6, now=timezone.now()) == []
    assert popular_articles(now=timezone.now() + timedelta(days=1)) == []


def test_unpublished_and_future_articles_are_not_listed(readers, article_factory, read):
    gone, shown = article_factory(), article_factory()
    read(readers[0], gone)
    read(readers[0], shown)
    gone.unpublish()

    assert [p.pk for p in popular_articles(now=timezone.now())] == [shown.pk]


def test_tags_rank_by_distinct_readers_of_their_articles(readers, article_factory, tag_factory, read):
    ai, chips, yen = tag_factory("生成AI"), tag_factory("半導体"), tag_factory("円相場")
    one, two = article_factory(tags=[ai, chips]), article_factory(tags=[ai])
    old = article_factory(tags=[yen])
    read(readers[0], one)
    read(readers[0], two)  # the same member again: still one reader of 生成AI
    read(readers[1], two)
    read(readers[2], one)
    for member in readers:
        read(member, old, days_ago=30)

    tags = popular_tags(now=timezone.now())

    assert [(t.name, t.readers) for t in tags] == [("生成AI", 3), ("半導体", 2)]


def test_with_no_reads_tags_fall_back_to_usage_and_articles_to_comments(article_factory, tag_factory):
    ai, ev = tag_factory("生成AI"), tag_factory("EV")
    article_factory(tags=[ai, ev])
    discussed = article_factory(tags=[ai], title="議論の多い記事")
    article_factory(title="新しいが話題のない記事")
    ArticleCommentCount.objects.create(article=discussed, count=4)

    assert [t.name for t in popular_tags(now=timezone.now())] == ["生成AI", "EV"]
    assert [(p.title, p.readers) for p in popular_articles(now=timezone.now())] == [("議論の多い記事", 0)]


def test_the_foundation_function_delegates(readers, article_factory, tag_factory, read):
    ai, ev = tag_factory("生成AI"), tag_factory("EV")
    article_factory(tags=[ai])
    article_factory(tags=[ai])
    read(readers[0], article_factory(tags=[ev]))

    # By usage 生成AI would lead; by readers EV does.
    assert [t.name for t in article_selectors.popular_tags()] == ["EV"]


def test_both_lists_are_cached_per_generation(
    readers, article_factory, tag_factory, read, django_assert_num_queries
):
    article = article_factory(tags=[tag_factory("生成AI")])
    read(readers[0], article)
    with django_assert_num_queries(2):  # articles and tags, computed together
        popular_articles()
        popular_tags()
    with django_assert_num_queries(0):
        popular_articles(limit=3)
        popular_tags(limit=5)

    later = article_factory()
    read(readers[1], later)
    read(readers[2], later)
    pagecache.invalidate()

    assert [p.pk for p in popular_articles()] == [later.pk, article.pk]


def test_the_sidebar_lists_the_most_read_articles(client, readers, article_factory, read):
    article = article_factory(title="よく読まれた記事", members_only=True)
    article_factory(title="読まれていない記事")
    read(readers[0], article)

    html = client.get("/").content.decode()

    assert "よく読まれている記事" in html and "よく読まれた記事" in html
    assert 'class="popular-articles__link"' in html
    sidebar = html[html.index('class="sidebar"') :]
    assert "読まれていない記事" not in sidebar


def test_with_no_reads_the_panel_names_the_most_discussed_articles(client, article_factory):
    discussed = article_factory(title="議論の多い記事")
    ArticleCommentCount.objects.create(article=discussed, count=3)

    html = client.get("/").content.decode()

    assert "コメントの多い記事" in html and "よく読まれている記事" not in html
    assert 'class="popular-articles__link" href="/articles/' in html


def test_no_reads_and_no_comments_means_no_panel(client, article_factory):
    article = article_factory(title="ひとつだけの記事")

    html = client.get(article.url).content.decode()

    assert "よく読まれている記事" not in html
