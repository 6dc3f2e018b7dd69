"""Fan-out of a new article to the followers of its author, series and tags.

A few hundred members follow through one, several or none of the sources; some turned a kind off.
Each follower gets one notification (the first source wins: author, then series, then tag), in the
task the publish enqueues on commit, never in the publish itself.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from kiji.articles.models import ArticleAuthor, ArticlePage, Author, Series, Tag
from kiji.articles.services import ensure_site_tree
from kiji.library.models import TagFollow
from kiji.social import fanout, tasks
from kiji.social.fanout import fan_out
from kiji.social.models import AuthorFollow, Channel, Kind, Notification, NotificationPreference, SeriesFollow

Capture = Callable[..., AbstractContextManager[list[Callable[[], Any]]]]
_seq = itertools.count(1)


@dataclass
class Followers:
    tag: Tag
    author: Author
    series: Series
    expected: dict[int, str]  # member id → the kind of notification that member must get
    nobody: list[int]  # members who must get nothing


@pytest.fixture
def followers(
    db: None,
    tag_factory: Callable[..., Tag],
    author_factory: Callable[..., Author],
    series_factory: Callable[..., Series],
) -> Followers:
    """300 members: 120 follow the tag, 100 the author, 40 the series, 30 all three, 10 nothing."""
    tag, author, series = (
        tag_factory("半導体"),
        author_factory(name="経済 花子"),
        series_factory(name="供給網"),
    )
    users = User.objects.bulk_create(
        User(username=f"fan{n:04d}", email=f"fan{n:04d}@example.com", password="!") for n in range(300)
    )
    ids = [u.pk for u in users]
    tag_only, author_only, series_only = ids[:120], ids[120:220], ids[220:260]
    all_three, outsiders = ids[260:290], ids[290:]
    TagFollow.objects.bulk_create(TagFollow(user_id=pk, tag=tag) for pk in tag_only + all_three)
    AuthorFollow.objects.bulk_create(
        AuthorFollow(user_id=pk, author=author) for pk in author_only + all_three
    )
    SeriesFollow.objects.bulk_create(
        SeriesFollow(user_id=pk, series=series) for pk in series_only + all_three
    )

    def prefer(members: list[int], kinds: Sequence[str], channel: str) -> None:
        NotificationPreference.objects.bulk_create(
            NotificationPreference(user_id=pk, kind=kind, channel=channel) for pk in members for kind in kinds
        )

    article_kinds = [Kind.AUTHOR_ARTICLE, Kind.SERIES_ARTICLE, Kind.TAG_ARTICLE]
    prefer(tag_only[:15], [Kind.TAG_ARTICLE], Channel.OFF)
    prefer(tag_only[15:30], [Kind.TAG_ARTICLE], Channel.SITE)  # only OFF silences
    prefer(author_only[:10], [Kind.AUTHOR_ARTICLE], Channel.OFF)
    prefer(author_only[10:20], [Kind.TAG_ARTICLE], Channel.OFF)  # another kind: still told
    prefer(series_only[:5], [Kind.SERIES_ARTICLE], Channel.OFF)
    prefer(all_three[:10], [Kind.AUTHOR_ARTICLE], Channel.OFF)  # told through the series instead
    prefer(all_three[10:15], article_kinds, Channel.OFF)
    prefer(outsiders, article_kinds, Channel.EMAIL)  # wanting mail does not make one a follower

    expected = {pk: str(Kind.TAG_ARTICLE) for pk in tag_only[15:]}
    expected |= {pk: str(Kind.AUTHOR_ARTICLE) for pk in author_only[10:]}
    expected |= {pk: str(Kind.SERIES_ARTICLE) for pk in series_only[5:]}
    expected |= {pk: str(Kind.SERIES_ARTICLE) for pk in all_three[:10]}
    expected |= {pk: str(Kind.AUTHOR_ARTICLE) for pk in all_three[15:]}
    nobody = [pk for pk in ids if pk not in expected]
    assert len(expected) == 255 and len(nobody) == 45
    return Followers(tag, author, series, expected, nobody)


def draft(followers: Followers, **fields: Any) -> ArticlePage:
    """A draft in the tag, by the author, in the series, as an editor saves it; not published."""
    n = next(_seq)
    article = ArticlePage(
        title=fields.pop("title", f"半導体の供給網 第{n}回"),
        slug=f"fan-out-{n}",
        lead="リード文です。",
        series=followers.series,
        series_position=n,
        live=False,
        body=[("paragraph", "<p>本文です。</p>")],
        **fields,
    )
    article.tags.add(followers.tag)
    article.article_authors = [ArticleAuthor(author=followers.author, sort_order=0)]
    ensure_site_tree().add_child(instance=article)
    return article


def received(article: ArticlePage) -> dict[int, str]:
    rows = list(
        Notification.objects.filter(group_key=f"article:{article.pk}").values_list("recipient_id", "kind")
    )
    as_dict = dict(rows)
    assert len(as_dict) == len(rows), "a member got the article twice"
    return as_dict


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The article ids given to fan_out_article.enqueue (the task still runs: ImmediateBackend)."""
    calls: list[int] = []
    real = tasks.fan_out_article

    class Spy:
        def enqueue(self, article_id: int) -> Any:
            calls.append(article_id)
            return real.enqueue(article_id)

    monkeypatch.setattr(tasks, "fan_out_article", Spy())
    yield calls


