"""Comment moderation in the Wagtail admin (コメント管理): guards, the queue, a comment under review,
the actions (each through the services, each audited), restrictions and appeals."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kiji.audit.models import AuditEntry
from kiji.comments import moderation, services
from kiji.comments.models import Appeal, Comment, CommentReport, CommentRevision, Restriction, Warning
from kiji.core.ratelimit import Limit

pytestmark = pytest.mark.django_db

INDEX = reverse("comment_moderation:index")
Status = Comment.Status
HoldReason = Comment.HoldReason


def _url(name: str, *args: Any) -> str:
    return reverse(f"comment_moderation:{name}", args=args)


def _token(response: Any, prefix: str) -> str:
    html = response.content.decode()
    match = re.search(rf'name="{re.escape(prefix)}-submit_token" value="([0-9a-f]{{32}})"', html)
    assert match, f"the page carries the {prefix} form with a one-time token"
    return match.group(1)


def _post(client: Client, page_url: str, action_url: str, prefix: str, **fields: Any) -> Any:
    """Open the page, then send the action's form as a moderator would, with its token."""
    data = {f"{prefix}-{name}": value for name, value in fields.items() if name != "next"}
    data[f"{prefix}-submit_token"] = _token(client.get(page_url), prefix)
    if "next" in fields:
        data["next"] = fields["next"]
    return client.post(action_url, data)


@pytest.fixture
def mod_client(client: Client, moderator: Any) -> Client:
    client.force_login(moderator)
    return client


@pytest.fixture
def article(article_factory: Any) -> Any:
    return article_factory(title="円安で輸出企業の業績が上振れ")


@pytest.fixture
def author(commenter: Any) -> Any:
    return commenter(display_name="投稿する会員")


@pytest.fixture
def report(commenter: Any, configure: Any) -> Any:
    """`report(comment, reason="spam", n=1)`: n members report the comment through the service."""
    configure(report_threshold=100)

    def make(comment: Comment, reason: str = "spam", n: int = 1, details: str = "") -> list[CommentReport]:
        made = []
        for _ in range(n):
            made.append(services.report_comment(commenter(), comment, reason=reason, details=details)[0])
        comment.refresh_from_db()
        return made

    return make


@pytest.fixture
def staff_without_moderation(django_user_model: Any) -> Any:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = django_user_model.objects.create_user(
        "plainstaff", "plainstaff@example.com", "staff-password-1", is_staff=True
    )
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    )
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def restriction(moderator: Any, author: Any, article: Any, comment_factory: Any) -> Restriction:
    comment = comment_factory(article, author, "制限の原因になったコメントです。")
    return services.restrict(
        moderator, author, features=["post", "reply"], reason="harassment", days=7, comment=comment
    )


# Guards


def test_anonymous_visitors_are_sent_to_sign_in(client: Client) -> None:
    response = client.get(INDEX)

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_staff_without_the_moderation_permission_get_403_on_every_page(
    client: Client,
    staff_without_moderation: Any,
    author: Any,
    article: Any,
    comment_factory: Any,
    restriction: Any,
) -> None:
    comment = comment_factory(article, author, status=Status.PENDING, hold_reason=HoldReason.FIRST_COMMENTS)
    appeal = services.appeal(author, restriction, text_="誤解です。ご確認をお願いいたします。")
    client.force_login(staff_without_moderation)
    entries_before = AuditEntry.objects.count()
    pages = [
        INDEX,
        _url("comment", comment.pk),
        _url("member", author.pk),
        _url("restriction", restriction.pk),
    ]
    actions = [
        *(_url(name, comment.pk) for name in moderation.COMMENT_ACTIONS),
        _url("lift", restriction.pk),
        _url("accept_appeal", appeal.pk),
        _url("reject_appeal", appeal.pk),
    ]

    for url in pages:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "「コメントをモデレートできる」権限" in response.content.decode()
    for url in actions:
        assert client.post(url, {"approve-note": "", "hide-reason": "spam"}).status_code == 403, url

    comment.refresh_from_db()
    assert comment.status == Status.PENDING
    assert AuditEntry.objects.count() == entries_before
    assert Restriction.objects.get(pk=restriction.pk).lifted_at is None


def test_members_without_staff_rights_are_sent_away(client: Client, author: Any) -> None:
    client.force_login(author)

    response = client.get(INDEX)

    assert response.status_code == 302
    assert "コメント管理" not in response.content.decode()


