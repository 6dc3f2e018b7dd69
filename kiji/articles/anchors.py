"""Paragraph anchors of an article page, so that a citation lands on the paragraph it quotes.

The body's paragraphs are numbered across the whole article exactly as the assistant numbers its
passages (`kiji.search.documents.paragraph_lines` over the indexed text): `id="p12"` is the
twelfth on whichever page it is, and `p0` is the title and lead. A rich-text block may hold
several of them (several <p>, or lines a soft break or a raw newline separates): a <p> that is
one paragraph gets the id itself, otherwise each line is wrapped in a <span> with its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from wagtail.rich_text import expand_db_html

from kiji.search.documents import block_text, paragraph_lines

if TYPE_CHECKING:
    from kiji.articles.models import BodyPage

# The literal breaks documents._paragraph_text turns into new lines (besides "\n" and </p>).
_BREAKS = ("<br>", "<br/>")


def anchor(number: int) -> str:
    """The id of paragraph `number` of an article (0: the title and lead)."""
    return f"p{number}"


@dataclass(frozen=True, slots=True)
class NumberedBlock:
    """A body block with the anchors of its paragraphs, for articles/_article_parts.html."""

    block: Any  # a bound StreamField block
    paragraph_id: str = ""  # the block's own id: a heading, an image's caption, a pull quote
    html: SafeString | None = None  # a paragraph block's rich text, its anchors in place
    quote_lines: tuple[tuple[str, str], ...] = ()  # (id or "", line) of a quote on several lines


def number_pages(pages: Sequence[BodyPage]) -> list[list[NumberedBlock]]:
    numbered: list[list[NumberedBlock]] = []
    count = 0
    for page in pages:
        numbered.append([])
        for block in page.blocks:
            raw = block.block.get_prep_value(block.value)  # the stored form, which is indexed
            lines = paragraph_lines(block_text(block.block_type, raw))
            numbered[-1].append(_numbered(block, raw, lines, count + 1) if lines else NumberedBlock(block))
            count += len(lines)
    return numbered


def _numbered(block: Any, raw: Any, lines: list[str], first: int) -> NumberedBlock:
    if block.block_type == "paragraph":
        return NumberedBlock(block, html=_anchored_rich_text(raw, lines, first))
    if block.block_type == "pull_quote":
        return _pull_quote(block, raw, lines, first)
    return NumberedBlock(block, paragraph_id=anchor(first) if len(lines) == 1 else "")


def _pull_quote(block: Any, raw: dict[str, Any], lines: list[str], first: int) -> NumberedBlock:
    # Indexed as "quote attribution": the quote's last line and the attribution are one paragraph,
    # which the whole <blockquote> anchors; the quote's earlier lines get a <span> each.
    quoted = str(raw.get("quote") or "").split("\n")
    shown = [*quoted[:-1], f"{quoted[-1]} {raw.get('attribution') or ''}"]
    if [line.strip() for line in shown if line.strip()] != lines:
        return NumberedBlock(block)  # not as indexed: no anchors rather than wrong ones
    ids: list[str] = []
    number = first
    for line in shown:
        ids.append(anchor(number) if line.strip() else "")
        number += bool(line.strip())
    if len(quoted) == 1:
        return NumberedBlock(block, paragraph_id=ids[-1])
    quote_lines = (*zip(ids[:-1], quoted[:-1], strict=True), ("", quoted[-1]))
    return NumberedBlock(block, paragraph_id=ids[-1], quote_lines=quote_lines)


class _Tokens(HTMLParser):
    """Rich text as (kind, raw HTML, tag) tokens; character references stay as written."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.tokens: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.tokens.append(("start", self.get_starttag_text() or "", tag))

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.tokens.append(("void", self.get_starttag_text() or "", tag))

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(("end", f"</{tag}>", tag))

    def handle_data(self, data: str) -> None:
        self.tokens.append(("text", data, ""))

    def handle_entityref(self, name: str) -> None:
        self.tokens.append(("text", f"&{name};", ""))

    def handle_charref(self, name: str) -> None:
        self.tokens.append(("text", f"&#{name};", ""))

    def handle_comment(self, data: str) -> None:
        self.tokens.append(("void", f"<!--{data}-->", ""))


_VOID = frozenset({"br", "img", "wbr", "hr", "embed", "source", "input", "area", "col", "track"})
Token = tuple[str, str, str]


