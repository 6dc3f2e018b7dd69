"""Factory fixtures and personas shared by every test (see docs in each fixture)."""

from __future__ import annotations

import io
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image as PILImage

from kiji.articles.models import ArticleAuthor, ArticlePage, Author, Series, SponsoredItem, Tag
from kiji.articles.services import ensure_site_tree
from kiji.images.models import KijiImage
from kiji.images.services import create_image

# Community personas (commenter, moderator, comment_factory, configure) for every test folder.
pytest_plugins = ["kiji.comments.tests.fixtures"]

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _isolated_caches(settings: Any, tmp_path: Any) -> Iterator[None]:
    from django.core.cache import caches

    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PAGE_CACHE_GENERATION_FILE = tmp_path / "page-cache-generation"
    for name in ("default", "pages", "renditions"):
        caches[name].clear()
    yield


def _png(color: tuple[int, int, int] = (40, 90, 160), size: tuple[int, int] = (800, 450)) -> bytes:
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def image_factory(db: None) -> Callable[..., KijiImage]:
    def make(
        *, caption: str = "テスト画像のキャプション", credit: str = "Kiji編集部", title: str = ""
    ) -> KijiImage:
        n = next(_seq)
        data = _png((n * 37 % 255, n * 11 % 255, 160))
        image, _ = create_image(
            data, filename=f"test-{n}.png", title=title or f"image-{n}", caption=caption, credit=credit
        )
        return image

    return make


@pytest.fixture
def series_factory(db: None) -> Callable[..., Series]:
    def make(**kwargs: Any) -> Series:
        n = next(_seq)
        kwargs.setdefault("name", f"テスト連載{n}")
        kwargs.setdefault("slug", f"series-{n}")
        kwargs.setdefault("description", "連載の説明文です。")
        return Series.objects.create(**kwargs)

    return make


@pytest.fixture
def author_factory(db: None) -> Callable[..., Author]:
    def make(**kwargs: Any) -> Author:
        n = next(_seq)
        kwargs.setdefault("name", f"山田 太郎{n}")
        kwargs.setdefault("slug", f"author-{n}")
        kwargs.setdefault("title", "経済ジャーナリスト")
        kwargs.setdefault("bio", "経済とテクノロジーを取材する記者。")
        return Author.objects.create(**kwargs)

    return make


@pytest.fixture
def tag_factory(db: None) -> Callable[..., Tag]:
    def make(name: str | None = None) -> Tag:
        tag = Tag(name=name or f"タグ{next(_seq)}")
        tag.save()
        return tag

    return make


def body_with_pages(
    pages: int, *, paragraphs: int = 3, image: KijiImage | None = None
) -> list[tuple[str, Any]]:
    blocks: list[tuple[str, Any]] = []
    for page in range(1, pages + 1):
        if page > 1:
            blocks.append(("page_break", None))
            blocks.append(("heading", f"第{page}ページの見出し"))
        for i in range(1, paragraphs + 1):
            blocks.append(("paragraph", f"<p>ページ{page}の段落{i}。本文のテキストです。</p>"))
        if image is not None and page == 1:
            blocks.append(("image", {"image": image, "caption": "", "credit": ""}))
    return blocks


