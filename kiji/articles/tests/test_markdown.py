"""The article Markdown dialect (docs/article-format.md): body parsing and rich text back to Markdown."""

from __future__ import annotations

import pytest

from kiji.articles.markdown import BodyError, inline_to_html, join_lines, parse_body, rich_text_to_markdown

BODY = """\
最初の段落。**太字**と*斜体*と[リンク](https://example.com/)。
次の行は空白なしでつながる。

![](line-photo)

## 見出し

### 小見出し

> 引用の 1 行目。
> 引用の 2 行目。
> —— 岡部 智之(蒼海化学 法務部長)

<!--nextpage-->

## 2 ページ目
"""


def test_parse_body_turns_markdown_into_stream_blocks() -> None:
    body = parse_body(BODY)

    assert body.blocks == [
        (
            "paragraph",
            '<p>最初の段落。<b>太字</b>と<i>斜体</i>と<a href="https://example.com/">リンク</a>。'
            "次の行は空白なしでつながる。</p>",
        ),
        ("image", "line-photo"),
        ("heading", "見出し"),
        ("subheading", "小見出し"),
        (
            "pull_quote",
            {"quote": "引用の 1 行目。引用の 2 行目。", "attribution": "岡部 智之(蒼海化学 法務部長)"},
        ),
        ("page_break", None),
        ("heading", "2 ページ目"),
    ]


def test_parse_body_reports_image_ids_with_their_line_in_the_file() -> None:
    body = parse_body("段落。\n\n![](first)\n\n![](second)\n", first_line=20)

    assert body.image_ids == [("first", 22), ("second", 24)]


def test_a_pull_quote_without_attribution_has_an_empty_attribution() -> None:
    assert parse_body("> ひとことだけ。").blocks == [
        ("pull_quote", {"quote": "ひとことだけ。", "attribution": ""})
    ]


def test_japanese_lines_are_joined_without_a_space() -> None:
    assert parse_body("一行目の文章、\n二行目の文章。").blocks == [
        ("paragraph", "<p>一行目の文章、二行目の文章。</p>")
    ]
    assert join_lines(["日本語の行", "次の行"]) == "日本語の行次の行"


def test_latin_lines_are_joined_with_a_space() -> None:
    assert parse_body("Latin words keep\na space between lines.").blocks == [
        ("paragraph", "<p>Latin words keep a space between lines.</p>")
    ]
    assert join_lines(["Kiji", "news"]) == "Kiji news"


def test_a_latin_word_next_to_japanese_is_joined_without_a_space() -> None:
    assert join_lines(["生成AIの導入率は", "DX推進の指標"]) == "生成AIの導入率はDX推進の指標"
    assert join_lines(["売上高は", "10%増えた"]) == "売上高は10%増えた"


def test_indentation_and_trailing_spaces_are_ignored() -> None:
    assert parse_body("  字下げした段落。  \n   続き。").blocks == [
        ("paragraph", "<p>字下げした段落。続き。</p>")
    ]


def test_inline_markdown_becomes_wagtail_rich_text_tags() -> None:
    assert inline_to_html("**太字**と*斜体*", line=1) == "<b>太字</b>と<i>斜体</i>"
    assert inline_to_html("[記事](/articles/foo/) と [mail](mailto:desk@example.com)", line=1) == (
        '<a href="/articles/foo/">記事</a> と <a href="mailto:desk@example.com">mail</a>'
    )


def test_bold_around_japanese_brackets_next_to_japanese_text_is_still_bold() -> None:
    # CommonMark alone leaves these asterisks as text, because 「」 are punctuation and kana are letters.
    assert inline_to_html("本文の**「強調」**です", line=1) == "本文の<b>「強調」</b>です"
    assert inline_to_html("いわゆる*「シャドーAI」*の問題", line=1) == "いわゆる<i>「シャドーAI」</i>の問題"


def test_html_and_ampersands_in_text_are_escaped() -> None:
    assert inline_to_html("A&B <script>", line=1) == "A&amp;B &lt;script&gt;"


def test_non_ascii_link_targets_are_kept_as_written() -> None:
    assert inline_to_html("[生成AI](https://ja.wikipedia.org/wiki/生成AI)", line=1) == (
        '<a href="https://ja.wikipedia.org/wiki/生成AI">生成AI</a>'
    )


