"""Export articles to Markdown with YAML front matter; import of the result gives the same files."""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils.text import slugify
from wagtail.rich_text import expand_db_html

from kiji.articles.markdown import NEXTPAGE, join_lines, rich_text_to_markdown
from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag
from kiji.images.models import KijiImage

IMAGE_DIR = "images"


class _Dumper(yaml.SafeDumper):
    pass


def _represent_datetime(dumper: yaml.SafeDumper, value: datetime) -> yaml.ScalarNode:
    # ISO 8601 as in docs/article-format.md (2026-10-14T08:00:00+09:00); PyYAML writes a space.
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(datetime, _represent_datetime)


def _articles() -> QuerySet[ArticlePage]:
    live: QuerySet[ArticlePage] = ArticlePage.objects.live()
    return (
        live.select_related("series", "hero_image")
        .prefetch_related(
            Prefetch(
                "article_authors",
                queryset=ArticleAuthor.objects.select_related("author").order_by("sort_order"),
            ),
            Prefetch("tagged_items", queryset=ArticleTag.objects.select_related("tag").order_by("pk")),
        )
        .order_by("slug")
    )


def _image_key(image: KijiImage, used: dict[int, str]) -> str:
    if image.pk in used:
        return used[image.pk]
    base = slugify(image.title) or f"image-{image.pk}"
    key, n = base, 2
    while key in used.values():
        key, n = f"{base}-{n}", n + 1
    used[image.pk] = key
    return key


def article_to_markdown(article: ArticlePage) -> tuple[str, dict[str, KijiImage]]:
    """The Markdown text of one article and the images it refers to, by file name."""
    tokyo = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    used: dict[int, str] = {}
    images: dict[str, dict[str, str]] = {}
    files: dict[str, KijiImage] = {}

    def register(image: KijiImage, caption: str = "", credit: str = "") -> str:
        key = _image_key(image, used)
        if key not in images:
            suffix = Path(image.file.name).suffix.lower() or ".png"
            file_name = f"{article.slug}-{key}{suffix}"
            images[key] = {
                "file": f"{IMAGE_DIR}/{file_name}",
                "caption": caption or image.caption or image.title,
                "credit": credit or image.credit or "Kiji",
            }
            files[file_name] = image
        return key

    body: list[str] = []
    for block in article.body:
        kind, value = block.block_type, block.value
        if kind == "paragraph":
            # expand_db_html turns internal page links (linktype="page") into their URLs.
            body.extend(rich_text_to_markdown(expand_db_html(value.source)))
        elif kind == "heading":
            body.append(f"## {value}")
        elif kind == "subheading":
            body.append(f"### {value}")
        elif kind == "image" and value["image"] is not None:
            body.append(f"![]({register(value['image'], value['caption'], value['credit'])})")
        elif kind == "pull_quote":
            quote = [line.strip() for line in str(value["quote"]).splitlines() if line.strip()]
            lines = [f"> {join_lines(quote)}"] if quote else []  # the importer joins the lines the same way
            if value["attribution"]:
                lines.append(f"> —— {value['attribution']}")
            body.append("\n".join(lines))
        elif kind == "page_break":
            body.append(NEXTPAGE)

    hero = register(article.hero_image) if article.hero_image else None
    meta: dict[str, Any] = {
        "title": article.title,
        "slug": article.slug,
        "published": article.published_at.astimezone(tokyo),
    }
    if article.updated_at:
        meta["updated"] = article.updated_at.astimezone(tokyo)
    meta["members_only"] = article.members_only
    if article.premium_only:
        meta["access"] = "premium"
    meta["featured"] = article.featured
    if article.series:
        meta["series"] = {
            "slug": article.series.slug,
            "name": article.series.name,
            "description": article.series.description,
        }
        meta["series_position"] = article.series_position
    meta["authors"] = [
        {"slug": a.slug, "name": a.name, "title": a.title, "bio": a.bio}
        for a in (link.author for link in article.article_authors.all())
    ]
    meta["tags"] = [item.tag.name for item in article.tagged_items.all()]
    meta["lead"] = article.lead
    if hero:
        meta["hero"] = hero
    if images:
        meta["images"] = dict(sorted(images.items()))
    front = yaml.dump(
        meta, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10**9, default_flow_style=False
    )
    return f"---\n{front}---\n" + "\n\n".join(body) + "\n", files


def export_articles(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / IMAGE_DIR).mkdir(exist_ok=True)
    written: list[Path] = []
    for article in _articles():
        text, files = article_to_markdown(article)
        path = directory / f"{article.slug}.md"
        path.write_text(text, encoding="utf-8")
        written.append(path)
        for name, image in files.items():
            with image.file.open("rb") as source:
                (directory / IMAGE_DIR / name).write_bytes(source.read())
    return written
