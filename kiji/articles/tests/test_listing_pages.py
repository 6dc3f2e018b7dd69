from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def test_home_shows_featured_latest_series_popular_tags_and_pr(
    client, article_factory, series_factory, tag_factory, sponsored_factory
):
    series = series_factory(name="製造業DXの現在地")
    tag = tag_factory("スマートファクトリー")
    article_factory(title="注目の記事", featured=True, series=series, tags=[tag])
    article_factory(title="最新の記事", members_only=True)
    sponsored_factory(title="PRの記事")

    html = client.get("/").content.decode()

    for text in (
        "注目記事",
        "注目の記事",
        "最新記事",
        "最新の記事",
        "会員限定",
        "製造業DXの現在地",
        "#スマートファクトリー",
        "PRの記事",
    ):
        assert text in html


def test_article_list_is_paginated(client, article_factory, settings):
    settings.KIJI_PAGE_SIZE = 2
    for i in range(5):
        article_factory(title=f"一覧の記事{i}")

    first = client.get("/articles/").content.decode()
    third = client.get("/articles/?page=3").content.decode()

    assert "1 / 3 ページ" in first and 'href="?page=2"' in first
    assert third.count('class="card"') == 1
    assert client.get("/articles/?page=4").status_code == 404
    assert client.get("/articles/?page=x").status_code == 404


def test_series_page_lists_parts_in_order(client, article_factory, series_factory):
    series = series_factory(slug="ordered", name="順番の連載", description="連載の説明です。")
    article_factory(title="第二回の記事", series=series, series_position=2)
    article_factory(title="第一回の記事", series=series, series_position=1)

    html = client.get("/series/ordered/").content.decode()

    assert "順番の連載" in html and "連載の説明です。" in html
    assert html.index("第一回の記事") < html.index("第二回の記事")
    assert 'type="application/rss+xml"' in html and "/series/ordered/feed/" in html
    assert "順番の連載" in client.get("/series/").content.decode()


def test_author_page_shows_profile_and_articles(client, article_factory, author_factory):
    author = author_factory(
        slug="kimura", name="木村 健二", title="在米ジャーナリスト", bio="米国の経済を取材。"
    )
    article_factory(title="木村の記事", authors=[author])
    article_factory(title="他人の記事")

    html = client.get("/authors/kimura/").content.decode()

    assert "木村 健二" in html and "在米ジャーナリスト" in html and "米国の経済を取材。" in html
    assert "木村の記事" in html and "他人の記事" not in html
    assert "/authors/kimura/feed/" in html
    assert "木村 健二" in client.get("/authors/").content.decode()


def test_tag_page_works_with_japanese_slugs(client, article_factory, tag_factory):
    tag = tag_factory("生成AI")
    article_factory(title="タグ付きの記事", tags=[tag])
    article_factory(title="タグなしの記事")

    assert tag.slug == "生成ai"
    response = client.get(tag.get_absolute_url())
    html = response.content.decode()

    assert response.status_code == 200
    assert "#生成AI" in html and "タグ付きの記事" in html and "タグなしの記事" not in html
    assert "生成AI" in client.get("/tags/").content.decode()


def test_monthly_archive_groups_by_tokyo_month(client, article_factory):
    article_factory(title="十月末の記事", published_at=datetime(2026, 10, 31, 23, 30, tzinfo=TOKYO))
    article_factory(title="十一月の記事", published_at=datetime(2026, 11, 1, 0, 30, tzinfo=TOKYO))

    index = client.get("/archive/").content.decode()
    october = client.get("/archive/2026/10/").content.decode()

    assert "2026年10月" in index and "2026年11月" in index
    assert "十月末の記事" in october and "十一月の記事" not in october
    assert client.get("/archive/2026/13/").status_code == 404


def test_unknown_series_author_and_tag_are_404(client):
    for url in ("/series/none/", "/authors/none/", "/tags/none/", "/series/none/feed/"):
        assert client.get(url).status_code == 404


def test_listing_queries_do_not_grow_with_the_number_of_articles(
    client, article_factory, author_factory, image_factory
):
    def count(url):
        from django.core.cache import caches

        caches["pages"].clear()
        caches["default"].clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    article_factory(hero_image=image_factory(), authors=[author_factory()])
    client.get("/")  # renditions are created on first view
    small_home, small_list = count("/"), count("/articles/")
    for _ in range(6):
        article_factory(hero_image=image_factory(), authors=[author_factory(), author_factory()])
    client.get("/")
    client.get("/articles/")

    assert count("/") == small_home
    assert count("/articles/") == small_list
