"""The community layer's rules, through the services every surface calls."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kiji.audit.models import AuditEntry
from kiji.comments import services
from kiji.comments.models import (
    Appeal,
    ArticleCommentCount,
    Comment,
    CommentLike,
    CommentReport,
    Restriction,
)
from kiji.comments.selectors import comment_count
from kiji.core import access
from kiji.core.access import Action

Status = Comment.Status
pytestmark = pytest.mark.django_db


def post(user, article, body="決算の読み方が参考になりました。", **kwargs):
    return services.post_comment(user, article=article, body=body, **kwargs).comment


# Posting ------------------------------------------------------------------------------------------


def test_a_post_is_published_and_counted(article_factory, commenter, open_comments):
    article = article_factory()
    comment = post(commenter(), article)
    assert comment.status == Status.PUBLISHED
    assert comment.body_html == "<p>決算の読み方が参考になりました。</p>"
    assert comment_count(article.pk) == 1


def test_posting_needs_consent_and_changes_nothing_without_it(article_factory, commenter, open_comments):
    article = article_factory()
    with pytest.raises(services.NeedsConsent):
        post(commenter(consent=False), article)
    assert not Comment.objects.exists()


def test_anonymous_visitors_cannot_post(article_factory, open_comments):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(services.Refused) as refused:
        post(AnonymousUser(), article_factory())
    assert refused.value.decision.unlock == "sign_up"


@pytest.mark.parametrize(
    ("who", "level", "allowed"),
    [
        ("registered", "registered", True),
        ("complete", "registered", False),
        ("complete", "complete", True),
        ("premium", "complete", False),
        ("premium", "premium", True),
        ("premium", "staff", True),
    ],
)
def test_who_may_post_is_a_setting_read_through_the_ladder(
    article_factory, commenter, configure, open_comments, who, level, allowed
):
    configure(who_may_post=who)
    user = commenter(level)
    assert bool(access.decide(user, Action.POST_COMMENT, article_factory())) is allowed


def test_a_walled_article_takes_comments_only_from_those_who_may_read_it(
    article_factory, commenter, open_comments
):
    premium_article = article_factory(access="premium")
    with pytest.raises(services.Refused):
        post(commenter("complete"), premium_article)
    assert post(commenter("premium"), premium_article).status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("body", "code"),
    [("", "empty"), ("   \n\u200b ", "empty"), ("あ" * 2001, "too_long")],
)
def test_bad_text_gets_a_specific_message(article_factory, commenter, open_comments, body, code):
    with pytest.raises(services.CommentError) as error:
        post(commenter(), article_factory(), body)
    assert error.value.code == code
    assert not Comment.objects.exists()


def test_the_length_limit_is_a_setting(article_factory, commenter, open_comments, configure):
    configure(max_length=10)
    with pytest.raises(services.CommentError, match="10文字以内"):
        post(commenter(), article_factory(), "あ" * 11)


def test_the_same_form_sent_twice_makes_one_comment(article_factory, commenter, open_comments):
    user, article = commenter(), article_factory()
    first = services.post_comment(user, article=article, body="一度だけ", token="abc")
    second = services.post_comment(user, article=article, body="一度だけ", token="abc")
    assert first.created and not second.created
    assert first.comment.pk == second.comment.pk
    assert Comment.objects.count() == 1


def test_members_wait_between_comments_and_new_members_longer(article_factory, commenter, configure):
    configure(premoderate_first_comments=0)
    article = article_factory()
    old, new = commenter(), commenter(days_old=1)
    post(old, article, "一つ目")
    with pytest.raises(services.TooSoon) as soon:
        post(old, article, "二つ目")
    assert 0 < soon.value.wait <= 5
    post(new, article, "新人の一つ目")
    with pytest.raises(services.TooSoon) as soon:
        post(new, article, "新人の二つ目")
    assert 5 < soon.value.wait <= 30
    Comment.objects.update(created_at=timezone.now() - timedelta(seconds=31))
    post(old, article, "二つ目")
    post(new, article, "新人の二つ目")


def test_a_daily_cap(article_factory, commenter, configure):
    configure(premoderate_first_comments=0, min_interval_seconds=0, daily_limit=2)
    user, article = commenter(), article_factory()
    post(user, article, "一")
    post(user, article, "二")
    with pytest.raises(services.CommentError) as error:
        post(user, article, "三")
    assert error.value.code == "daily_cap"


def test_the_same_text_twice_is_refused_even_in_other_widths(article_factory, commenter, open_comments):
    user, article = commenter(), article_factory()
    post(user, article, "ＡＩの導入は慎重に")
    with pytest.raises(services.CommentError) as error:
        post(user, article, "AIの導入は 慎重に")
    assert error.value.code == "duplicate"


def test_replies_are_one_level_deep(article_factory, commenter, open_comments):
    article = article_factory()
    top = post(commenter(), article, "親")
    reply = post(commenter(), article, "返信", parent=top)
    reply_to_reply = post(commenter(), article, "返信への返信", parent=reply)
    assert reply_to_reply.parent_id == top.pk
    top.refresh_from_db()
    assert top.reply_count == 2


def test_no_reply_to_a_comment_that_is_gone(article_factory, commenter, open_comments):
    article, author = article_factory(), commenter()
    top = post(author, article)
    services.delete_comment(author, top)
    with pytest.raises(services.CommentError) as error:
        post(commenter(), article, "返信", parent=top)
    assert error.value.code == "parent_gone"


# Holds for review ----------------------------------------------------------------------------------


def test_a_new_members_first_comment_waits_for_a_moderator(article_factory, commenter, moderator, configure):
    configure(premoderate_first_comments=1, min_interval_seconds=0)
    user, article = commenter(), article_factory()
    first = post(user, article, "初投稿です")
    assert (first.status, first.hold_reason) == (Status.PENDING, "first_comments")
    assert comment_count(article.pk) == 0
    services.approve(moderator, first)
    assert post(user, article, "二回目").status == Status.PUBLISHED
    assert comment_count(article.pk) == 2


@pytest.mark.parametrize(
    ("field", "written", "reason"),
    [("banned_words", "ﾊﾞｶ", "banned_word"), ("suspect_words", "カ・ジ・ノ", "suspect_word")],
)
def test_word_lists_hold_comments_in_any_width_or_kana(
    article_factory, commenter, open_comments, configure, field, written, reason
):
    configure(**{field: "ばか\nかじの"})
    comment = post(commenter(), article_factory(), f"これは{written}です")
    assert (comment.status, comment.hold_reason) == (Status.PENDING, reason)


def test_many_links_hold_a_comment(article_factory, commenter, open_comments):
    body = " ".join(f"https://example.com/{n}" for n in range(4))
    assert post(commenter(), article_factory(), body).hold_reason == "links"


def test_staff_are_not_held(article_factory, commenter, configure):
    configure(banned_words="ばか", premoderate_first_comments=3)
    assert post(commenter("staff"), article_factory(), "ばか").status == Status.PUBLISHED


# Editing and deleting ------------------------------------------------------------------------------


def test_editing_keeps_the_history_and_marks_the_comment(article_factory, commenter, open_comments):
    user = commenter()
    comment = post(user, article_factory(), "最初の文")
    edited = services.edit_comment(user, comment, body="直した文")
    assert edited.is_edited and edited.body == "直した文"
    assert list(edited.revisions.values_list("body", flat=True)) == ["最初の文"]


def test_only_the_author_edits_or_deletes(article_factory, commenter, open_comments):
    comment = post(commenter(), article_factory())
    other = commenter()
    with pytest.raises(services.CommentError):
        services.edit_comment(other, comment, body="乗っ取り")
    with pytest.raises(services.CommentError):
        services.delete_comment(other, comment)


def test_an_edit_with_a_banned_word_goes_back_to_review(article_factory, commenter, open_comments, configure):
    configure(banned_words="ばか")
    user, article = commenter(), article_factory()
    comment = post(user, article, "普通の文")
    edited = services.edit_comment(user, comment, body="バカな話")
    assert edited.status == Status.PENDING
    assert comment_count(article.pk) == 0


def test_deleting_a_comment_with_replies_leaves_a_placeholder(article_factory, commenter, open_comments):
    from kiji.comments.selectors import Sort, thread_page

    author, article = commenter(), article_factory()
    with_replies, alone = post(author, article, "返信あり"), post(author, article, "返信なし")
    post(commenter(), article, "返信", parent=with_replies)
    assert services.delete_comment(author, with_replies)
    assert services.delete_comment(author, alone)
    assert not services.delete_comment(author, alone)  # a second delete changes nothing
    listed = list(thread_page(article.pk, None, sort=Sort.NEWEST, number=1).object_list)
    assert [c.pk for c in listed] == [with_replies.pk]
    assert listed[0].status == Status.DELETED
    assert comment_count(article.pk) == 1


# Likes ---------------------------------------------------------------------------------------------


def test_likes_count_once_and_never_on_ones_own(article_factory, commenter, open_comments):
    author, fan = commenter(), commenter()
    comment = post(author, article_factory())
    assert services.set_like(fan, comment, liked=True) == (True, 1)
    assert services.set_like(fan, comment, liked=True) == (True, 1)  # double click
    assert services.set_like(fan, comment, liked=False) == (False, 0)
    assert services.set_like(fan, comment, liked=False) == (False, 0)
    with pytest.raises(services.CommentError, match="ご自身"):
        services.set_like(author, comment, liked=True)


# Reports and automatic hiding ----------------------------------------------------------------------


def test_reports_one_per_member_with_details_required_for_other(article_factory, commenter, open_comments):
    comment = post(commenter(), article_factory())
    reporter = commenter()
    with pytest.raises(services.CommentError, match="問題の詳細"):
        services.report_comment(reporter, comment, reason="other")
    with pytest.raises(services.CommentError):
        services.report_comment(reporter, comment, reason="not-a-reason")
    _report, created = services.report_comment(reporter, comment, reason="spam")
    again, created_again = services.report_comment(reporter, comment, reason="harassment")
    assert created and not created_again and again.reason == "spam"
    assert CommentReport.objects.count() == 1
    with pytest.raises(services.CommentError, match="ご自身"):
        services.report_comment(comment.author, comment, reason="spam")


def test_three_distinct_reporters_hide_a_comment_pending_review(article_factory, commenter, open_comments):
    article = article_factory()
    comment = post(commenter(), article)
    for _n in range(2):
        services.report_comment(commenter(), comment, reason="harassment")
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED
    services.report_comment(commenter(), comment, reason="harassment")
    comment.refresh_from_db()
    assert (comment.status, comment.hold_reason, comment.open_report_count) == (
        Status.AUTO_HIDDEN,
        "reports",
        3,
    )
    assert comment_count(article.pk) == 0
    assert AuditEntry.objects.filter(action="comments.auto_hidden", target_id=str(comment.pk)).exists()


def test_a_reporters_weight_follows_their_record(article_factory, commenter, moderator, open_comments):
    article, reporter = article_factory(), commenter()
    assert services.reporter_weight(reporter) == Decimal("1.00")
    for _n in range(3):
        target = post(commenter(), article)
        services.report_comment(reporter, target, reason="spam")
        services.approve(moderator, target)  # nothing wrong: dismissed
    assert services.reporter_weight(reporter) == Decimal("0.40")
    # Two reliable reporters and this one do not reach 3 together.
    comment = post(commenter(), article)
    services.report_comment(reporter, comment, reason="spam")
    services.report_comment(commenter(), comment, reason="spam")
    services.report_comment(commenter(), comment, reason="spam")
    comment.refresh_from_db()
    assert comment.status == Status.PUBLISHED


def test_reporters_learn_the_outcome(article_factory, commenter, moderator, open_comments):
    article = article_factory()
    upheld, dismissed = post(commenter(), article, "一"), post(commenter(), article, "二")
    reporter = commenter()
    services.report_comment(reporter, upheld, reason="spam")
    services.report_comment(reporter, dismissed, reason="spam")
    services.hide(moderator, upheld, reason="spam")
    services.approve(moderator, dismissed)
    outcomes = dict(CommentReport.objects.filter(reporter=reporter).values_list("comment_id", "status"))
    assert outcomes == {upheld.pk: "upheld", dismissed.pk: "dismissed"}


# Restrictions and appeals --------------------------------------------------------------------------


def test_a_restriction_turns_off_only_its_features_and_names_itself(
    article_factory, commenter, moderator, open_comments
):
    article = article_factory()
    author = commenter()
    comment = post(author, article)
    restriction = services.restrict(
        moderator,
        author,
        features=["post", "like"],
        reason="harassment",
        days=7,
        comment=comment,
        message="表現にご注意ください",
    )
    author = type(author).objects.get(pk=author.pk)
    refused = access.decide(author, Action.POST_COMMENT, article)
    assert not refused and refused.reason == "restricted" and refused.restriction == restriction
    assert "違反報告" in str(refused.message)
    assert not access.decide(author, Action.LIKE_COMMENT, article)
    assert access.decide(author, Action.REPORT_COMMENT, article)
    assert access.decide(author, Action.REPLY_COMMENT, article)
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN
    entry = AuditEntry.objects.get(action="comments.restricted")
    assert (
        entry.actor == moderator
        and entry.detail["features"] == ["post", "like"]
        and entry.detail["days"] == 7
    )
    # Deleting one's own comment stays possible under a restriction.
    assert services.delete_comment(author, comment)


def test_a_restriction_ends_by_itself_or_when_lifted(article_factory, commenter, moderator, open_comments):
    article, member = article_factory(), commenter()
    restriction = services.restrict(moderator, member, features=["post"], reason="spam", days=1)
    Restriction.objects.filter(pk=restriction.pk).update(ends_at=timezone.now() - timedelta(seconds=1))
    assert access.decide(type(member).objects.get(pk=member.pk), Action.POST_COMMENT, article)
    forever = services.restrict(moderator, member, features=["post"], reason="spam", days=None)
    assert forever.ends_at is None
    services.lift(moderator, forever, note="誤りでした")
    assert access.decide(type(member).objects.get(pk=member.pk), Action.POST_COMMENT, article)


def test_bad_restriction_input_changes_nothing(commenter, moderator):
    member = commenter()
    cases: tuple[dict[str, Any], ...] = (
        {"features": []},
        {"features": ["post"], "reason": "nope"},
        {"features": ["post"], "days": 0},
    )
    for kwargs in cases:
        with pytest.raises(services.CommentError):
            services.restrict(moderator, member, **{"reason": "spam", "days": 3, **kwargs})
    assert not Restriction.objects.exists()


def test_only_moderators_moderate(article_factory, commenter, open_comments):
    comment = post(commenter(), article_factory())
    for action in (services.approve, services.hide, services.remove):
        with pytest.raises(services.Refused):
            action(commenter("staff"), comment, **({} if action is services.approve else {"reason": "spam"}))


def test_appeals_one_open_at_a_time_and_lifting_accepts_it(commenter, moderator):
    member = commenter()
    restriction = services.restrict(moderator, member, features=["post"], reason="spam", days=3)
    with pytest.raises(services.CommentError, match="10文字以上"):
        services.appeal(member, restriction, text_="短い")
    services.appeal(member, restriction, text_="宣伝の意図はなく、業界の資料を紹介しただけです。")
    with pytest.raises(services.CommentError, match="審査中"):
        services.appeal(member, restriction, text_="もう一度申し立てます。よろしくお願いします。")
    with pytest.raises(services.CommentError):
        services.appeal(commenter(), restriction, text_="他人の制限に申し立てます。よろしく。")
    services.lift(moderator, restriction, note="申し立てを認めます")
    assert Appeal.objects.get().status == Appeal.Status.ACCEPTED
    assert AuditEntry.objects.filter(action="comments.appeal_filed").exists()


def test_a_rejected_appeal_carries_the_response(commenter, moderator):
    member = commenter()
    restriction = services.restrict(moderator, member, features=["post"], reason="spam", days=3)
    made = services.appeal(member, restriction, text_="誤りだと思います。ご確認ください。")
    with pytest.raises(services.CommentError):
        services.reject_appeal(moderator, made, response="")
    rejected = services.reject_appeal(moderator, made, response="同様の宣伝が繰り返されていました。")
    assert rejected.status == Appeal.Status.REJECTED


def test_every_moderation_action_is_audited_with_who_and_why(
    article_factory, commenter, moderator, open_comments
):
    comment = post(commenter(), article_factory())
    services.hide(moderator, comment, reason="hate", note="差別的な表現")
    services.warn(moderator, comment, reason="hate", message="ルールをご確認ください")
    services.approve(moderator, comment, note="文脈上問題なし")
    services.remove(moderator, comment, reason="hate")
    actions = list(
        AuditEntry.objects.filter(action__startswith="comments.")
        .order_by("pk")
        .values_list("action", "actor_id")
    )
    assert actions == [
        ("comments.hidden", moderator.pk),
        ("comments.warned", moderator.pk),
        ("comments.approved", moderator.pk),
        ("comments.removed", moderator.pk),
    ]
    assert AuditEntry.objects.get(action="comments.hidden").detail["note"] == "差別的な表現"


# Privacy -------------------------------------------------------------------------------------------


def test_the_export_holds_the_members_comments_and_nothing_of_others(
    article_factory, commenter, open_comments
):
    from kiji.comments.privacy import export_member_data

    article, member, other = article_factory(), commenter(), commenter()
    mine = post(member, article, "私の意見")
    services.edit_comment(member, mine, body="私の意見(修正)")
    theirs = post(other, article, "他人の意見")
    services.set_like(member, theirs, liked=True)
    data = export_member_data(member)
    assert [c["body"] for c in data["comments"]] == ["私の意見(修正)"]
    assert data["comments"][0]["earlier_versions"][0]["body"] == "私の意見"
    assert data["likes"][0]["comment_id"] == theirs.pk
    assert "他人の意見" not in str(data)


def test_deleting_the_account_removes_comments_and_keeps_threads(article_factory, commenter, open_comments):
    from kiji.privacy.services import delete_account

    article, member, other = article_factory(), commenter(), commenter()
    with_reply = post(member, article, "消える人の親コメント")
    post(other, article, "残る返信", parent=with_reply)
    post(member, article, "消える人の単独コメント")
    liked = post(other, article, "いいねされた")
    services.set_like(member, liked, liked=True)
    delete_account(member, by=member)
    placeholder = Comment.objects.get(pk=with_reply.pk)
    assert (placeholder.author_id, placeholder.body, placeholder.status) == (None, "", Status.DELETED)
    assert not Comment.objects.filter(body__contains="消える人").exists()
    assert Comment.objects.get(pk=liked.pk).like_count == 0
    assert not CommentLike.objects.exists()
    assert ArticleCommentCount.objects.get(article=article).count == 2