@pytest.mark.parametrize(
    "target",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "vbscript:x",
        "example.com",
        "ftp://x",
    ],
)
def test_a_link_target_must_be_http_https_mailto_or_a_path(target: str) -> None:
    with pytest.raises(BodyError) as excinfo:
        parse_body(f"段落。\n\n続きの段落で[リンク]({target})。", first_line=10)

    assert excinfo.value.line == 12
    assert excinfo.value.message == f"link target {target!r} must start with http://, https://, mailto: or /"


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ("", 5, "the body is empty"),
        ("\n\n<!--nextpage-->\n", 5, "the body is empty"),
        ("段落。\n\n# 大見出し", 7, "use ## for a heading or ### for a sub-heading"),
        ("段落。\n\n#### 小小見出し", 7, "use ## for a heading or ### for a sub-heading"),
        ("段落。\n\n<div>HTML</div>", 7, "raw HTML is not allowed in the body (only <!--nextpage-->)"),
        ("段落。\n\n![写真](photo)", 7, "an image line must look like ![](image-id)"),
        ("段落。\n\n> —— 発言者", 7, "a pull quote needs text after >"),
        ("\n<!--nextpage-->\n\n段落。", 6, "the body cannot start with <!--nextpage-->"),
        ("段落。\n\n<!--nextpage-->\n\n", 7, "the body cannot end with <!--nextpage-->"),
    ],
)
def test_parse_body_errors_name_the_line(body: str, line: int, message: str) -> None:
    with pytest.raises(BodyError) as excinfo:
        parse_body(body, first_line=5)

    assert (excinfo.value.line, excinfo.value.message) == (line, message)


def test_rich_text_becomes_one_markdown_line_per_paragraph() -> None:
    html = (
        '<p>本文は<b>太字</b>、<i>斜体</i>、<a href="https://example.com/?a=1&amp;b=2">リンク</a>を含む。</p>'
        "<p>2 つ目の段落。</p>"
    )

    assert rich_text_to_markdown(html) == [
        "本文は**太字**、*斜体*、[リンク](https://example.com/?a=1&b=2)を含む。",
        "2 つ目の段落。",
    ]


def test_rich_text_strong_and_em_are_written_like_b_and_i() -> None:
    assert rich_text_to_markdown("<p><strong>強</strong><em>斜</em></p>") == ["**強***斜*"]


def test_markdown_characters_in_rich_text_are_escaped() -> None:
    assert rich_text_to_markdown(r"<p>a*b_c[d]e\f</p>") == [r"a\*b\_c\[d\]e\\f"]


def test_escaped_characters_come_back_as_the_same_text() -> None:
    html = r"<p>料金*は[税込]_で\表示</p>"

    markdown = rich_text_to_markdown(html)

    assert markdown == [r"料金\*は\[税込\]\_で\\表示"]
    assert parse_body(markdown[0]).blocks == [("paragraph", html)]


@pytest.mark.parametrize("text", ["# 1 位は A 社", "> 引用ではない", "<注> 数値は速報値", "<!--nextpage-->"])
def test_a_paragraph_that_looks_like_another_block_is_escaped(text: str) -> None:
    html = f"<p>{text.replace('<', '&lt;').replace('>', '&gt;')}</p>"

    markdown = rich_text_to_markdown(html)

    assert markdown == ["\\" + text]
    assert parse_body(markdown[0]).blocks == [("paragraph", html)]


def test_line_breaks_inside_a_rich_text_paragraph_are_joined_like_the_importer_joins_them() -> None:
    assert rich_text_to_markdown("<p>一行目\n二行目\nand more\nwords</p>") == ["一行目二行目and more words"]


def test_a_link_without_a_target_keeps_only_its_text() -> None:
    assert rich_text_to_markdown('<p>削除された<a id="3" linktype="page">ページ</a>へ</p>') == [
        "削除されたページへ"
    ]


def test_html_entities_in_rich_text_become_plain_characters() -> None:
    assert rich_text_to_markdown("<p>A&amp;B &lt;C&gt;</p>") == ["A&B <C>"]


@pytest.mark.parametrize(
    "html",
    [
        '<p>本文は<b>太字</b>、<i>斜体</i>、<a href="https://example.com/">リンク</a>を含む。</p>',
        "<p>本文の<b>「強調」</b>です。</p>",
        "<p>Latin <b>bold</b> and <i>italic</i> text.</p>",
        '<p><a href="https://ja.wikipedia.org/wiki/生成AI">生成AI</a>とは</p>',
        "<p>A&amp;B &lt;C&gt; * _ [x] \\</p>",
    ],
)
def test_rich_text_survives_markdown_and_back(html: str) -> None:
    (markdown,) = rich_text_to_markdown(html)

    assert parse_body(markdown).blocks == [("paragraph", html)]
