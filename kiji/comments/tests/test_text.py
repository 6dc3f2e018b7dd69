"""Comment text: cleaning, safe rendering and Japanese-aware comparison."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from kiji.comments import text


def test_clean_drops_invisible_and_control_characters_and_keeps_line_breaks() -> None:
    raw = "こん\u200bにちは\u202e\r\n\r\n\r\n\r\n二段落目\x07  \n"
    assert text.clean(raw) == "こんにちは\n\n二段落目"


def test_render_makes_links_clickable_with_nofollow_ugc_noopener() -> None:
    html = text.render("資料はこちら https://example.com/a?b=1&c=2 です。")
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">' in html
    assert html.startswith("<p>") and html.endswith("</p>")


def test_render_keeps_paragraphs_and_line_breaks() -> None:
    assert text.render("一行目\n二行目\n\n次の段落") == "<p>一行目<br>二行目</p><p>次の段落</p>"


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "javascript:alert(1)",
        'https://example.com/"onmouseover="alert(1)',
        "<a href='javascript:alert(1)'>x</a>",
        "&lt;script&gt;",
    ],
)
def test_render_never_lets_markup_through(payload: str) -> None:
    found = _Elements()
    found.feed(text.render(payload))
    assert {tag for tag, _attrs in found.elements} <= {"p", "br", "a"}
    for tag, attrs in found.elements:
        if tag == "a":
            assert {name for name, _value in attrs} == {"href", "rel"}
            href = dict(attrs)["href"] or ""
            assert href.startswith(("http://", "https://"))
            assert '"' not in href


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def test_trailing_punctuation_stays_outside_the_link() -> None:
    assert (
        '<a href="https://example.com/x" rel="nofollow ugc noopener">https://example.com/x</a>。'
        in text.render("https://example.com/x。")
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("ＡＩ", "ai"),
        ("ｻｰﾊﾞｰ", "サーバー"),
        ("バカ", "ばか"),
        ("ﾊﾞｶ", "ばか"),
        ("ＰｏｓｔｇｒｅＳＱＬ", "postgresql"),
    ],
)
def test_normalise_meets_widths_and_kana(a: str, b: str) -> None:
    assert text.normalise(a) == text.normalise(b)


@pytest.mark.parametrize("written", ["バカ", "ば か", "ﾊﾞ.ｶ", "バ・カ", "ＢＡＫＡ"])
def test_word_lists_match_across_width_kana_and_separators(written: str) -> None:
    words = text.parse_word_list("ばか\nbaka\n\n")
    assert text.first_match(f"本当に{written}だと思う", words)


def test_word_lists_do_not_match_unrelated_text() -> None:
    assert text.first_match("決算は堅調でした", text.parse_word_list("ばか")) is None


def test_length_counts_characters_not_bytes() -> None:
    assert text.length("決算") == 2


def test_a_url_that_does_not_parse_stays_plain_text() -> None:
    html = text.render("http://javascript:top.x=1 を見て")
    assert "<a" not in html and "javascript:top.x=1" in html