def test_the_menu_offers_moderation_only_to_moderators(
    rf: Any, moderator: Any, staff_without_moderation: Any
) -> None:
    from kiji.comments.wagtail_hooks import CommentModerationViewSet

    item = CommentModerationViewSet().get_menu_item()
    request = rf.get("/admin/")

    request.user = moderator
    assert str(item.label) == "コメント管理" and item.is_shown(request)
    request.user = staff_without_moderation
    assert not item.is_shown(request)


def test_the_moderation_permission_can_be_granted_to_groups() -> None:
    from wagtail import hooks

    offered = {p.codename for hook in hooks.get_hooks("register_permissions") for p in hook()}

    assert "moderate_comments" in offered


# The queue


@pytest.fixture
def queue_comments(
    article: Any, author: Any, comment_factory: Any, report: Any, moderator: Any
) -> dict[str, Comment]:
    comments = {
        "reported": comment_factory(article, author, "通報されている公開コメント"),
        "pending": comment_factory(
            article, author, "禁止語を含む承認待ち", status=Status.PENDING, hold_reason=HoldReason.BANNED_WORD
        ),
        "first": comment_factory(
            article,
            author,
            "新規会員の承認待ち",
            status=Status.PENDING,
            hold_reason=HoldReason.FIRST_COMMENTS,
        ),
        "auto_hidden": comment_factory(
            article, author, "通報で自動非表示", status=Status.AUTO_HIDDEN, hold_reason=HoldReason.REPORTS
        ),
        "hidden": comment_factory(article, author, "運営が非表示にしたもの", status=Status.HIDDEN),
        "quiet": comment_factory(article, author, "通報のない公開コメント"),
    }
    report(comments["reported"], "spam", n=2)
    return comments


def _shown(client: Client, comments: dict[str, Comment], **params: str) -> set[str]:
    page = client.get(INDEX, params)
    assert page.status_code == 200
    html = page.content.decode()
    return {key for key, c in comments.items() if f'href="{_url("comment", c.pk)}?' in html}


def test_each_tab_shows_the_comments_waiting_there(
    mod_client: Client, queue_comments: dict[str, Comment]
) -> None:
    assert _shown(mod_client, queue_comments) == {"reported"}
    assert _shown(mod_client, queue_comments, tab="reported") == {"reported"}
    assert _shown(mod_client, queue_comments, tab="pending") == {"pending", "first"}
    assert _shown(mod_client, queue_comments, tab="auto_hidden") == {"auto_hidden"}
    assert _shown(mod_client, queue_comments, tab="all") == set(queue_comments)


def test_queue_rows_show_author_article_status_hold_reason_and_reports(
    mod_client: Client, queue_comments: dict[str, Comment], author: Any
) -> None:
    reported = mod_client.get(INDEX).content.decode()
    pending = mod_client.get(INDEX, {"tab": "pending"}).content.decode()

    assert "投稿する会員" in reported and _url("member", author.pk) in reported
    assert "円安で輸出企業の業績が上振れ" in reported
    assert "2件" in reported and "重み 2.00" in reported
    assert "公開" in reported
    assert "承認待ち" in pending and "理由: 禁止語" in pending and "理由: 新規会員の最初のコメント" in pending


def test_the_queue_filters_by_hold_reason_report_reason_article_and_text(
    mod_client: Client,
    queue_comments: dict[str, Comment],
    article_factory: Any,
    author: Any,
    comment_factory: Any,
    report: Any,
) -> None:
    other = article_factory(title="半導体の新工場が稼働")
    queue_comments["elsewhere"] = comment_factory(other, author, "別の記事への通報されたコメント")
    report(queue_comments["elsewhere"], "harassment")

    assert _shown(mod_client, queue_comments, tab="pending", hold_reason="banned_word") == {"pending"}
    assert _shown(mod_client, queue_comments, report_reason="harassment") == {"elsewhere"}
    assert _shown(mod_client, queue_comments, report_reason="spam") == {"reported"}
    assert _shown(mod_client, queue_comments, article="半導体") == {"elsewhere"}
    assert _shown(mod_client, queue_comments, tab="all", q="承認待ち") == {"pending", "first"}
    assert _shown(mod_client, queue_comments, tab="all", q="新規会員 承認") == {"first"}


