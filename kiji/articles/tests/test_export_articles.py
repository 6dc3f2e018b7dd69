"""`manage.py export_articles DIR`: live articles out as Markdown files, and back in unchanged.

docs/article-format.md promises that export, import and export again gives byte-identical files.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from kiji.articles.models import ArticlePage, Author, Series, Tag
from kiji.articles.tests.test_import_articles import (
    copy_demo_articles,
    import_files,
    write_full_article,
    write_minimal_article,
)
from kiji.images.models import KijiImage

pytestmark = pytest.mark.django_db

TOKYO = timezone(timedelta(hours=9))


def export_to(folder: Path) -> str:
    out = io.StringIO()
    call_command("export_articles", str(folder), stdout=out, stderr=io.StringIO())
    return out.getvalue()


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def wipe_content() -> None:
    """Leave a clean database: no articles, series, authors, tags or images."""
    for page in ArticlePage.objects.all():
        page.delete()
    Series.objects.all().delete()
    Author.objects.all().delete()
    Tag.objects.all().delete()
    KijiImage.objects.all().delete()
    assert not any(m.objects.exists() for m in (ArticlePage, Series, Author, Tag, KijiImage))


def round_trip(tmp_path: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """Export, import the export into a clean database, export again; return both exports."""
    first, second = tmp_path / "export-1", tmp_path / "export-2"
    export_to(first)
    wipe_content()
    import_files(first)
    export_to(second)
    return files_in(first), files_in(second)


def test_export_writes_a_markdown_file_per_article_and_its_images(
    tmp_path: Path,
    article_factory: Callable[..., ArticlePage],
    author_factory: Callable[..., Author],
    series_factory: Callable[..., Series],
    tag_factory: Callable[..., Tag],
    image_factory: Callable[..., KijiImage],
) -> None:
    hero = image_factory(title="hero-photo", caption="工場の検査ライン", credit="Kiji編集部")
    photo = image_factory(title="line-photo", caption="画像認識の端末", credit="蒼海化学提供")
    article = article_factory(
        title="工場の生成AI、導入率が倍増",
        slug="factory-genai",
        published_at=datetime(2026, 10, 14, 8, 0, tzinfo=TOKYO),
        updated_at=datetime(2026, 10, 15, 12, 30, tzinfo=TOKYO),
        members_only=True,
        series=series_factory(
            slug="dx-manufacturing", name="製造業DXの現場", description="工場のDXを追う連載"
        ),
        series_position=3,
        authors=[
            author_factory(slug="ito-daisuke", name="伊藤 大輔", title="編集委員", bio="製造業を取材。"),
            author_factory(slug="sato-hanako", name="佐藤 花子", title="", bio=""),
        ],
        tags=[tag_factory("生成AI"), tag_factory("製造業")],
        hero_image=hero,
        lead="リード文です。",
        body=[
            (
                "paragraph",
                '<p>本文は<b>太字</b>、<i>斜体</i>、<a href="https://example.com/">リンク</a>を含む。</p>',
            ),
            ("image", {"image": photo, "caption": "", "credit": ""}),
            ("subheading", "小見出し"),
            ("pull_quote", {"quote": "小さく始めて広げる。", "attribution": "岡部 智之(蒼海化学)"}),
            ("page_break", None),
            ("heading", "2 ページ目"),
            ("paragraph", "<p>2 ページ目の本文。</p>"),
        ],
    )
    folder = tmp_path / "export"

    out = export_to(folder)

    assert f"Exported 1 article(s) to {folder}." in out
    assert sorted(files_in(folder)) == [
        "factory-genai.md",
        "images/factory-genai-hero-photo.png",
        "images/factory-genai-line-photo.png",
    ]
    with hero.file.open("rb") as stored:
        assert (folder / "images" / "factory-genai-hero-photo.png").read_bytes() == stored.read()
    assert (folder / "factory-genai.md").read_text(encoding="utf-8") == EXPECTED_MARKDOWN
    assert article.live


EXPECTED_MARKDOWN = """\
---
title: 工場の生成AI、導入率が倍増
slug: factory-genai
published: 2026-10-14T08:00:00+09:00
updated: 2026-10-15T12:30:00+09:00
members_only: true
featured: false
series:
  slug: dx-manufacturing
  name: 製造業DXの現場
  description: 工場のDXを追う連載
series_position: 3
authors:
- slug: ito-daisuke
  name: 伊藤 大輔
  title: 編集委員
  bio: 製造業を取材。
- slug: sato-hanako
  name: 佐藤 花子
  title: ''
  bio: ''
tags:
- 生成AI
- 製造業
lead: リード文です。
hero: hero-photo
images:
  hero-photo:
    file: images/factory-genai-hero-photo.png
    caption: 工場の検査ライン
    credit: Kiji編集部
  line-photo:
    file: images/factory-genai-line-photo.png
    caption: 画像認識の端末
    credit: 蒼海化学提供
