import time

import pytest
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.apps import apps
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core import serializers
from django.db import connection
from django.test import Client

from kiji.audit.models import AuditEntry
from kiji.members.models import ArticleRead, Profile
from kiji.members.selectors import this_month
from kiji.privacy import services

pytestmark = pytest.mark.django_db

DELETE = "/privacy/delete/"
PASSWORD = "member-password-1"  # the root member_factory's password


def database_dump():
    """Every row of every table, as text: SQLite's own dump, plus every model serialised (any backend)."""
    parts = []
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        parts.extend(connection.connection.iterdump())
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        parts.append(serializers.serialize("json", model._base_manager.all(), ensure_ascii=False))
    return "\n".join(parts)


def _sessions_of(user_pk):
    return [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(user_pk)]


@pytest.fixture
def leaving(distinct_member, article_factory):
    member = distinct_member("Leaver", consent=True)
    ArticleRead.objects.create(user=member, article=article_factory(members_only=True), month=this_month())
    return member


def _signed_in(user, *, devices=1):
    clients = []
    for n in range(devices):
        client = Client()
        client.force_login(user)
        UserSession.objects.create(
            user=user, session_key=client.session.session_key, ip=f"192.0.2.{n + 1}", user_agent="Test/1"
        )
        clients.append(client)
    return clients


def test_deleting_the_account_leaves_no_trace_of_the_member_in_the_database(
    leaving, distinct_member, django_capture_on_commit_callbacks
):
    other = distinct_member("Stayer")
    other_client = _signed_in(other)[0]
    member_pk = leaving.pk
    picture = Profile.objects.get(user=leaving).picture
    storage, picture_name = picture.storage, str(picture.name)
    client, second_device = _signed_in(leaving, devices=2)
    assert "leaver@leaver-mail.example" in database_dump()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(DELETE, {"password": PASSWORD, "confirm": "on"})

    assert response.status_code == 302 and response["Location"] == "/"
    dump = database_dump()
    for personal in (
        "leaver@leaver-mail.example",
        "leaver.second@",
        "Leaver表示名",
        "Leaver氏名",
        "LeaverFirst",
    ):
        assert personal not in dump
    assert not storage.exists(picture_name)
    # Signed out everywhere.
    assert _sessions_of(member_pk) == []
    assert not UserSession.objects.filter(user_id=member_pk).exists()
    assert client.get("/members/me/").status_code == 302
    assert second_device.get("/members/me/").status_code == 302
    # The deletion is on record, by account id only.
    entry = AuditEntry.objects.get(action="member.deleted")
    assert (entry.target_id, entry.actor_label, entry.detail) == (
        str(member_pk),
        f"user:{member_pk}",
        {"by": "self"},
    )
    # Another member is untouched.
    assert Profile.objects.get(user=other).display_name == "Stayer表示名"
    assert EmailAddress.objects.filter(user=other).count() == 2
    assert other_client.get("/members/me/").status_code == 200
    assert "Stayer表示名" in dump


def test_after_deletion_the_member_is_signed_out_and_told_so(client, leaving):
    client.force_login(leaving)

    response = client.post(DELETE, {"password": PASSWORD, "confirm": "on"}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert not response.wsgi_request.user.is_authenticated
    assert "退会手続きが完了しました" in [str(m) for m in response.context["messages"]][0]


def test_a_wrong_password_deletes_nothing_and_says_why(client, leaving):
    client.force_login(leaving)

    response = client.post(DELETE, {"password": "not-my-password", "confirm": "on"})

    assert response.status_code == 200
    assert "パスワードが正しくありません" in response.content.decode()
    assert Profile.objects.filter(user=leaving).exists()


def test_deletion_must_be_confirmed_explicitly(client, leaving):
    client.force_login(leaving)

    response = client.post(DELETE, {"password": PASSWORD})

    assert "確認のチェックを入れてください" in response.content.decode()
    assert Profile.objects.filter(user=leaving).exists()


def test_the_confirmation_page_asks_for_the_password_and_says_what_happens(client, leaving):
    client.force_login(leaving)

    html = client.get(DELETE).content.decode()

    assert 'type="password"' in html and 'autocomplete="current-password"' in html
    assert "元に戻せません" in html and 'href="/privacy/export/"' in html


def test_password_guesses_are_rate_limited(client, leaving):
    client.force_login(leaving)

    statuses = [client.post(DELETE, {"password": "guess", "confirm": "on"}).status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]


def test_an_account_without_a_password_must_have_signed_in_recently(client, leaving):
    leaving.set_unusable_password()
    leaving.save()
    client.force_login(leaving)

    page = client.get(DELETE).content.decode()
    refused = client.post(DELETE, {"confirm": "on"})

    assert "本人確認が必要です" in page and "ログインし直す" in page
    assert refused.status_code == 200 and Profile.objects.filter(user=leaving).exists()

    session = client.session
    session["account_authentication_methods_user"] = str(leaving.pk)
    session["account_authentication_methods"] = [{"method": "code", "at": time.time()}]
    session.save()
    response = client.post(DELETE, {"confirm": "on"})

    assert response.status_code == 302
    assert not Profile.objects.filter(user_id=leaving.pk).exists()
    assert not type(leaving).objects.filter(pk=leaving.pk).exists()


def test_anonymisers_run_before_the_member_is_gone(leaving, monkeypatch):
    seen = []
    monkeypatch.setattr(
        services, "ANONYMISERS", [lambda user: seen.append(Profile.objects.get(user=user).pk)]
    )
    profile_pk = Profile.objects.get(user=leaving).pk

    services.delete_account(leaving, by=leaving)

    assert seen == [profile_pk]
    assert not Profile.objects.filter(pk=profile_pk).exists()


def test_staff_deleting_a_member_is_recorded_as_staff(leaving, editor):
    member_pk = leaving.pk

    services.delete_account(leaving, by=editor)

    entry = AuditEntry.objects.get(action="member.deleted")
    assert entry.actor == editor and entry.detail == {"by": "staff"} and entry.target_id == str(member_pk)


def test_deletion_is_post_only_behind_the_confirmation(client, leaving):
    client.force_login(leaving)

    assert client.put(DELETE).status_code == 405
    assert Profile.objects.filter(user=leaving).exists()
