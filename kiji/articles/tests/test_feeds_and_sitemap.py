import xml.etree.ElementTree as ET  # noqa: S405  (parses our own feed)

import pytest

pytestmark = pytest.mark.django_db


def _items(response):
    root = ET.fromstring(response.content)  # noqa: S314
    return root.findall("./channel/item")


def test_site_feed_lists_articles_with_lead_only(client, article_factory):
    article_factory(title="無料の記事", pages=1)
    article_factory(title="会員の記事", members_only=True, lead="会員記事のリード。")

    response = client.get("/feed/")
    items = _items(response)
    text = response.content.decode()

    assert response["Content-Type"].startswith("application/rss+xml")
    assert {i.findtext("title") for i in items} == {"無料の記事", "【会員限定】会員の記事"}
    assert "会員記事のリード。" in text
    assert "ページ1の段落1" not in text  # never the body, members-only or not


def test_series_tag_and_author_feeds_are_filtered(
    client, article_factory, series_factory, tag_factory, author_factory
):
    series, tag, author = series_factory(slug="s"), tag_factory("EV"), author_factory(slug="a")
    article_factory(title="連載の記事", series=series)
    article_factory(title="タグの記事", tags=[tag])
    article_factory(title="著者の記事", authors=[author])

    assert [i.findtext("title") for i in _items(client.get("/series/s/feed/"))] == ["連載の記事"]
    assert [i.findtext("title") for i in _items(client.get(f"/tags/{tag.slug}/feed/"))] == ["タグの記事"]
    assert [i.findtext("title") for i in _items(client.get("/authors/a/feed/"))] == ["著者の記事"]


def test_feeds_are_advertised_on_pages(client, article_factory, series_factory):
    article = article_factory(series=series_factory(slug="adv"))

    html = client.get(article.url).content.decode()

    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert "/feed/" in html and "/series/adv/feed/" in html


def test_sitemap_lists_articles_series_authors_and_tags(client, article_factory, series_factory, tag_factory):
    article = article_factory(slug="in-sitemap", series=series_factory(slug="sm"), tags=[tag_factory("物流")])
    hidden = article_factory(slug="unpublished")
    hidden.unpublish()

    text = client.get("/sitemap.xml").content.decode()

    assert "http://testserver/articles/in-sitemap/" in text
    assert "/articles/unpublished/" not in text
    assert "http://testserver/series/sm/" in text
    assert "/authors/" in text and "/tags/" in text
    assert article.published_at.date().isoformat()[:4] in text
