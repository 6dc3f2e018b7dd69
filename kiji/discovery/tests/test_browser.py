"""おすすめ on the home page and あなたへのおすすめ in chromium, on a phone and a desktop."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108  (screenshots to look at, nothing read back)


@pytest.fixture
def site(article_factory, tag_factory, series_factory, image_factory, member_factory, read):
    ai, chips, yen = tag_factory("生成AI"), tag_factory("半導体"), tag_factory("円相場")
    series = series_factory(name="半導体地図を読む")
    titles = [
        ("生成AIで変わるコールセンターの現場", [ai], {}),
        ("推論コストはどこまで下がるか 生成AIの収益性", [ai], {"members_only": True}),
        ("社内文書を検索する生成AI 導入企業の成否", [ai], {}),
        ("半導体地図を読む 第1回 先端パッケージング", [chips], {"series": series, "series_position": 1}),
        (
            "半導体地図を読む 第2回 製造装置メーカーの勝ち筋",
            [chips],
            {"series": series, "series_position": 2},
        ),
        ("円安は中小企業の輸入をどう変えたか", [yen], {}),
        ("AI投資と電力需要 データセンターの立地競争", [ai, chips], {"access": "premium"}),
    ]
    made = [
        article_factory(title=title, tags=tags, hero_image=image_factory(), featured=i == 0, **kwargs)
        for i, (title, tags, kwargs) in enumerate(titles)
    ]
    member = member_factory("complete", display_name="佐藤")
    read(member, made[0])
    read(member, made[3])
    for other in (member_factory("complete"), member_factory("complete")):
        read(other, made[5])
    return member, made


def test_a_complete_member_sees_recommendations_on_the_home_page_on_a_phone(live_server, browser, site):
    member, made = site
    errors: list[str] = []
    context, page = signed_in_page(browser, live_server, member, width=375)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.goto(live_server.url + "/")
    section = page.locator("#recommended")
    expect(section.locator(".discover-item").first).to_be_visible()

    expect(section.get_by_role("heading", name="あなたへのおすすめ")).to_be_visible()
    titles = section.locator(".card__title").all_inner_texts()
    assert titles[0] == "半導体地図を読む 第2回 製造装置メーカーの勝ち筋"  # the next part first
    assert made[0].title not in titles and made[3].title not in titles  # already read
    assert "AI投資と電力需要 データセンターの立地競争" not in titles  # premium-only
    expect(section.locator(".discover-item__reason").first).to_contain_text("続き")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "home-375.png"), full_page=True)

    section.get_by_role("link", name="もっと見る").click()
    page.wait_for_url(re.compile("/discover/for-you/$"))
    expect(page.get_by_role("heading", level=1, name="あなたへのおすすめ")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(SHOTS / "for-you-375.png"), full_page=True)
    assert errors == []
    context.close()

    context, page = signed_in_page(browser, live_server, member, width=1280)
    page.goto(live_server.url + "/")
    expect(page.locator("#recommended .discover-item").first).to_be_visible()
    expect(page.locator(".popular-articles")).to_contain_text("円安は中小企業の輸入をどう変えたか")
    page.screenshot(path=str(SHOTS / "home-1280.png"), full_page=True)
    page.goto(live_server.url + "/discover/for-you/")
    page.screenshot(path=str(SHOTS / "for-you-1280.png"), full_page=True)
    context.close()


def test_a_visitor_sees_what_unlocks_recommendations(live_server, page, site):
    page.goto(live_server.url + "/")

    section = page.locator("#recommended")
    expect(section.get_by_text("この機能は会員の方がご利用いただけます。")).to_be_visible()
    expect(section.get_by_role("link", name="無料会員登録")).to_be_visible()
    page.screenshot(path=str(SHOTS / "home-anonymous-1280.png"), full_page=True)


def test_a_registered_member_sees_the_locked_panel(live_server, browser, member_factory, site):
    context, page = signed_in_page(browser, live_server, member_factory("registered"), width=375)
    page.goto(live_server.url + "/")

    section = page.locator("#recommended")
    expect(section.get_by_text("おすすめコンテンツの表示")).to_be_visible()
    expect(section.get_by_role("link", name="詳細情報の入力へ進む")).to_be_visible()
    page.screenshot(path=str(SHOTS / "home-registered-375.png"), full_page=True)
    context.close()
