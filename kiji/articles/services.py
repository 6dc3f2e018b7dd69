"""Writes to the content tree."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from wagtail.coreutils import get_supported_content_language_variant
from wagtail.models import Collection, Locale, Page, Site

from kiji.articles.models import ArticleIndexPage, HomePage


@transaction.atomic
def ensure_site_tree() -> ArticleIndexPage:
    """Home at /, the article index at /articles/; replaces Wagtail's placeholder welcome page."""
    if not Locale.objects.exists():
        Locale.objects.create(language_code=get_supported_content_language_variant(settings.LANGUAGE_CODE))
    if not Collection.objects.exists():
        Collection.add_root(name="Root")
    home = HomePage.objects.first()
    if home is None:
        # Wagtail's migrations create the root page; a database flush (tests) removes it again.
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        placeholder = root.get_children().filter(slug="home").first()
        if placeholder is not None:
            placeholder.delete()  # its Site goes with it; the new one follows
            root = Page.get_first_root_node()
        home = root.add_child(instance=HomePage(title="Kiji", slug="home", intro=""))
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Kiji"},
        )
    index: ArticleIndexPage | None = ArticleIndexPage.objects.first()
    if index is None:
        index = home.add_child(instance=ArticleIndexPage(title="記事", slug="articles"))
    return index
