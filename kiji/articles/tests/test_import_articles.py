"""`manage.py import_articles`: Markdown files with YAML front matter in, live articles out.

The file format is docs/article-format.md. Every test runs the real command against the real
database; images are small PNGs written next to the Markdown files.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from PIL import Image as PILImage
from wagtail.models import Page

from kiji.articles import importing
from kiji.articles.models import ArticleAuthor, ArticlePage, ArticleTag, Author, Series, Tag
from kiji.images.models import KijiImage

pytestmark = pytest.mark.django_db

FULL_ARTICLE = """\
---
title: 国内製造業の生成AI導入率、1年で倍増 現場が選んだ「小さく始める」戦略
slug: manufacturing-genai-adoption-2026
published: 2026-10-14T08:00:00+09:00
updated: 2026-10-15T12:30:00+09:00
members_only: true
featured: true
series: dx-manufacturing
series_position: 3
authors: [ito-daisuke, 佐藤 花子]
tags: [生成AI, 製造業, DX]
lead: >-
  リード文。記事の要点を 1〜3 文で。
  一覧やフィードに表示されます。
hero: adoption-chart
images:
  adoption-chart:
    file: adoption-chart.png
    caption: 製造業における生成AIの導入率の推移
    credit: Kiji編集部作成
  line-photo:
    file: photos/line-photo.png
    caption: 検査工程に導入された画像認識システム
    credit: Kiji編集部
