"""What is indexed of an article and of a comment, as plain text.

The body keeps its page breaks as form feeds, so that a snippet can link to the page it quotes.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.html import strip_tags

from kiji.search import analyzer

if TYPE_CHECKING:
    from kiji.articles.models import ArticlePage
    from kiji.comments.models import Comment

PAGE_BREAK = "\f"


@dataclass(frozen=True, slots=True)
class Fields:
    title: str
    lead: str
    tags: str
    body: str


@dataclass(frozen=True, slots=True)
class IndexedText:
    """The tokens of one document per field, and its character grams, as the backends store them."""

    title: str
    lead: str
    tags: str
    body: str
    grams_head: str
    grams_body: str


def _paragraph_text(source: str) -> str:
    # Block elements end lines, so that words of two paragraphs never run together.
    spaced = source.replace("</p>", "</p>\n").replace("<br/>", "\n").replace("<br>", "\n")
    return html.unescape(strip_tags(spaced)).strip()


def body_text(raw_blocks: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for block in raw_blocks:
        kind, value = block.get("type"), block.get("value")
        if kind == "paragraph" and isinstance(value, str):
            parts.append(_paragraph_text(value))
        elif kind in ("heading", "subheading") and isinstance(value, str):
            parts.append(value.strip())
        elif kind == "pull_quote" and isinstance(value, dict):
            parts.append(" ".join(str(value.get(key) or "") for key in ("quote", "attribution")).strip())
        elif kind == "image" and isinstance(value, dict):
            parts.append(str(value.get("caption") or "").strip())
        elif kind == "page_break":
            parts.append(PAGE_BREAK)
    text = "\n".join(part for part in parts if part)
    return text.replace(f"\n{PAGE_BREAK}\n", PAGE_BREAK)


def article_fields(article: ArticlePage) -> Fields:
    """Title, lead, tags (with series and authors, which readers search by name) and body text."""
    names = [item.tag.name for item in article.tagged_items.all()]
    if article.series is not None:
        names.append(article.series.name)
    names.extend(link.author.name for link in article.article_authors.all())
    return Fields(
        title=article.title,
        lead=article.lead,
        tags=" ".join(names),
        body=body_text(list(article.body.raw_data)),
    )


def comment_fields(comment: Comment) -> Fields:
    return Fields(title="", lead="", tags="", body=comment.body)


def indexed_text(fields: Fields) -> IndexedText:
    def words(text: str) -> str:
        return " ".join(analyzer.index_terms(text)) if text else ""

    head = "\n".join(part for part in (fields.title, fields.lead, fields.tags) if part)
    return IndexedText(
        title=words(fields.title),
        lead=words(fields.lead),
        tags=words(fields.tags),
        body=words(fields.body),
        grams_head=" ".join(analyzer.grams(head)),
        grams_body=" ".join(analyzer.grams(fields.body)),
    )
