"""Searching in chromium: the header box on a phone, highlighted results, a filter and paging,
with and without JavaScript; screenshots of each state at 375 and 1280 px in /tmp/shots/."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kiji.search.indexing import reindex_all
from kiji.search.vocabulary import refresh

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108  (screenshots to look at, nothing read back)

TOPICS = [
    ("物流倉庫の自動化、人手不足で投資が加速", "搬送ロボットの導入で倉庫の作業時間は3割減った。"),
    ("冷凍倉庫の新設ラッシュ 電力費の上昇が重荷に", "冷凍倉庫は電力を多く使うため、料金改定の影響が大きい。"),
    ("地方の空き倉庫を再生 小さな物流拠点の可能性", "自治体と組んで空き倉庫を共同配送の拠点に変えた。"),
    (
        "倉庫管理システムのクラウド移行 失敗しない3つの手順",
        "在庫データの移行では倉庫ごとの品番の揺れが壁になる。",
    ),
    ("倉庫の賃料、首都圏で5年ぶりの下落", "大型倉庫の供給が増え、空室率が上がっている。"),
]


def _content(article_factory: Any, tag_factory: Any, series_factory: Any, author_factory: Any) -> None:
    logistics, cloud = tag_factory("物流"), tag_factory("クラウド")
    series = series_factory(name="物流の現場から", slug="logistics-now")
    writer = author_factory(name="高橋 亮")
    now = timezone.now()
    for n in range(30):
        title, sentence = TOPICS[n % len(TOPICS)]
        article_factory(
            title=f"{title}({n + 1})" if n >= len(TOPICS) else title,
            lead="人手不足と需要の変化が、倉庫と物流のあり方を変えつつある。現場の工夫と投資の動きを追った。"
            if n % 3 == 0
            else "物流の現場で起きている変化を、数字と取材から読み解く。",
            body=[("paragraph", f"<p>{sentence}担当者は「次の一手を急ぐ」と話す。</p>")],
            tags=[logistics] if n % 4 != 3 else [cloud],
            series=series if n % 5 == 0 else None,
            authors=[writer],
            members_only=n % 3 == 1,
            access="premium" if n == 2 else None,
            published_at=now - timedelta(days=n + 1),
        )
    article_factory(title="決算短信の読み方", body=[("paragraph", "<p>決算の数字を読む。</p>")])
    reindex_all(jobs=1)
    refresh()


def _shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"search-{name}.png"), full_page=True)


def _no_overflow(page: Any, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_phone_search_filter_and_page_with_htmx(
    live_server: Any,
    browser: Any,
    article_factory: Any,
    tag_factory: Any,
    series_factory: Any,
    author_factory: Any,
) -> None:
    _content(article_factory, tag_factory, series_factory, author_factory)
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/")

    # The header's 検索 button opens the box below the header.
    expect(page.get_by_role("searchbox", name="サイト内検索")).to_have_count(0)
    page.locator(".site-search-toggle summary").click()
    box = page.get_by_role("searchbox", name="サイト内検索")
    expect(box).to_be_visible()
    box.fill("倉庫")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=%E5%80%89%E5%BA%AB$"))

    status = page.locator("#search-status")
    expect(status).to_have_text("「倉庫」の検索結果 30件(1〜20件目を表示)")
    expect(page.locator(".search-hit")).to_have_count(20)
    expect(page.locator(".search-hit__title mark").first).to_have_text("倉庫")
    assert page.locator(".search-hit__snippet mark").count() > 0
    expect(page.locator(".search-hit__wall").first).to_contain_text("続きは")
    _no_overflow(page, 375)
    _shot(page, "results-375")
    page.set_viewport_size({"width": 1280, "height": 900})
    _no_overflow(page, 1280)
    _shot(page, "results-1280")
    page.set_viewport_size({"width": 375, "height": 800})

    # A filter swaps the results in place (the page itself is not reloaded) and goes in the URL.
    page.evaluate("window.kijiSameDocument = true")
    page.locator(".search-more__summary").click()
    page.locator(".search-tags").get_by_text("#クラウド").click()
    page.wait_for_url(re.compile(r"tag=%E3%82%AF%E3%83%A9%E3%82%A6%E3%83%89"))
    expect(status).to_have_text("「倉庫」の検索結果 7件(1〜7件目を表示)")
    expect(page.locator(".search-hit")).to_have_count(7)
    expect(page.locator("#search-active-count")).to_have_text("1件を適用中")
    assert page.evaluate("window.kijiSameDocument") is True
    assert "series=" not in page.url  # the pushed address leaves out empty fields
    expect(page).to_have_title(re.compile("^「倉庫」の検索結果 \\| "))

    page.locator(".search-tags").get_by_text("#クラウド").click()
    page.locator(".search-tags").get_by_text("#物流").click()
    expect(status).to_have_text("「倉庫」の検索結果 23件(1〜20件目を表示)")

    # Paging keeps the filter, and still in the same document.
    page.get_by_role("link", name="次へ").click()
    expect(status).to_have_text("「倉庫」の検索結果 23件(21〜23件目を表示)")
    assert "page=2" in page.url and "tag=" in page.url
    expect(page.locator(".search-hit")).to_have_count(3)
    expect(page.locator(".search-pager [aria-current=page]")).to_contain_text("2")
    expect(page.locator(".search-hit__title a").first).to_be_focused()
    assert page.evaluate("window.kijiSameDocument") is True

    # A bad date says which field and why; the results give way to the message.
    page.locator("#search-since").fill("2030-05-01")
    page.locator("#search-until").fill("2030-04-01")
    expect(page.locator("#search-error-until")).to_have_text(
        "期間の終了日は開始日と同じか、それより後の日付にしてください。"
    )
    expect(page.locator(".search-hit")).to_have_count(0)
    expect(page.locator(".search-notice")).to_contain_text("入力内容を確認してください")

    # The other states, at both widths.
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/search/")
        expect(page.get_by_role("heading", name="人気のタグ")).to_be_visible()
        expect(
            page.get_by_text("記事の見出し・リード・本文と、読者のコメントをまとめて検索できます。")
        ).to_be_visible()
        expect(page.locator("#search-q")).to_be_focused()
        _no_overflow(page, width)
        _shot(page, f"empty-{width}")
        page.goto(live_server.url + "/search/?q=けっさん")
        expect(page.locator(".search-empty__title")).to_have_text(
            "「けっさん」に一致する結果はありませんでした"
        )
        expect(page.get_by_role("link", name="決算")).to_be_visible()
        _no_overflow(page, width)
        _shot(page, f"no-results-{width}")
    context.close()


def test_the_same_journey_without_javascript(
    live_server: Any,
    browser: Any,
    article_factory: Any,
    tag_factory: Any,
    series_factory: Any,
    author_factory: Any,
) -> None:
    _content(article_factory, tag_factory, series_factory, author_factory)
    for width in (375, 1280):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale="ja-JP", java_script_enabled=False
        )
        page = context.new_page()
        page.set_default_timeout(10_000)

        # The header box, then a filter and the next page, each a plain page load.
        page.goto(live_server.url + "/")
        if width == 375:
            page.locator(".site-search-toggle summary").click()
        box = page.get_by_role("searchbox", name="サイト内検索")
        box.fill("倉庫")
        box.press("Enter")
        page.wait_for_url(re.compile(r"/search/\?q="))
        expect(page.locator("#search-status")).to_have_text("「倉庫」の検索結果 30件(1〜20件目を表示)")
        expect(page.locator(".search-hit__title mark").first).to_have_text("倉庫")
        _no_overflow(page, width)

        page.locator(".search-more__summary").click()
        page.locator(".search-tags").get_by_text("#物流").click()
        page.get_by_role("button", name="この条件で検索").click()
        page.wait_for_url(re.compile(r"tag="))
        expect(page.locator("#search-status")).to_have_text("「倉庫」の検索結果 23件(1〜20件目を表示)")
        page.get_by_role("link", name="次へ").click()
        page.wait_for_url(re.compile(r"page=2"))
        assert "tag=" in page.url
        expect(page.locator(".search-hit")).to_have_count(3)

        # Sort by date: the radio and select apply with the plain 適用 button.
        page.get_by_label("並び順").select_option("oldest")
        page.get_by_role("button", name="適用").click()
        page.wait_for_url(re.compile(r"sort=oldest"))
        expect(page.locator(".search-hit").first).to_contain_text("倉庫の賃料、首都圏で5年ぶりの下落(30)")

        # Nothing found: the suggestion leads to results.
        page.goto(live_server.url + "/search/?q=けっさん")
        expect(page.locator(".search-empty__title")).to_have_text(
            "「けっさん」に一致する結果はありませんでした"
        )
        expect(page.get_by_role("heading", name="検索のヒント")).to_be_visible()
        page.get_by_role("link", name="決算").click()
        expect(page.locator(".search-hit__title")).to_have_text("決算短信の読み方")
        context.close()