def test_the_publish_enqueues_on_commit_and_the_task_inserts(
    followers: Followers, enqueued: list[int], django_capture_on_commit_callbacks: Capture
) -> None:
    article = draft(followers)
    revision = article.save_revision()
    with django_capture_on_commit_callbacks() as callbacks:
        revision.publish()
    # Published, yet nothing inserted nor enqueued: the work waits for the commit.
    assert ArticlePage.objects.get(pk=article.pk).live
    assert enqueued == []
    assert not Notification.objects.exists()
    for callback in callbacks:
        callback()
    assert enqueued == [article.pk]
    assert received(article) == followers.expected


@pytest.mark.parametrize("batch", [fanout.BATCH, 7])
def test_each_follower_once_opt_outs_skipped(
    followers: Followers,
    batch: int,
    monkeypatch: pytest.MonkeyPatch,
    article_factory: Callable[..., ArticlePage],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    monkeypatch.setattr(fanout, "BATCH", batch)  # 7: the id ranges split the sources into many batches
    with django_capture_on_commit_callbacks(execute=True):
        article = article_factory(
            title="半導体の供給網", authors=[followers.author], tags=[followers.tag], series=followers.series
        )
    assert received(article) == followers.expected
    assert not Notification.objects.filter(recipient_id__in=followers.nobody).exists()
    by_kind = {
        kind: (title, detail, url)
        for kind, title, detail, url in Notification.objects.values_list("kind", "title", "detail", "url")
    }
    assert by_kind == {
        Kind.AUTHOR_ARTICLE: ("半導体の供給網", "経済 花子", article.url),
        Kind.SERIES_ARTICLE: ("半導体の供給網", followers.series.name, article.url),
        Kind.TAG_ARTICLE: ("半導体の供給網", "", article.url),
    }
    assert fan_out(article.pk) == 0  # a retried task adds nothing


def test_the_queries_do_not_grow_with_the_followers(
    followers: Followers, django_capture_on_commit_callbacks: Capture
) -> None:
    def fan_out_counting() -> tuple[int, int]:
        article = draft(followers)
        with django_capture_on_commit_callbacks():  # published, the task not run
            article.save_revision().publish()
        with CaptureQueriesContext(connection) as queries:
            created = fan_out(article.pk)
        return created, len(queries)

    fan_out_counting()  # the first also looks up the site (article.url), which Wagtail then caches
    created, queries = fan_out_counting()
    more = User.objects.bulk_create(
        User(username=f"more{n:04d}", email=f"more{n:04d}@example.com", password="!") for n in range(300)
    )
    TagFollow.objects.bulk_create(TagFollow(user=u, tag=followers.tag) for u in more)
    assert fan_out_counting() == (created + 300, queries)
    assert queries <= 20  # article, authors, tags, privacy; per source: bounds + one batch


def test_a_republish_notifies_nobody_again(
    followers: Followers,
    enqueued: list[int],
    article_factory: Callable[..., ArticlePage],
    django_capture_on_commit_callbacks: Capture,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        article = article_factory(authors=[followers.author], tags=[followers.tag], series=followers.series)
    assert enqueued == [article.pk]
    Notification.objects.all().delete()  # read and cleared: a second fan-out would show again
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "半導体の供給網(追記あり)"
        article.save_revision().publish()
    article.unpublish()
    with django_capture_on_commit_callbacks(execute=True):
        ArticlePage.objects.get(pk=article.pk).save_revision().publish()
    assert enqueued == [article.pk]
    assert not Notification.objects.exists()


def test_an_article_unpublished_before_the_worker_notifies_nobody(
    followers: Followers, enqueued: list[int], django_capture_on_commit_callbacks: Capture
) -> None:
    never = draft(followers)
    assert fan_out(never.pk) == 0
    article = draft(followers)
    with django_capture_on_commit_callbacks() as callbacks:
        article.save_revision().publish()
    ArticlePage.objects.get(pk=article.pk).unpublish()
    for callback in callbacks:
        callback()
    assert enqueued == [article.pk]
    assert not Notification.objects.exists()


@pytest.mark.parametrize("where", ["article", "index"])
def test_a_private_article_notifies_nobody(
    followers: Followers, where: str, django_capture_on_commit_callbacks: Capture
) -> None:
    article = draft(followers)
    page = article if where == "article" else ensure_site_tree()
    PageViewRestriction.objects.create(page=page, restriction_type=PageViewRestriction.LOGIN)
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    assert ArticlePage.objects.get(pk=article.pk).live
    assert not Notification.objects.exists()
