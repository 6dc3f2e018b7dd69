"""The article page with the ladder: counted reads, the remaining count, the panel when used up."""

import pytest

from kiji.members.models import ArticleRead, MemberSettings

pytestmark = pytest.mark.django_db


def test_registered_member_sees_how_many_reads_remain_and_rereads_are_free(
    client, member_factory, article_factory
):
    client.force_login(member_factory("registered"))
    article = article_factory(members_only=True, pages=2)

    first = client.get(article.url).content.decode()
    again = client.get(article.url + "?page=2").content.decode()

    assert "あと 4 本です" in first and "ページ1の段落3" in first
    assert "あと 4 本です" in again and "ページ2の段落3" in again
    assert ArticleRead.objects.count() == 1


def test_free_articles_do_not_count(client, member_factory, article_factory):
    client.force_login(member_factory("registered"))

    html = client.get(article_factory().url).content.decode()

    assert ArticleRead.objects.count() == 0
    assert "あと" not in html or "本です" not in html


def test_used_up_quota_shows_the_panel_with_the_four_locked_items(client, member_factory, article_factory):
    config = MemberSettings.load()
    config.monthly_free_reads = 2
    config.save()
    client.force_login(member_factory("registered"))
    read = [article_factory(members_only=True) for _ in range(2)]
    for article in read:
        client.get(article.url)

    html = client.get(article_factory(members_only=True, pages=2).url).content.decode()

    assert "今月お読みいただける会員限定記事の上限に達しました。" in html
    assert "必要な会員情報が不足しています。" in html
    for item in (
        "記事閲覧数の制限なし",
        "[お気に入り]ボタンでの記事取り置き",
        "タグフォロー",
        "おすすめコンテンツの表示",
    ):
        assert item in html
    assert "詳細情報の入力へ進む" in html
    assert "ページ1の段落3" not in html
    assert "【次ページ】" in html  # navigation stays, as on the wall
    assert ArticleRead.objects.count() == 2
    # An article already counted this month still opens.
    assert "ページ1の段落3" in client.get(read[0].url).content.decode()


def test_complete_member_reads_without_limit_and_nothing_is_counted(client, member_factory, article_factory):
    client.force_login(member_factory("complete"))

    for _ in range(7):
        html = client.get(article_factory(members_only=True).url).content.decode()
        assert "ページ1の段落3" in html and "本です" not in html
    assert ArticleRead.objects.count() == 0


def test_premium_only_article_shows_the_premium_wall_to_complete_members(
    client, member_factory, article_factory
):
    article = article_factory(access="premium")
    client.force_login(member_factory("complete"))

    html = client.get(article.url).content.decode()

    assert "この続きはプレミアム会員限定です" in html and "ページ1の段落3" not in html
    client.force_login(member_factory("premium"))
    assert "ページ1の段落3" in client.get(article.url).content.decode()


def test_anonymous_pages_stay_cached_and_never_show_member_state(client, member_factory, article_factory):
    article = article_factory(members_only=True)
    anonymous = client.get(article.url)
    client.force_login(member_factory("registered"))
    member = client.get(article.url)

    assert anonymous["X-Page-Cache"] == "miss"
    assert "X-Page-Cache" not in member
    assert "本です" in member.content.decode() and "本です" not in anonymous.content.decode()
