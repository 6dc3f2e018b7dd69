"""Editors work in the Wagtail admin: drafts, revisions, scheduling, preview and the image library."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from kiji.articles.models import ArticlePage

pytestmark = pytest.mark.django_db


def test_editor_opens_the_article_editor_and_snippet_lists(client, editor, article_factory):
    article = article_factory()
    client.force_login(editor)

    for url in (
        f"/admin/pages/{article.pk}/edit/",
        f"/admin/pages/{article.get_parent().pk}/",
        "/admin/snippets/articles/series/",
        "/admin/snippets/articles/author/",
        "/admin/snippets/articles/sponsoreditem/",
        "/admin/images/",
    ):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get("/admin/")

    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_draft_change_is_not_public_until_published(client, article_factory):
    article = article_factory(title="公開版", slug="draft-check")
    article.title = "下書き版"
    article.save_revision()

    html = client.get("/articles/draft-check/").content.decode()

    assert "公開版" in html and "下書き版" not in html
    assert article.revisions.count() == 2


def test_scheduled_article_goes_live_when_its_time_comes(client, article_factory):
    article = article_factory(slug="scheduled")
    article.unpublish()
    revision = article.save_revision(approved_go_live_at=timezone.now() - timedelta(minutes=1))
    assert client.get("/articles/scheduled/").status_code == 404

    call_command("publish_scheduled")

    assert ArticlePage.objects.get(pk=article.pk).live
    assert revision.pk == ArticlePage.objects.get(pk=article.pk).live_revision_id
    assert client.get("/articles/scheduled/").status_code == 200


def test_series_part_without_a_position_is_rejected(article_factory, series_factory):
    from django.core.exceptions import ValidationError

    article = article_factory()
    article.series = series_factory()
    article.series_position = None

    with pytest.raises(ValidationError, match="連載の回"):
        article.full_clean()


def test_updated_before_published_is_rejected(article_factory):
    from django.core.exceptions import ValidationError

    article = article_factory()
    article.updated_at = article.published_at - timedelta(days=1)

    with pytest.raises(ValidationError, match="更新日時"):
        article.full_clean()