def test_reported_comments_come_most_reported_first_or_newest_first(
    mod_client: Client, article: Any, author: Any, comment_factory: Any, report: Any
) -> None:
    now = timezone.now()
    older = comment_factory(article, author, "古くて通報の多いコメント", created_at=now - timedelta(hours=2))
    newer = comment_factory(
        article, author, "新しくて通報の少ないコメント", created_at=now - timedelta(hours=1)
    )
    report(older, n=3)
    report(newer, n=1)

    by_reports = mod_client.get(INDEX).content.decode()
    by_date = mod_client.get(INDEX, {"order": "newest"}).content.decode()

    assert by_reports.index("古くて通報の多い") < by_reports.index("新しくて通報の少ない")
    assert by_date.index("新しくて通報の少ない") < by_date.index("古くて通報の多い")


def test_queue_queries_do_not_grow_with_the_number_of_rows(
    mod_client: Client,
    article_factory: Any,
    commenter: Any,
    comment_factory: Any,
    django_assert_num_queries: Any,
) -> None:
    def fill(count: int) -> None:
        for n in range(count):
            article = article_factory()
            member = commenter()
            comment_factory(
                article, member, f"承認待ちのコメント{n}", status=Status.PENDING, hold_reason=HoldReason.LINKS
            )

    params = {"tab": "pending"}
    fill(3)
    mod_client.get(INDEX, params)  # warm caches (settings, site root) that a first request fills
    with CaptureQueriesContext(connection) as few:
        assert mod_client.get(INDEX, params).content.decode().count("承認待ちのコメント") == 3
    fill(27)

    with django_assert_num_queries(len(few.captured_queries)):
        html = mod_client.get(INDEX, params).content.decode()

    assert html.count("承認待ちのコメント") == 30


def test_a_bad_filter_shows_its_error_and_no_rows(
    mod_client: Client, queue_comments: dict[str, Comment]
) -> None:
    response = mod_client.get(INDEX, {"tab": "all", "hold_reason": "nonsense"})

    assert response.status_code == 200
    assert _shown(mod_client, queue_comments, tab="all", hold_reason="nonsense") == set()


# A comment under review


def test_the_detail_page_shows_context_history_reports_and_the_authors_record(
    mod_client: Client,
    moderator: Any,
    article: Any,
    author: Any,
    commenter: Any,
    comment_factory: Any,
    report: Any,
) -> None:
    now = timezone.now()
    parent = comment_factory(
        article,
        commenter(display_name="最初の投稿者"),
        "親のコメントです",
        created_at=now - timedelta(hours=3),
    )
    comment_factory(article, commenter(), "前の返信です", parent=parent, created_at=now - timedelta(hours=2))
    comment = comment_factory(
        article, author, "確認するべき返信", parent=parent, created_at=now - timedelta(hours=1)
    )
    comment_factory(article, commenter(), "後の返信です", parent=parent, created_at=now)
    CommentRevision.objects.create(comment=comment, body="編集前の本文でした")
    report(comment, "harassment", details="攻撃的な言葉があります")
    old = comment_factory(article, author, "以前に削除されたコメント", status=Status.REMOVED)
    services.warn(moderator, old, reason="spam", message="宣伝はお控えください")

    html = mod_client.get(_url("comment", comment.pk)).content.decode()

    for text in (
        "円安で輸出企業の業績が上振れ",
        "親のコメントです",
        "最初の投稿者",
        "前の返信です",
        "後の返信です",
        "編集前の本文でした",
        "嫌がらせ・誹謗中傷",
        "攻撃的な言葉があります",
        "確認中",
        "以前に削除されたコメント",
        "宣伝はお控えください",
        "投稿する会員",
    ):
        assert text in html, text
    assert "運営が削除 <strong>1</strong>" in html


# Actions: each goes through its service and is audited


def test_approving_publishes_a_pending_comment_and_dismisses_reports(
    mod_client: Client, moderator: Any, article: Any, author: Any, comment_factory: Any
) -> None:
    comment = comment_factory(article, author, status=Status.PENDING, hold_reason=HoldReason.FIRST_COMMENTS)
    next_url = f"{INDEX}?tab=pending"

    response = _post(
        mod_client,
        _url("comment", comment.pk),
        _url("approve", comment.pk),
        "approve",
        note="問題なし",
        next=next_url,
    )

    assert response.status_code == 302 and response["Location"] == next_url
    comment.refresh_from_db()
    assert (comment.status, comment.hold_reason) == (Status.PUBLISHED, "")
    entry = AuditEntry.objects.get(action="comments.approved")
    assert entry.actor == moderator and entry.target_id == str(comment.pk)
    assert "承認しました" in mod_client.get(next_url).content.decode()


