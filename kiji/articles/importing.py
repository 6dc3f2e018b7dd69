"""Import articles from Markdown files with YAML front matter (see docs/article-format.md).

Every file is read and validated before anything is written; the import itself runs in one
transaction, so bad input changes nothing. Importing a slug again updates that article.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify
from PIL import Image as PILImage
from PIL import UnidentifiedImageError

from kiji.articles.markdown import BodyError, parse_body
from kiji.articles.models import ArticleAuthor, ArticlePage, Author, Series, Tag
from kiji.articles.services import ensure_site_tree
from kiji.images.models import KijiImage
from kiji.images.services import create_image

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KNOWN_KEYS = {
    "title", "slug", "published", "updated", "members_only", "access", "featured", "series",
    "series_position", "authors", "tags", "lead", "hero", "images",
}  # fmt: skip


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


class ImportFailed(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass
class ImageSpec:
    key: str
    path: Path
    caption: str
    credit: str
    width: int
    height: int


@dataclass
class ArticleSpec:
    path: Path
    title: str
    slug: str
    published: datetime
    updated: datetime | None
    access_level: str
    featured: bool
    series: str | dict[str, str] | None
    series_position: int | None
    authors: list[str | dict[str, str]]
    tags: list[str]
    lead: str
    hero: str | None
    images: dict[str, ImageSpec]
    blocks: list[tuple[str, Any]] = field(default_factory=list)
    slug_line: int = 1


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def collect_paths(paths: Iterable[str | Path]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.md") if not p.name.startswith(("_", "."))))
        else:
            found.append(path)
    return found


def _key_lines(text: str) -> dict[str, int]:
    """Line (0-based, inside the front matter) of each top-level key and of each image id
    (as "images.<id>"), for error messages."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return {}
    lines: dict[str, int] = {}
    for key, value in node.value:
        lines[str(key.value)] = key.start_mark.line
        if key.value == "images" and isinstance(value, yaml.MappingNode):
            for image_key, _ in value.value:
                lines[f"images.{image_key.value}"] = image_key.start_mark.line
    return lines