---
本文の最初の段落。**太字**と*斜体*と[リンク](https://example.com/report?year=2026&page=2)が使えます。
改行した行は空白なしでつながります。

![](line-photo)

## 見出し

### 小見出し

Latin lines are joined
with a space.

> 小さく始めて、現場が納得してから広げる。
> それが結局いちばんの近道でした。
> —— 岡部 智之(蒼海化学 法務部長)

<!--nextpage-->

## 2 ページ目の見出し

2 ページ目の本文。
"""

FULL_SLUG = "manufacturing-genai-adoption-2026"

# Line numbers matter: the error cases below name them.
#  1 ---            8 images:              14 本文の段落です。
#  2 title          9   chart:             15
#  3 slug          10     file             16 ![](chart)
#  4 published     11     caption          17
#  5 authors       12     credit           18 ## 見出し
#  6 lead          13 ---                  19
#  7 hero                                  20 最後の段落。
MINIMAL_ARTICLE = """\
---
title: 良い記事
slug: {slug}
published: 2026-10-14T08:00:00+09:00
authors: [ito-daisuke]
lead: リード文です。
hero: chart
images:
  chart:
    file: chart.png
    caption: グラフ
    credit: Kiji編集部
---
本文の段落です。

![](chart)

## 見出し

最後の段落。
"""

GOOD_ARTICLE = """\
---
title: 正しく書けた記事
slug: a-good-article
published: 2026-10-13T08:00:00+09:00
series: {slug: new-series, name: 新しい連載}
series_position: 1
authors: [new-author]
tags: [新しいタグ]
lead: リード文です。
hero: photo
images:
  photo:
    file: good-photo.png
    caption: 写真
    credit: Kiji編集部
---
この記事に問題はありません。
"""


def write_png(
    path: Path, color: tuple[int, int, int] = (200, 60, 40), size: tuple[int, int] = (64, 36)
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.new("RGB", size, color).save(path, "PNG")
    return path


def write_full_article(folder: Path, text: str = FULL_ARTICLE, name: str = f"{FULL_SLUG}.md") -> Path:
    write_png(folder / "adoption-chart.png", (30, 90, 160), (120, 80))
    write_png(folder / "photos" / "line-photo.png", (160, 90, 30), (90, 60))
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_minimal_article(
    folder: Path, name: str, *, slug: str = "minimal-article", text: str | None = None
) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_png(folder / "chart.png", (10, 120, 10))
    path = folder / name
    path.write_text(MINIMAL_ARTICLE.format(slug=slug) if text is None else text, encoding="utf-8")
    return path


DEMO_CONTENT = Path(__file__).resolve().parents[2] / "demo" / "content"


def copy_demo_articles(folder: Path, pattern: str = "*.md") -> list[Path]:
    """Copy demo articles with a small PNG of its own colour for every image they name."""
    folder.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    for n, source in enumerate(sorted(DEMO_CONTENT.glob(pattern))):
        text = source.read_text(encoding="utf-8")
        meta = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
        for m, image in enumerate((meta.get("images") or {}).values()):
            write_png(folder / image["file"], (n * 6 % 256, m * 40 % 256, 120), (32, 18))
        copied.append(folder / source.name)
        copied[-1].write_text(text, encoding="utf-8")
    return copied


def import_files(*paths: Path | str) -> str:
    """Run the command; return what it printed on stdout."""
    out = io.StringIO()
    call_command("import_articles", *[str(p) for p in paths], stdout=out, stderr=io.StringIO())
    return out.getvalue()


def failed_import(*paths: Path | str) -> tuple[str, list[str]]:
    """Run the command expecting failure; return the CommandError message and the stderr lines."""
    err = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("import_articles", *[str(p) for p in paths], stdout=io.StringIO(), stderr=err)
    return str(excinfo.value), err.getvalue().splitlines()


def row_counts() -> dict[str, int]:
    models: list[Any] = [Page, ArticlePage, Series, Author, Tag, KijiImage, ArticleAuthor, ArticleTag]
    return {model.__name__: model.objects.count() for model in models}


def media_files() -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def test_importing_a_file_creates_a_live_article_with_every_field(tmp_path: Path, client: Any) -> None:
    path = write_full_article(tmp_path / "in")

    out = import_files(path)

    assert "Imported 1 new and 0 updated article(s)." in out
    article = ArticlePage.objects.get(slug=FULL_SLUG)
    assert article.title == "国内製造業の生成AI導入率、1年で倍増 現場が選んだ「小さく始める」戦略"
    assert article.live
    assert not article.has_unpublished_changes
    assert article.url == f"/articles/{FULL_SLUG}/"
    assert client.get(article.url).status_code == 200
    # The +09:00 offset is kept as the same instant.
    assert article.published_at == datetime(2026, 10, 13, 23, 0, tzinfo=UTC)
    assert article.updated_at == datetime(2026, 10, 15, 3, 30, tzinfo=UTC)
    assert timezone.localtime(article.published_at).isoformat() == "2026-10-14T08:00:00+09:00"
    assert article.members_only is True
    assert article.featured is True
    assert article.lead == "リード文。記事の要点を 1〜3 文で。 一覧やフィードに表示されます。"


def test_importing_creates_unknown_series_authors_and_tags(tmp_path: Path) -> None:
    import_files(write_full_article(tmp_path / "in"))

    article = ArticlePage.objects.get(slug=FULL_SLUG)
    assert article.series is not None
    assert (article.series.slug, article.series.name) == ("dx-manufacturing", "dx-manufacturing")
    assert article.series_position == 3
    links = list(article.article_authors.order_by("sort_order").select_related("author"))
    assert [link.author.name for link in links] == ["ito-daisuke", "佐藤 花子"]
    assert links[0].author.slug == "ito-daisuke"
    assert links[1].author.slug.startswith("author-")  # a name without ASCII letters gets a made-up slug
    tags = [item.tag for item in article.tagged_items.order_by("pk")]
    assert [(t.name, t.slug) for t in tags] == [("生成AI", "生成ai"), ("製造業", "製造業"), ("DX", "dx")]


def test_importing_stores_hero_and_body_images_with_caption_and_credit(tmp_path: Path) -> None:
    import_files(write_full_article(tmp_path / "in"))

    article = ArticlePage.objects.get(slug=FULL_SLUG)
    hero = article.hero_image
    assert hero is not None
    assert (hero.title, hero.caption, hero.credit) == (
        "adoption-chart",
        "製造業における生成AIの導入率の推移",
        "Kiji編集部作成",
    )
    assert (hero.width, hero.height) == (120, 80)
    with hero.file.open("rb") as stored:
        assert stored.read() == (tmp_path / "in" / "adoption-chart.png").read_bytes()
    image_blocks = [block.value for block in article.body if block.block_type == "image"]
    assert len(image_blocks) == 1
    photo = image_blocks[0]["image"]
    assert (photo.title, photo.caption, photo.credit) == (
        "line-photo",
        "検査工程に導入された画像認識システム",
        "Kiji編集部",
    )
    assert (photo.width, photo.height) == (90, 60)
    assert (image_blocks[0]["caption"], image_blocks[0]["credit"]) == ("", "")
    assert KijiImage.objects.count() == 2
    assert len(media_files()) == 2


def test_importing_turns_the_body_into_stream_blocks_and_rich_text(tmp_path: Path) -> None:
    import_files(write_full_article(tmp_path / "in"))

    article = ArticlePage.objects.get(slug=FULL_SLUG)
    blocks = [(block.block_type, block.value) for block in article.body]
    assert [kind for kind, _ in blocks] == [
        "paragraph", "image", "heading", "subheading", "paragraph", "pull_quote", "page_break", "heading", "paragraph",
    ]  # fmt: skip
    assert blocks[0][1].source == (
        "<p>本文の最初の段落。<b>太字</b>と<i>斜体</i>と"
        '<a href="https://example.com/report?year=2026&amp;page=2">リンク</a>が使えます。'
        "改行した行は空白なしでつながります。</p>"
    )
    assert blocks[2][1] == "見出し"
    assert blocks[3][1] == "小見出し"
    assert blocks[4][1].source == "<p>Latin lines are joined with a space.</p>"
    quote = blocks[5][1]
    assert quote["quote"] == "小さく始めて、現場が納得してから広げる。それが結局いちばんの近道でした。"
    assert quote["attribution"] == "岡部 智之(蒼海化学 法務部長)"
    assert blocks[8][1].source == "<p>2 ページ目の本文。</p>"


def test_nextpage_comments_split_the_article_into_pages(tmp_path: Path) -> None:
    import_files(write_full_article(tmp_path / "in"))

    article = ArticlePage.objects.get(slug=FULL_SLUG)
    assert article.page_count == 2
    first, second = article.body_pages
    assert [b.block_type for b in first.blocks] == [
        "paragraph",
        "image",
        "heading",
        "subheading",
        "paragraph",
        "pull_quote",
    ]
    assert [b.block_type for b in second.blocks] == ["heading", "paragraph"]
    assert second.heading == "2 ページ目の見出し"


def test_a_folder_imports_every_markdown_file_in_it_but_not_drafts(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_full_article(folder)
    write_minimal_article(folder / "more", "second.md", slug="second-article")
    write_minimal_article(folder, "_draft.md", slug="draft-article")
    write_minimal_article(folder, ".hidden.md", slug="hidden-article")
    (folder / "notes.txt").write_text("not an article", encoding="utf-8")
    single = write_minimal_article(tmp_path / "elsewhere", "single.md", slug="single-article")

    out = import_files(folder, single)

    assert "Imported 3 new and 0 updated article(s)." in out
    assert sorted(ArticlePage.objects.values_list("slug", flat=True)) == [
        FULL_SLUG,
        "second-article",
        "single-article",
    ]
    assert all(page.live for page in ArticlePage.objects.all())


def test_every_demo_article_is_valid(tmp_path: Path) -> None:
    paths = copy_demo_articles(tmp_path / "demo")

    specs = importing.validate([tmp_path / "demo"])

    assert len(paths) >= 40
    assert sorted(spec.slug for spec in specs) == sorted(path.stem for path in paths)


def test_demo_articles_of_one_series_import_in_order(tmp_path: Path) -> None:
    copy_demo_articles(tmp_path / "demo", "ai-frontline-*.md")

    import_files(tmp_path / "demo")

    series = Series.objects.get(slug="ai-frontline")
    assert sorted(series.articles.values_list("series_position", flat=True)) == [1, 2, 3, 4, 5]
    governance = ArticlePage.objects.get(slug="ai-frontline-governance")
    assert [link.author.slug for link in governance.article_authors.order_by("sort_order")] == [
        "watanabe-shun",
        "nakamura-yui",
    ]
    assert [item.tag.name for item in governance.tagged_items.order_by("pk")] == [
        "生成AI",
        "規制",
        "個人情報保護",
        "DX",
    ]
    assert governance.hero_image is not None and governance.hero_image.title == "rulebook"


def test_known_series_authors_and_tags_are_reused_by_slug_or_name(
    tmp_path: Path,
    author_factory: Callable[..., Author],
    series_factory: Callable[..., Series],
    tag_factory: Callable[..., Tag],
) -> None:
    ito = author_factory(slug="ito-daisuke", name="伊藤 大輔")
    sato = author_factory(slug="sato-hanako", name="佐藤 花子")
    series = series_factory(slug="dx-manufacturing", name="製造業DXの現場")
    manufacturing = tag_factory("製造業")
    by_name = FULL_ARTICLE.replace("series: dx-manufacturing", "series: 製造業DXの現場").replace(
        f"slug: {FULL_SLUG}", "slug: by-name"
    )
    folder = tmp_path / "in"
    write_full_article(folder)
    write_full_article(folder, by_name, name="by-name.md")
    before = row_counts()

    import_files(folder)

    after = row_counts()
    assert after["Author"] == before["Author"]
    assert after["Series"] == before["Series"]
    assert after["Tag"] == before["Tag"] + 2  # 生成AI and DX are new; 製造業 is not
    for slug in (FULL_SLUG, "by-name"):
        article = ArticlePage.objects.get(slug=slug)
        assert article.series == series
        assert [link.author for link in article.article_authors.order_by("sort_order")] == [ito, sato]
        assert manufacturing in article.tags.all()
    assert Tag.objects.filter(name="生成AI").count() == 1


def test_mapping_references_create_series_and_authors_with_their_details(tmp_path: Path) -> None:
    text = FULL_ARTICLE.replace(
        "series: dx-manufacturing",
        "series: {slug: ai-frontline, name: AI最前線, description: 生成AIの現場を追う連載}",
    ).replace(
        "authors: [ito-daisuke, 佐藤 花子]",
        "authors:\n  - {slug: nakamura-yui, name: 中村 結衣, title: 編集委員, bio: 製造業を取材。}\n  - ito-daisuke",
    )
    import_files(write_full_article(tmp_path / "in", text))

    article = ArticlePage.objects.get(slug=FULL_SLUG)
    assert article.series is not None
    assert (article.series.slug, article.series.name, article.series.description) == (
        "ai-frontline",
        "AI最前線",
        "生成AIの現場を追う連載",
    )
    nakamura = Author.objects.get(slug="nakamura-yui")
    assert (nakamura.name, nakamura.title, nakamura.bio) == ("中村 結衣", "編集委員", "製造業を取材。")
    assert [link.author.slug for link in article.article_authors.order_by("sort_order")] == [
        "nakamura-yui",
        "ito-daisuke",
    ]


def test_japanese_series_names_with_the_same_ascii_part_become_two_series(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    first = MINIMAL_ARTICLE.format(slug="first").replace(
        "hero: chart", "series: DX最前線\nseries_position: 1\nhero: chart"
    )
    second = MINIMAL_ARTICLE.format(slug="second").replace(
        "hero: chart", "series: {name: DX入門}\nseries_position: 1\nhero: chart"
    )
    write_minimal_article(folder, "first.md", text=first)
    write_minimal_article(folder, "second.md", text=second)

    import_files(folder)

    assert sorted(Series.objects.values_list("name", flat=True)) == ["DX入門", "DX最前線"]
    assert sorted(ArticlePage.objects.values_list("slug", "series__name")) == [
        ("first", "DX最前線"),
        ("second", "DX入門"),
    ]


def test_tags_keep_the_order_of_the_file_even_when_they_already_exist(
    tmp_path: Path, tag_factory: Callable[..., Tag]
) -> None:
    tag_factory("製造業")
    tag_factory("DX")
    import_files(write_full_article(tmp_path / "in"))

    article = ArticlePage.objects.get(slug=FULL_SLUG)
    assert [item.tag.name for item in article.tagged_items.order_by("pk")] == ["生成AI", "製造業", "DX"]


def test_importing_the_same_files_twice_changes_no_row_counts(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_full_article(folder)
    write_minimal_article(folder, "minimal.md")
    import_files(folder)
    counts = row_counts()
    files = media_files()

    out = import_files(folder)

    assert "Imported 0 new and 2 updated article(s)." in out
    assert row_counts() == counts
    assert media_files() == files


def test_reimporting_a_slug_updates_the_article(tmp_path: Path) -> None:
    path = write_full_article(tmp_path / "in")
    import_files(path)
    article = ArticlePage.objects.get(slug=FULL_SLUG)
    revisions = article.revisions.count()
    path.write_text(
        FULL_ARTICLE.replace("title: 国内製造業の", "title: 【更新】国内製造業の")
        .replace("members_only: true", "members_only: false")
        .replace("tags: [生成AI, 製造業, DX]", "tags: [DX]"),
        encoding="utf-8",
    )

    out = import_files(path)

    assert "Imported 0 new and 1 updated article(s)." in out
    assert ArticlePage.objects.count() == 1
    article = ArticlePage.objects.get(slug=FULL_SLUG)
    assert article.pk == ArticlePage.objects.get().pk
    assert article.title.startswith("【更新】国内製造業の")
    assert article.members_only is False
    assert [t.name for t in article.tags.all()] == ["DX"]
    assert article.live and not article.has_unpublished_changes
    assert article.revisions.count() == revisions + 1
    latest = article.latest_revision
    assert latest is not None
    assert latest.as_object().title.startswith("【更新】")
    assert article.url == f"/articles/{FULL_SLUG}/"


# -- All or nothing ---------------------------------------------------------------------------------


def _insert_after(line: str, new: str) -> Callable[[str], str]:
    return lambda text: text.replace(f"{line}\n", f"{line}\n{new}\n", 1)


def _replace(old: str, new: str) -> Callable[[str], str]:
    def change(text: str) -> str:
        assert old in text
        return text.replace(old, new, 1)

    return change


BAD_INPUTS: list[Any] = [
    pytest.param(
        _replace("title: 良い記事", "title: 良い記事: 続き"),
        2,
        "invalid YAML: mapping values are not allowed here",
        id="yaml-syntax-error",
    ),
    pytest.param(
        _replace("---\ntitle", "title"),
        1,
        "must start with a YAML front matter block opened by ---",
        id="no-front-matter",
    ),
    pytest.param(
        _replace("---\n本文", "本文"),
        1,
        "the front matter is not closed by a --- line",
        id="unclosed-front-matter",
    ),
    pytest.param(_replace("title: 良い記事\n", ""), 12, "title is required", id="missing-title"),
    pytest.param(_replace("title: 良い記事", "title: ''"), 2, "title is required", id="empty-title"),
    pytest.param(
        _replace("slug: bad-article", "slug: Bad_Article"),
        3,
        "slug must be lower-case ASCII letters, digits and hyphens (e.g. my-article-1)",
        id="bad-slug",
    ),
    pytest.param(
        _replace("published: 2026-10-14T08:00:00+09:00", "published: 2026-10-14T08:00:00"),
        4,
        "published needs an offset, e.g. +09:00",
        id="published-without-offset",
    ),
    pytest.param(
        _replace("published: 2026-10-14T08:00:00+09:00", "published: 2026-10-14"),
        4,
        "published needs a time and an offset, e.g. 2026-10-14T08:00:00+09:00",
        id="published-date-only",
    ),
    pytest.param(
        _insert_after("published: 2026-10-14T08:00:00+09:00", "updated: 2026-10-13T08:00:00+09:00"),
        5,
        "updated is before published",
        id="updated-before-published",
    ),
    pytest.param(
        _insert_after("published: 2026-10-14T08:00:00+09:00", 'members_only: "yes"'),
        5,
        "members_only must be true or false",
        id="members-only-not-boolean",
    ),
    pytest.param(
        _insert_after("published: 2026-10-14T08:00:00+09:00", "featured: 1"),
        5,
        "featured must be true or false",
        id="featured-not-boolean",
    ),
    pytest.param(
        _insert_after("published: 2026-10-14T08:00:00+09:00", "series: dx-manufacturing"),
        5,
        "series_position is required with series",
        id="series-without-position",
    ),
    pytest.param(
        _insert_after("published: 2026-10-14T08:00:00+09:00", "series: dx-manufacturing\nseries_position: 0"),
        6,
        "series_position must be a whole number from 1",
        id="series-position-zero",
    ),
    pytest.param(
        _replace("authors: [ito-daisuke]\n", ""),
        12,
        "authors must be a list with at least one author",
        id="no-authors",
    ),
    pytest.param(
        _insert_after("published: 2026-10-14T08:00:00+09:00", "subtitle: 副題"),
        5,
        "unknown key 'subtitle'",
        id="unknown-key",
    ),
    pytest.param(
        _replace("hero: chart", "hero: photo"),
        7,
        "hero 'photo' is not one of images",
        id="hero-not-in-images",
    ),
    pytest.param(
        _replace("    caption: グラフ\n", ""), 9, "image 'chart' needs caption", id="image-without-caption"
    ),
    pytest.param(
        _replace("    credit: Kiji編集部\n", ""), 9, "image 'chart' needs credit", id="image-without-credit"
    ),
    pytest.param(
        _replace("file: chart.png", "file: missing.png"),
        9,
        "image 'chart': file missing.png not found",
        id="image-file-missing",
    ),
    pytest.param(
        _replace("file: chart.png", "file: notes.png"),
        9,
        "image 'chart': notes.png is not a readable image",
        id="image-file-not-an-image",
    ),
    pytest.param(
        _replace("![](chart)", "![](photo)"),
        16,
        "image 'photo' is not defined in images",
        id="body-image-not-defined",
    ),
    pytest.param(
        _replace("![](chart)", "![グラフ](chart)"),
        16,
        "an image line must look like ![](image-id)",
        id="image-with-alt",
    ),
    pytest.param(
        _replace("## 見出し", "# 見出し"),
        18,
        "use ## for a heading or ### for a sub-heading",
        id="h1-heading",
    ),
    pytest.param(
        _replace("## 見出し", "#### 見出し"),
        18,
        "use ## for a heading or ### for a sub-heading",
        id="h4-heading",
    ),
    pytest.param(
        _replace("最後の段落。", "<div>最後の段落。</div>"),
        20,
        "raw HTML is not allowed in the body (only <!--nextpage-->)",
        id="raw-html",
    ),
    pytest.param(
        lambda text: text.split("---\n本文")[0] + "---\n",
        14,
        "the body is empty",
        id="empty-body",
    ),
    pytest.param(
        _replace("最後の段落。", "最後の[段落](javascript:alert(1))。"),
        20,
        "link target 'javascript:alert(1)' must start with http://, https://, mailto: or /",
        id="javascript-link",
    ),
    pytest.param(
        _replace("最後の段落。", "最後の[段落](example.com)。"),
        20,
        "link target 'example.com' must start with http://, https://, mailto: or /",
        id="link-without-scheme",
    ),
    pytest.param(
        _replace("---\n本文", "---\n\n<!--nextpage-->\n\n本文"),
        15,
        "the body cannot start with <!--nextpage-->",
        id="body-starts-with-nextpage",
    ),
    pytest.param(
        _replace("最後の段落。\n", "最後の段落。\n\n<!--nextpage-->\n"),
        22,
        "the body cannot end with <!--nextpage-->",
        id="body-ends-with-nextpage",
    ),
    pytest.param(
        _replace("最後の段落。", "> —— 発言者だけ"),
        20,
        "a pull quote needs text after >",
        id="quote-without-text",
    ),
]


@pytest.mark.parametrize(("change", "line", "message"), BAD_INPUTS)
def test_one_bad_file_stops_the_whole_import_and_names_the_line(
    tmp_path: Path, change: Callable[[str], str], line: int, message: str
) -> None:
    folder = tmp_path / "in"
    write_png(folder / "good-photo.png")
    (folder / "a-good.md").write_text(GOOD_ARTICLE, encoding="utf-8")
    write_minimal_article(folder, "b-bad.md", text=change(MINIMAL_ARTICLE.format(slug="bad-article")))
    (folder / "notes.png").write_text("this is not a PNG", encoding="utf-8")
    before = row_counts()

    error, stderr = failed_import(folder)

    assert stderr == [f"{folder / 'b-bad.md'}:{line}: {message}"]
    assert error == "1 problem(s) found; nothing was imported."
    assert row_counts() == before
    assert media_files() == []


def test_a_slug_used_by_two_files_is_reported_on_the_second_files_slug_line(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    write_minimal_article(folder, "a-first.md", slug="same-slug")
    write_minimal_article(folder, "b-second.md", slug="same-slug")

    error, stderr = failed_import(folder)

    assert stderr == [f"{folder / 'b-second.md'}:3: slug 'same-slug' is also used by {folder / 'a-first.md'}"]
    assert error == "1 problem(s) found; nothing was imported."
    assert row_counts()["ArticlePage"] == 0
    assert media_files() == []


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    bad = (
        MINIMAL_ARTICLE.format(slug="Bad Slug")
        .replace("hero: chart", "hero: photo")
        .replace("## 見出し", "# 見出し")
    )
    write_minimal_article(folder, "a.md", text=bad)
    write_minimal_article(
        folder, "b.md", text=MINIMAL_ARTICLE.format(slug="ok").replace("file: chart.png", "file: x.png")
    )

    error, stderr = failed_import(folder)

    assert stderr == [
        f"{folder / 'a.md'}:3: slug must be lower-case ASCII letters, digits and hyphens (e.g. my-article-1)",
        f"{folder / 'a.md'}:7: hero 'photo' is not one of images",
        f"{folder / 'a.md'}:18: use ## for a heading or ### for a sub-heading",
        f"{folder / 'b.md'}:9: image 'chart': file x.png not found",
    ]
    assert error == "4 problem(s) found; nothing was imported."


def test_a_missing_path_or_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    _, stderr = failed_import(tmp_path / "missing.md")
    assert stderr == [f"{tmp_path / 'missing.md'}:0: file not found"]
    _, stderr = failed_import(tmp_path / "empty")
    assert stderr == [f"{tmp_path / 'empty'}:0: no Markdown files found"]


def test_a_crash_halfway_through_rolls_back_rows_and_removes_stored_image_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    write_full_article(folder, name="a-full.md")
    write_minimal_article(folder, "b-minimal.md")
    before = row_counts()
    resolve_author = importing._resolve_author
    calls: list[object] = []

    def crash_on_the_second_article(ref: Any) -> Author:
        calls.append(ref)
        if ArticlePage.objects.exists():
            raise RuntimeError("the database went away")
        return resolve_author(ref)

    monkeypatch.setattr(importing, "_resolve_author", crash_on_the_second_article)

    with pytest.raises(RuntimeError, match="the database went away"):
        call_command("import_articles", str(folder), stdout=io.StringIO(), stderr=io.StringIO())

    assert len(calls) == 3  # two authors of the first article, then the crash
    assert row_counts() == before
    assert media_files() == []
