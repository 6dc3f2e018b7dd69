"""The notification center, its links and buttons (with and without htmx), the header's bell and
the settings page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from kiji.social import notifications as service
from kiji.social.context_processors import notifications as context_processor
from kiji.social.models import DEFAULT_CHANNELS, Block, Channel, Kind, Notification, NotificationPreference
from kiji.social.notification_views import PER_PAGE
from kiji.social.notifications import notify

pytestmark = pytest.mark.django_db

CENTER = "/notifications/"
SETTINGS = "/notifications/settings/"
HTMX = {"HX-Request": "true"}


@pytest.fixture
def member(commenter: Callable[..., Any]) -> Any:
    return commenter(display_name="受信者")


@pytest.fixture
def actor(commenter: Callable[..., Any]) -> Any:
    return commenter(display_name="返信者")


@pytest.fixture
def signed_in(member: Any) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _reply(member: Any, actor: Any, **fields: Any) -> Notification:
    fields.setdefault("title", "賃上げの行方")
    fields.setdefault("detail", "中小企業の価格転嫁が鍵です。")
    fields.setdefault("url", "/comments/thread/1/#comment-2")
    n = notify(member, Kind.REPLY, actor=actor, **fields)
    assert n is not None
    return n


def _text(response: Any) -> str:
    return str(response.content.decode())


# Signing in --------------------------------------------------------------------------------------


def test_the_center_and_settings_need_a_signed_in_member(client: Client) -> None:
    for url in (CENTER, SETTINGS, "/notifications/1/open/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for url in ("/notifications/1/read/", "/notifications/read-all/"):
        response = client.post(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_writes_are_post_only(signed_in: Client, member: Any, actor: Any) -> None:
    n = _reply(member, actor)
    assert signed_in.get(f"/notifications/{n.pk}/read/").status_code == 405
    assert signed_in.get("/notifications/read-all/").status_code == 405


# The center --------------------------------------------------------------------------------------


def test_empty_state(signed_in: Client) -> None:
    page = _text(signed_in.get(CENTER))
    assert "通知はまだありません" in page
    assert "すべて既読にする" not in page
    assert 'href="/notifications/settings/"' in page


def test_the_center_lists_newest_first_with_copies_and_unread_marks(
    signed_in: Client, member: Any, actor: Any
) -> None:
    older = notify(member, Kind.MODERATION, detail="spam", url="/comments/me/")
    reply = _reply(member, actor)
    assert older is not None
    service.mark_read(member, older.pk)
    Notification.objects.filter(pk=older.pk).update(updated_at=timezone.now() - timedelta(hours=1))
    page = _text(signed_in.get(CENTER))
    first, second = page.index(f'id="notif-{reply.pk}"'), page.index(f'id="notif-{older.pk}"')
    assert first < second
    assert "返信者さんがあなたのコメントに返信しました" in page
    assert "賃上げの行方" in page and "中小企業の価格転嫁が鍵です。" in page
    assert "あなたのコメントについて運営から注意がありました(スパム・宣伝)" in page
    assert f'href="/notifications/{reply.pk}/open/"' in page
    assert page.count("notif notif--unread") == 1
    assert page.count(">既読にする<") == 1
    assert "すべて既読にする" in page
    assert "未読 <strong>1</strong> 件" in page


def test_the_center_pages_thirty_at_a_time(signed_in: Client, member: Any) -> None:
    Notification.objects.bulk_create(
        [Notification(recipient=member, kind=Kind.MODERATION, detail=f"通知{n}") for n in range(PER_PAGE + 1)]
    )
    first = signed_in.get(CENTER)
    assert len(first.context["items"]) == PER_PAGE
    assert 'rel="next"' in _text(first)
    second = signed_in.get(CENTER + "?page=2")
    assert len(second.context["items"]) == 1


def test_the_center_costs_the_same_for_one_or_many(signed_in: Client, member: Any, actor: Any) -> None:
    _reply(member, actor)
    signed_in.get(CENTER)  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        signed_in.get(CENTER)
    for n in range(10):
        notify(member, Kind.MODERATION, detail=f"理由{n}")
        _reply(member, actor, title=f"記事{n}")
    with CaptureQueriesContext(connection) as many:
        signed_in.get(CENTER)
    assert len(many.captured_queries) == len(one.captured_queries)


def test_a_blocked_members_notifications_are_never_shown(signed_in: Client, member: Any, actor: Any) -> None:
    hidden = _reply(member, actor)
    Block.objects.create(blocker=member, blocked=actor)
    page = _text(signed_in.get(CENTER))
    assert "返信者" not in page
    assert "通知はまだありません" in page
    assert signed_in.get(f"/notifications/{hidden.pk}/open/").status_code == 404
    bell = render_to_string("social/_header_bell.html", request=_request(member))
    assert "未読" not in bell


def test_another_members_notifications_cannot_be_opened_or_marked(
    signed_in: Client, commenter: Callable[..., Any], actor: Any
) -> None:
    other = commenter()
    theirs = _reply(other, actor)
    assert signed_in.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert signed_in.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    signed_in.post("/notifications/read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


# Opening a notification --------------------------------------------------------------------------


def test_opening_marks_read_and_goes_to_the_local_target(signed_in: Client, member: Any, actor: Any) -> None:
    n = _reply(member, actor, url="/comments/thread/7/#comment-9")
    response = signed_in.get(f"/notifications/{n.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/comments/thread/7/#comment-9"
    n.refresh_from_db()
    assert n.read_at is not None


@pytest.mark.parametrize(
    "outside",
    [
        "https://evil.example/phish",
        "//evil.example/phish",
        "/\\evil.example/phish",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example/phish",
        "",
    ],
)
def test_opening_never_goes_to_another_site(signed_in: Client, member: Any, actor: Any, outside: str) -> None:
    n = _reply(member, actor, url=outside)
    response = signed_in.get(f"/notifications/{n.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == CENTER
    n.refresh_from_db()
    assert n.read_at is not None


# Marking read --------------------------------------------------------------------------------------


def test_mark_one_read_without_javascript(signed_in: Client, member: Any, actor: Any) -> None:
    n = _reply(member, actor)
    response = signed_in.post(f"/notifications/{n.pk}/read/", {"next": CENTER + "?page=2"})
    assert response.status_code == 302 and response["Location"] == CENTER + "?page=2"
    n.refresh_from_db()
    assert n.read_at is not None
    page = _text(signed_in.get(CENTER))
    assert "通知を既読にしました。" in page
    again = signed_in.post(f"/notifications/{n.pk}/read/", {"next": "https://evil.example/"})
    assert again["Location"] == CENTER
    assert "この通知はすでに既読です。" in _text(signed_in.get(CENTER))


def test_mark_one_read_with_htmx_swaps_the_item_and_the_bell(
    signed_in: Client, member: Any, actor: Any
) -> None:
    n = _reply(member, actor)
    other = notify(member, Kind.MODERATION, detail="spam")
    assert other is not None
    drawn_at = signed_in.get(CENTER).context["drawn_at"]
    response = signed_in.post(
        f"/notifications/{n.pk}/read/", {"next": CENTER, "until": drawn_at, "page": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    fragment = _text(response)
    # The toolbar comes along, its 「すべて既読にする」 still bound to what the page showed.
    assert 'id="notif-toolbar" hx-swap-oob="true"' in fragment
    assert f'name="until" value="{drawn_at}"' in fragment and "未読 <strong>1</strong> 件" in fragment
    assert f'id="notif-{n.pk}"' in fragment and "notif--unread" not in fragment.split("</li>")[0]
    assert f'id="notif-action-{n.pk}"' in fragment  # focus stays on the item
    assert 'id="notification-bell"' in fragment and 'hx-swap-oob="true"' in fragment
    assert "(未読 1件)" in fragment
    assert 'id="notif-status" hx-swap-oob="innerHTML">既読にしました。' in fragment
    assert "<html" not in fragment


def test_mark_all_read(signed_in: Client, member: Any, actor: Any) -> None:
    for _n in range(3):
        notify(member, Kind.MODERATION, detail="spam")
    response = signed_in.post("/notifications/read-all/", {"next": CENTER})
    assert response.status_code == 302 and response["Location"] == CENTER
    assert not Notification.objects.filter(recipient=member, read_at__isnull=True).exists()
    assert "3件の通知を既読にしました。" in _text(signed_in.get(CENTER))
    signed_in.post("/notifications/read-all/", {"until": "2025-13-45T99:00:00+09:00", "page": "x"})
    assert "未読の通知はありません。" in _text(signed_in.get(CENTER))


def test_mark_all_read_with_htmx_keeps_what_arrived_after_the_page_was_drawn(
    signed_in: Client, member: Any, actor: Any
) -> None:
    seen = notify(member, Kind.MODERATION, detail="spam")
    page = signed_in.get(CENTER)
    drawn_at = page.context["drawn_at"]
    assert seen is not None
    later = _reply(member, actor)
    Notification.objects.filter(pk=later.pk).update(updated_at=timezone.now() + timedelta(seconds=1))
    response = signed_in.post("/notifications/read-all/", {"until": drawn_at, "page": "1"}, headers=HTMX)
    assert response.status_code == 200
    fragment = _text(response)
    assert 'id="notif-center"' in fragment and 'id="notification-bell"' in fragment
    assert "1件の通知を既読にしました。" in fragment
    seen.refresh_from_db()
    later.refresh_from_db()
    assert seen.read_at is not None and later.read_at is None
    assert "(未読 1件)" in fragment


def test_writes_are_rate_limited(signed_in: Client, member: Any) -> None:
    n = notify(member, Kind.MODERATION, detail="spam")
    assert n is not None
    codes = {signed_in.post(f"/notifications/{n.pk}/read/").status_code for _i in range(61)}
    assert 429 in codes


# The header's bell ----------------------------------------------------------------------------------


def _request(user: Any) -> Any:
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_bell_is_one_query(member: Any, actor: Any, django_assert_num_queries: Any) -> None:
    _reply(member, actor)
    notify(member, Kind.MODERATION, detail="spam")
    request = _request(member)
    with django_assert_num_queries(1):
        bell = render_to_string("social/_header_bell.html", request=request)
        render_to_string("social/_header_bell.html", request=request)  # the count is kept per request
    assert ">通知<" in bell
    assert 'class="notification-bell__badge" aria-hidden="true">2<' in bell
    assert '<span class="visually-hidden">(未読 2件)</span>' in bell
    assert 'href="/notifications/"' in bell


def test_the_bell_without_unread_has_no_badge(member: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        bell = render_to_string("social/_header_bell.html", request=_request(member))
    assert "badge" not in bell and "未読" not in bell


def test_the_bell_says_99_plus_beyond_that(member: Any) -> None:
    Notification.objects.bulk_create(
        [Notification(recipient=member, kind=Kind.MODERATION) for _n in range(120)]
    )
    bell = render_to_string("social/_header_bell.html", request=_request(member))
    assert ">99+<" in bell and "(未読 99件以上)" in bell


def test_the_bell_on_a_page(signed_in: Client, member: Any, actor: Any) -> None:
    _reply(member, actor)
    page = _text(signed_in.get(SETTINGS))
    assert 'id="notification-bell"' in page and "(未読 1件)" in page
    center = _text(signed_in.get(CENTER))
    assert 'aria-current="page"' in center


def test_anonymous_visitors_get_no_bell_and_no_query(client: Client, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        text = render_to_string("social/_header_bell.html", request=_request(AnonymousUser()))
    assert "badge" not in text


def test_the_context_processor_counts_only_when_used(
    member: Any, actor: Any, django_assert_num_queries: Any
) -> None:
    _reply(member, actor)
    request = _request(member)
    with django_assert_num_queries(0):
        context = context_processor(request)
    with django_assert_num_queries(1):
        assert context["unread_notification_count"]() == 1
        assert render_to_string("social/_header_bell.html", request=request).count("(未読 1件)") == 1
    with django_assert_num_queries(0):
        assert context_processor(_request(AnonymousUser()))["unread_notification_count"]() == 0
    template = Template("{% if unread_notification_count %}未読{{ unread_notification_count }}件{% endif %}")
    later = _request(member)
    with django_assert_num_queries(1):
        assert template.render(Context(context_processor(later))) == "未読1件"


# Settings ----------------------------------------------------------------------------------------


def test_settings_show_the_current_choice_for_every_kind(signed_in: Client, member: Any) -> None:
    service.save_preferences(member, {Kind.LIKE: Channel.OFF})
    response = signed_in.get(SETTINGS)
    form = response.context["form"]
    assert form[Kind.LIKE.value].value() == Channel.OFF
    assert form[Kind.REPLY.value].value() == DEFAULT_CHANNELS[Kind.REPLY]
    page = _text(response)
    for kind in Kind:
        assert str(kind.label) in page
    for channel in Channel:
        assert str(channel.label) in page
    assert page.count('type="radio"') == len(Kind) * len(Channel)
    assert page.count("checked") == len(Kind)
    assert page.count("初期設定") == len(Kind)


def test_settings_round_trip(signed_in: Client, member: Any) -> None:
    choices = {kind.value: DEFAULT_CHANNELS[kind] for kind in Kind}
    choices[Kind.LIKE.value] = Channel.OFF
    choices[Kind.TAG_ARTICLE.value] = Channel.EMAIL
    response = signed_in.post(SETTINGS, choices)
    assert response.status_code == 302 and response["Location"] == SETTINGS
    assert dict(NotificationPreference.objects.filter(user=member).values_list("kind", "channel")) == {
        "like": "off",
        "tag_article": "email",
    }
    page = signed_in.get(SETTINGS)
    assert "通知の設定を保存しました。" in _text(page)
    assert page.context["form"][Kind.TAG_ARTICLE.value].value() == Channel.EMAIL
    # Back to the defaults: no rows at all.
    signed_in.post(SETTINGS, {kind.value: DEFAULT_CHANNELS[kind] for kind in Kind})
    assert not NotificationPreference.objects.filter(user=member).exists()


def test_settings_refuse_a_missing_or_unknown_choice(signed_in: Client, member: Any) -> None:
    choices = {kind.value: DEFAULT_CHANNELS[kind] for kind in Kind}
    choices[Kind.LIKE.value] = Channel.OFF
    choices[Kind.REPLY.value] = "fax"
    del choices[Kind.FOLLOWER.value]
    response = signed_in.post(SETTINGS, choices)
    assert response.status_code == 200
    page = _text(response)
    assert "「コメントへの返信」の受け取り方が正しくありません。" in page
    assert "「新しいフォロワー」の受け取り方を選んでください。" in page
    assert not NotificationPreference.objects.filter(user=member).exists()  # nothing half-saved


def test_settings_links(signed_in: Client) -> None:
    page = _text(signed_in.get(CENTER))
    assert f'href="{reverse("notifications:settings")}"' in page
