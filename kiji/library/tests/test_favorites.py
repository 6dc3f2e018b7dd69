"""お気に入り (記事取り置き): the lock matrix, the button on article pages, the saved-articles page."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kiji.core.ratelimit import Limit
from kiji.library import services, views
from kiji.library.models import Favorite
from kiji.library.permissions import FeatureLocked
from kiji.library.privacy import export_member_data
from kiji.library.tests.conftest import ALLOWED, LEVELS

pytestmark = pytest.mark.django_db


def _save(client, article, **extra):
    return client.post(f"/library/favorites/{article.pk}/save/", {"next": article.url}, **extra)


def _remove(client, article, next_url="/library/favorites/"):
    return client.post(f"/library/favorites/{article.pk}/remove/", {"next": next_url})


def _favorite_queries(queries):
    return [q["sql"] for q in queries if '"library_favorite"' in q["sql"]]


@pytest.mark.parametrize("level", LEVELS)
def test_only_members_with_complete_details_premium_or_staff_can_save(
    level, client, make_person, article_factory
):
    person = make_person(level)
    if person is not None:
        client.force_login(person)
    article = article_factory()

    response = _save(client, article)

    assert Favorite.objects.filter(article=article).exists() is ALLOWED[level]
    if level == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=/articles/")
    elif level == "registered":
        assert response.status_code == 302 and response["Location"] == article.url
        assert [str(m) for m in get_messages(response.wsgi_request)] == ["必要な会員情報が不足しています。"]
    else:
        assert response.status_code == 302 and response["Location"] == article.url


def test_the_service_itself_refuses_an_incomplete_member(incomplete_member, article_factory):
    with pytest.raises(FeatureLocked) as refused:
        services.save_favorite(incomplete_member, article=article_factory())

    assert refused.value.decision.reason == "profile_incomplete"
    assert not Favorite.objects.exists()


def test_a_double_submit_saves_the_article_once_and_says_so(member_client, complete_member, article_factory):
    article = article_factory()

    _save(member_client, article)
    second = _save(member_client, article)

    assert Favorite.objects.filter(user=complete_member, article=article).count() == 1
    assert [str(m) for m in get_messages(second.wsgi_request)][
        -1
    ] == "この記事はすでにお気に入りに登録されています。"
    _, created = services.save_favorite(complete_member, article=article)
    assert created is False


def test_removing_deletes_the_favorite_and_a_second_removal_is_harmless(
    member_client, complete_member, article_factory
):
    article = article_factory(title="取り置いた記事")
    services.save_favorite(complete_member, article=article)

    first = _remove(member_client, article)
    second = _remove(member_client, article)

    assert not Favorite.objects.exists()
    assert first["Location"] == "/library/favorites/"
    messages = [str(m) for m in get_messages(second.wsgi_request)]
    assert "「取り置いた記事」をお気に入りから削除しました。" in messages
    assert messages[-1] == "この記事はお気に入りに登録されていません。"


def test_an_incomplete_member_cannot_remove_either(client, incomplete_member, article_factory):
    article = article_factory()
    Favorite.objects.create(user=incomplete_member, article=article)
    client.force_login(incomplete_member)

    _remove(client, article)

    assert Favorite.objects.count() == 1


def test_unpublished_and_future_articles_cannot_be_saved(member_client, article_factory):
    draft = article_factory()
    draft.unpublish()
    future = article_factory(published_at=timezone.now() + timedelta(days=1))

    assert _save(member_client, draft).status_code == 404
    assert _save(member_client, future).status_code == 404
    assert not Favorite.objects.exists()


def test_writes_accept_post_only(member_client, article_factory):
    article = article_factory()

    assert member_client.get(f"/library/favorites/{article.pk}/save/").status_code == 405
    assert not Favorite.objects.exists()


def test_csrf_is_enforced_on_saving(complete_member, article_factory):
    article = article_factory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(complete_member)

    response = _save(client, article)

    assert response.status_code == 403
    assert not Favorite.objects.exists()


def test_too_many_writes_get_a_429(member_client, article_factory, monkeypatch):
    monkeypatch.setattr(views, "WRITE_LIMIT", Limit(3, 3600))
    articles = [article_factory() for _ in range(4)]

    statuses = [_save(member_client, article).status_code for article in articles]

    assert statuses == [302, 302, 302, 429]
    assert Favorite.objects.count() == 3


def test_an_outside_next_is_replaced_by_the_article(member_client, article_factory):
    article = article_factory()

    response = member_client.post(
        f"/library/favorites/{article.pk}/save/", {"next": "https://evil.example/phish"}
    )

    assert response["Location"] == article.url


def test_an_htmx_request_gets_only_the_updated_button(member_client, article_factory):
    article = article_factory()

    response = _save(member_client, article, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="library-article-actions"' in html and "お気に入りに登録済み" in html
    assert f"「{article.title}」をお気に入りに登録しました。" in html


# The button on the article page


def test_anonymous_visitors_get_a_login_button_and_the_page_stays_cacheable(client, article_factory):
    article = article_factory()

    first = client.get(article.url)
    second = client.get(article.url)

    html = first.content.decode()
    assert "お気に入りに登録" in html
    assert f'href="/accounts/login/?next={article.url}"' in html
    assert "/library/favorites/" not in html and "csrfmiddlewaretoken" not in html
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"


def test_a_complete_member_sees_save_then_the_saved_state_with_the_message(member_client, article_factory):
    article = article_factory(title="後で読む記事")

    before = member_client.get(article.url).content.decode()
    after = member_client.get(_save(member_client, article)["Location"]).content.decode()

    assert f'action="/library/favorites/{article.pk}/save/"' in before
    assert "お気に入りに登録済み" not in before
    assert f'action="/library/favorites/{article.pk}/remove/"' in after
    assert "お気に入りに登録済み" in after
    assert "「後で読む記事」をお気に入りに登録しました。" in after


def test_an_incomplete_member_sees_why_the_button_is_locked(client, incomplete_member, article_factory):
    article = article_factory()
    client.force_login(incomplete_member)

    html = client.get(article.url).content.decode()

    assert '<details class="library-locked">' in html
    assert "必要な会員情報が不足しています" in html and "[お気に入り]ボタンでの記事取り置き" in html
    assert "/library/favorites/" not in html


def test_when_the_quota_wall_shows_the_panel_the_button_points_to_it(
    client, incomplete_member, article_factory
):
    from kiji.members.models import MemberSettings

    config = MemberSettings.load()
    config.monthly_free_reads = 0
    config.save()
    article = article_factory(members_only=True)
    client.force_login(incomplete_member)

    html = client.get(article.url).content.decode()

    assert html.count('id="locked-title"') == 1
    assert 'href="#locked-title"' in html and "library-locked" not in html


def test_the_button_costs_one_query_however_many_articles_are_saved(
    member_client, complete_member, article_factory
):
    article = article_factory()
    member_client.get(article.url)  # warm the article's cached fragments

    with CaptureQueriesContext(connection) as few:
        member_client.get(article.url)
    for other in [article_factory() for _ in range(5)]:
        Favorite.objects.create(user=complete_member, article=other)
    with CaptureQueriesContext(connection) as many:
        member_client.get(article.url)

    assert len(_favorite_queries(few.captured_queries)) == 1
    assert len(many.captured_queries) == len(few.captured_queries)


# The saved-articles page


@pytest.fixture
def three_saved(complete_member, article_factory):
    """Saved in the order old → middle → new, published in the order middle → new → old."""
    now = timezone.now()
    old = article_factory(title="記事A", published_at=now - timedelta(days=1))
    middle = article_factory(title="記事B", published_at=now - timedelta(days=3))
    new = article_factory(title="記事C", published_at=now - timedelta(days=2))
    for days, article in [(3, old), (2, middle), (1, new)]:
        Favorite.objects.create(user=complete_member, article=article, created_at=now - timedelta(days=days))
    return old, middle, new


def _order(html, titles):
    return sorted(titles, key=html.index)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["記事C", "記事B", "記事A"]),
        ("newest", ["記事C", "記事B", "記事A"]),
        ("oldest", ["記事A", "記事B", "記事C"]),
        ("published", ["記事A", "記事C", "記事B"]),
        ("nonsense", ["記事C", "記事B", "記事A"]),
    ],
)
def test_the_saved_articles_page_sorts_by_saved_or_published_date(member_client, three_saved, sort, expected):
    html = member_client.get(f"/library/favorites/?sort={sort}").content.decode()

    assert _order(html, ["記事A", "記事B", "記事C"]) == expected
    assert "3 件の記事を保存しています" in html


def test_the_saved_articles_page_offers_removal_and_counts_only_live_articles(
    member_client, three_saved, article_factory, complete_member
):
    gone = article_factory(title="取り下げた記事")
    Favorite.objects.create(user=complete_member, article=gone)
    gone.unpublish()

    html = member_client.get("/library/favorites/").content.decode()

    assert "3 件の記事を保存しています" in html and "取り下げた記事" not in html
    assert html.count('action="/library/favorites/') == 3
    assert f'action="/library/favorites/{three_saved[0].pk}/remove/"' in html
    assert "お気に入り(3)" in member_client.get("/members/me/").content.decode()


def test_the_saved_articles_page_paginates_and_keeps_the_sort(
    member_client, complete_member, article_factory, settings
):
    settings.KIJI_PAGE_SIZE = 2
    for article in [article_factory() for _ in range(5)]:
        Favorite.objects.create(user=complete_member, article=article)

    first = member_client.get("/library/favorites/?sort=oldest").content.decode()
    last = member_client.get("/library/favorites/?sort=oldest&page=99")

    assert "5 件の記事を保存しています" in first and "1 / 3 ページ" in first
    assert 'href="?sort=oldest&amp;page=2"' in first
    assert last.status_code == 200 and "3 / 3 ページ" in last.content.decode()


def test_the_saved_articles_page_queries_do_not_grow_with_the_articles(
    member_client, complete_member, article_factory, image_factory
):
    def save(count):
        for _ in range(count):
            article = article_factory(hero_image=image_factory())
            Favorite.objects.create(user=complete_member, article=article)

    save(2)
    member_client.get("/library/favorites/")  # first render makes the renditions
    with CaptureQueriesContext(connection) as few:
        member_client.get("/library/favorites/")
    save(4)
    member_client.get("/library/favorites/")
    with CaptureQueriesContext(connection) as many:
        html = member_client.get("/library/favorites/").content.decode()

    assert "6 件の記事を保存しています" in html
    assert len(many.captured_queries) == len(few.captured_queries)


def test_an_empty_list_explains_how_to_save(member_client):
    html = member_client.get("/library/favorites/").content.decode()

    assert "お気に入りに保存した記事はまだありません" in html


def test_the_saved_articles_page_needs_sign_in_and_complete_details(
    client, incomplete_member, article_factory
):
    Favorite.objects.create(user=incomplete_member, article=article_factory(title="見えない記事"))

    anonymous = client.get("/library/favorites/")
    client.force_login(incomplete_member)
    html = client.get("/library/favorites/").content.decode()

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    assert "必要な会員情報が不足しています" in html and "見えない記事" not in html


def test_account_home_links_to_the_library(member_client):
    html = member_client.get("/members/me/").content.decode()

    assert 'href="/library/favorites/">お気に入り(0)' in html
    assert 'href="/library/following/"' in html and 'href="/library/feed/"' in html


def test_the_privacy_export_lists_every_favorite(complete_member, article_factory):
    article = article_factory(title="書き出す記事", slug="export-me")
    favorite = Favorite.objects.create(user=complete_member, article=article)
    article.unpublish()  # still the member's data

    data = export_member_data(complete_member)

    assert data["favorites"] == [
        {
            "article_slug": "export-me",
            "article_title": "書き出す記事",
            "saved_at": favorite.created_at.isoformat(),
        }
    ]
    assert data["followed_tags"] == []