def _lines(html: str) -> list[tuple[list[Token], str]]:
    """The lines of rich text as documents._paragraph_text reads them: (tokens, the break after)."""
    parser = _Tokens()
    parser.feed(html)
    parser.close()
    lines: list[tuple[list[Token], str]] = []
    current: list[Token] = []
    for token in parser.tokens:
        kind, text, tag = token
        if kind == "text" and "\n" in text:
            *ends, rest = text.split("\n")
            for end in ends:
                lines.append(([*current, ("text", end, "")] if end else current, "\n"))
                current = []
            if rest:
                current.append(("text", rest, ""))
        elif kind in ("start", "void") and text in _BREAKS:
            lines.append((current, text))
            current = []
        elif kind == "end" and tag == "p":
            lines.append(([*current, token], ""))
            current = []
        else:
            current.append(token)
    lines.append((current, ""))
    return lines


def _text(tokens: list[Token]) -> str:
    return unescape("".join(text for kind, text, _ in tokens if kind == "text")).strip()


def _edges(tokens: list[Token]) -> tuple[int, int]:
    """Where a line's content starts and ends inside its own <p>…</p>, if it opens or closes one."""
    solid = [i for i, (kind, text, _) in enumerate(tokens) if kind != "text" or text.strip()]
    start, end = 0, len(tokens)
    if solid and tokens[solid[0]][0] == "start" and tokens[solid[0]][2] == "p":
        start = solid[0] + 1
    if solid and tokens[solid[-1]][0] == "end" and tokens[solid[-1]][2] == "p":
        end = solid[-1]
    return start, end


class _Writer:
    """Rich text written back, with <span>s that the inline elements around them do not cross:
    those open where a span starts are closed before it and reopened inside, and the other way
    round at its end (<b>a<br/>b</b> becomes <span><b>a</b></span><br/><span><b>b</b></span>)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[Token] = []  # the inline elements open here
        self.closed = False  # the stack's elements are closed, to be reopened before more text

    def follow(self, tokens: list[Token]) -> None:
        if tokens:
            self.resume()
        for token in tokens:
            kind, text, tag = token
            if kind == "start" and tag != "p" and tag not in _VOID:
                self.stack.append(token)
            elif kind == "end" and any(t[2] == tag for t in self.stack):
                while self.stack.pop()[2] != tag:
                    pass
            self.out.append(text)

    def resume(self) -> None:
        if self.closed:
            self.out.extend(text for _, text, _ in self.stack)
            self.closed = False

    def span(self, id_: str, tokens: list[Token]) -> None:
        if not self.closed:
            self.out.extend(f"</{tag}>" for _, _, tag in reversed(self.stack))
        self.out.append(f'<span id="{id_}">')
        self.closed = True
        self.follow(tokens)
        self.out.extend(f"</{tag}>" for _, _, tag in reversed(self.stack))
        self.out.append("</span>")
        self.closed = True


def _anchored_rich_text(source: str, lines: list[str], first: int) -> SafeString | None:
    """The rendered rich text with an id on each paragraph; None when its lines are not the
    indexed ones (hand-made HTML), so that no anchor can point at the wrong text."""
    found = _lines(expand_db_html(source))
    if [t for t in (_text(tokens) for tokens, _ in found) if t] != lines:
        return None
    writer = _Writer()
    number = first
    for tokens, after in found:
        if not _text(tokens):
            writer.follow(tokens)
            writer.out.append(after)
            continue
        start, end = _edges(tokens)
        inner = tokens[start:end]
        opener = tokens[start - 1][1] if start else ""
        if "p" in _tags(inner):
            writer.follow(tokens)  # a line across paragraphs (malformed HTML): left without an anchor
        elif start and end < len(tokens) and not writer.stack and " id=" not in opener:
            # A <p> that is one paragraph: the id goes on the <p>.
            tag = ("start", f'<p id="{anchor(number)}"{opener[2:]}', "p")
            writer.follow([*tokens[: start - 1], tag, *inner, *tokens[end:]])
        else:
            writer.follow(tokens[:start])
            writer.span(anchor(number), inner)
            writer.follow(tokens[end:])
        writer.out.append(after)
        number += 1
    html = "".join(writer.out)
    return mark_safe(render_to_string("wagtailcore/shared/richtext.html", {"html": html}))  # noqa: S308


def _tags(tokens: list[Token]) -> set[str]:
    return {tag for kind, _, tag in tokens if kind in ("start", "end")}
