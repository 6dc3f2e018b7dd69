import json
import re

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import body_with_pages
from kiji.articles.models import ArticlePage

pytestmark = pytest.mark.django_db


def _json_ld(html):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def test_article_page_shows_everything_the_reference_page_shows(
    client, article_factory, author_factory, series_factory, tag_factory, image_factory
):
    series = series_factory(name="半導体地政学マップ", slug="chips")
    author = author_factory(name="木村 健二", title="在米ジャーナリスト", bio="サンフランシスコ在住の記者。")
    hero = image_factory(caption="工場の外観", credit="Photo: Kiji編集部")
    body_image = image_factory(caption="装置の内部", credit="撮影:Kiji")
    tags = [tag_factory("半導体"), tag_factory("経済安全保障")]
    article = article_factory(
        title="北の工場が動き出す",
        series=series,
        series_position=2,
        authors=[author],
        tags=tags,
        hero_image=hero,
        pages=3,
        body=body_with_pages(3, image=body_image),
    )
    article.published_at = article.published_at.replace(year=2026, month=10, day=14, hour=1)
    article.save()

    html = client.get(article.url).content.decode()

    assert "北の工場が動き出す" in html
    assert "2026/10/14 掲載" in html
    assert 'href="/series/chips/">半導体地政学マップ</a>' in html
    assert "第2回" in html
    assert "在米ジャーナリスト" in html and "木村 健二" in html and "サンフランシスコ在住の記者。" in html
    assert "工場の外観" in html and "(Photo: Kiji編集部)" in html
    assert "装置の内部" in html and "(撮影:Kiji)" in html
    assert "1 / 3 ページ" in html
    assert "【次ページ】" in html and "「第2ページの見出し」" in html
    assert "関連タグ" in html and "#半導体" in html and "#経済安全保障" in html


def test_published_date_is_shown_in_tokyo_time(client, article_factory):
    article = article_factory()
    article.published_at = article.published_at.replace(year=2026, month=10, day=13, hour=16, minute=30)
    article.save()  # 16:30 UTC is already 10/14 in Tokyo

    assert "2026/10/14 掲載" in client.get(article.url).content.decode()


def test_multi_page_navigation_has_page_urls_canonical_and_prev_next(client, article_factory):
    article = article_factory(pages=3, slug="three-pages")

    first = client.get("/articles/three-pages/").content.decode()
    second = client.get("/articles/three-pages/?page=2").content.decode()
    last = client.get("/articles/three-pages/?page=3").content.decode()

    assert '<link rel="canonical" href="http://testserver/articles/three-pages/">' in first
    assert '<link rel="next" href="/articles/three-pages/?page=2">' in first
    assert 'rel="prev"' not in first
    assert '<link rel="canonical" href="http://testserver/articles/three-pages/?page=2">' in second
    assert '<link rel="prev" href="/articles/three-pages/">' in second
    assert '<link rel="next" href="/articles/three-pages/?page=3">' in second
    assert "ページ2の段落1" in second and "ページ1の段落1" not in second
    assert "「第3ページの見出し」" in second
    assert "【次ページ】" not in last
    assert 'aria-current="page">3<' in last
    assert article.page_count == 3


def test_read_all_view_shows_every_page(client, article_factory):
    article_factory(pages=3, slug="read-all")

    html = client.get("/articles/read-all/?page=all").content.decode()

    for page in (1, 2, 3):
        assert f"ページ{page}の段落3" in html
    assert "全ページ表示中" in html


@pytest.mark.parametrize("page", ["0", "4", "abc", "-1", "2.0"])
def test_out_of_range_article_page_is_404(client, article_factory, page):
    article_factory(pages=3, slug="paged")

    assert client.get(f"/articles/paged/?page={page}").status_code == 404


def test_unknown_and_unpublished_articles_are_404(client, article_factory):
    article = article_factory(slug="draft-soon")
    article.unpublish()

    assert client.get("/articles/draft-soon/").status_code == 404
    assert client.get("/articles/no-such-article/").status_code == 404


def test_future_dated_article_is_not_shown_yet(client, article_factory):
    from datetime import timedelta

    from django.utils import timezone

    article_factory(slug="tomorrow", published_at=timezone.now() + timedelta(days=1))

    assert client.get("/articles/tomorrow/").status_code == 404


