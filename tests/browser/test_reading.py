"""What a reader does with the pages, in Debian's chromium."""

import re

import pytest
from playwright.sync_api import expect

from conftest import body_with_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def members_article(article_factory, series_factory, author_factory, tag_factory, image_factory):
    series = series_factory(name="米国テック最前線", slug="us-tech")
    author = author_factory(name="木村 健二", title="在米ジャーナリスト", bio="サンフランシスコ在住。")
    return article_factory(
        slug="members-multi",
        title="会員限定の複数ページ記事",
        members_only=True,
        series=series,
        series_position=3,
        authors=[author],
        tags=[tag_factory("生成AI"), tag_factory("米国")],
        hero_image=image_factory(caption="メイン写真の説明", credit="Photo: Kiji"),
        body=body_with_pages(3),
    )


def test_anonymous_phone_reader_meets_the_wall_and_follows_the_next_page_teaser(
    live_server, browser, members_article
):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="ja-JP")
    page = context.new_page()
    page.goto(live_server.url + members_article.url)

    assert page.locator(".article__meta .badge--members").inner_text() == "会員限定"
    assert re.match(r"\d{4}/\d{2}/\d{2} 掲載", page.locator(".article__meta time").inner_text())
    assert page.get_by_role("link", name="米国テック最前線").is_visible()
    assert "在米ジャーナリスト" in page.locator(".author-box").inner_text()
    assert page.get_by_role("heading", name="この続きは会員限定です").is_visible()
    assert page.get_by_text("メイン写真の説明").is_visible()
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("link", name=re.compile("【次ページ】")).click()
    page.wait_for_url(re.compile(r"\?page=2$"))
    assert page.locator(".article-pager [aria-current=page]").inner_text() == "2"
    assert page.get_by_role("heading", name="この続きは会員限定です").is_visible()
    context.close()


def test_signed_in_reader_pages_through_the_whole_article(
    live_server, browser, members_article, reader, client
):
    client.force_login(reader)
    session = client.cookies["sessionid"].value
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    page = context.new_page()
    page.goto(live_server.url + members_article.url)

    expect(page.get_by_text("ページ1の段落3")).to_be_visible()
    page.get_by_role("link", name="次のページ").click()
    # Each click loads a new page: expect() waits for it, is_visible() would not.
    expect(page.get_by_text("ページ2の段落1")).to_be_visible()
    page.get_by_role("link", name="1ページで読む").click()
    page.wait_for_url(re.compile(r"\?page=all$"))
    expect(page.get_by_text("ページ3の段落3")).to_be_visible()
    assert page.locator(".wall").count() == 0
    context.close()


def test_reader_browses_from_home_to_article_to_tag_with_the_keyboard(live_server, page, members_article):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")

    page.get_by_role("link", name=re.compile("会員限定の複数ページ記事")).first.click()
    page.wait_for_url(re.compile("/articles/members-multi/"))
    page.locator(".article-tags").get_by_role("link", name="#生成AI").click()
    page.wait_for_url(re.compile("/tags/"))
    assert page.get_by_role("heading", name="#生成AI").is_visible()


def test_every_image_has_alt_text_and_the_page_has_one_h1(live_server, page, members_article):
    page.goto(live_server.url + members_article.url)

    assert page.locator("h1").count() == 1
    assert page.locator("img:not([alt])").count() == 0
    assert page.locator("html").get_attribute("lang") == "ja"


def test_reader_switches_the_interface_to_english_and_back(live_server, page, members_article):
    page.goto(live_server.url + members_article.url)

    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="The rest is for members").is_visible()
    page.get_by_role("link", name="日本語").click()
    assert page.locator("html").get_attribute("lang") == "ja"


def test_page_has_no_csp_violations_or_console_errors(live_server, page, members_article):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server.url + members_article.url)
    page.goto(live_server.url + "/")

    assert errors == []
