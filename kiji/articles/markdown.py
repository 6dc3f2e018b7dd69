"""Conversions between the article Markdown dialect (docs/article-format.md) and StreamField blocks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html import escape, unescape
from html.parser import HTMLParser
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Delimiter, StateInline

NEXTPAGE = "<!--nextpage-->"
IMAGE_LINE = re.compile(r"^!\[\]\(([A-Za-z0-9][A-Za-z0-9_-]*)\)$")
HEADING_LINE = re.compile(r"^(#{1,6})\s+(.*\S)\s*$")
ATTRIBUTION_PREFIX = "——"
ALLOWED_SCHEMES = ("http://", "https://", "mailto:", "/")
BLOCK_MARKERS = ("#", ">", "<")


class _InlineMarkdown(MarkdownIt):
    def validateLink(self, url: str) -> bool:
        # markdown-it would silently leave [text](javascript:…) as plain text; inline_to_html
        # checks every link target itself and reports the bad ones with their line.
        return True

    def normalizeLink(self, url: str) -> str:
        # Keep the target as written (no percent-encoding), so that export gives back the same text.
        return url


def _is_cjk_letter(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F") and not isPunctChar(ch)


def _emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis tokenizer, with a CJK-friendly reading of `*` runs.

    CommonMark counts kana and kanji as letters and 「」、。 as punctuation, so in
    `本文の**「強調」**です` neither `**` can open or close. Next to Japanese text a `*` run is
    read as if the Japanese letter were punctuation, which makes `**「強調」**` bold there too.
    """
    start = state.pos
    marker = state.src[start]
    if silent or marker not in ("_", "*"):
        return False
    pos = start
    while pos < state.posMax and state.src[pos] == marker:
        pos += 1
    length = pos - start
    last = state.src[start - 1] if start > 0 else " "
    nxt = state.src[pos] if pos < state.posMax else " "

    def punct(ch: str) -> bool:
        return isMdAsciiPunct(ord(ch)) or isPunctChar(ch) or (marker == "*" and _is_cjk_letter(ch))

    last_space, next_space = isWhiteSpace(ord(last)), isWhiteSpace(ord(nxt))
    last_punct, next_punct = punct(last), punct(nxt)
    left = not (next_space or (next_punct and not (last_space or last_punct)))
    right = not (last_space or (last_punct and not (next_space or next_punct)))
    if marker == "*":
        can_open, can_close = left, right
    else:
        can_open = left and (not right or last_punct)
        can_close = right and (not left or next_punct)
    for _ in range(length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(
            Delimiter(
                marker=ord(marker),
                length=length,
                token=len(state.tokens) - 1,
                end=-1,
                open=can_open,
                close=can_close,
            )
        )
    state.pos += length
    return True


_inline = _InlineMarkdown("zero").enable(["emphasis", "link", "escape"])
_inline.inline.ruler.at("emphasis", _emphasis)


class BodyError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class ParsedBody:
    blocks: list[tuple[str, Any]] = field(default_factory=list)
    image_ids: list[tuple[str, int]] = field(default_factory=list)  # (id, line)


def inline_to_html(text: str, *, line: int) -> str:
    html: str = _inline.renderInline(text)
    for href in re.findall(r'<a href="([^"]*)"', html):
        if not unescape(href).startswith(ALLOWED_SCHEMES):
            raise BodyError(
                line, f"link target {unescape(href)!r} must start with http://, https://, mailto: or /"
            )
    # Wagtail's rich text stores <b> and <i>.
    html = html.replace("<strong>", "<b>").replace("</strong>", "</b>")
    return html.replace("<em>", "<i>").replace("</em>", "</i>")


def join_lines(lines: list[str]) -> str:
    """Join the lines of one paragraph or quote."""
    text = lines[0]
    for nxt in lines[1:]:
        # Japanese lines join without a space; Latin words keep one.
        sep = " " if text[-1:].isascii() and nxt[:1].isascii() else ""
        text += sep + nxt
    return text


def parse_body(text: str, *, first_line: int = 1) -> ParsedBody:
    """Parse a Markdown body into (block_type, value) pairs; raises BodyError with a line number."""
    result = ParsedBody()
    lines = text.split("\n")
    i = 0
    paragraph: list[str] = []
    paragraph_start = 0
    break_lines: list[int] = []

    def flush() -> None:
        nonlocal paragraph
        if paragraph:
            html = inline_to_html(join_lines(paragraph), line=paragraph_start)
            result.blocks.append(("paragraph", f"<p>{html}</p>"))
            paragraph = []

    while i < len(lines):
        raw = lines[i]
        line = raw.strip()
        number = first_line + i
        if not line:
            flush()
        elif line == NEXTPAGE:
            flush()
            result.blocks.append(("page_break", None))
            break_lines.append(number)
        elif m := HEADING_LINE.match(line):
            flush()
            level = len(m.group(1))
            if level not in (2, 3):
                raise BodyError(number, "use ## for a heading or ### for a sub-heading")
            result.blocks.append(("heading" if level == 2 else "subheading", m.group(2)))
        elif line.startswith("!["):
            flush()
            if not (m := IMAGE_LINE.match(line)):
                raise BodyError(number, "an image line must look like ![](image-id)")
            result.blocks.append(("image", m.group(1)))
            result.image_ids.append((m.group(1), number))
        elif line.startswith(">"):
            flush()
            quote: list[str] = []
            attribution = ""
            while i < len(lines) and lines[i].strip().startswith(">"):
                content = lines[i].strip()[1:].strip()
                if content.startswith(ATTRIBUTION_PREFIX):
                    attribution = content[len(ATTRIBUTION_PREFIX) :].strip()
                elif content:
                    quote.append(content)
                i += 1
            if not quote:
                raise BodyError(number, "a pull quote needs text after >")
            result.blocks.append(("pull_quote", {"quote": join_lines(quote), "attribution": attribution}))
            continue
        elif line.startswith("<"):
            raise BodyError(number, "raw HTML is not allowed in the body (only <!--nextpage-->)")
        else:
            if not paragraph:
                paragraph_start = number
            paragraph.append(line)
        i += 1
    flush()
    if not any(kind != "page_break" for kind, _ in result.blocks):
        raise BodyError(first_line, "the body is empty")
    if result.blocks[0][0] == "page_break":
        raise BodyError(break_lines[0], "the body cannot start with <!--nextpage-->")
    if result.blocks[-1][0] == "page_break":
        raise BodyError(break_lines[-1], "the body cannot end with <!--nextpage-->")
    return result


class _RichTextToMarkdown(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.paragraphs: list[str] = []
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag == "a":
            href = dict(attrs).get("href")
            self.href.append(href)
            if href:  # a link without a target (e.g. to a deleted page) keeps only its text
                self.out.append("[")
        elif tag == "br":
            self.out.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("b", "strong"):
            self.out.append("**")
        elif tag in ("i", "em"):
            self.out.append("*")
        elif tag == "a":
            href = self.href.pop() if self.href else None
            if href:
                self.out.append(f"]({href})")
        elif tag in ("p", "h2", "h3", "h4", "li"):
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        self.out.append(_escape_markdown(data))

    def _end_paragraph(self) -> None:
        lines = [line.strip() for line in "".join(self.out).split("\n") if line.strip()]
        self.out = []
        if not lines:
            return
        # One line per paragraph, joined the way the importer joins lines.
        text = join_lines(lines)
        if text.startswith(BLOCK_MARKERS):  # would read as a heading, a quote or HTML
            text = "\\" + text
        self.paragraphs.append(text)

    def close(self) -> None:
        super().close()
        self._end_paragraph()


def _escape_markdown(text: str) -> str:
    return re.sub(r"([\\*_\[\]])", r"\\\1", text)


def rich_text_to_markdown(html: str) -> list[str]:
    """Wagtail rich text (bold, italic, links) to Markdown paragraphs."""
    parser = _RichTextToMarkdown()
    parser.feed(html)
    parser.close()
    return parser.paragraphs


def plain_to_html(text: str) -> str:
    return f"<p>{escape(text)}</p>"
