import pytest

from kiji.core import pagecache

pytestmark = pytest.mark.django_db


def test_anonymous_article_page_is_served_from_cache_on_the_second_visit(client, article_factory):
    article = article_factory(slug="cached")

    first = client.get(article.url)
    second = client.get(article.url)

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert "Content-Security-Policy" in second


def test_signed_in_member_pages_are_never_cached_or_served_from_cache(client, article_factory, reader):
    article = article_factory(slug="members-view", members_only=True)
    client.get(article.url)  # the anonymous version (with the wall) is now cached

    client.force_login(reader)
    response = client.get(article.url)

    assert "X-Page-Cache" not in response
    assert "この続きは会員限定です" not in response.content.decode()


def test_publishing_a_change_invalidates_cached_pages(
    client, article_factory, django_capture_on_commit_callbacks
):
    article = article_factory(slug="changing", title="古い見出し")
    client.get(article.url)

    article.title = "新しい見出し"
    with django_capture_on_commit_callbacks(execute=True):
        article.save_revision().publish()
    response = client.get(article.url)

    assert response["X-Page-Cache"] == "miss"
    assert "新しい見出し" in response.content.decode()


@pytest.mark.parametrize("change", ["series", "author", "tag"])
def test_series_author_and_tag_changes_invalidate_cached_pages(
    client,
    article_factory,
    series_factory,
    author_factory,
    tag_factory,
    change,
    django_capture_on_commit_callbacks,
):
    series, author, tag = series_factory(name="旧連載"), author_factory(name="旧名"), tag_factory("旧タグ")
    article = article_factory(slug="related-change", series=series, authors=[author], tags=[tag])
    client.get(article.url)

    with django_capture_on_commit_callbacks(execute=True):
        obj = {"series": series, "author": author, "tag": tag}[change]
        obj.name = "新しい名前"
        obj.save()
    response = client.get(article.url)

    assert response["X-Page-Cache"] == "miss"
    assert "新しい名前" in response.content.decode()


def test_generation_bump_is_visible_to_every_process(settings, tmp_path):
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "generation"
    before = pagecache.generation()

    pagecache.invalidate()
    pagecache.invalidate()

    assert pagecache.generation() > before
    assert (tmp_path / "generation").exists()


def test_page_cache_can_be_switched_off(client, article_factory, settings):
    settings.PAGE_CACHE_SECONDS = 0
    article = article_factory(slug="uncached")

    client.get(article.url)
    response = client.get(article.url)

    assert "X-Page-Cache" not in response


def test_english_and_japanese_pages_are_cached_separately(client, article_factory, settings):
    article = article_factory(slug="bilingual")
    japanese = client.get(article.url).content.decode()

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(article.url)

    assert english["X-Page-Cache"] == "miss"
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="ja">' in japanese


def test_error_and_admin_responses_are_not_cached(client, editor):
    client.get("/no-such-page/")
    assert "X-Page-Cache" not in client.get("/no-such-page/")
    assert "X-Page-Cache" not in client.get("/healthz")


def test_long_urls_are_cached_under_a_short_key(client, article_factory):
    article_factory()
    long_url = "/articles/?utm_campaign=" + "日本語のとても長いキャンペーン名" * 12
    assert client.get(long_url).status_code == 200
    assert client.get(long_url).headers.get("X-Page-Cache") == "hit"


def test_search_pages_are_never_shared(client, article_factory):
    article_factory()
    client.get("/search/?q=記事")
    assert client.get("/search/?q=記事").headers.get("X-Page-Cache") != "hit"
