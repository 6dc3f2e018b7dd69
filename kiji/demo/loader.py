"""The demo site: series, authors, 40 original articles with drawn images, PR slots and an editor."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from kiji.articles import selectors
from kiji.articles.importing import import_articles
from kiji.articles.models import ArticlePage, Author, Series, SponsoredItem
from kiji.articles.services import ensure_site_tree
from kiji.demo.drawing import draw, draw_avatar
from kiji.images.models import KijiImage
from kiji.images.services import create_image
from kiji.members.services import create_profile

DEMO_DIR = Path(__file__).resolve().parent
EDITOR_USERNAME = "editor"
EDITOR_EMAIL = "editor@kiji.localhost"

SPONSORED = [
    (
        "中堅製造業のための生産管理クラウド導入ガイド",
        "株式会社ミナトシステムズ",
        "工場のデータ活用を始める5つのステップ",
    ),
    ("経理の締め作業を3日短縮した請求書AIの事例集", "フロントオフィス株式会社", "導入企業12社の効果を公開"),
    ("セキュリティ担当者向けウェビナー:ランサムウェア初動対応", "シールドワークス", "12月開催・参加無料"),
]


@dataclass
class DemoLogin:
    email: str
    password: str


def _catalog() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEMO_DIR / "catalog.yaml").read_text(encoding="utf-8"))
    return data


def _image_specs() -> dict[str, dict[str, Any]]:
    specs: dict[str, dict[str, Any]] = {}
    for path in sorted((DEMO_DIR / "images").glob("*.yaml")):
        specs.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return specs


def build_content(build_dir: Path) -> Path:
    """Copy the Markdown files beside freshly drawn images, ready for import_articles."""
    if build_dir.exists():
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)
    specs = _image_specs()
    for source in sorted((DEMO_DIR / "content").glob("*.md")):
        shutil.copy(source, build_dir / source.name)
    for file_name, spec in specs.items():
        draw(spec, build_dir / file_name)
    return build_dir


def _ensure_catalog() -> None:
    catalog = _catalog()
    for row in catalog["series"]:
        Series.objects.update_or_create(
            slug=row["slug"], defaults={"name": row["name"], "description": row["description"]}
        )
    avatar_dir = Path(settings.VAR_DIR) / "demo-build" / "avatars"
    avatar_dir.mkdir(parents=True, exist_ok=True)
    for row in catalog["authors"]:
        author, _ = Author.objects.update_or_create(
            slug=row["slug"], defaults={"name": row["name"], "title": row["title"], "bio": row["bio"]}
        )
        if author.photo_id is None:
            path = avatar_dir / f"{row['slug']}.png"
            draw_avatar(row["slug"], path)
            author.photo, _ = create_image(
                path.read_bytes(),
                filename=path.name,
                title=row["name"],
                caption=row["name"],
                credit="イラスト:Kiji編集部",
            )
            author.save(update_fields=["photo"])


def _ensure_sponsored() -> None:
    for order, (title, sponsor, description) in enumerate(SPONSORED):
        SponsoredItem.objects.get_or_create(
            title=title,
            defaults={
                "sponsor": sponsor,
                "description": description,
                "url": f"https://example.com/pr/{order + 1}",
                "sort_order": order,
            },
        )


def ensure_editor() -> DemoLogin:
    """A demo editor (Wagtail editors group + superuser for the demo), password kept in var/."""
    password = _demo_password()
    user_model = get_user_model()
    user = user_model.objects.filter(username=EDITOR_USERNAME).first()
    if user is None:
        user = user_model.objects.create_superuser(EDITOR_USERNAME, EDITOR_EMAIL, password)
        editors = Group.objects.filter(name="Editors").first()
        if editors is not None:
            user.groups.add(editors)
        EmailAddress.objects.create(user=user, email=EDITOR_EMAIL, verified=True, primary=True)
        create_profile(user, display_name="Kiji編集部")
    return DemoLogin(EDITOR_EMAIL, password)


# Demo members, one per step of the access ladder; they share the demo password.
DEMO_MEMBERS = (
    ("reader@kiji.localhost", "デモ読者", "registered"),
    ("member@kiji.localhost", "デモ会員", "complete"),
    ("premium@kiji.localhost", "デモプレミアム会員", "premium"),
)
COMPLETE_DETAILS = {"industry": "manufacturing", "job_function": "planning", "company_size": "300-999",
                    "prefecture": "愛知県"}  # fmt: skip


def ensure_demo_members(editor: Any) -> list[tuple[str, str]]:
    """Members at each level for trying the site; returns (e-mail, level) pairs."""
    from kiji.members.models import Profile
    from kiji.premium.selectors import active_subscription
    from kiji.premium.services import ensure_plans, grant_premium

    password = _demo_password()
    user_model = get_user_model()
    plans = {plan.code: plan for plan in ensure_plans()}
    for email, name, level in DEMO_MEMBERS:
        user = user_model.objects.filter(email=email).first()
        if user is None:
            user = user_model.objects.create_user(email.split("@")[0], email, password)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            details = COMPLETE_DETAILS if level != "registered" else {}
            Profile.objects.create(
                user=user, display_name=name, disclosure_consent_at=timezone.now(), **details
            )
        if level == "premium" and active_subscription(user) is None:
            grant_premium(user, plan=plans["yearly"], months=12, by=editor)
    return [(email, level) for email, _name, level in DEMO_MEMBERS]


# A few original comments so the community layer is not empty on first run: (article slug, member
# e-mail, text, index of the comment it answers or None).
DEMO_COMMENTS = (
    (
        "biz-cashless-small-shops",
        "member@kiji.localhost",
        "地方の商店街でも決済端末の導入は進んでいますが、手数料の負担感はまだ大きいと聞きます。",
        None,
    ),
    (
        "biz-cashless-small-shops",
        "premium@kiji.localhost",
        "入金サイクルが短いサービスを選ぶと、資金繰りの面では助かるという声もありますね。",
        0,
    ),
    (
        "biz-logistics-driver-shortage",
        "premium@kiji.localhost",
        "共同配送の取り組みは荷主側の協力が鍵だと思います。発注の平準化から始めたいところです。",
        None,
    ),
)


def ensure_demo_comments() -> int:
    """Write the demo comments once (straight to the tables: demo data skips pacing and review)."""
    from kiji.comments import text
    from kiji.comments.models import Comment
    from kiji.comments.services import _bump_article

    if Comment.objects.exists():
        return 0
    made: list[Comment] = []
    users = {u.email: u for u in get_user_model().objects.filter(email__endswith="@kiji.localhost")}
    for slug, email, body, reply_to in DEMO_COMMENTS:
        article = ArticlePage.objects.filter(slug=slug).first()
        if article is None or email not in users:
            continue
        parent = made[reply_to] if reply_to is not None and reply_to < len(made) else None
        with transaction.atomic():
            made.append(
                Comment.objects.create(
                    article=article,
                    author=users[email],
                    parent=parent,
                    body=body,
                    body_html=text.render(body),
                )
            )
            if parent is not None:
                Comment.objects.filter(pk=parent.pk).update(reply_count=parent.reply_count + 1)
            _bump_article(article.pk, 1)
    return len(made)


def _demo_password() -> str:
    password_file = Path(settings.VAR_DIR) / "demo-editor-password"
    if not password_file.exists():
        password_file.write_text(secrets.token_urlsafe(12))
        password_file.chmod(0o600)
    return password_file.read_text().strip()


def warm_renditions() -> int:
    """Create every rendition the pages use, so the first visitors do not wait for Pillow."""
    count = 0
    for image in KijiImage.objects.all():
        image.get_renditions(*selectors.IMAGE_SPECS)
        count += 1
    return count


def load_demo() -> int:
    build_dir = build_content(Path(settings.VAR_DIR) / "demo-build" / "content")
    with transaction.atomic():
        ensure_site_tree()
        _ensure_catalog()
        _ensure_sponsored()
        result = import_articles([build_dir])
    warm_renditions()
    return len(result.created) + len(result.updated)


def has_content() -> bool:
    return bool(ArticlePage.objects.exists())
