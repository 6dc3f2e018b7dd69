"""Writes to the content tree."""

from __future__ import annotations

from django.db import transaction
from wagtail.models import Page, Site

from kiji.articles.models import ArticleIndexPage, HomePage


@transaction.atomic
def ensure_site_tree() -> ArticleIndexPage:
    """Home at /, the article index at /articles/; replaces Wagtail's placeholder welcome page."""
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        assert root is not None  # noqa: S101  (wagtailcore's migration creates it)
        placeholder = root.get_children().filter(slug="home").exclude(content_type__model="homepage").first()
        if placeholder is not None:
            placeholder.slug = "welcome-placeholder"
            placeholder.save(update_fields=["slug"])
        home = root.add_child(instance=HomePage(title="Kiji", slug="home", intro=""))
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"hostname": "localhost", "port": 80, "root_page": home, "site_name": "Kiji"},
        )
        if placeholder is not None:
            placeholder.delete()
    index: ArticleIndexPage | None = ArticleIndexPage.objects.first()
    if index is None:
        index = home.add_child(instance=ArticleIndexPage(title="記事", slug="articles"))
    return index
