"""The demo site is what a newcomer judges Kiji by: enough real-looking, original content."""

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from kiji.demo import loader

CONTENT = loader.DEMO_DIR / "content"
REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "reference-article-page.txt"


def _front_matter(path):
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def test_demo_content_meets_the_size_the_site_needs():
    files = sorted(CONTENT.glob("*.md"))
    metas = [_front_matter(f) for f in files]
    texts = [f.read_text(encoding="utf-8") for f in files]
    catalog = yaml.safe_load((loader.DEMO_DIR / "catalog.yaml").read_text(encoding="utf-8"))

    assert len(files) >= 40
    assert len({m["series"] for m in metas if m.get("series")}) >= 4
    assert len({a for m in metas for a in m["authors"]}) >= 6
    assert len({t for m in metas for t in m.get("tags", [])}) >= 25
    assert sum(1 for m in metas if m.get("members_only")) >= 10
    assert sum(1 for t in texts if "<!--nextpage-->" in t) >= 5
    assert {m["series"] for m in metas if m.get("series")} <= {s["slug"] for s in catalog["series"]}
    assert {a for m in metas for a in m["authors"]} <= {a["slug"] for a in catalog["authors"]}


def test_every_demo_image_has_a_drawing_spec():
    specs = {}
    for path in (loader.DEMO_DIR / "images").glob("*.yaml"):
        specs.update(yaml.safe_load(path.read_text(encoding="utf-8")))
    used = {
        image["file"]
        for f in CONTENT.glob("*.md")
        for image in (_front_matter(f).get("images") or {}).values()
    }

    assert used <= set(specs)


@pytest.mark.skipif(not REFERENCE.exists(), reason="the reference page lives in ../shared")
def test_demo_content_does_not_copy_the_reference_article():
    reference = REFERENCE.read_text(encoding="utf-8")
    lines = [line.strip() for line in reference.splitlines() if len(line.strip()) >= 40]
    probes = {line[i : i + 24] for line in lines for i in range(0, len(line) - 24, 24)}
    ours = "\n".join(
        p.read_text(encoding="utf-8") for p in loader.DEMO_DIR.rglob("*") if p.suffix in {".md", ".yaml"}
    )

    assert [p for p in probes if p in ours] == []


@pytest.mark.django_db
def test_load_demo_builds_a_browsable_site(tmp_path, monkeypatch, client):
    """The loader, on a two-article slice of the demo, end to end."""
    demo = tmp_path / "demo"
    (demo / "content").mkdir(parents=True)
    (demo / "images").mkdir()
    shutil.copy(loader.DEMO_DIR / "catalog.yaml", demo / "catalog.yaml")
    chosen = ["chip-advanced-packaging.md", "ai-frontline-call-center.md"]
    specs = {}
    for path in (loader.DEMO_DIR / "images").glob("*.yaml"):
        specs.update(yaml.safe_load(path.read_text(encoding="utf-8")))
    wanted = {}
    for name in chosen:
        shutil.copy(CONTENT / name, demo / "content" / name)
        for image in _front_matter(CONTENT / name)["images"].values():
            wanted[image["file"]] = specs[image["file"]]
    (demo / "images" / "slice.yaml").write_text(yaml.safe_dump(wanted), encoding="utf-8")
    monkeypatch.setattr(loader, "DEMO_DIR", demo)

    assert loader.load_demo() == 2
    login = loader.ensure_editor()

    from django.contrib.auth import get_user_model

    from kiji.articles.models import ArticlePage, Author, Series, SponsoredItem
    from kiji.images.models import KijiRendition

    assert ArticlePage.objects.live().count() == 2
    assert Series.objects.count() == 5 and Author.objects.filter(photo__isnull=False).count() == 7
    assert SponsoredItem.objects.running().count() == 3
    assert KijiRendition.objects.exists()
    editor = get_user_model().objects.get(email=login.email)
    assert editor.is_staff and editor.check_password(login.password)
    assert loader.has_content()

    # The members-only, multi-page demo article shows every item of the reference page.
    html = client.get("/articles/chip-advanced-packaging/").content.decode()
    for item in ("会員限定", " 掲載", '<p class="article__series">連載:<a href="/series/semiconductor-map/">', "執筆:",
                 "半導体アナリスト", "【次ページ】", "1 / 2 ページ", "関連タグ",
                 "関連コンテンツ", "人気のタグ", ">PR<", "この続きは会員限定です", "1ページで読む"):  # fmt: skip
        assert item in html, item
    assert re.search(
        r'<figcaption><span class="figure__caption">[^<]+</span><span class="figure__credit">\([^<]+\)', html
    )
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert script is not None
    data = json.loads(script.group(1))
    assert data["@type"] == "NewsArticle" and data["isAccessibleForFree"] is False
    assert data["hasPart"]["cssSelector"] == ".article-paywalled"
    assert {"headline", "datePublished", "dateModified", "author", "image", "isPartOf"} <= set(data)


@pytest.mark.django_db
def test_demo_members_cover_every_level_of_the_ladder(editor):
    from django.contrib.auth import get_user_model

    from kiji.core import access

    pairs = loader.ensure_demo_members(editor)
    again = loader.ensure_demo_members(editor)  # idempotent

    users = get_user_model().objects
    assert pairs == again
    assert [access.level_of(users.get(email=email)).value for email, _ in pairs] == [
        "registered",
        "complete",
        "premium",
    ]