@pytest.fixture
def article_factory(db: None, author_factory: Callable[..., Author]) -> Callable[..., ArticlePage]:
    """`article_factory(members_only=True, pages=3, tags=[tag], series=s, series_position=1)`;
    `access="premium"` for a premium-only article."""

    def make(
        *,
        title: str | None = None,
        slug: str | None = None,
        members_only: bool = False,
        access: str | None = None,
        featured: bool = False,
        pages: int = 1,
        authors: list[Author] | None = None,
        tags: list[Tag] | None = None,
        series: Series | None = None,
        series_position: int | None = None,
        published_at: datetime | None = None,
        updated_at: datetime | None = None,
        hero_image: KijiImage | None = None,
        body: list[tuple[str, Any]] | None = None,
        lead: str = "記事のリード文です。要点を短くまとめます。",
    ) -> ArticlePage:
        n = next(_seq)
        index = ensure_site_tree()
        article = ArticlePage(
            title=title or f"テスト記事{n}",
            slug=slug or f"article-{n}",
            lead=lead,
            access_level=access or ("members" if members_only else "free"),
            featured=featured,
            series=series,
            series_position=series_position or (1 if series else None),
            published_at=published_at or timezone.now() - timedelta(hours=n),
            updated_at=updated_at,
            hero_image=hero_image,
            body=body if body is not None else body_with_pages(pages),
        )
        for tag in tags or []:
            article.tags.add(tag)
        article.article_authors = [
            ArticleAuthor(author=a, sort_order=i) for i, a in enumerate(authors or [author_factory()])
        ]
        index.add_child(instance=article)
        article.save_revision().publish()
        return ArticlePage.objects.get(pk=article.pk)

    return make


@pytest.fixture
def sponsored_factory(db: None) -> Callable[..., SponsoredItem]:
    def make(**kwargs: Any) -> SponsoredItem:
        n = next(_seq)
        kwargs.setdefault("title", f"PR記事{n}")
        kwargs.setdefault("sponsor", "スポンサー株式会社")
        kwargs.setdefault("url", f"https://example.com/pr/{n}")
        return SponsoredItem.objects.create(**kwargs)

    return make


@pytest.fixture
def reader(django_user_model: Any) -> Any:
    """A signed-up member without staff rights."""
    return django_user_model.objects.create_user("reader", "reader@example.com", "reader-password-1")


@pytest.fixture
def editor(django_user_model: Any) -> Any:
    """Staff who edits in the Wagtail admin, with TOTP set up (staff must use a second factor)."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = django_user_model.objects.create_user(
        "editor", "editor@example.com", "editor-password-1", is_staff=True, is_superuser=True
    )
    TOTP.activate(user, generate_totp_secret())
    return user


def signed_in_page(
    browser: Any, live_server: Any, user: Any, width: int = 1280, *, timeout: int = 10_000
) -> tuple[Any, Any]:
    """A browser context signed in as `user` (its session cookie), and a page in it."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="ja-JP")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(timeout)
    return context, page


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("chromium is missing: run `make browser-deps` (Debian's chromium package)")
    return path


@pytest.fixture(scope="session")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server's ORM use is safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    yield page
    context.close()


def activate_premium(user: Any, *, plan: Any = None, days: int = 29) -> Any:
    """An active premium subscription that started yesterday (tests of every app use it)."""
    from datetime import timedelta

    from kiji.premium.models import Plan, Subscription

    if plan is None:
        plan, _ = Plan.objects.get_or_create(
            code="test-monthly", defaults={"name": "プレミアム月額", "price_yen": 1980}
        )
    return Subscription.objects.create(
        user=user,
        plan=plan,
        status=Subscription.Status.ACTIVE,
        current_period_start=timezone.now() - timedelta(days=1),
        current_period_end=timezone.now() + timedelta(days=days),
    )


COMPLETE_DETAILS = {"industry": "it", "job_function": "it", "company_size": "50-299", "prefecture": "東京都"}


@pytest.fixture
def member_factory(django_user_model: Any) -> Callable[..., Any]:
    """`member_factory(level="registered" | "complete" | "premium" | "staff")`: a member with a
    verified e-mail and a profile at that level of the access ladder."""

    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from kiji.members.models import Profile

    def make(level: str = "registered", *, display_name: str | None = None) -> Any:
        n = next(_seq)
        email = f"member{n}@example.com"
        user = django_user_model.objects.create_user(
            f"member{n}", email, "member-password-1", is_staff=level == "staff"
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        details = COMPLETE_DETAILS if level in ("complete", "premium") else {}
        Profile.objects.create(user=user, display_name=display_name or f"会員{n}", **details)
        if level == "premium":
            activate_premium(user)
        if level == "staff":
            TOTP.activate(user, generate_totp_secret())
        return user

    return make
