"""What is indexed of an article and of a comment, as plain text.

The body keeps its page breaks as form feeds, so that a snippet can link to the page it quotes.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime
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
    facets: str = ""  # see facets()


@dataclass(frozen=True, slots=True)
class IndexedText:
    """The tokens of one document per field, and its character grams, as the backends store them."""

    title: str
    lead: str
    tags: str
    body: str
    grams_head: str
    grams_body: str
    facets: str = ""


def _paragraph_text(source: str) -> str:
    # Block elements end lines, so that words of two paragraphs never run together.
    spaced = source.replace("</p>", "</p>\n").replace("<br/>", "\n").replace("<br>", "\n")
    return html.unescape(strip_tags(spaced)).strip()


def block_text(kind: object, value: object) -> str:
    """The text of one block of an article body, as it is indexed (raw StreamField data)."""
    if kind == "paragraph" and isinstance(value, str):
        return _paragraph_text(value)
    if kind in ("heading", "subheading") and isinstance(value, str):
        return value.strip()
    if kind == "pull_quote" and isinstance(value, dict):
        return " ".join(str(value.get(key) or "") for key in ("quote", "attribution")).strip()
    if kind == "image" and isinstance(value, dict):
        return str(value.get("caption") or "").strip()
    return ""


def paragraph_lines(text: str) -> list[str]:
    """The paragraphs of (a page of) body text as the assistant cites and the article page
    anchors them (kiji.articles.anchors): its non-blank lines, stripped."""
    return [line for line in (raw.strip() for raw in text.split("\n")) if line]


def body_text(raw_blocks: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    page_has_blocks = False
    for block in raw_blocks:
        kind = block.get("type")
        if kind == "page_break":
            # As ArticlePage.body_pages: a break before any block, or after another break,
            # starts no page, so that page numbers here are the article's.
            if page_has_blocks:
                parts.append(PAGE_BREAK)
            page_has_blocks = False
            continue
        page_has_blocks = True
        parts.append(block_text(kind, block.get("value")))
    text = "\n".join(part for part in parts if part)
    return text.replace(f"\n{PAGE_BREAK}\n", PAGE_BREAK)


def month(moment: datetime) -> str:
    """The facet of a date's month (UTC, so that a change of TIME_ZONE needs no reindex)."""
    return f"m{moment.astimezone(UTC):%Y%m}"


def taxonomy(article: ArticlePage) -> str:
    """The facets an article passes to its comments: its tags, series and authors, by id."""
    parts = [f"t{item.tag_id}" for item in article.tagged_items.all()]
    if article.series_id is not None:
        parts.append(f"s{article.series_id}")
    parts.extend(f"w{link.author_id}" for link in article.article_authors.all())
    return " ".join(parts)


def facets(kind: str, moment: datetime, taxonomy: str) -> str:
    """Tokens of a document's kind, month, tags, series and authors, indexed beside its words so
    that the full-text index itself applies these filters (backends.Where.facets): ka or kc,
    m202611, t12, s3, w7."""
    return " ".join(part for part in (f"k{kind[0]}", month(moment), taxonomy) if part)


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
        facets=facets("article", article.published_at, taxonomy(article)),
    )


def comment_fields(comment: Comment, article_taxonomy: str) -> Fields:
    return Fields(
        title="",
        lead="",
        tags="",
        body=comment.body,
        facets=facets("comment", comment.created_at, article_taxonomy),
    )


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
        facets=fields.facets,
    )
