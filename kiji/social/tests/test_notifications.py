"""Notifications: every kind × every channel × blocks, batched likes, copies that outlive what they
name, e-mails at once and the daily digest.

Kinds are driven from the real actions where that is cheap (a reply, a like, publishing an article
someone follows, moderation); FOLLOWER is recorded with notify() as follow_member would.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from kiji.comments import services as comments
from kiji.comments.models import Comment, Restriction
from kiji.library.models import TagFollow
from kiji.social import notifications as service
from kiji.social.mail import DIGEST_MAX, send_digests, send_immediate
from kiji.social.messages import sentence
from kiji.social.models import (
    DEFAULT_CHANNELS,
    AuthorFollow,
    Block,
    Channel,
    Kind,
    Notification,
    NotificationPreference,
    SeriesFollow,
)
from kiji.social.notifications import ACTOR_KINDS, notify
from kiji.social.selectors import inbox, unread_count

pytestmark = pytest.mark.django_db

Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def _comments_open(open_comments: Any) -> None:
    """No pre-moderation or pacing: replies and likes publish at once."""


@pytest.fixture
def people(commenter: Callable[..., Any]) -> dict[str, Any]:
    return {
        "recipient": commenter(display_name="受信者"),
        "actor": commenter(display_name="行為者"),
    }


def _mails_to(user: Any) -> list[Any]:
    return [message for message in mail.outbox if user.email in message.to]


# The matrix -----------------------------------------------------------------------------------------

CASES = [
    pytest.param(kind, channel, blocked, id=f"{kind.value}-{channel.value}{'-blocked' if blocked else ''}")
    for kind in Kind
    for channel in Channel
    for blocked in ((False, True) if kind in ACTOR_KINDS else (False,))
]


class Trigger:
    """Makes a notification of one kind happen for `recipient`, as the site would."""

    def __init__(self, request: Any, recipient: Any, actor: Any) -> None:
        self.fixture = request.getfixturevalue
        self.recipient = recipient
        self.actor = actor

    def article(self, **kwargs: Any) -> Any:
        return self.fixture("article_factory")(**kwargs)

    def comment_of(self, author: Any, body: str = "元のコメントです。") -> Comment:
        article = self.article(title="物流の2024年問題")
        return self.fixture("comment_factory")(article, author, body)

    def run(self, kind: Kind, *, blocked: bool) -> None:
        getattr(self, kind.value)(blocked)

    def reply(self, blocked: bool) -> None:
        parent = self.comment_of(self.recipient)
        if blocked:  # the blocked member cannot reply at all; notify() itself refuses too
            with pytest.raises(comments.Refused):
                comments.post_comment(self.actor, article=parent.article, body="返信です。", parent=parent)
            assert notify(self.recipient, Kind.REPLY, actor=self.actor, title="t") is None
            return
        comments.post_comment(self.actor, article=parent.article, body="返信です。", parent=parent)

    def like(self, blocked: bool) -> None:
        comment = self.comment_of(self.recipient)
        if blocked:
            with pytest.raises(comments.Refused):
                comments.set_like(self.actor, comment, liked=True)
            assert notify(self.recipient, Kind.LIKE, actor=self.actor, key=f"like:{comment.pk}") is None
            return
        comments.set_like(self.actor, comment, liked=True)

    def follower(self, blocked: bool) -> None:
        notify(
            self.recipient,
            Kind.FOLLOWER,
            actor=self.actor,
            url=f"/social/members/{self.actor.pk}/",
            key=f"follower:{self.actor.pk}",
        )

    def author_article(self, blocked: bool) -> None:
        author = self.fixture("author_factory")(name="経済 花子")
        AuthorFollow.objects.create(user=self.recipient, author=author)
        self.article(title="半導体の新工場", authors=[author])

    def series_article(self, blocked: bool) -> None:
        series = self.fixture("series_factory")(name="地方創生の現場")
        SeriesFollow.objects.create(user=self.recipient, series=series)
        self.article(title="第3回 港町の再生", series=series)

    def tag_article(self, blocked: bool) -> None:
        tag = self.fixture("tag_factory")("物流")
        TagFollow.objects.create(user=self.recipient, tag=tag)
        self.article(title="倉庫の自動化", tags=[tag])

    def report_outcome(self, blocked: bool) -> None:
        comment = self.comment_of(self.actor, "宣伝です。")
        comments.report_comment(self.recipient, comment, reason="spam")
        comments.hide(self.fixture("moderator"), comment, reason="spam")

    def moderation(self, blocked: bool) -> None:
        comment = self.comment_of(self.recipient)
        comments.warn(self.fixture("moderator"), comment, reason="harassment")

    def restriction(self, blocked: bool) -> None:
        comments.restrict(self.fixture("moderator"), self.recipient, features=["post"], reason="spam", days=7)

    def restriction_lifted(self, blocked: bool) -> None:
        restriction = Restriction.objects.create(user=self.recipient, features=["post"], reason="spam")
        comments.lift(self.fixture("moderator"), restriction)


@pytest.mark.parametrize(("kind", "channel", "blocked"), CASES)
def test_every_kind_channel_and_block(
    request: Any,
    people: dict[str, Any],
    django_capture_on_commit_callbacks: Capture,
    mailoutbox: list[Any],
    kind: Kind,
    channel: Channel,
    blocked: bool,
) -> None:
    recipient, actor = people["recipient"], people["actor"]
    service.save_preferences(recipient, {kind: channel})
    if blocked:
        Block.objects.create(blocker=recipient, blocked=actor)

    with django_capture_on_commit_callbacks(execute=True):
        Trigger(request, recipient, actor).run(kind, blocked=blocked)

    heard = channel != Channel.OFF and not blocked
    stored = list(Notification.objects.filter(recipient=recipient, kind=kind))
    assert len(stored) == (1 if heard else 0)
    assert Notification.objects.filter(recipient=recipient).exclude(kind=kind).count() == 0
    assert Notification.objects.filter(recipient=actor).count() == 0  # nobody hears of their own doing
    if stored and kind in ACTOR_KINDS:
        assert stored[0].actor_name == "行為者"
    assert unread_count(recipient) == (1 if heard else 0)

    immediate = _mails_to(recipient)
    assert len(immediate) == (1 if heard and channel == Channel.EMAIL else 0)
    if immediate:
        assert sentence(stored[0]) in immediate[0].subject
        assert "/notifications/settings/" in immediate[0].body

    mailoutbox.clear()
    assert send_digests() == (1 if heard and channel == Channel.DIGEST else 0)
    digest = _mails_to(recipient)
    if heard and channel == Channel.DIGEST:
        assert sentence(stored[0]) in digest[0].body
        assert send_digests() == 0  # what went is marked: never twice
    else:
        assert digest == []


def test_the_matrix_covers_every_kind_and_channel() -> None:
    covered = {(case.values[0], case.values[1]) for case in CASES}
    assert covered == {(kind, channel) for kind in Kind for channel in Channel}
    assert {case.values[0] for case in CASES if case.values[2]} == {Kind.REPLY, Kind.LIKE, Kind.FOLLOWER}


# Preferences ----------------------------------------------------------------------------------------


def test_a_choice_equal_to_the_default_is_no_row(people: dict[str, Any]) -> None:
    recipient = people["recipient"]
    service.save_preferences(recipient, {Kind.LIKE: Channel.OFF, Kind.REPLY: Channel.DIGEST})
    assert dict(NotificationPreference.objects.filter(user=recipient).values_list("kind", "channel")) == {
        "like": "off",
        "reply": "digest",
    }
    service.save_preferences(recipient, {Kind.LIKE: DEFAULT_CHANNELS[Kind.LIKE], Kind.REPLY: Channel.SITE})
    assert dict(NotificationPreference.objects.filter(user=recipient).values_list("kind", "channel")) == {
        "reply": "site"
    }
    assert service.preferences_of(recipient)[Kind.REPLY] == Channel.SITE
    assert service.preferences_of(recipient)[Kind.LIKE] == DEFAULT_CHANNELS[Kind.LIKE]
    service.save_preferences(recipient, {"nonsense": "email", Kind.LIKE: "loud"})  # ignored
    assert NotificationPreference.objects.filter(user=recipient).count() == 1


# Batched likes -------------------------------------------------------------------------------------


@pytest.fixture
def liked_comment(commenter: Callable[..., Any], article_factory: Any, comment_factory: Any) -> Comment:
    author = commenter(display_name="著者")
    return comment_factory(article_factory(title="賃上げの行方"), author, "賃上げは続くと思います。")


@pytest.fixture
def likers(commenter: Callable[..., Any]) -> list[Any]:
    return [commenter(display_name=name) for name in ("A", "B", "C", "D")]


def _like(capture: Capture, member: Any, comment: Comment, liked: bool = True) -> None:
    with capture(execute=True):
        comments.set_like(member, comment, liked=liked)


def _batch(comment: Comment) -> Notification | None:
    return Notification.objects.filter(recipient_id=comment.author_id, group_key=f"like:{comment.pk}").first()


def test_likes_gather_into_one_unread_notification(
    liked_comment: Comment, likers: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    a, b, c, _d = likers
    for member in (a, b, c):
        _like(django_capture_on_commit_callbacks, member, liked_comment)
    assert Notification.objects.filter(recipient_id=liked_comment.author_id).count() == 1
    batch = _batch(liked_comment)
    assert batch is not None and batch.read_at is None
    assert (batch.actor_name, batch.others) == ("C", 2)
    assert sentence(batch).startswith("Cさん他2人が")
    assert "いいねしました" in sentence(batch)
    assert batch.title == "賃上げの行方"
    assert batch.detail == "賃上げは続くと思います。"


def test_unlike_takes_one_off_the_batch(
    liked_comment: Comment, likers: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    a, b, c, _d = likers
    for member in (a, b, c):
        _like(django_capture_on_commit_callbacks, member, liked_comment)
    _like(django_capture_on_commit_callbacks, c, liked_comment, liked=False)  # the named one goes
    batch = _batch(liked_comment)
    assert batch is not None and (batch.actor_name, batch.others) == ("B", 1)
    assert sentence(batch).startswith("Bさん他1人が")
    _like(django_capture_on_commit_callbacks, a, liked_comment, liked=False)  # one of the others
    batch = _batch(liked_comment)
    assert batch is not None and (batch.actor_name, batch.others) == ("B", 0)
    assert sentence(batch).startswith("Bさんが")
    _like(django_capture_on_commit_callbacks, b, liked_comment, liked=False)  # the last one
    assert _batch(liked_comment) is None


def test_after_reading_a_new_like_starts_a_fresh_batch(
    liked_comment: Comment, likers: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    a, b, c, d = likers
    for member in (a, b):
        _like(django_capture_on_commit_callbacks, member, liked_comment)
    batch = _batch(liked_comment)
    assert batch is not None
    assert service.mark_read(liked_comment.author, batch.pk)
    _like(django_capture_on_commit_callbacks, c, liked_comment)
    fresh = _batch(liked_comment)
    assert fresh is not None and fresh.read_at is None
    assert (fresh.actor_name, fresh.others) == ("C", 0)
    # Taking back a like of the batch already read leaves the new batch alone.
    _like(django_capture_on_commit_callbacks, a, liked_comment, liked=False)
    fresh = _batch(liked_comment)
    assert fresh is not None and (fresh.actor_name, fresh.others) == ("C", 0)
    _like(django_capture_on_commit_callbacks, d, liked_comment)
    fresh = _batch(liked_comment)
    assert fresh is not None and (fresh.actor_name, fresh.others) == ("D", 1)


def test_a_batch_is_mailed_at_once_when_it_starts_not_for_every_like(
    liked_comment: Comment,
    likers: list[Any],
    django_capture_on_commit_callbacks: Capture,
    mailoutbox: list[Any],
) -> None:
    author = liked_comment.author
    service.save_preferences(author, {Kind.LIKE: Channel.EMAIL})
    a, b, c, _d = likers
    _like(django_capture_on_commit_callbacks, a, liked_comment)
    _like(django_capture_on_commit_callbacks, b, liked_comment)
    assert len(_mails_to(author)) == 1
    batch = _batch(liked_comment)
    assert batch is not None
    service.mark_read(author, batch.pk)
    _like(django_capture_on_commit_callbacks, c, liked_comment)
    assert len(_mails_to(author)) == 2
    assert "Cさんが" in _mails_to(author)[-1].subject


def test_the_digest_tells_of_a_batch_that_grew_since(
    liked_comment: Comment,
    likers: list[Any],
    django_capture_on_commit_callbacks: Capture,
    mailoutbox: list[Any],
) -> None:
    author = liked_comment.author
    service.save_preferences(author, {Kind.LIKE: Channel.DIGEST})
    a, b, _c, _d = likers
    _like(django_capture_on_commit_callbacks, a, liked_comment)
    assert send_digests() == 1
    assert "Aさんが" in _mails_to(author)[-1].body
    assert send_digests() == 0
    _like(django_capture_on_commit_callbacks, b, liked_comment)
    assert send_digests() == 1
    assert "Bさん他1人が" in _mails_to(author)[-1].body


def test_a_blocked_members_like_is_not_named_when_another_goes(
    liked_comment: Comment, likers: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    a, b, c, _d = likers
    for member in (a, b, c):
        _like(django_capture_on_commit_callbacks, member, liked_comment)
    author = liked_comment.author
    assert author is not None
    Block.objects.create(blocker=author, blocked=b)
    _like(django_capture_on_commit_callbacks, c, liked_comment, liked=False)
    batch = _batch(liked_comment)
    assert batch is not None and batch.actor_name == "A"  # not B, whom the author blocks
    assert batch.others == 0


# Copies, blocks made later, one's own doing ---------------------------------------------------------


def test_copies_outlive_the_actor_the_article_and_the_comment(
    people: dict[str, Any],
    article_factory: Any,
    comment_factory: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    from kiji.privacy.services import delete_account

    recipient, actor = people["recipient"], people["actor"]
    article = article_factory(title="円安と中小企業")
    parent = comment_factory(article, recipient, "輸入コストが心配です。")
    with django_capture_on_commit_callbacks(execute=True):
        reply = comments.post_comment(
            actor, article=article, body="価格転嫁が鍵ですね。", parent=parent
        ).comment
    n = Notification.objects.get(recipient=recipient, kind=Kind.REPLY)
    shown = sentence(n)
    assert shown == "行為者さんがあなたのコメントに返信しました"

    with django_capture_on_commit_callbacks(execute=True):
        delete_account(actor, by=actor)
    Comment.objects.filter(pk__in=[reply.pk, parent.pk]).delete()
    article.delete()

    n.refresh_from_db()
    assert n.actor_id is None
    assert (n.actor_name, n.title, n.detail) == ("行為者", "円安と中小企業", "価格転嫁が鍵ですね。")
    assert sentence(n) == shown
    assert list(inbox(recipient)) == [n]


def test_a_block_made_later_hides_and_silences_what_came_before(
    people: dict[str, Any], mailoutbox: list[Any]
) -> None:
    recipient, actor = people["recipient"], people["actor"]
    service.save_preferences(recipient, {Kind.FOLLOWER: Channel.DIGEST, Kind.REPLY: Channel.EMAIL})
    follow = notify(recipient, Kind.FOLLOWER, actor=actor, key=f"follower:{actor.pk}")
    reply = notify(recipient, Kind.REPLY, actor=actor, title="記事")
    other = notify(recipient, Kind.MODERATION, detail="spam")
    assert follow and reply and other
    Block.objects.create(blocker=recipient, blocked=actor)

    assert list(inbox(recipient)) == [other]
    assert unread_count(recipient) == 1
    assert send_immediate(reply.pk) is False
    assert send_digests() == 0
    assert mailoutbox == []


def test_nobody_is_notified_of_their_own_doing(
    people: dict[str, Any],
    article_factory: Any,
    comment_factory: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    member = people["recipient"]
    assert notify(member, Kind.FOLLOWER, actor=member) is None
    mine = comment_factory(article_factory(), member)
    with django_capture_on_commit_callbacks(execute=True):
        comments.post_comment(member, article=mine.article, body="自分への補足です。", parent=mine)
    with pytest.raises(comments.CommentError):
        comments.set_like(member, mine, liked=True)
    assert not Notification.objects.filter(recipient=member).exists()


def test_an_inactive_member_hears_nothing(people: dict[str, Any]) -> None:
    recipient = people["recipient"]
    recipient.is_active = False
    recipient.save(update_fields=["is_active"])
    assert notify(recipient, Kind.MODERATION, detail="spam") is None


def test_an_article_reaches_a_member_once_through_several_follows(
    people: dict[str, Any],
    author_factory: Any,
    tag_factory: Any,
    article_factory: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    recipient = people["recipient"]
    author, tag = author_factory(), tag_factory("金融")
    AuthorFollow.objects.create(user=recipient, author=author)
    TagFollow.objects.create(user=recipient, tag=tag)
    with django_capture_on_commit_callbacks(execute=True):
        article = article_factory(title="金利のある世界", authors=[author], tags=[tag])
    stored = Notification.objects.get(recipient=recipient)
    assert (stored.kind, stored.title, stored.url) == (Kind.AUTHOR_ARTICLE, "金利のある世界", article.url)


# Mail at sending time ------------------------------------------------------------------------------


def test_an_immediate_mail_honours_a_change_of_mind_and_goes_once(
    people: dict[str, Any], mailoutbox: list[Any]
) -> None:
    recipient = people["recipient"]
    n = notify(recipient, Kind.MODERATION, detail="spam")  # default: e-mail at once (not run: no commit)
    assert n is not None
    service.save_preferences(recipient, {Kind.MODERATION: Channel.SITE})
    assert send_immediate(n.pk) is False
    service.save_preferences(recipient, {Kind.MODERATION: Channel.EMAIL})
    assert send_immediate(n.pk) is True
    assert send_immediate(n.pk) is False  # a retried task sends nothing twice
    assert len(mailoutbox) == 1
    assert "スパム・宣伝" in mailoutbox[0].subject
    n2 = notify(recipient, Kind.RESTRICTION, detail="spam")
    assert n2 is not None
    service.mark_read(recipient, n2.pk)
    assert send_immediate(n2.pk) is False  # read before the worker got to it


def test_the_digest_lists_at_most_fifty_and_counts_the_rest(
    people: dict[str, Any], mailoutbox: list[Any]
) -> None:
    recipient = people["recipient"]
    service.save_preferences(recipient, {Kind.MODERATION: Channel.DIGEST})
    for n in range(DIGEST_MAX + 10):
        notify(recipient, Kind.MODERATION, detail=f"理由{n}")
    assert send_digests() == 1
    body = mailoutbox[0].body
    assert body.count("・") == DIGEST_MAX
    assert "ほか10件" in body
    assert "60件" in mailoutbox[0].subject
    assert not Notification.objects.filter(recipient=recipient, emailed_at__isnull=True).exists()


def test_the_digest_skips_read_old_and_other_channel_notifications(
    people: dict[str, Any], mailoutbox: list[Any]
) -> None:
    recipient = people["recipient"]
    service.save_preferences(recipient, {Kind.MODERATION: Channel.DIGEST})
    read = notify(recipient, Kind.MODERATION, detail="既読のもの")
    old = notify(recipient, Kind.MODERATION, detail="古いもの")
    fresh = notify(recipient, Kind.MODERATION, detail="新しいもの")
    site_only = notify(recipient, Kind.REPORT_OUTCOME, detail="dismissed")  # default: site only
    assert read and old and fresh and site_only
    service.mark_read(recipient, read.pk)
    Notification.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=3))
    assert send_digests() == 1
    body = mailoutbox[0].body
    assert "新しいもの" in body
    assert "既読のもの" not in body and "古いもの" not in body and "通報の結果" not in body


def test_send_digests_command(people: dict[str, Any], mailoutbox: list[Any], capsys: Any) -> None:
    recipient = people["recipient"]
    service.save_preferences(recipient, {Kind.MODERATION: Channel.DIGEST})
    notify(recipient, Kind.MODERATION, detail="spam")
    call_command("send_digests")
    assert "Sent 1 digest" in capsys.readouterr().out
    notify(recipient, Kind.MODERATION, detail="harassment")
    call_command("send_digests", "--enqueue")  # the immediate backend runs it at once in tests
    assert "enqueued" in capsys.readouterr().out
    assert len(mailoutbox) == 2
