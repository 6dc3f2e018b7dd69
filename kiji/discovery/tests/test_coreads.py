"""一緒に読まれている記事: the daily co-reading table."""

from io import StringIO

import pytest
from django.core.management import call_command

from kiji.discovery import services
from kiji.discovery.models import CoRead

pytestmark = pytest.mark.django_db


def test_neighbours_are_the_articles_read_by_the_same_members(member_factory, article_factory, read):
    x, y, z, lone = (article_factory() for _ in range(4))
    members = [member_factory("complete") for _ in range(4)]
    for member in members:
        read(member, x)
        read(member, y, days_ago=1)
    read(members[0], z)
    read(member_factory("complete"), lone)

    written = services.refresh_coreads()

    links = {(c.article_id, c.other_id): c for c in CoRead.objects.all()}
    assert written == len(links) == 6  # x↔y, x↔z, y↔z
    assert links[(x.pk, y.pk)].readers == 4
    assert links[(x.pk, y.pk)].score > links[(x.pk, z.pk)].score
    assert not any(lone.pk in pair for pair in links)


def test_a_rebuild_replaces_the_table_and_ignores_old_reads(member_factory, article_factory, read):
    x, y = article_factory(), article_factory()
    member = member_factory("complete")
    read(member, x, days_ago=services.COREAD_DAYS + 5)
    read(member, y, days_ago=services.COREAD_DAYS + 5)
    CoRead.objects.create(article=x, other=y, score=1.0)

    assert services.refresh_coreads() == 0
    assert not CoRead.objects.exists()


def test_each_article_keeps_only_its_best_neighbours(member_factory, article_factory, read, monkeypatch):
    monkeypatch.setattr(services, "TOP_NEIGHBOURS", 2)
    hub, *others = (article_factory() for _ in range(5))
    for i, other in enumerate(others):
        for _ in range(i + 1):
            member = member_factory("complete")
            read(member, hub)
            read(member, other)

    services.refresh_coreads()

    assert CoRead.objects.filter(article=hub).count() == 2
    assert set(CoRead.objects.filter(article=hub).values_list("other_id", flat=True)) == {
        others[3].pk,
        others[2].pk,
    }


def test_the_command_runs_here_or_hands_the_work_to_the_worker(member_factory, article_factory, read):
    x, y = article_factory(), article_factory()
    member = member_factory("complete")
    read(member, x)
    read(member, y)

    out = StringIO()
    call_command("refresh_coreads", stdout=out)
    assert "Wrote 2 co-reading link(s)" in out.getvalue()

    CoRead.objects.all().delete()
    out = StringIO()
    call_command("refresh_coreads", "--enqueue", stdout=out)  # tests run tasks at once
    assert "enqueued" in out.getvalue()
    assert CoRead.objects.count() == 2
