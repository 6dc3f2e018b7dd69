"""Follow, notifications and block end to end in chromium (issue 5's journey)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from conftest import signed_in_page
from kiji.comments import services as comment_services
from kiji.social import services as social_services
from kiji.social.models import MemberFollow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_follow_an_author_hear_of_the_new_article_then_block_a_member(
    live_server, browser, article_factory, author_factory, commenter, configure
):
    configure(premoderate_first_comments=0, min_interval_seconds=0)
    writer = author_factory(name="山本記者")
    article_factory(title="既存の記事", authors=[writer])
    a = commenter("complete", display_name="読者A")
    b = commenter("complete", display_name="読者B")

    # A follows the author from the author's page.
    context, page = signed_in_page(browser, live_server, a, width=375)
    page.goto(live_server.url + writer.get_absolute_url())
    page.get_by_role("button", name=re.compile("フォロー")).first.click()
    expect(page.get_by_text("フォロー中").first).to_be_visible()

    # The author's new article is published; the task worker tells A.
    new = article_factory(title="山本記者の新しい分析", authors=[writer])
    page.goto(live_server.url + "/")
    bell = page.locator(".site-account").get_by_role("link", name=re.compile("通知"))
    expect(bell).to_contain_text("1")
    bell.click()
    item = page.get_by_role("link", name=re.compile("山本記者の新しい分析"))
    expect(item).to_be_visible()
    item.click()
    page.wait_for_url(re.compile(re.escape(new.url) + "$"))
    context.close()

    # B follows A and likes nothing yet; A writes a comment.
    social_services.follow_member(b, a)
    comment = comment_services.post_comment(a, article=new, body="分析の前提がよく分かりました。").comment
    assert MemberFollow.objects.filter(follower=b, followed=a).exists()

    # A blocks B from B's member page.
    context, page = signed_in_page(browser, live_server, a)
    page.goto(live_server.url + f"/social/m/{b.pk}/")
    page.get_by_role("link", name="ブロック", exact=True).click()
    expect(page.get_by_text("ブロックしますか?")).to_be_visible()
    page.get_by_role("button", name="ブロックする").click()
    expect(page.get_by_text("ブロックが完了しました")).to_be_visible()
    context.close()
    assert not MemberFollow.objects.filter(follower=b, followed=a).exists()

    # B's like on A's comment is refused with a clear message.
    context, page = signed_in_page(browser, live_server, b)
    page.goto(live_server.url + new.url)
    page.evaluate("document.getElementById('comments').scrollIntoView()")
    target = page.locator(f"#comment-{comment.pk}")
    target.locator(".comment-like__button").click()
    expect(page.locator("#comment-dialog")).to_contain_text("この会員のコメントにはいいねできません。")
    context.close()
    comment.refresh_from_db()
    assert comment.like_count == 0
