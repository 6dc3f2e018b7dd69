"""「この記事について質問する」 in chromium: a premium member's answer streams in with numbered
citations that land on their paragraph; a member without premium meets the upgrade panel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import signed_in_page
from kiji.search.indexing import index_article

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")  # noqa: S108  (screenshots to look at, nothing read back)
ANSWER = "二期目の工場では、蓄電池の生産能力が年間20ギガワット時に増える見通しだ。"


@pytest.fixture
def article(article_factory):
    made = article_factory(
        title="蓄電池工場の二期目",
        slug="battery-plant",
        lead="北関東の蓄電池工場が拡張に動く。",
        body=[
            ("paragraph", "<p>工場は昨年、一期目の生産を始めた。</p><p>地元の雇用は300人を超えた。</p>"),
            ("page_break", None),
            ("paragraph", f"<p>電力の調達は長期契約に切り替えた。</p><p>{ANSWER}</p>"),
        ],
    )
    index_article(made.pk)
    return made


@pytest.mark.parametrize("width", [375, 1280])
def test_a_premium_member_asks_from_the_article_and_the_citation_lands_on_the_paragraph(
    live_server, browser, article, member_factory, width
):
    context, page = signed_in_page(browser, live_server, member_factory("premium"), width, timeout=15_000)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    streams: list[str] = []
    page.on(
        "response",
        lambda r: streams.append(r.headers.get("content-type", "")) if "/stream/" in r.url else None,
    )

    page.goto(f"{live_server.url}/articles/battery-plant/")
    page.get_by_role("link", name="この記事について質問する").click()
    page.wait_for_url(re.compile(r"/ask/\?article=battery-plant"))
    page.get_by_label("質問").fill("蓄電池の生産能力は二期目でどこまで増える？")
    page.get_by_role("button", name="質問する").click()

    page.wait_for_url(re.compile(r"/ask/c/\d+/(#m-\d+)?$"))
    answer = page.locator(".assistant-answer__text").first
    expect(answer).to_contain_text("20ギガワット時")
    assert any(kind.startswith("text/event-stream") for kind in streams)  # it came as a stream
    cite = answer.locator("a.assistant-cite").first
    expect(cite).to_have_text(re.compile(r"\[\d+\]"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"assistant-answer-{width}.png"), full_page=True)

    cite.click()  # to the numbered source …
    source = page.locator(".assistant-sources li:target")
    expect(source).to_be_visible()
    source.get_by_role("link").first.click()  # … and on to its paragraph
    page.wait_for_url(re.compile(r"/articles/battery-plant/\?page=2#p\d+$"))
    expect(page.locator(":target")).to_contain_text("20ギガワット時")
    assert errors == []
    context.close()


def test_a_member_without_premium_sees_what_it_would_give_and_how_to_get_it(
    live_server, browser, article, member_factory
):
    context, page = signed_in_page(browser, live_server, member_factory("complete"), 375)
    page.goto(f"{live_server.url}/articles/battery-plant/")
    page.get_by_role("link", name="この記事について質問する").click()
    panel = page.locator(".assistant-upgrade")
    expect(panel.get_by_role("heading", name="プレミアム会員の機能です")).to_be_visible()
    expect(panel.get_by_role("link", name="プレミアムのプランを見る")).to_be_visible()
    expect(page.get_by_label("質問")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "assistant-upgrade-375.png"), full_page=True)
    context.close()