def test_anonymous_visitor_sees_lead_opening_and_wall_on_members_only_article(client, article_factory):
    article_factory(members_only=True, pages=2, slug="members")

    html = client.get("/articles/members/").content.decode()

    assert "会員限定" in html
    assert "記事のリード文です。" in html
    assert "ページ1の段落1" in html and "ページ1の段落2" in html
    assert "ページ1の段落3" not in html
    assert "この続きは会員限定です" in html
    assert "無料会員登録" in html
    # As on the reference page, the page navigation and the next-page teaser stay visible.
    assert "【次ページ】" in html and "「第2ページの見出し」" in html
    assert 'href="/articles/members/?page=2"' in html


def test_anonymous_visitor_gets_no_body_text_of_later_pages_or_read_all(client, article_factory):
    article_factory(members_only=True, pages=3, slug="members-later")

    page_two = client.get("/articles/members-later/?page=2").content.decode()
    read_all = client.get("/articles/members-later/?page=all").content.decode()

    assert "ページ2の段落" not in page_two and "この続きは会員限定です" in page_two
    assert "ページ2の段落" not in read_all and "ページ3の段落" not in read_all


def test_signed_in_member_reads_the_whole_members_only_article(client, article_factory, reader):
    article_factory(members_only=True, pages=2, slug="members-signed-in")
    client.force_login(reader)

    html = client.get("/articles/members-signed-in/").content.decode()

    assert "ページ1の段落3" in html
    assert "この続きは会員限定です" not in html


def test_free_article_shows_the_whole_page_to_anonymous_visitors(client, article_factory):
    article_factory(pages=1, slug="free")

    html = client.get("/articles/free/").content.decode()

    assert "ページ1の段落3" in html and "この続きは会員限定です" not in html


def test_json_ld_describes_a_paywalled_news_article(client, article_factory, series_factory, image_factory):
    series = series_factory(name="連載A", slug="series-a")
    article = article_factory(
        members_only=True, series=series, slug="ld", title="見出し", hero_image=image_factory()
    )

    html = client.get(article.url).content.decode()
    data = _json_ld(html)

    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "見出し"
    assert data["datePublished"] == article.published_at.isoformat()
    assert data["dateModified"]
    assert data["author"][0]["@type"] == "Person"
    assert data["image"][0].startswith("http://testserver/media/images/")
    assert data["isAccessibleForFree"] is False
    assert data["hasPart"] == {
        "@type": "WebPageElement",
        "isAccessibleForFree": False,
        "cssSelector": ".article-paywalled",
    }
    assert data["isPartOf"][0]["name"] == "連載A"
    assert 'class="article-body article-paywalled"' in html


def test_json_ld_of_a_free_article_has_no_paywall_markup(client, article_factory):
    article = article_factory(slug="free-ld")

    data = _json_ld(client.get(article.url).content.decode())

    assert data["isAccessibleForFree"] is True
    assert "hasPart" not in data


def test_json_ld_escapes_html_in_headlines(client, article_factory):
    article = article_factory(title="</script><script>alert(1)</script>", slug="xss")

    html = client.get(article.url).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert _json_ld(html)["headline"] == "</script><script>alert(1)</script>"


def test_open_graph_tags_are_present(client, article_factory, image_factory):
    article = article_factory(title="OGの見出し", slug="og", hero_image=image_factory())

    html = client.get(article.url).content.decode()

    assert '<meta property="og:title" content="OGの見出し">' in html
    assert '<meta property="og:type" content="article">' in html
    assert 'property="og:image" content="http://testserver/media/images/' in html


def test_related_content_prefers_same_series_then_shared_tags(
    client, article_factory, series_factory, tag_factory
):
    series = series_factory()
    ai, chips, unrelated_tag = tag_factory("AI"), tag_factory("半導体"), tag_factory("料理")
    article = article_factory(series=series, series_position=1, tags=[ai, chips], slug="base")
    same_series = article_factory(series=series, series_position=2, title="同じ連載の記事")
    two_tags = article_factory(tags=[ai, chips], title="タグ二つ共有")
    one_tag = article_factory(tags=[ai], title="タグ一つ共有")
    article_factory(tags=[unrelated_tag], title="無関係の記事")

    from kiji.articles.selectors import article_for_detail, related_articles

    detail = article_for_detail("base")
    assert detail is not None
    related = related_articles(detail)

    assert related == [same_series, two_tags, one_tag]
    html = client.get(article.url).content.decode()
    assert "関連コンテンツ" in html and "無関係の記事" not in html


