"""Follows and blocks from both sides, through the services and through the pages, with and
without JavaScript. A blocks B throughout: B is the blocked member."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kiji.comments import services as comment_services
from kiji.comments.models import Comment, CommentLike
from kiji.core.ratelimit import Limit, hit
from kiji.privacy.consent import consent_url
from kiji.privacy.selectors import member_export
from kiji.social import selectors, services, views
from kiji.social.models import AuthorFollow, Block, Kind, MemberFollow, Notification, SeriesFollow
from kiji.social.notifications import notify

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}

NOTICE = "フォローすると、あなたの基本情報(公開に設定した項目)がフォロー先の会員に表示されます。"
CANNOT_FOLLOW = "この会員をフォローすることはできません。"
BLOCKING_FOLLOW = "ブロック中の会員はフォローできません。"


def url(name: str, user) -> str:
    return reverse(f"social:{name}", args=[user.pk])


def fresh(user):
    """The same member as a new request would see them (nothing memoised)."""
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def pair(commenter):
    return commenter(display_name="アリス"), commenter(display_name="ボブ")


# The rules, through the services ------------------------------------------------------------------


def test_blocking_removes_the_follows_both_ways(pair):
    alice, bob = pair
    services.follow_member(alice, bob)
    services.follow_member(bob, alice)
    assert MemberFollow.objects.count() == 2
    assert services.block(alice, bob) is True
    assert MemberFollow.objects.count() == 0
    assert services.block(alice, bob) is False  # a second submit changes nothing
    assert Block.objects.count() == 1


def test_the_blocked_member_cannot_follow_the_blocker(pair):
    alice, bob = pair
    services.block(alice, bob)
    with pytest.raises(services.Refused) as refused:
        services.follow_member(fresh(bob), alice)
    assert refused.value.message == CANNOT_FOLLOW
    assert not MemberFollow.objects.exists()


def test_the_blocker_cannot_follow_until_unblocking_then_both_can(pair):
    alice, bob = pair
    services.block(alice, bob)
    with pytest.raises(services.Refused) as refused:
        services.follow_member(alice, bob)
    assert refused.value.message.startswith(BLOCKING_FOLLOW)
    assert "解除すると、お互いに再びフォローできるようになります" in refused.value.message
    assert services.unblock(alice, bob) is True
    assert services.unblock(alice, bob) is False
    assert services.follow_member(fresh(alice), bob) is True
    assert services.follow_member(fresh(bob), alice) is True


def test_a_block_made_while_a_follow_was_on_its_way_wins(pair):
    alice, bob = pair
    bob = fresh(bob)
    from kiji.core import access

    access.status_of(bob).blocks()  # the ladder has read "no blocks" for this request
    Block.objects.create(blocker=alice, blocked=bob)  # …and alice blocks him meanwhile
    with pytest.raises(services.SocialError) as refused:
        services.follow_member(bob, alice)
    assert refused.value.message == CANNOT_FOLLOW
    assert not MemberFollow.objects.exists()


def test_nobody_follows_or_blocks_themselves(pair):
    alice, _bob = pair
    with pytest.raises(services.SocialError, match="ご自身をフォロー"):
        services.follow_member(alice, alice)
    with pytest.raises(services.SocialError, match="ご自身をブロック"):
        services.block(alice, alice)


def test_the_blocked_member_cannot_like_or_reply_to_the_blockers_comments(
    pair, commenter, article_factory, comment_factory, open_comments
):
    alice, bob = pair
    article = article_factory()
    mine = comment_factory(article, alice, "アリスのコメント")
    services.block(alice, bob)
    bob = fresh(bob)
    with pytest.raises(comment_services.Refused) as like:
        comment_services.set_like(bob, mine, liked=True)
    assert like.value.decision.message == "この会員のコメントにはいいねできません。"
    with pytest.raises(comment_services.Refused) as reply:
        comment_services.post_comment(bob, article=article, body="返信です", parent=mine)
    assert reply.value.decision.message == "この会員のコメントには返信できません。"
    assert not CommentLike.objects.exists()
    assert Comment.objects.count() == 1
    # Others still can, and so can bob after the block is lifted.
    carol = commenter()
    assert comment_services.set_like(carol, mine, liked=True) == (True, 1)
    services.unblock(alice, bob)
    assert comment_services.set_like(fresh(bob), mine, liked=True) == (True, 2)


def test_nothing_caused_by_the_blocked_member_reaches_the_blocker(pair):
    alice, bob = pair
    earlier = notify(alice, Kind.FOLLOWER, actor=bob, key=f"follower:{bob.pk}")
    assert earlier is not None
    services.block(alice, bob)
    assert notify(alice, Kind.LIKE, actor=bob, title="記事", key="like:1") is None
    assert notify(alice, Kind.REPLY, actor=bob, title="記事") is None
    # The one from before the block is hidden too, and so is its unread mark.
    assert list(selectors.inbox(alice)) == []
    assert selectors.unread_count(alice) == 0
    from_staff = notify(alice, Kind.MODERATION, title="運営から")  # nobody's doing: still shown
    assert list(selectors.inbox(alice)) == [from_staff]
    Notification.objects.filter(kind=Kind.MODERATION).delete()
    # The blocked member still hears of the blocker's doings, and others still reach alice.
    assert notify(bob, Kind.LIKE, actor=alice, title="記事", key="like:2") is not None
    services.unblock(alice, bob)
    assert list(selectors.inbox(alice)) == [earlier]


def test_likes_from_the_blocked_member_before_the_block_no_longer_show(
    pair, article_factory, comment_factory, django_capture_on_commit_callbacks
):
    alice, bob = pair
    mine = comment_factory(article_factory(), alice)
    with django_capture_on_commit_callbacks(execute=True):
        comment_services.set_like(bob, mine, liked=True)
    assert Notification.objects.filter(recipient=alice, kind=Kind.LIKE).count() == 1
    services.block(alice, bob)
    assert selectors.unread_count(alice) == 0


def test_following_needs_consent_first(commenter):
    shy, other = commenter(consent=False), commenter()
    with pytest.raises(services.NeedsConsent):
        services.follow_member(shy, other)
    assert not MemberFollow.objects.exists()


def test_a_follow_notifies_once_however_often_it_is_repeated(pair):
    alice, bob = pair
    assert services.follow_member(alice, bob) is True
    assert services.follow_member(alice, bob) is False
    services.unfollow_member(alice, bob)
    services.follow_member(alice, bob)
    notes = Notification.objects.filter(recipient=bob, kind=Kind.FOLLOWER)
    assert notes.count() == 1
    assert notes.get().url == url("member", alice)


# The same rules through the pages ------------------------------------------------------------------


def test_following_from_the_member_page_without_javascript(client, pair):
    alice, bob = pair
    client.force_login(alice)
    html = client.get(url("member", bob)).content.decode()
    assert NOTICE in html
    assert f'action="{url("follow", bob)}"' in html
    response = client.post(url("follow", bob), {"next": url("member", bob)})
    assert response.status_code == 302 and response["Location"] == url("member", bob)
    page = client.get(response["Location"]).content.decode()
    assert "ボブさんをフォローしました。" in page
    assert "フォロー中" in page and f'action="{url("unfollow", bob)}"' in page
    assert MemberFollow.objects.filter(follower=alice, followed=bob).exists()


def test_following_with_htmx_swaps_the_button_and_the_count(client, pair):
    alice, bob = pair
    client.force_login(alice)
    html = client.post(url("follow", bob), **HX).content.decode()
    assert f'id="member-follow-{bob.pk}"' in html
    assert "ボブさんをフォローしました。" in html
    assert f'<strong id="member-followers-{bob.pk}" hx-swap-oob="true">1</strong>' in html
    html = client.post(url("unfollow", bob), **HX).content.decode()
    assert "ボブさんのフォローを解除しました。" in html
    assert 'hx-swap-oob="true">0</strong>' in html
    assert not MemberFollow.objects.exists()


def test_a_double_submitted_follow_makes_one_follow(client, pair):
    alice, bob = pair
    client.force_login(alice)
    client.post(url("follow", bob))
    response = client.post(url("follow", bob), follow=True)
    assert "ボブさんはすでにフォローしています。" in response.content.decode()
    assert MemberFollow.objects.count() == 1
    assert Notification.objects.filter(kind=Kind.FOLLOWER).count() == 1


def test_the_consent_step_comes_before_the_first_follow(client, commenter):
    shy, bob = commenter(consent=False), commenter(display_name="ボブ")
    client.force_login(shy)
    html = client.get(url("member", bob)).content.decode()
    assert NOTICE in html
    assert f'href="{consent_url(url("member", bob))}"' in html  # a link to the consent step, not a form
    assert f'action="{url("follow", bob)}"' not in html
    response = client.post(url("follow", bob), {"next": url("member", bob)})
    assert response.status_code == 302
    assert response["Location"] == consent_url(url("member", bob))
    response = client.post(url("follow", bob), {"next": url("member", bob)}, **HX)
    assert response.status_code == 204 and response["HX-Redirect"] == consent_url(url("member", bob))
    assert not MemberFollow.objects.exists()


def test_visitors_are_sent_to_sign_in(client, commenter):
    bob = commenter()
    html = client.get(url("member", bob)).content.decode()
    assert reverse("account_login") in html and "csrfmiddlewaretoken" not in html
    response = client.post(url("follow", bob))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert client.get(url("block", bob)).status_code == 302
    assert client.get(reverse("social:blocks")).status_code == 302


def test_the_blocked_member_sees_the_ladders_message_when_following(client, pair):
    alice, bob = pair
    services.block(alice, bob)
    client.force_login(bob)
    response = client.post(url("follow", alice), {"next": url("member", alice)})
    assert response.status_code == 302
    assert CANNOT_FOLLOW in client.get(response["Location"]).content.decode()
    response = client.post(url("follow", alice), **HX)
    assert response.status_code == 403
    assert response["HX-Retarget"] == "#comment-dialog"
    assert CANNOT_FOLLOW in response.content.decode()
    assert not MemberFollow.objects.exists()


def test_the_blocker_sees_why_following_is_refused(client, pair):
    alice, bob = pair
    services.block(alice, bob)
    client.force_login(alice)
    response = client.post(url("follow", bob), follow=True)
    assert BLOCKING_FOLLOW in response.content.decode()
    assert not MemberFollow.objects.exists()


def test_blocked_likes_and_replies_through_the_comment_pages_say_why(
    client, pair, article_factory, comment_factory, open_comments
):
    alice, bob = pair
    article = article_factory()
    mine = comment_factory(article, alice, "アリスのコメント")
    services.block(alice, bob)
    client.force_login(bob)
    like = reverse("comments:like", args=[mine.pk])
    response = client.post(like, {"liked": "1"})
    assert response.status_code == 403
    assert "この会員のコメントにはいいねできません。" in response.content.decode()
    response = client.post(like, {"liked": "1"}, **HX)
    assert response["HX-Retarget"] == "#comment-dialog"
    assert "この会員のコメントにはいいねできません。" in response.content.decode()
    post = reverse("comments:post", args=[article.pk])
    response = client.post(post, {"body": "返信します", "token": "t-1", "parent": mine.pk})
    assert response.status_code == 403
    assert "この会員のコメントには返信できません。" in response.content.decode()
    assert not CommentLike.objects.exists() and Comment.objects.count() == 1


def test_the_blocker_sees_the_blocked_members_comments_collapsed(
    client, pair, commenter, article_factory, comment_factory
):
    alice, bob = pair
    article = article_factory()
    comment_factory(article, bob, "ボブのコメント")
    comment_factory(article, commenter(), "ほかの人のコメント")
    services.block(alice, bob)
    section = reverse("comments:section", args=[article.pk])
    client.force_login(alice)
    html = client.get(section, **HX).content.decode()
    assert html.count('class="comment__blocked"') == 1
    blocked_part = html.split('class="comment__blocked"')[1].split("</details>")[0]
    assert "ボブのコメント" in blocked_part and "ほかの人のコメント" not in blocked_part
    client.force_login(commenter())  # anyone else sees it as usual
    assert "comment__blocked" not in client.get(section, **HX).content.decode()


def test_the_block_dialog_and_its_completion_with_htmx(client, pair):
    alice, bob = pair
    MemberFollow.objects.create(follower=bob, followed=alice)
    client.force_login(alice)
    page = client.get(url("member", bob)).content.decode()
    assert f'hx-get="{url("block", bob)}"' in page and 'id="comment-dialog"' in page
    response = client.get(url("block", bob), **HX)
    html = response.content.decode()
    assert response["HX-Retarget"] == "#comment-dialog"
    assert "ブロックしますか?" in html
    assert (
        "ブロックすると、ボブさんはあなたをフォローすることも、あなたのコメントにいいねや返信を"
        "することもできなくなり、ボブさんの行動による通知はあなたに届かなくなります。"
    ) in html
    response = client.post(url("block", bob), {"from": "member"}, **HX)
    html = response.content.decode()
    assert "ブロックが完了しました" in html
    assert 'id="member-main" hx-swap-oob="true"' in html  # the page behind now shows the block
    assert "ブロック中の会員です" in html and url("unblock", bob) in html
    assert Block.objects.filter(blocker=alice, blocked=bob).exists()
    assert not MemberFollow.objects.exists()


def test_blocking_and_unblocking_without_javascript(client, pair):
    alice, bob = pair
    client.force_login(alice)
    html = client.get(url("block", bob)).content.decode()
    assert "ブロックしますか?" in html and f'action="{url("block", bob)}"' in html
    assert f'href="{url("member", bob)}"' in html  # キャンセル goes back
    response = client.post(url("block", bob), {"next": url("member", bob)})
    assert response["Location"] == url("member", bob)
    page = client.get(response["Location"]).content.decode()
    assert "ブロックが完了しました" in page
    html = client.get(url("unblock", bob)).content.decode()
    assert "ブロックを解除しますか?" in html
    assert "解除すると、お互いに再びフォローできるようになります。" in html
    response = client.post(url("unblock", bob), {"next": url("member", bob)}, follow=True)
    assert "ブロック解除が完了しました" in response.content.decode()
    assert not Block.objects.exists()


def test_a_double_submitted_block_makes_one_block(client, pair):
    alice, bob = pair
    client.force_login(alice)
    client.post(url("block", bob))
    client.post(url("block", bob))
    assert Block.objects.count() == 1


def test_the_block_list_unblocks_in_place(client, pair, commenter):
    alice, bob = pair
    carol = commenter(display_name="キャロル")
    services.block(alice, bob)
    services.block(alice, carol)
    client.force_login(alice)
    html = client.get(reverse("social:blocks")).content.decode()
    assert "ボブ" in html and "キャロル" in html
    assert html.count(">ブロックを解除<") == 2
    dialog = client.get(f"{url('unblock', bob)}?from=blocks", **HX).content.decode()
    assert 'name="from" value="blocks"' in dialog
    response = client.post(url("unblock", bob), {"from": "blocks"}, **HX)
    html = response.content.decode()
    assert "ブロック解除が完了しました" in html
    assert f'<li id="block-row-{bob.pk}" hx-swap-oob="delete"></li>' in html
    response = client.post(url("unblock", carol), {"from": "blocks"})
    assert response["Location"] == reverse("social:blocks")
    assert "ブロックしている会員はいません。" in client.get(reverse("social:blocks")).content.decode()


def test_writes_are_rate_limited(client, pair, monkeypatch):
    alice, bob = pair
    monkeypatch.setattr(views, "WRITE_LIMIT", Limit(3, 60))
    client.force_login(alice)
    for _ in range(3):
        assert client.post(url("follow", bob)).status_code == 302
    assert client.post(url("unfollow", bob)).status_code == 429
    response = client.post(url("block", bob), **HX)
    assert response.status_code == 429 and response["HX-Retarget"] == "#comment-dialog"
    assert "短時間に操作が集中しています" in response.content.decode()
    assert not Block.objects.exists()


def test_follows_have_their_own_hourly_budget(client, pair):
    alice, bob = pair
    client.force_login(alice)
    assert client.post(url("follow", bob)).status_code == 302
    for _ in range(views.FOLLOW_LIMIT.count - 1):  # the rest of the hour's budget, used up
        hit("social-follow", str(alice.pk), views.FOLLOW_LIMIT)
    assert client.post(url("follow", bob)).status_code == 429
    assert client.post(url("unfollow", bob)).status_code == 302  # unfollowing is never held back


def test_only_posts_write(client, pair):
    alice, bob = pair
    client.force_login(alice)
    assert client.get(url("follow", bob)).status_code == 405
    assert client.get(url("unfollow", bob)).status_code == 405
    assert not MemberFollow.objects.exists()


# Authors and series ----------------------------------------------------------------------------------


def test_author_follow_is_locked_until_the_profile_is_complete(client, member_factory, author_factory):
    author = author_factory(name="佐藤 花子")
    page = reverse("articles:author", args=[author.slug])
    registered = member_factory("registered")
    client.force_login(registered)
    html = client.get(page).content.decode()
    assert "必要な会員情報が不足しています。" in html
    assert "執筆者のフォローは詳細情報のご登録後にご利用いただけます。" in html
    assert reverse("social:follow_author", args=[author.pk]) not in html
    response = client.post(reverse("social:follow_author", args=[author.pk]), {"next": page}, follow=True)
    assert "必要な会員情報が不足しています。" in response.content.decode()
    assert not AuthorFollow.objects.exists()


def test_a_complete_member_follows_and_unfollows_an_author(client, member_factory, author_factory):
    author = author_factory(name="佐藤 花子")
    page = reverse("articles:author", args=[author.slug])
    member = member_factory("complete")
    client.force_login(member)
    html = client.get(page).content.decode()
    follow = reverse("social:follow_author", args=[author.pk])
    assert f'action="{follow}"' in html and 'aria-pressed="false"' in html
    response = client.post(follow, {"next": page})
    assert response["Location"] == page
    html = client.get(page).content.decode()
    assert "佐藤 花子さんをフォローしました。" in html
    assert "フォロー中" in html and 'aria-pressed="true"' in html
    client.post(follow, **HX)  # a second submit: still one follow
    assert AuthorFollow.objects.filter(user=member, author=author).count() == 1
    html = client.post(reverse("social:unfollow_author", args=[author.pk]), **HX).content.decode()
    assert "フォローを解除しました" in html and f'id="social-follow-author-{author.pk}"' in html
    assert not AuthorFollow.objects.exists()


def test_series_follow_buttons(client, member_factory, series_factory):
    series = series_factory(name="未来の仕事")
    page = reverse("articles:series", args=[series.slug])
    member = member_factory("premium")
    client.force_login(member)
    follow = reverse("social:follow_series", args=[series.pk])
    assert f'action="{follow}"' in client.get(page).content.decode()
    html = client.post(follow, **HX).content.decode()
    assert "連載「未来の仕事」をフォローしました。" in html and "フォロー中" in html
    assert SeriesFollow.objects.filter(user=member, series=series).exists()
    html = client.get(reverse("social:my_follows")).content.decode()
    assert "未来の仕事" in html
    client.post(reverse("social:unfollow_series", args=[series.pk]), {"next": reverse("social:my_follows")})
    assert not SeriesFollow.objects.exists()
    client.force_login(member_factory("registered"))
    response = client.post(follow, **HX)
    assert response.status_code == 403 and "必要な会員情報が不足しています。" in response.content.decode()


def test_the_shared_copy_of_author_and_series_pages_holds_nothing_personal(
    client, author_factory, series_factory
):
    author, series = author_factory(), series_factory()
    for page in (
        reverse("articles:author", args=[author.slug]),
        reverse("articles:series", args=[series.slug]),
    ):
        html = client.get(page).content.decode()
        assert "csrfmiddlewaretoken" not in html
        assert f"{reverse('account_login')}?next={page}" in html
        assert "フォロー" in html


# What else the member sees ---------------------------------------------------------------------------


def test_comment_authors_link_to_their_page_only_when_they_consented(
    client, commenter, article_factory, comment_factory
):
    article = article_factory()
    shown, hidden = commenter(display_name="公開さん"), commenter(consent=False)
    comment_factory(article, shown)
    comment_factory(article, hidden)
    html = client.get(reverse("comments:section", args=[article.pk]), **HX).content.decode()
    assert f'href="{url("member", shown)}"' in html
    assert url("member", hidden) not in html


def test_the_data_export_holds_follows_blocks_and_notifications(pair, commenter, author_factory):
    alice, bob = pair
    carol = commenter()
    author = author_factory(name="佐藤 花子")
    services.follow_member(alice, bob)
    services.follow_member(carol, alice)
    services.block(alice, carol)
    AuthorFollow.objects.create(user=alice, author=author)
    notify(alice, Kind.REPLY, actor=bob, title="記事", detail="ボブの返信の本文")
    part = member_export(alice)["social"]
    assert [f["followed_id"] for f in part["member_follows"]] == [bob.pk]
    assert part["followers_count"] == 0  # carol's follow went with the block
    assert [b["blocked_id"] for b in part["blocks"]] == [carol.pk]
    assert part["author_follows"][0]["author"] == "佐藤 花子"
    reply = next(n for n in part["notifications"] if n["kind"] == Kind.REPLY)
    assert reply["detail"] == "" and reply["title"] == "記事"  # bob's words are bob's
    assert "notification_preferences" in part and "series_follows" in part
