"""The public member page and the lists of followers, following and blocks: what each viewer sees
and what it costs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiji.members.choices import Visibility
from kiji.social import services, views
from kiji.social.models import Block, MemberFollow

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def url(name: str, user) -> str:
    return reverse(f"social:{name}", args=[user.pk])


def queries(client, path: str, **extra) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **extra)
    assert response.status_code == 200
    return len(captured)


def make_public(user, **fields) -> None:
    profile = user.profile
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.save()


# What the page shows -------------------------------------------------------------------------------


def test_the_page_shows_only_what_the_member_made_public(client, commenter):
    member = commenter("complete", display_name="表示名さん")
    make_public(
        member,
        real_name="山田 秘密",
        real_name_visibility=Visibility.PRIVATE,
        company="公開商事",
        company_visibility=Visibility.PUBLIC,
        job_title="非公開部長",
        job_title_visibility=Visibility.PRIVATE,
    )
    html = client.get(url("member", member)).content.decode()
    assert "表示名さん" in html and "公開商事" in html
    assert "山田 秘密" not in html and "非公開部長" not in html
    assert member.email not in html and member.username not in html
    assert "東京都" not in html  # details (詳細情報) are never shown
    assert '<meta name="robots" content="noindex">' in html


def test_no_page_without_consent(client, commenter):
    shy = commenter(consent=False, display_name="同意していない人")
    assert client.get(url("member", shy)).status_code == 404
    assert client.get(url("followers", shy)).status_code == 404
    client.force_login(commenter())
    assert client.get(url("member", shy)).status_code == 404
    assert client.post(url("follow", shy)).status_code == 404
    # The owner still sees their own page, with why others do not.
    client.force_login(shy)
    html = client.get(url("member", shy)).content.decode()
    assert "このページはほかの会員には表示されません" in html
    assert "同意していない人" not in html  # shown as others would see it


def test_no_page_for_closed_accounts(client, commenter):
    gone = commenter()
    gone.is_active = False
    gone.save()
    assert client.get(url("member", gone)).status_code == 404


def test_the_owner_sees_no_follow_or_block_button(client, commenter):
    member = commenter()
    client.force_login(member)
    html = client.get(url("member", member)).content.decode()
    assert "あなたの公開ページです" in html
    assert url("follow", member) not in html and url("block", member) not in html


def test_a_member_the_viewer_blocks_shows_nothing_but_the_unblock_button(
    client, commenter, article_factory, comment_factory
):
    viewer, other = commenter(), commenter(display_name="ブロック相手")
    make_public(other, company="相手の会社", company_visibility=Visibility.PUBLIC)
    comment_factory(article_factory(), other, "相手のコメント")
    services.block(viewer, other)
    client.force_login(viewer)
    for path in (url("member", other), url("followers", other), url("following", other)):
        html = client.get(path).content.decode()
        assert "ブロック中の会員です" in html
        assert url("unblock", other) in html and "ブロックを解除" in html
        for hidden in ("ブロック相手", "相手の会社", "相手のコメント", url("follow", other), "フォロワー"):
            assert hidden not in html.split('<main id="main"')[1]


def test_the_blocked_member_still_sees_the_blockers_public_page(client, commenter):
    blocker, blocked = commenter(display_name="ブロックした人"), commenter()
    services.block(blocker, blocked)
    client.force_login(blocked)
    html = client.get(url("member", blocker)).content.decode()
    assert "ブロックした人" in html
    assert url("follow", blocker) in html  # trying says why it cannot be done


def test_recent_comments_only_on_articles_the_viewer_may_read(
    client, commenter, article_factory, comment_factory
):
    member = commenter()
    comment_factory(article_factory(), member, "無料記事へのコメント")
    walled = article_factory(members_only=True)
    comment_factory(walled, member, "会員限定記事へのコメント")
    comment_factory(article_factory(access="premium"), member, "プレミアム記事へのコメント")
    comment_factory(article_factory(), member, "非公開にされたコメント", status="removed")
    html = client.get(url("member", member)).content.decode()
    assert "無料記事へのコメント" in html
    assert "会員限定記事へのコメント" not in html and "プレミアム記事へのコメント" not in html
    assert "非公開にされたコメント" not in html
    reader = commenter("complete")
    client.force_login(reader)
    html = client.get(url("member", member)).content.decode()
    assert "会員限定記事へのコメント" in html and "プレミアム記事へのコメント" not in html
    assert reverse("comments:thread", args=[member.comments.get(body="無料記事へのコメント").pk]) in html


def test_the_counts_and_the_lists(client, commenter, monkeypatch):
    member = commenter(display_name="人気者")
    fans = [commenter(display_name=f"ファン{i}") for i in range(3)]
    shy = [commenter(consent=False, display_name=f"匿名{i}") for i in range(2)]
    for fan in fans:
        services.follow_member(fan, member)
    for person in shy:  # followed before they withdrew their consent
        MemberFollow.objects.create(follower=person, followed=member)
    services.follow_member(member, fans[0])
    html = client.get(url("member", member)).content.decode()
    assert f'<strong id="member-followers-{member.pk}">5</strong>' in html
    html = client.get(url("followers", member)).content.decode()
    assert all(f"ファン{i}" in html for i in range(3))
    assert "匿名" not in html
    assert "非公開の会員 2人" in html
    assert f'href="{url("member", fans[1])}"' in html
    html = client.get(url("following", member)).content.decode()
    assert "ファン0" in html and "ファン1" not in html and "非公開の会員" not in html
    monkeypatch.setattr(views, "MEMBERS_PER_PAGE", 2)
    first = client.get(url("followers", member)).content.decode()
    second = client.get(url("followers", member) + "?page=2").content.decode()
    assert sum(f"ファン{i}" in first for i in range(3)) == 2
    assert sum(f"ファン{i}" in second for i in range(3)) == 1
    assert 'rel="next"' in first


def test_the_block_list_lists_only_ones_own_blocks(client, commenter):
    me, other, third = commenter(), commenter(display_name="ブロックした相手"), commenter()
    services.block(me, other)
    services.block(third, me)
    client.force_login(me)
    html = client.get(reverse("social:blocks")).content.decode()
    assert "ブロックした相手" in html
    assert html.count("ブロックを解除<") == 1
    assert Block.objects.count() == 2


def test_the_account_links(client, commenter):
    from django.template.loader import render_to_string

    member = commenter()
    html = render_to_string("social/_account_links.html", {"user": member})
    assert reverse("social:blocks") in html and url("member", member) in html


# What it costs ---------------------------------------------------------------------------------------


def test_the_member_page_costs_the_same_whatever_the_numbers(
    client, commenter, article_factory, comment_factory
):
    member, viewer = commenter(), commenter("registered")
    articles = [article_factory(), article_factory(members_only=True)]
    for article in articles:  # one of each: the walled one asks which articles were opened
        comment_factory(article, member)
    services.follow_member(commenter(), member)
    client.force_login(viewer)
    few_member = queries(client, url("member", member))
    client.logout()
    few_anonymous = queries(client, url("member", member))
    for i in range(8):
        comment_factory(articles[i % 2], member)
        services.follow_member(commenter(), member)
        services.follow_member(member, commenter())
    assert queries(client, url("member", member)) == few_anonymous
    client.force_login(viewer)
    assert queries(client, url("member", member)) == few_member


def test_the_lists_cost_the_same_whatever_the_numbers(client, commenter):
    member, viewer = commenter(), commenter()
    services.follow_member(commenter(), member)
    services.follow_member(member, commenter())
    services.block(viewer, commenter())
    client.force_login(viewer)
    few = {
        path: queries(client, path)
        for path in (url("followers", member), url("following", member), reverse("social:blocks"))
    }
    for _ in range(6):
        services.follow_member(commenter(), member)
        MemberFollow.objects.create(follower=commenter(consent=False), followed=member)
        services.follow_member(member, commenter())
        services.block(viewer, commenter())
    for path, count in few.items():
        assert queries(client, path) == count, path
