"""タグフォロー: the lock matrix, the button on tag pages, the followed tags and their feed."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kiji.core.ratelimit import Limit
from kiji.library import services, views
from kiji.library.models import TagFollow
from kiji.library.permissions import FeatureLocked
from kiji.library.privacy import export_member_data
from kiji.library.tests.conftest import ALLOWED, LEVELS

pytestmark = pytest.mark.django_db


def _follow(client, tag, **extra):
    return client.post(f"/library/tags/{tag.pk}/follow/", {"next": tag.get_absolute_url()}, **extra)


def _unfollow(client, tag, next_url="/library/following/"):
    return client.post(f"/library/tags/{tag.pk}/unfollow/", {"next": next_url})


@pytest.mark.parametrize("level", LEVELS)
def test_only_members_with_complete_details_premium_or_staff_can_follow(
    level, client, make_person, tag_factory
):
    person = make_person(level)
    if person is not None:
        client.force_login(person)
    tag = tag_factory("半導体")

    response = _follow(client, tag)

    assert TagFollow.objects.filter(tag=tag).exists() is ALLOWED[level]
    assert response.status_code == 302
    if level == "anonymous":
        assert response["Location"].startswith("/accounts/login/?next=/tags/")
    else:
        assert response["Location"] == tag.get_absolute_url()
    if level == "registered":
        assert [str(m) for m in get_messages(response.wsgi_request)] == ["必要な会員情報が不足しています。"]


def test_the_service_itself_refuses_an_incomplete_member(incomplete_member, tag_factory):
    with pytest.raises(FeatureLocked):
        services.follow_tag(incomplete_member, tag=tag_factory())

    assert not TagFollow.objects.exists()


def test_following_twice_keeps_one_follow_and_unfollowing_twice_is_harmless(
    member_client, complete_member, tag_factory
):
    tag = tag_factory("脱炭素")

    _follow(member_client, tag)
    again = _follow(member_client, tag)
    assert TagFollow.objects.filter(user=complete_member, tag=tag).count() == 1
    assert [str(m) for m in get_messages(again.wsgi_request)][-1] == "#脱炭素 はすでにフォローしています。"

    _unfollow(member_client, tag)
    second = _unfollow(member_client, tag)
    assert not TagFollow.objects.exists()
    messages = [str(m) for m in get_messages(second.wsgi_request)]
    assert (
        "#脱炭素 のフォローを解除しました。" in messages
        and messages[-1] == "#脱炭素 はフォローしていません。"
    )


def test_csrf_is_enforced_on_following(complete_member, tag_factory):
    client = Client(enforce_csrf_checks=True)
    client.force_login(complete_member)

    response = _follow(client, tag_factory())

    assert response.status_code == 403
    assert not TagFollow.objects.exists()


def test_too_many_follows_get_a_429(member_client, tag_factory, monkeypatch):
    monkeypatch.setattr(views, "WRITE_LIMIT", Limit(2, 3600))
    tags = [tag_factory() for _ in range(3)]

    assert [_follow(member_client, tag).status_code for tag in tags] == [302, 302, 429]
    assert TagFollow.objects.count() == 2


def test_an_unknown_tag_is_a_404(member_client):
    assert member_client.post("/library/tags/999999/follow/").status_code == 404


# The button on the tag page


def test_anonymous_visitors_get_a_login_button_and_the_tag_page_stays_cacheable(
    client, tag_factory, article_factory
):
    tag = tag_factory("物流")
    article_factory(tags=[tag])

    first = client.get(tag.get_absolute_url())
    second = client.get(tag.get_absolute_url())

    html = first.content.decode()
    assert "このタグをフォロー" in html and 'href="/accounts/login/?next=' in html
    assert "/library/tags/" not in html and "csrfmiddlewaretoken" not in html
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"


def test_a_complete_member_follows_from_the_tag_page_and_sees_the_state(member_client, tag_factory):
    tag = tag_factory("物流")

    before = member_client.get(tag.get_absolute_url()).content.decode()
    after = member_client.get(_follow(member_client, tag)["Location"]).content.decode()

    assert f'action="/library/tags/{tag.pk}/follow/"' in before and "フォロー中" not in before
    assert f'action="/library/tags/{tag.pk}/unfollow/"' in after and "フォロー中" in after
    assert "#物流 をフォローしました。新着記事はフィードに届きます。" in after


def test_an_incomplete_member_sees_why_following_is_locked(client, incomplete_member, tag_factory):
    tag = tag_factory()
    client.force_login(incomplete_member)

    html = client.get(tag.get_absolute_url()).content.decode()

    assert '<details class="library-locked">' in html and "タグフォロー" in html
    assert "必要な会員情報が不足しています" in html and "/library/tags/" not in html


def test_the_tag_button_costs_one_query_however_many_tags_are_followed(
    member_client, complete_member, tag_factory
):
    tag = tag_factory()
    member_client.get(tag.get_absolute_url())

    with CaptureQueriesContext(connection) as few:
        member_client.get(tag.get_absolute_url())
    for other in [tag_factory() for _ in range(5)]:
        TagFollow.objects.create(user=complete_member, tag=other)
    with CaptureQueriesContext(connection) as many:
        member_client.get(tag.get_absolute_url())

    follow_queries = [q for q in few.captured_queries if '"library_tagfollow"' in q["sql"]]
    assert len(follow_queries) == 1
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_htmx_request_gets_only_the_updated_button(member_client, tag_factory):
    response = _follow(member_client, tag_factory(), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html and 'id="library-tag-actions"' in html and "フォロー中" in html


# The followed tags page


def test_the_following_page_lists_tags_with_counts_and_unfollow_buttons(
    member_client, complete_member, tag_factory, article_factory
):
    chips, energy = tag_factory("半導体"), tag_factory("エネルギー")
    article_factory(tags=[chips])
    article_factory(tags=[chips])
    article_factory(tags=[chips]).unpublish()
    for tag in (chips, energy):
        TagFollow.objects.create(user=complete_member, tag=tag)

    html = member_client.get("/library/following/").content.decode()

    assert "2 個のタグをフォローしています" in html
    assert "#半導体" in html and "記事 2 本" in html and "#エネルギー" in html and "記事 0 本" in html
    assert f'action="/library/tags/{chips.pk}/unfollow/"' in html
    assert f'action="/library/tags/{energy.pk}/unfollow/"' in html


def test_the_following_page_is_locked_for_incomplete_members(client, incomplete_member):
    client.force_login(incomplete_member)

    html = client.get("/library/following/").content.decode()

    assert "必要な会員情報が不足しています" in html
    assert client.get("/library/feed/").content.decode().count("panel-locked__title") == 1


def test_an_empty_following_page_points_to_the_tags(member_client):
    html = member_client.get("/library/following/").content.decode()

    assert "フォロー中のタグはまだありません" in html and 'href="/tags/"' in html


# The feed


def test_the_feed_lists_live_articles_of_followed_tags_newest_first_each_once(
    member_client, complete_member, tag_factory, article_factory
):
    chips, energy, other = tag_factory("半導体"), tag_factory("エネルギー"), tag_factory("スポーツ")
    now = timezone.now()
    article_factory(title="両方のタグの記事", tags=[chips, energy], published_at=now - timedelta(hours=1))
    article_factory(
        title="会員限定の記事", tags=[chips], members_only=True, published_at=now - timedelta(hours=2)
    )
    article_factory(title="古い記事", tags=[energy], published_at=now - timedelta(days=3))
    article_factory(title="他のタグの記事", tags=[other])
    article_factory(title="予約中の記事", tags=[chips], published_at=now + timedelta(days=1))
    article_factory(title="取り下げた記事", tags=[chips]).unpublish()
    for tag in (chips, energy):
        TagFollow.objects.create(user=complete_member, tag=tag)

    html = member_client.get("/library/feed/").content.decode()

    shown = ["両方のタグの記事", "会員限定の記事", "古い記事"]
    assert sorted(shown, key=html.index) == shown
    assert html.count("両方のタグの記事") == 1
    for hidden in ("他のタグの記事", "予約中の記事", "取り下げた記事"):
        assert hidden not in html
    assert '<span class="badge badge--members">会員限定</span>' in html


def test_the_feed_paginates(member_client, complete_member, tag_factory, article_factory, settings):
    settings.KIJI_PAGE_SIZE = 2
    tag = tag_factory()
    for _ in range(3):
        article_factory(tags=[tag])
    TagFollow.objects.create(user=complete_member, tag=tag)

    first = member_client.get("/library/feed/").content.decode()
    second = member_client.get("/library/feed/?page=2").content.decode()

    assert "1 / 2 ページ" in first and 'href="?page=2"' in first
    assert "2 / 2 ページ" in second


def test_the_feed_queries_do_not_grow_with_articles_or_tags(
    member_client, complete_member, tag_factory, article_factory
):
    def add(count):
        for _ in range(count):
            tag = tag_factory()
            TagFollow.objects.create(user=complete_member, tag=tag)
            article_factory(tags=[tag])

    add(2)
    member_client.get("/library/feed/")  # warm the site's caches (site root paths, settings)
    with CaptureQueriesContext(connection) as few:
        member_client.get("/library/feed/")
    add(5)
    with CaptureQueriesContext(connection) as many:
        member_client.get("/library/feed/")

    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_feed_tells_a_member_who_follows_nothing_where_to_start(member_client):
    html = member_client.get("/library/feed/").content.decode()

    assert "フォロー中のタグはまだありません" in html


def test_the_feed_needs_sign_in(client):
    response = client.get("/library/feed/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_privacy_export_lists_followed_tags(complete_member, tag_factory):
    tag = tag_factory("半導体")
    follow = TagFollow.objects.create(user=complete_member, tag=tag)

    data = export_member_data(complete_member)

    assert data["followed_tags"] == [
        {"tag_slug": tag.slug, "tag_name": "半導体", "followed_at": follow.created_at.isoformat()}
    ]


@pytest.mark.django_db
def test_complete_member_follows_an_articles_tags_from_the_article_page(
    client, member_factory, article_factory, tag_factory
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kiji.library.models import TagFollow

    member = member_factory("complete")
    ai, chips = tag_factory("生成AI"), tag_factory("半導体")
    article = article_factory(tags=[ai, chips])
    client.force_login(member)
    client.get(article.url)

    with CaptureQueriesContext(connection) as queries:
        html = client.get(article.url).content.decode()
    assert html.count('class="tag library-tag-follow"') == 2
    assert len(queries) <= 8  # who the member is, saved?, followed tags: one query each

    client.post(f"/library/tags/{ai.pk}/follow/", {"next": article.url})
    assert TagFollow.objects.filter(user=member, tag=ai).exists()
    assert "library-tag-follow library-tag-follow--on" in client.get(article.url).content.decode()


@pytest.mark.django_db
def test_incomplete_member_gets_no_tag_follow_buttons_on_articles(
    client, member_factory, article_factory, tag_factory
):
    client.force_login(member_factory("registered"))

    html = client.get(article_factory(tags=[tag_factory("EV")]).url).content.decode()

    assert "library-tag-follow" not in html