def _as_datetime(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        raise ValueError("needs a time and an offset, e.g. 2026-10-14T08:00:00+09:00")
    if not isinstance(value, datetime):
        raise ValueError("must be a date and time, e.g. 2026-10-14T08:00:00+09:00")
    if value.tzinfo is None:
        raise ValueError("needs an offset, e.g. +09:00")
    return value


def _text(value: Any, *, max_length: int, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise ValueError("is required")
        return ""
    if not isinstance(value, str):
        raise ValueError("must be text")
    text: str = value.strip()
    if len(text) > max_length:
        raise ValueError(f"is longer than {max_length} characters")
    return text


def _reference(value: Any, *, fields: tuple[str, ...]) -> str | dict[str, str]:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, dict):
        unknown = set(value) - set(fields)
        if unknown:
            raise ValueError(f"has unknown keys: {', '.join(sorted(unknown))}")
        if not isinstance(value.get("name"), str) or not value["name"].strip():
            raise ValueError("needs a name")
        if "slug" in value and not (isinstance(value["slug"], str) and SLUG.match(value["slug"])):
            raise ValueError("slug must be lower-case ASCII letters, digits and hyphens")
        return {k: str(v).strip() for k, v in value.items() if v is not None}
    raise ValueError("must be a slug, a name or a mapping")


def parse_file(path: Path) -> tuple[ArticleSpec | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(path, line, message))

    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(path, 0, "file not found")]
    except UnicodeDecodeError as exc:
        return None, [Problem(path, 1, f"not UTF-8 text ({exc.reason})")]
    lines = raw.split("\n")
    if not lines or lines[0].strip() != "---":
        return None, [Problem(path, 1, "must start with a YAML front matter block opened by ---")]
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return None, [Problem(path, 1, "the front matter is not closed by a --- line")]
    front_text = "\n".join(lines[1:end])
    try:
        meta = yaml.safe_load(front_text) or {}
        key_lines = _key_lines(front_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        return None, [Problem(path, line, f"invalid YAML: {getattr(exc, 'problem', exc)}")]
    if not isinstance(meta, dict):
        return None, [Problem(path, 2, "the front matter must be a mapping of keys to values")]

    def line_of(key: str) -> int:
        return key_lines.get(key, end - 1) + 2

    for key in sorted(set(meta) - KNOWN_KEYS):
        problem(line_of(key), f"unknown key {key!r}")

    def get(key: str, convert: Any, default: Any = None) -> Any:
        try:
            return convert(meta.get(key, default))
        except (ValueError, TypeError) as exc:
            problem(line_of(key), f"{key} {exc}")
            return None

    title = get("title", lambda v: _text(v, max_length=255))
    slug = get("slug", lambda v: _text(v, max_length=200))
    if slug and not SLUG.match(slug):
        problem(
            line_of("slug"), "slug must be lower-case ASCII letters, digits and hyphens (e.g. my-article-1)"
        )
        slug = None
    published = get("published", _as_datetime)
    updated = get("updated", lambda v: None if v is None else _as_datetime(v))
    if published and updated and updated < published:
        problem(line_of("updated"), "updated is before published")

    def boolean(v: Any) -> bool:
        if v is None:
            return False
        if not isinstance(v, bool):
            raise ValueError("must be true or false")
        return v

    members_only = get("members_only", boolean)

    def access(v: Any) -> str | None:
        if v is None:
            return None
        if v not in ("free", "members", "premium"):
            raise ValueError("must be free, members or premium")
        return str(v)

    access_level = get("access", access)
    if access_level is None:
        access_level = "members" if members_only else "free"
    elif members_only is not None and "members_only" in meta and members_only != (access_level != "free"):
        problem(line_of("access"), "access and members_only disagree")
    featured = get("featured", boolean)
    lead = get("lead", lambda v: _text(v, max_length=2000))
    series = get(
        "series", lambda v: None if v is None else _reference(v, fields=("slug", "name", "description"))
    )

    def position(v: Any) -> int | None:
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError("must be a whole number from 1")
        return v

    series_position = get("series_position", position)
    if series and series_position is None and "series_position" not in meta:
        problem(line_of("series"), "series_position is required with series")

    def author_list(v: Any) -> list[str | dict[str, str]]:
        if not isinstance(v, list) or not v:
            raise ValueError("must be a list with at least one author")
        return [_reference(item, fields=("slug", "name", "title", "bio")) for item in v]

    authors = get("authors", author_list) or []

    def tag_list(v: Any) -> list[str]:
        if v is None:
            return []
        if not isinstance(v, list) or not all(isinstance(t, str) and t.strip() for t in v):
            raise ValueError("must be a list of tag names")
        names = [t.strip() for t in v]
        if any(len(n) > 100 for n in names):
            raise ValueError("names must be at most 100 characters")
        return list(dict.fromkeys(names))

    tags = get("tags", tag_list) or []
    images: dict[str, ImageSpec] = {}
    raw_images = meta.get("images") or {}
    if not isinstance(raw_images, dict):
        problem(line_of("images"), "images must be a mapping of image id to {file, caption, credit}")
        raw_images = {}
    for key, spec in raw_images.items():
        where = key_lines.get(f"images.{key}", key_lines.get("images", end - 1)) + 2
        if not isinstance(spec, dict) or not isinstance(spec.get("file"), str):
            problem(where, f"image {key!r} needs a file")
            continue
        missing = [
            f for f in ("caption", "credit") if not isinstance(spec.get(f), str) or not spec[f].strip()
        ]
        if missing:
            problem(where, f"image {key!r} needs {' and '.join(missing)}")
            continue
        file_path = (path.parent / spec["file"]).resolve()
        if not file_path.is_file():
            problem(where, f"image {key!r}: file {spec['file']} not found")
            continue
        try:
            with PILImage.open(file_path) as img:
                width, height = img.size
                img.verify()
        except (UnidentifiedImageError, OSError):
            problem(where, f"image {key!r}: {spec['file']} is not a readable image")
            continue
        images[str(key)] = ImageSpec(
            str(key), file_path, spec["caption"].strip(), spec["credit"].strip(), width, height
        )
    hero = meta.get("hero")
    if hero is not None and str(hero) not in raw_images:
        problem(line_of("hero"), f"hero {hero!r} is not one of images")

    body_first_line = end + 2
    blocks: list[tuple[str, Any]] = []
    try:
        body = parse_body("\n".join(lines[end + 1 :]), first_line=body_first_line)
        blocks = body.blocks
        for image_id, line in body.image_ids:
            if image_id not in raw_images:
                problem(line, f"image {image_id!r} is not defined in images")
    except BodyError as exc:
        problem(exc.line, exc.message)

    if problems:
        return None, problems
    return (
        ArticleSpec(
            path=path,
            title=title,
            slug=slug,
            published=published,
            updated=updated,
            access_level=access_level,
            featured=featured,
            series=series,
            series_position=series_position,
            authors=authors,
            tags=tags,
            lead=lead,
            hero=str(hero) if hero is not None else None,
            images=images,
            blocks=blocks,
            slug_line=line_of("slug"),
        ),
        [],
    )


def validate(paths: Iterable[str | Path]) -> list[ArticleSpec]:
    files = collect_paths(paths)
    specs: list[ArticleSpec] = []
    problems: list[Problem] = []
    if not files:
        raise ImportFailed([Problem(Path(str(p)), 0, "no Markdown files found") for p in paths])
    seen: dict[str, Path] = {}
    for path in files:
        spec, found = parse_file(path)
        problems.extend(found)
        if spec is not None:
            if spec.slug in seen:
                problems.append(
                    Problem(path, spec.slug_line, f"slug {spec.slug!r} is also used by {seen[spec.slug]}")
                )
            seen[spec.slug] = path
            specs.append(spec)
    if problems:
        raise ImportFailed(problems)
    return specs


def _fallback_slug(model: type[Series] | type[Author], name: str, prefix: str) -> str:
    """A free slug made from a name: Japanese names keep only their ASCII part, which may be taken."""
    base = slugify(name)[:80].strip("-") or f"{prefix}-{hashlib.sha1(name.encode()).hexdigest()[:8]}"  # noqa: S324
    slug, n = base, 2
    while model.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _resolve[M: (Series, Author)](model: type[M], ref: str | dict[str, str], *, prefix: str) -> M:
    """Find a series or author by slug or name; create it (with the mapping's fields) if unknown."""
    if isinstance(ref, dict):
        name, slug = ref["name"], ref.get("slug")
        found = model.objects.filter(slug=slug).first() if slug else model.objects.filter(name=name).first()
        fields = {k: v for k, v in ref.items() if k not in ("name", "slug")}
    else:
        name, slug = ref, None
        found = model.objects.filter(slug=ref).first() or model.objects.filter(name=ref).first()
        fields = {}
    if found is not None:
        return found
    return model.objects.create(name=name, slug=slug or _fallback_slug(model, name, prefix), **fields)


def _resolve_series(ref: str | dict[str, str]) -> Series:
    return _resolve(Series, ref, prefix="series")


def _resolve_author(ref: str | dict[str, str]) -> Author:
    return _resolve(Author, ref, prefix="author")


def _resolve_tag(name: str) -> Tag:
    tag: Tag | None = Tag.objects.filter(name__iexact=name).first()
    if tag is None:
        tag = Tag(name=name)
        tag.save()  # TagBase.save picks a unique slug
    return tag


def _store_image(spec: ImageSpec, written: list[str]) -> KijiImage:
    image, created = create_image(
        spec.path.read_bytes(),
        filename=spec.path.name,
        title=spec.key,
        caption=spec.caption,
        credit=spec.credit,
    )
    if created:
        written.append(image.file.name)
    return image


def _stream(spec: ArticleSpec, images: dict[str, KijiImage]) -> list[tuple[str, Any]]:
    stream: list[tuple[str, Any]] = []
    for kind, value in spec.blocks:
        if kind == "image":
            stream.append(("image", {"image": images[value], "caption": "", "credit": ""}))
        elif kind == "page_break":
            stream.append(("page_break", None))
        else:
            stream.append((kind, value))
    return stream


def import_articles(paths: Iterable[str | Path]) -> ImportResult:
    specs = validate(paths)
    written: list[str] = []
    try:
        return _import(specs, written)
    except BaseException:
        for name in written:  # the transaction rolled back; drop the files it wrote too
            default_storage.delete(name)
        raise


@transaction.atomic
def _import(specs: list[ArticleSpec], written: list[str]) -> ImportResult:
    result = ImportResult()
    index = ensure_site_tree()
    for spec in specs:
        images = {key: _store_image(image, written) for key, image in spec.images.items()}
        article = ArticlePage.objects.filter(slug=spec.slug).first()
        created = article is None
        if article is None:
            article = ArticlePage(slug=spec.slug)
        article.title = spec.title
        article.lead = spec.lead
        article.published_at = spec.published
        article.updated_at = spec.updated
        article.access_level = spec.access_level
        article.featured = spec.featured
        article.series = _resolve_series(spec.series) if spec.series else None
        article.series_position = spec.series_position if spec.series else None
        article.hero_image = images[spec.hero] if spec.hero else None
        article.body = _stream(spec, images)
        article.tags.set([_resolve_tag(name) for name in spec.tags])
        authors = list(dict.fromkeys(_resolve_author(ref) for ref in spec.authors))
        article.article_authors = [ArticleAuthor(author=a, sort_order=i) for i, a in enumerate(authors)]
        if created:
            index.add_child(instance=article)
            result.created.append(spec.slug)
        else:
            result.updated.append(spec.slug)
        article.save_revision().publish()
    return result