---
本文は**太字**、*斜体*、[リンク](https://example.com/)を含む。

![](line-photo)

### 小見出し

> 小さく始めて広げる。
> —— 岡部 智之(蒼海化学)

<!--nextpage-->

## 2 ページ目

2 ページ目の本文。
"""


def test_only_live_articles_are_exported(tmp_path: Path, article_factory: Callable[..., ArticlePage]) -> None:
    article_factory(slug="live-article")
    article_factory(slug="withdrawn-article").unpublish()

    export_to(tmp_path / "export")

    assert sorted(files_in(tmp_path / "export")) == ["live-article.md"]


def test_imported_files_export_import_and_export_again_byte_identical(tmp_path: Path) -> None:
    source = tmp_path / "source"
    write_full_article(source)
    write_minimal_article(source / "more", "minimal.md")
    import_files(source)

    first, second = round_trip(tmp_path)

    assert sorted(first) == [
        "images/manufacturing-genai-adoption-2026-adoption-chart.png",
        "images/manufacturing-genai-adoption-2026-line-photo.png",
        "images/minimal-article-chart.png",
        "manufacturing-genai-adoption-2026.md",
        "minimal-article.md",
    ]
    assert second == first
    # The export carries everything the source said.
    assert first["images/minimal-article-chart.png"] == (source / "more" / "chart.png").read_bytes()
    exported = first["manufacturing-genai-adoption-2026.md"].decode()
    for line in [
        "published: 2026-10-14T08:00:00+09:00",
        "updated: 2026-10-15T12:30:00+09:00",
        "  slug: dx-manufacturing",
        "series_position: 3",
        "- 生成AI",
        "hero: adoption-chart",
        "    file: images/manufacturing-genai-adoption-2026-line-photo.png",
        "    caption: 検査工程に導入された画像認識システム",
        "    credit: Kiji編集部",
        "![](line-photo)",
        "## 見出し",
        "### 小見出し",
        "> —— 岡部 智之(蒼海化学 法務部長)",
        "<!--nextpage-->",
        "本文の最初の段落。**太字**と*斜体*と[リンク](https://example.com/report?year=2026&page=2)が使えます。"
        "改行した行は空白なしでつながります。",
    ]:
        assert line in exported.splitlines()


def test_demo_articles_export_import_and_export_again_byte_identical(tmp_path: Path) -> None:
    paths = copy_demo_articles(tmp_path / "demo", "ai-frontline-*.md")
    import_files(tmp_path / "demo")

    first, second = round_trip(tmp_path)

    assert second == first
    assert sorted(name for name in first if name.endswith(".md")) == sorted(path.name for path in paths)
    assert sum(name.startswith("images/") for name in first) >= len(paths)


def test_the_demo_style_file_survives_export_and_import_unchanged_in_the_database(tmp_path: Path) -> None:
    write_full_article(tmp_path / "source")
    import_files(tmp_path / "source")
    before = ArticlePage.objects.get()
    fields = _article_fields(before)

    round_trip(tmp_path)

    assert _article_fields(ArticlePage.objects.get()) == fields


def _article_fields(article: ArticlePage) -> dict[str, Any]:
    assert article.hero_image is not None
    return {
        "title": article.title,
        "slug": article.slug,
        "lead": article.lead,
        "published_at": article.published_at,
        "updated_at": article.updated_at,
        "members_only": article.members_only,
        "featured": article.featured,
        "series": (article.series.slug, article.series.name, article.series.description)
        if article.series
        else None,
        "series_position": article.series_position,
        "authors": [
            (link.author.slug, link.author.name, link.author.title, link.author.bio)
            for link in article.article_authors.order_by("sort_order")
        ],
        "tags": [(item.tag.name, item.tag.slug) for item in article.tagged_items.order_by("pk")],
        "hero": (article.hero_image.title, article.hero_image.caption, article.hero_image.credit),
        "body": [
            (b.block_type, b.value.source if b.block_type == "paragraph" else _plain(b.value))
            for b in article.body
        ],
        "page_count": article.page_count,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, dict) or hasattr(value, "items"):
        return {
            k: (v.title, v.caption, v.credit) if isinstance(v, KijiImage) else v for k, v in value.items()
        }
    return value


def test_a_factory_built_article_round_trips_byte_identical(
    tmp_path: Path,
    article_factory: Callable[..., ArticlePage],
    author_factory: Callable[..., Author],
    series_factory: Callable[..., Series],
    tag_factory: Callable[..., Tag],
    image_factory: Callable[..., KijiImage],
) -> None:
    series = series_factory(name="AI最前線", slug="ai-frontline", description="生成AIの現場を追う連載。")
    ito = author_factory(name="伊藤 大輔", slug="ito-daisuke")
    nakamura = author_factory(name="中村 結衣", slug="nakamura-yui", title="", bio="")
    ai, manufacturing, dx = tag_factory("生成AI"), tag_factory("製造業"), tag_factory("DX")
    hero = image_factory(title="ヒーロー画像", caption="工場の検査ライン", credit="Kiji編集部")
    chart = image_factory(title="chart", caption="", credit="")
    photo = image_factory(title="line-photo")
    first = article_factory(
        title="生成AIの社内ルール、「原則禁止」から「リスク3段階」へ",
        slug="ai-frontline-governance",
        members_only=True,
        featured=True,
        series=series,
        series_position=3,
        authors=[nakamura, ito],
        tags=[dx, ai],
        hero_image=hero,
        published_at=datetime(2026, 9, 15, 7, 0, tzinfo=TOKYO),
        updated_at=datetime(2026, 9, 16, 10, 30, tzinfo=TOKYO),
        body=[
            (
                "paragraph",
                '<p>規程は<b>作って終わり</b>ではない。<i>半年ごと</i>に<a href="https://example.com/rules?a=1&amp;b=2">'
                "見直す</a>。</p>",
            ),
            ("paragraph", "<p>本文の<b>「強調」</b>と、*記号*や[括弧]や_下線_や\\も文字のまま。</p>"),
            ("paragraph", "<p>&lt;注&gt; 数値は速報値。A&amp;B社の調べ。</p>"),
            ("paragraph", '<p><a href="https://ja.wikipedia.org/wiki/生成AI">生成AI</a>とは</p>'),
            ("image", {"image": chart, "caption": "上場企業420社の回答(%)", "credit": "アクシス総研"}),
            ("subheading", "禁止・要審査・届け出の3区分"),
            (
                "pull_quote",
                {"quote": "軽いものは軽く通す。\nそれが統制を強める。", "attribution": "岡部 智之(法務部長)"},
            ),
            ("page_break", None),
            ("heading", "「シャドーAI」をどう防ぐか"),
            ("paragraph", "<p>Latin text keeps its spaces.</p>"),
            ("image", {"image": photo, "caption": "", "credit": ""}),
            ("pull_quote", {"quote": "発言者のない引用。", "attribution": ""}),
            ("page_break", None),
            ("heading", "3 ページ目"),
            ("image", {"image": hero, "caption": "", "credit": ""}),
        ],
    )
    article_factory(
        title="製造業DXの現在地",
        slug="dx-manufacturing-now",
        series=series,
        series_position=1,
        authors=[ito],
        tags=[manufacturing, dx, ai],  # an order unlike the first article's
        body=[
            ("paragraph", f'<p><a linktype="page" id="{first.pk}">前回の記事</a>も参照。</p>'),
            *[("paragraph", f"<p>段落{i}。</p>") for i in range(3)],
        ],
    )

    exported, again = round_trip(tmp_path)

    assert again == exported
    assert sorted(exported) == [
        "ai-frontline-governance.md",
        "dx-manufacturing-now.md",
        "images/ai-frontline-governance-chart.png",
        f"images/ai-frontline-governance-image-{hero.pk}.png",
        "images/ai-frontline-governance-line-photo.png",
    ]
    text = exported["ai-frontline-governance.md"].decode()
    body = text.split("\n---\n", 1)[1]
    assert body.split("\n\n") == [
        "規程は**作って終わり**ではない。*半年ごと*に[見直す](https://example.com/rules?a=1&b=2)。",
        "本文の**「強調」**と、\\*記号\\*や\\[括弧\\]や\\_下線\\_や\\\\も文字のまま。",
        "\\<注> 数値は速報値。A&B社の調べ。",
        "[生成AI](https://ja.wikipedia.org/wiki/生成AI)とは",
        "![](chart)",
        "### 禁止・要審査・届け出の3区分",
        "> 軽いものは軽く通す。それが統制を強める。\n> —— 岡部 智之(法務部長)",
        "<!--nextpage-->",
        "## 「シャドーAI」をどう防ぐか",
        "Latin text keeps its spaces.",
        "![](line-photo)",
        "> 発言者のない引用。",
        "<!--nextpage-->",
        "## 3 ページ目",
        f"![](image-{hero.pk})\n",
    ]
    assert "authors:\n- slug: nakamura-yui\n" in text
    assert "tags:\n- DX\n- 生成AI\n" in text
    assert "    caption: 上場企業420社の回答(%)\n    credit: アクシス総研\n" in text
    assert (
        "[前回の記事](/articles/ai-frontline-governance/)も参照。"
        in exported["dx-manufacturing-now.md"].decode()
    )
    assert "tags:\n- 製造業\n- DX\n- 生成AI\n" in exported["dx-manufacturing-now.md"].decode()

    # The re-imported articles are the same articles.
    imported = ArticlePage.objects.get(slug="ai-frontline-governance")
    assert imported.live and imported.page_count == 3
    assert [block.block_type for block in imported.body][:4] == ["paragraph"] * 4
    assert imported.body[0].value.source == first.body[0].value.source
    assert imported.body[1].value.source == first.body[1].value.source
    assert imported.body[2].value.source == first.body[2].value.source
    assert imported.body[3].value.source == first.body[3].value.source
    assert [link.author.slug for link in imported.article_authors.order_by("sort_order")] == [
        "nakamura-yui",
        "ito-daisuke",
    ]
    assert imported.series is not None and imported.series.slug == "ai-frontline"
    assert imported.series_position == 3
    assert imported.published_at == datetime(2026, 9, 15, 7, 0, tzinfo=TOKYO)
    assert (imported.members_only, imported.featured) == (True, True)