def test_approving_a_reported_comment_dismisses_its_reports(
    mod_client: Client, article: Any, author: Any, comment_factory: Any, report: Any
) -> None:
    comment = comment_factory(article, author)
    report(comment, n=2)

    _post(mod_client, _url("comment", comment.pk), _url("approve", comment.pk), "approve")

    comment.refresh_from_db()
    assert comment.open_report_count == 0
    assert set(comment.reports.values_list("status", flat=True)) == {CommentReport.Status.DISMISSED}


def test_hiding_upholds_reports_and_is_audited(
    mod_client: Client, article: Any, author: Any, comment_factory: Any, report: Any
) -> None:
    comment = comment_factory(article, author)
    report(comment, "spam")

    response = _post(
        mod_client, _url("comment", comment.pk), _url("hide", comment.pk), "hide", reason="spam", note="宣伝"
    )

    assert response.status_code == 302 and response["Location"] == INDEX
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN
    assert set(comment.reports.values_list("status", flat=True)) == {CommentReport.Status.UPHELD}
    assert AuditEntry.objects.get(action="comments.hidden").detail["reason"] == "spam"


def test_removing_is_audited(mod_client: Client, article: Any, author: Any, comment_factory: Any) -> None:
    comment = comment_factory(article, author)

    _post(mod_client, _url("comment", comment.pk), _url("remove", comment.pk), "remove", reason="illegal")

    comment.refresh_from_db()
    assert comment.status == Status.REMOVED
    assert AuditEntry.objects.get(action="comments.removed").target_id == str(comment.pk)


def test_hiding_needs_a_reason(mod_client: Client, article: Any, author: Any, comment_factory: Any) -> None:
    comment = comment_factory(article, author)

    response = _post(mod_client, _url("comment", comment.pk), _url("hide", comment.pk), "hide", reason="")

    assert response.status_code == 200
    assert "理由を選んでください。" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    assert not AuditEntry.objects.filter(action="comments.hidden").exists()


def test_warning_the_author(
    mod_client: Client, moderator: Any, article: Any, author: Any, comment_factory: Any
) -> None:
    comment = comment_factory(article, author)

    response = _post(
        mod_client,
        _url("comment", comment.pk),
        _url("warn", comment.pk),
        "warn",
        reason="off_topic",
        message="記事に沿った話題でお願いします",
    )

    assert response.status_code == 302 and response["Location"] == _url("comment", comment.pk)
    warning = Warning.objects.get(user=author)
    assert (warning.reason, warning.message, warning.created_by) == (
        "off_topic",
        "記事に沿った話題でお願いします",
        moderator,
    )
    assert AuditEntry.objects.filter(action="comments.warned", target_id=str(comment.pk)).exists()


def test_a_service_refusal_shows_its_message_and_changes_nothing(
    mod_client: Client, article: Any, author: Any, comment_factory: Any
) -> None:
    comment = comment_factory(article, author)
    Comment.objects.filter(pk=comment.pk).update(author=None)  # the account was deleted meanwhile
    page = mod_client.get(_url("comment", comment.pk))
    assert "投稿者が退会しているため" in page.content.decode()

    response = mod_client.post(
        _url("warn", comment.pk), {"warn-reason": "spam", "warn-submit_token": "a" * 32}
    )

    assert response.status_code == 200
    assert "投稿者が退会しているため、注意できません。" in response.content.decode()
    assert not Warning.objects.exists()
    assert not AuditEntry.objects.filter(action="comments.warned").exists()