def test_popular_tags_and_pr_slots_are_shown(client, article_factory, tag_factory, sponsored_factory):
    tag = tag_factory("生成AI")
    article = article_factory(tags=[tag])
    sponsored_factory(title="スポンサーの記事")
    sponsored_factory(title="終了したPR", active=False)

    html = client.get(article.url).content.decode()

    assert "人気のタグ" in html and "#生成AI" in html
    assert "スポンサーの記事" in html and ">PR<" in html
    assert "終了したPR" not in html


def test_article_page_queries_do_not_grow_with_tags_authors_images_or_related(
    client, article_factory, author_factory, tag_factory, image_factory, series_factory, sponsored_factory
):
    def build(slug, n):
        series = series_factory()
        tags = [tag_factory() for _ in range(n)]
        image_blocks = [("image", {"image": image_factory(), "caption": "", "credit": ""}) for _ in range(n)]
        article = article_factory(
            slug=slug,
            authors=[author_factory(photo=image_factory()) for _ in range(n)],
            tags=tags,
            series=series,
            hero_image=image_factory(),
            body=body_with_pages(2) + image_blocks,
        )
        for i in range(n):
            article_factory(tags=tags[:1], series=series, series_position=i + 2, hero_image=image_factory())
        return article

    small, big = build("small", 1), build("big", 5)
    sponsored_factory()
    # The worker's state after publishing: indexed, related lists computed.
    from kiji.search import indexing, related

    for pk in ArticlePage.objects.values_list("pk", flat=True):
        indexing.index_article(pk)
    related.refresh(small.pk)
    related.refresh(big.pk)
    # Renditions are created on first view (a one-off write); count the renders after that.
    client.get(small.url + "?page=all")
    client.get(big.url + "?page=all")

    counts = {}
    for article in (small, big):
        for name in ("default", "pages", "renditions"):
            caches[name].clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(article.url + "?page=all").status_code == 200
        counts[article.slug] = len(queries)

    assert counts["big"] == counts["small"]
    # 13: with no reads yet, the 人気 panel falls back to comment counts (one more query).
    assert counts["big"] <= 13


def test_a_second_render_reuses_the_cached_fragments_and_queries_nothing(client, article_factory, settings):
    settings.PAGE_CACHE_SECONDS = 0  # a render, not a whole-page cache hit
    article = article_factory(pages=2, members_only=True)
    client.get(article.url)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.url + "?page=2")

    assert response.status_code == 200
    assert len(queries) == 0


def test_signed_in_member_render_queries_only_who_the_member_is(client, article_factory, reader, settings):
    settings.PAGE_CACHE_SECONDS = 0
    article = article_factory(members_only=True)
    client.force_login(reader)
    client.get(article.url)

    with CaptureQueriesContext(connection) as queries:
        html = client.get(article.url).content.decode()

    assert "ページ1の段落3" in html
    # Session, user, profile, subscription, this month's reads, the unread notifications in the
    # header: nothing per article.
    assert len(queries) == 6


def test_a_content_change_rebuilds_the_fragments(
    client, article_factory, settings, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 0
    article = article_factory(title="変更前の見出し")
    client.get(article.url)

    article.title = "変更後の見出し"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()

    assert "変更後の見出し" in client.get(article.url).content.decode()


def test_editor_preview_shows_the_draft_not_the_live_page(client, article_factory, editor):
    article = article_factory(title="公開中の見出し", slug="preview-me")
    article.title = "下書きの見出し"
    revision = article.save_revision()
    client.force_login(editor)

    preview = client.get(f"/admin/pages/{article.pk}/revisions/{revision.pk}/view/")
    live = client.get(article.url)

    assert preview.status_code == 200
    assert "下書きの見出し" in preview.content.decode()
    assert "公開中の見出し" in live.content.decode()
