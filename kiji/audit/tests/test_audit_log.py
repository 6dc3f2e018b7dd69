"""The audit log in the Wagtail admin (read only), and what is written to it when pages go live or off."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from kiji.audit.models import AuditEntry
from kiji.audit.services import record

pytestmark = pytest.mark.django_db

LOG = reverse("audit_log:index")


def _at(entry, when):
    AuditEntry.objects.filter(pk=entry.pk).update(created_at=when)
    return entry


def _tokyo(year, month, day, hour=12):
    return datetime(year, month, day, hour, tzinfo=ZoneInfo("Asia/Tokyo"))


def _listed(client, **params):
    """The actions on the page, top to bottom."""
    response = client.get(LOG, params)
    assert response.status_code == 200
    return [row.action for row, _target in response.context["rows"]]


def test_audit_log_lists_entries_newest_first(editor_client, editor):
    AuditEntry.objects.all().delete()  # what setting up the site tree logged
    _at(record(editor, "member.quota_reset"), _tokyo(2026, 3, 1))
    _at(record(editor, "premium.granted"), _tokyo(2026, 3, 3))
    _at(record(None, "page.published"), _tokyo(2026, 3, 2))

    assert _listed(editor_client) == ["premium.granted", "page.published", "member.quota_reset"]


def test_audit_log_filters_by_action_and_by_days_in_japan_time(editor_client, editor):
    AuditEntry.objects.all().delete()
    _at(record(editor, "member.quota_reset", step=1), _tokyo(2026, 3, 1, hour=0))  # 2026-02-28 15:00 UTC
    _at(record(editor, "member.quota_reset", step=2), _tokyo(2026, 3, 2, hour=23))
    _at(record(editor, "premium.granted"), _tokyo(2026, 3, 2))
    _at(record(editor, "member.quota_reset", step=3), _tokyo(2026, 3, 3, hour=0))

    assert _listed(editor_client, action="premium.granted") == ["premium.granted"]
    assert _listed(editor_client, since="2026-03-01", until="2026-03-02") == [
        "member.quota_reset",
        "premium.granted",
        "member.quota_reset",
    ]
    response = editor_client.get(LOG, {"action": "member.quota_reset", "since": "2026-03-02"})
    assert [row.detail["step"] for row, _ in response.context["rows"]] == [3, 2]


def test_audit_log_explains_a_date_range_that_ends_before_it_starts(editor_client, editor):
    record(editor, "member.quota_reset")

    response = editor_client.get(LOG, {"since": "2026-03-05", "until": "2026-03-01"})

    assert "開始日は終了日より前の日付にしてください" in response.content.decode()
    assert response.context["rows"] == []


def test_audit_log_is_paginated_and_its_queries_do_not_grow_with_the_entries(
    editor_client, editor, make_member, article_factory
):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert editor_client.get(LOG).status_code == 200
        return len(captured)

    record(editor, "member.quota_reset", target=make_member())
    queries()  # warm the per-process caches
    with_few = queries()
    article = article_factory()
    for i in range(60):
        record(editor, "member.quota_reset", target=make_member() if i % 2 else article)
    with_many = queries()

    assert with_many == with_few
    response = editor_client.get(LOG)
    assert len(response.context["rows"]) == 50
    assert (
        len(editor_client.get(LOG, {"p": 2}).context["rows"])
        == response.context["page_obj"].paginator.count - 50
    )


def test_audit_log_names_actions_and_links_members_and_pages(
    editor_client, editor, make_member, article_factory
):
    member = make_member(display_name="高橋三郎")
    article = article_factory(title="決算特集の記事")
    record(editor, "member.quota_reset", target=member)

    page = editor_client.get(LOG).content.decode()

    assert "今月の閲覧数のリセット" in page and "ページの公開" in page
    assert "高橋三郎" in page and reverse("member_admin:detail", args=[member.pk]) in page
    assert "決算特集の記事" in page and reverse("wagtailadmin_pages:edit", args=[article.pk]) in page


def test_audit_log_is_open_to_superusers_and_holders_of_the_view_permission_only(editor_client, make_staff):
    viewer, member_manager = Client(), Client()
    viewer.force_login(make_staff("audit.view_auditentry"))
    member_manager.force_login(make_staff("audit.manage_members"))

    assert editor_client.get(LOG).status_code == 200
    assert viewer.get(LOG).status_code == 200
    assert member_manager.get(LOG).status_code == 403


def test_audit_entries_cannot_be_changed_or_deleted_through_the_admin(editor_client, editor):
    entry = record(editor, "member.quota_reset")

    assert editor_client.post(LOG, {"action": "x"}).status_code == 405
    for name in ("edit", "delete", "add"):
        with pytest.raises(NoReverseMatch):
            reverse(f"audit_log:{name}", args=[entry.pk] if name != "add" else [])
    assert not admin.site.is_registered(AuditEntry)
    assert AuditEntry.objects.get(pk=entry.pk).action == "member.quota_reset"


def test_the_admin_menu_offers_the_audit_log_only_to_permitted_staff(rf, editor, make_staff):
    from kiji.audit.wagtail_hooks import AuditLogViewSet

    item = AuditLogViewSet().get_menu_item()
    request = rf.get("/admin/")

    request.user = editor
    assert str(item.label) == "監査ログ" and item.is_shown(request)
    request.user = make_staff("audit.manage_members")
    assert not item.is_shown(request)
    request.user = make_staff("audit.view_auditentry")
    assert item.is_shown(request)


# Pages going live or off, from the admin or from the scheduler


def test_publishing_a_page_is_audited_with_the_revisions_author_as_actor(editor, article_factory):
    article = article_factory()

    article.title = "改訂した見出し"
    article.save_revision(user=editor).publish(user=editor)

    entry = AuditEntry.objects.get(action="page.published", actor__isnull=False)
    assert entry.actor == editor
    assert (entry.target_type, entry.target_id) == ("articles.articlepage", str(article.pk))
    assert entry.detail == {"revision_id": article.latest_revision_id}


def test_unpublishing_a_page_is_audited_with_who_unpublished_it(editor, article_factory):
    article = article_factory()

    article.unpublish(user=editor)

    entry = AuditEntry.objects.get(action="page.unpublished", target_id=str(article.pk))
    assert entry.actor == editor and entry.target_type == "articles.articlepage"


def test_publishing_without_a_person_is_logged_as_the_system(article_factory):
    article = article_factory()  # the factory publishes a revision that has no author

    entry = AuditEntry.objects.get(action="page.published", target_id=str(article.pk))
    assert entry.actor is None and entry.actor_label == "system"


def test_a_first_publication_set_for_later_is_logged_as_scheduled(editor, article_factory):
    from kiji.articles.models import ArticlePage

    article = article_factory()
    article.unpublish(user=editor)
    article = ArticlePage.objects.get(pk=article.pk)
    later = timezone.now() + timedelta(days=2)
    article.go_live_at = later

    article.save_revision(user=editor).publish(user=editor)

    entry = AuditEntry.objects.get(action="page.publish_scheduled", target_id=str(article.pk))
    assert entry.actor == editor and datetime.fromisoformat(entry.detail["go_live_at"]) == later
