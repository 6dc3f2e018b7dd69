"""Reading events: one per member, article and day; cheap; never in the way of the page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from kiji.discovery import services
from kiji.discovery.models import ReadEvent
from kiji.discovery.privacy import export_member_data
from kiji.privacy.selectors import member_export

pytestmark = pytest.mark.django_db
TOKYO = ZoneInfo("Asia/Tokyo")


def test_record_view_is_idempotent_per_day_and_costs_one_query(member_factory, article_factory):
    member, article = member_factory("complete"), article_factory()

    with CaptureQueriesContext(connection) as first:
        services.record_view(member, article.pk)
    with CaptureQueriesContext(connection) as again:
        services.record_view(member, article.pk)
    cache.clear()  # another process, without the marker: the INSERT ignores the duplicate
    services.record_view(member, article.pk)

    assert len(first) == 1 and "INSERT" in first[0]["sql"]
    assert len(again) == 0
    assert ReadEvent.objects.filter(user=member, article=article).count() == 1


def test_the_day_is_the_tokyo_day(member_factory, article_factory):
    member, article = member_factory("complete"), article_factory()
    late_utc = datetime(2026, 11, 2, 16, 30, tzinfo=ZoneInfo("UTC"))  # 01:30 on 3 Nov in Tokyo

    services.record_view(member, article.pk, now=late_utc)
    services.record_view(member, article.pk, now=datetime(2026, 11, 3, 23, 0, tzinfo=TOKYO))
    services.record_view(member, article.pk, now=datetime(2026, 11, 4, 0, 5, tzinfo=TOKYO))

    days = sorted(ReadEvent.objects.values_list("day", flat=True))
    assert [f"{d:%m-%d}" for d in days] == ["11-03", "11-04"]


def test_anonymous_visitors_are_not_recorded(article_factory, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    article = article_factory()

    with django_assert_num_queries(0):
        services.record_view(AnonymousUser(), article.pk)
        services.record_view(None, article.pk)


def test_a_database_failure_is_swallowed(member_factory, article_factory, monkeypatch, caplog):
    member, article = member_factory("complete"), article_factory()

    def broken(*args, **kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr(ReadEvent.objects, "bulk_create", broken)
    services.record_view(member, article.pk)  # no exception

    assert "could not record a read" in caplog.text


def test_an_article_page_records_a_signed_in_reader_once_a_day(
    client, member_factory, article_factory, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    member, article = member_factory("complete"), article_factory(pages=2, members_only=True)
    client.force_login(member)

    client.get(article.url)
    client.get(article.url + "?page=2")
    client.get(article.url + "?page=all")

    assert list(ReadEvent.objects.values_list("user_id", "article_id")) == [(member.pk, article.pk)]


def test_a_walled_or_anonymous_view_is_not_recorded(client, member_factory, article_factory):
    premium_only = article_factory(access="premium")
    client.get(article_factory(members_only=True).url)  # anonymous: the page cache serves them
    client.force_login(member_factory("complete"))

    client.get(premium_only.url)

    assert not ReadEvent.objects.exists()


def test_a_signed_in_article_view_adds_one_query_at_most(client, member_factory, article_factory, settings):
    settings.PAGE_CACHE_SECONDS = 0
    member = member_factory("complete")
    first, second = article_factory(), article_factory()
    client.force_login(member)
    client.get(first.url)
    client.get(second.url)  # both bundles and the sidebar are now cached
    with CaptureQueriesContext(connection) as seen_today:
        client.get(first.url)
    ReadEvent.objects.all().delete()
    cache.delete_many([services._seen_key(member.pk, a.pk, services.tokyo_day()) for a in (first, second)])

    with CaptureQueriesContext(connection) as new_today:
        client.get(first.url)

    assert len(new_today) == len(seen_today) + 1
    assert ReadEvent.objects.filter(user=member, article=first).exists()


def test_the_export_holds_the_members_reading_history_and_no_one_elses(member_factory, article_factory, read):
    alpha, bravo = member_factory("complete"), member_factory("complete")
    article = article_factory(title="決算の読み方")
    read(alpha, article, days_ago=2)
    read(alpha, article, days_ago=0)
    read(bravo, article)

    part = export_member_data(alpha)
    whole = member_export(alpha)

    history = part["reading_history"]
    assert [row["article_title"] for row in history] == ["決算の読み方", "決算の読み方"]
    assert history[0]["day"] < history[1]["day"]
    assert set(history[0]) == {"day", "read_at", "article_slug", "article_title"}
    assert whole["discovery"] == part


def test_reads_go_with_the_account(member_factory, article_factory, read):
    member = member_factory("complete")
    read(member, article_factory())

    member.delete()

    assert not ReadEvent.objects.exists()


def test_old_reads_are_pruned(member_factory, article_factory, read, settings):
    settings.KIJI_READ_HISTORY_DAYS = 30
    member, article = member_factory("complete"), article_factory()
    read(member, article, days_ago=45)
    kept = read(member, article, days_ago=3)

    assert services.prune_read_events() == 1
    assert list(ReadEvent.objects.all()) == [kept]


def test_an_editors_preview_is_not_a_read(client, article_factory, editor):
    article = article_factory()
    revision = article.save_revision()
    client.force_login(editor)

    response = client.get(f"/admin/pages/{article.pk}/revisions/{revision.pk}/view/")

    assert response.status_code == 200
    assert not ReadEvent.objects.exists()