def test_restricting_the_author_hides_the_comment_and_is_audited(
    mod_client: Client, moderator: Any, article: Any, author: Any, comment_factory: Any, report: Any
) -> None:
    comment = comment_factory(article, author)
    report(comment, "harassment")

    response = _post(
        mod_client,
        _url("comment", comment.pk),
        _url("restrict", comment.pk),
        "restrict",
        features=["post", "like"],
        reason="harassment",
        days="14",
        message="14日間、投稿といいねを制限します",
    )

    assert response.status_code == 302
    restriction = Restriction.objects.get(user=author)
    assert restriction.features == ["post", "like"]
    assert restriction.comment == comment and restriction.created_by == moderator
    assert restriction.ends_at is not None and timedelta(
        days=13
    ) < restriction.ends_at - timezone.now() <= timedelta(days=14)
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN
    entry = AuditEntry.objects.get(action="comments.restricted")
    assert entry.detail["features"] == ["post", "like"] and entry.detail["days"] == 14


def test_an_indefinite_restriction_has_no_end(
    mod_client: Client, article: Any, author: Any, comment_factory: Any
) -> None:
    comment = comment_factory(article, author)

    _post(
        mod_client,
        _url("comment", comment.pk),
        _url("restrict", comment.pk),
        "restrict",
        features=["report"],
        reason="spam",
        days="",
        indefinite="on",
    )

    assert Restriction.objects.get(user=author).ends_at is None


def test_a_restriction_without_features_shows_the_message_and_creates_nothing(
    mod_client: Client, article: Any, author: Any, comment_factory: Any
) -> None:
    comment = comment_factory(article, author)

    response = _post(
        mod_client,
        _url("comment", comment.pk),
        _url("restrict", comment.pk),
        "restrict",
        reason="spam",
        days="7",
    )

    assert response.status_code == 200
    assert "制限する機能を選んでください。" in response.content.decode()
    assert not Restriction.objects.exists()
    assert not AuditEntry.objects.filter(action="comments.restricted").exists()
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED


def test_a_restriction_needs_a_duration_or_indefinite(
    mod_client: Client, article: Any, author: Any, comment_factory: Any
) -> None:
    comment = comment_factory(article, author)

    response = _post(
        mod_client,
        _url("comment", comment.pk),
        _url("restrict", comment.pk),
        "restrict",
        features=["post"],
        reason="spam",
        days="",
    )

    assert "期間を日数で入力するか、「無期限」を選んでください。" in response.content.decode()
    assert not Restriction.objects.exists()


def test_a_second_submit_of_the_same_form_changes_nothing(
    mod_client: Client, article: Any, author: Any, comment_factory: Any
) -> None:
    comment = comment_factory(article, author)
    data = {
        "warn-reason": "spam",
        "warn-submit_token": _token(mod_client.get(_url("comment", comment.pk)), "warn"),
    }

    mod_client.post(_url("warn", comment.pk), data)
    response = mod_client.post(_url("warn", comment.pk), data, follow=True)

    assert "二重送信" in response.content.decode()
    assert Warning.objects.count() == 1


def test_actions_refuse_a_post_without_the_csrf_token(
    moderator: Any, article: Any, author: Any, comment_factory: Any
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator)
    comment = comment_factory(article, author)
    token = _token(client.get(_url("comment", comment.pk)), "remove")

    response = client.post(
        _url("remove", comment.pk), {"remove-reason": "spam", "remove-submit_token": token}
    )

    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED


def test_actions_are_rate_limited_per_staff_account(
    mod_client: Client, article: Any, author: Any, comment_factory: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(moderation, "MODERATION_ACTIONS", Limit(count=1, seconds=60))
    comment = comment_factory(article, author)
    page = _url("comment", comment.pk)

    first = _post(mod_client, page, _url("warn", comment.pk), "warn", reason="spam")
    second = _post(mod_client, page, _url("warn", comment.pk), "warn", reason="spam")

    assert first.status_code == 302
    assert second.status_code == 429
    assert Warning.objects.count() == 1


def test_an_outside_next_address_is_ignored(
    mod_client: Client, article: Any, author: Any, comment_factory: Any
) -> None:
    comment = comment_factory(article, author, status=Status.PENDING)

    response = _post(
        mod_client,
        _url("comment", comment.pk),
        _url("approve", comment.pk),
        "approve",
        next="https://evil.example/admin/comments/",
    )

    assert response["Location"] == INDEX


# Restrictions and appeals


def test_lifting_a_restriction(mod_client: Client, moderator: Any, restriction: Restriction) -> None:
    prefix = f"lift-{restriction.pk}"

    response = _post(
        mod_client,
        _url("restriction", restriction.pk),
        _url("lift", restriction.pk),
        prefix,
        note="誤って制限した",
    )

    assert response.status_code == 302
    restriction.refresh_from_db()
    assert restriction.lifted_at is not None and restriction.lifted_by == moderator
    assert AuditEntry.objects.filter(
        action="comments.restriction_lifted", target_id=str(restriction.pk)
    ).exists()


def test_active_restrictions_can_be_lifted_from_the_comment_page(
    mod_client: Client, restriction: Restriction, author: Any, article: Any, comment_factory: Any
) -> None:
    comment = comment_factory(article, author)
    page = _url("comment", comment.pk)

    response = _post(mod_client, page, _url("lift", restriction.pk), f"lift-{restriction.pk}", next=page)

    assert response["Location"] == page
    restriction.refresh_from_db()
    assert restriction.lifted_at is not None


def test_the_appeals_tab_shows_the_appeal_and_its_restriction(
    mod_client: Client, restriction: Restriction, author: Any
) -> None:
    services.appeal(author, restriction, text_="冗談のつもりでした。反省しています。")

    html = mod_client.get(INDEX, {"tab": "appeals"}).content.decode()

    assert "冗談のつもりでした。反省しています。" in html
    assert "コメントの投稿、返信" in html and "嫌がらせ・誹謗中傷" in html
    assert "申し立てを認めて制限を解除" in html and "認めない(制限を続ける)" in html


def test_accepting_an_appeal_lifts_the_restriction(
    mod_client: Client, restriction: Restriction, author: Any
) -> None:
    appeal = services.appeal(author, restriction, text_="冗談のつもりでした。反省しています。")
    queue = f"{INDEX}?tab=appeals"

    response = _post(
        mod_client,
        queue,
        _url("accept_appeal", appeal.pk),
        f"accept-{appeal.pk}",
        note="今回は解除します",
        next=queue,
    )

    assert response["Location"] == queue
    appeal.refresh_from_db()
    restriction.refresh_from_db()
    assert appeal.status == Appeal.Status.ACCEPTED and appeal.response == "今回は解除します"
    assert restriction.lifted_at is not None
    assert AuditEntry.objects.get(action="comments.restriction_lifted").detail["appeals_accepted"] == 1


def test_rejecting_an_appeal_needs_a_response_then_keeps_the_restriction(
    mod_client: Client, restriction: Restriction, author: Any
) -> None:
    appeal = services.appeal(author, restriction, text_="冗談のつもりでした。反省しています。")
    page = _url("restriction", restriction.pk)
    prefix = f"reject-{appeal.pk}"

    empty = _post(mod_client, page, _url("reject_appeal", appeal.pk), prefix, response="")
    assert empty.status_code == 200 and "会員への回答を入力してください。" in empty.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.OPEN

    response = _post(
        mod_client, page, _url("reject_appeal", appeal.pk), prefix, response="規約第3条に反するため継続します"
    )

    assert response.status_code == 302
    appeal.refresh_from_db()
    restriction.refresh_from_db()
    assert appeal.status == Appeal.Status.REJECTED and appeal.response == "規約第3条に反するため継続します"
    assert restriction.lifted_at is None
    assert AuditEntry.objects.filter(action="comments.appeal_rejected").count() == 1


def test_a_decided_appeal_cannot_be_decided_again(
    mod_client: Client, moderator: Any, restriction: Restriction, author: Any
) -> None:
    appeal = services.appeal(author, restriction, text_="冗談のつもりでした。反省しています。")
    page = _url("restriction", restriction.pk)
    token = _token(mod_client.get(page), f"accept-{appeal.pk}")
    services.reject_appeal(moderator, appeal, response="継続します")

    response = mod_client.post(
        _url("accept_appeal", appeal.pk), {f"accept-{appeal.pk}-submit_token": token}, follow=True
    )

    assert "この申し立てはすでに審査が終わっています。" in response.content.decode()
    assert "認められませんでした" in response.content.decode()
    restriction.refresh_from_db()
    assert restriction.lifted_at is None


def test_the_member_history_page(mod_client: Client, restriction: Restriction, author: Any) -> None:
    html = mod_client.get(_url("member", author.pk)).content.decode()

    assert "投稿する会員 さんのコメント履歴" in html
    assert "制限の原因になったコメントです。" in html
    assert "制限を解除する" in html
