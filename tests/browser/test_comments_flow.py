"""The community layer end to end in chromium: post, edit, like, report, automatic hiding,
moderation, the restriction notice, an appeal, lifting, and the reporters' outcome."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from conftest import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _open_comments(page, live_server, article):
    page.goto(live_server.url + article.url)
    page.evaluate("document.getElementById('comments').scrollIntoView()")
    expect(page.locator("#comment-list")).to_be_attached()  # htmx replaced the placeholder


def test_post_edit_like_report_hide_restrict_appeal_lift(
    live_server, browser, article_factory, commenter, moderator, configure
):
    configure(premoderate_first_comments=0, min_interval_seconds=0, new_member_interval_seconds=0)
    article = article_factory(title="中小企業のDX投資")
    author = commenter(display_name="投稿者A")
    fan = commenter(display_name="読者B")
    reporters = [commenter(display_name=f"通報者{n}") for n in range(3)]

    # A posts and edits, without a page reload.
    context, page = signed_in_page(browser, live_server, author, width=375)
    _open_comments(page, live_server, article)
    page.get_by_label("あなたの投稿").fill("補助金の締め切りは来月末です。")
    page.get_by_role("button", name="投稿する").click()
    comment = page.locator("#comment-list .comment").first
    expect(comment).to_contain_text("補助金の締め切りは来月末です。")
    expect(page.get_by_label("あなたの投稿")).to_have_value("")
    comment.get_by_role("link", name="編集").click()
    page.get_by_label("あなたの投稿コメント編集").fill(
        "補助金の締め切りは来月末です(公募要領を確認しました)。"
    )
    page.get_by_role("button", name="保存する").click()
    comment = page.locator("#comment-list .comment").first
    expect(comment).to_contain_text("公募要領を確認しました")
    expect(comment).to_contain_text("編集済み")
    context.close()

    # B likes it.
    context, page = signed_in_page(browser, live_server, fan)
    _open_comments(page, live_server, article)
    like = page.locator("#comment-list .comment").first.locator(".comment-like__button")
    like.click()
    expect(page.locator("#comment-list .comment").first.locator(".comment-like__button")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator("#comment-list .comment").first.locator(".comment-like__count")).to_have_text("1")
    context.close()

    # Three members report it; the third report hides it pending review.
    for reporter in reporters:
        context, page = signed_in_page(browser, live_server, reporter)
        _open_comments(page, live_server, article)
        page.locator("#comment-list .comment").first.get_by_role("link", name="通報").click()
        dialog = page.locator("#comment-dialog")
        expect(dialog).to_contain_text("このコメントについて、問題の詳細をお知らせください")
        dialog.get_by_label("嫌がらせ・誹謗中傷").check()
        dialog.get_by_label("問題の詳細").fill("特定の人を揶揄する表現があります。")
        dialog.get_by_role("button", name="通報する").click()
        expect(dialog).to_contain_text("報告が完了しました")
        dialog.get_by_role("button", name="閉じる").click()
        expect(page.locator("#comment-list .comment").first).to_contain_text("通報済み")
        context.close()
    context, page = signed_in_page(browser, live_server, fan)
    _open_comments(page, live_server, article)
    expect(page.locator("#comments")).not_to_contain_text("公募要領を確認しました")
    context.close()

    # The moderator finds it among the automatically hidden and restricts A.
    context, page = signed_in_page(browser, live_server, moderator)
    page.goto(live_server.url + "/admin/comments/?tab=auto_hidden")
    page.get_by_role("link", name=re.compile("補助金の締め切り")).click()
    restrict = page.locator("#action-restrict")
    restrict.get_by_label("コメントの投稿").check()
    restrict.get_by_label("返信").check()
    restrict.get_by_label("いいね").check()
    restrict.get_by_label("理由").select_option("harassment")
    restrict.get_by_label("期間(日)").fill("7")
    restrict.get_by_label("会員へのメッセージ(任意)").fill("表現にご注意ください。")
    restrict.get_by_role("button", name="機能を制限する").click()
    expect(page.locator("body")).to_contain_text("機能を制限しました")
    context.close()

    # A sees the notice: which features, why, until when, and appeals.
    context, page = signed_in_page(browser, live_server, author, width=375)
    _open_comments(page, live_server, article)
    notice = page.locator(".notice--restriction").first
    for expected in (
        "機能制限のお知らせ",
        "現在、コメントの違反報告があったため一部機能が利用できなくなっています。",
        "コメントの投稿",
        "返信",
        "いいね",
        "嫌がらせ・誹謗中傷",
        "表現にご注意ください。",
        "まで",
    ):
        expect(notice).to_contain_text(expected)
    expect(page.get_by_label("あなたの投稿")).to_have_count(0)
    notice.get_by_role("link", name="異議を申し立てる").click()
    page.get_by_label("異議の申し立て").fill("揶揄する意図はなく、制度の説明をしたつもりでした。")
    page.get_by_role("button", name="申し立てを送信する").click()
    expect(page.locator("body")).to_contain_text("異議の申し立てを受け付けました")
    context.close()

    # The moderator accepts the appeal, which lifts the restriction.
    context, page = signed_in_page(browser, live_server, moderator)
    page.goto(live_server.url + "/admin/comments/?tab=appeals")
    expect(page.locator("body")).to_contain_text("制度の説明をしたつもりでした")
    page.get_by_role("button", name="申し立てを認めて制限を解除").first.click()
    expect(page.locator("body")).to_contain_text("解除しました")
    context.close()

    # A may post again; the reporters see what came of their reports.
    context, page = signed_in_page(browser, live_server, author)
    _open_comments(page, live_server, article)
    expect(page.locator(".notice--restriction")).to_have_count(0)
    expect(page.get_by_label("あなたの投稿")).to_be_visible()
    context.close()
    context, page = signed_in_page(browser, live_server, reporters[0])
    _open_comments(page, live_server, article)
    page.get_by_role("link", name=re.compile("件の結果が届いています")).click()
    expect(page.locator("#reports")).to_contain_text("対応しました")
    context.close()


def test_comments_work_without_javascript(live_server, browser, article_factory, commenter, configure):
    configure(premoderate_first_comments=0, min_interval_seconds=0)
    article = article_factory(title="JavaScriptなしの読者")
    member = commenter(display_name="静かな読者")
    client = Client()
    client.force_login(member)
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.goto(live_server.url + article.url)
    page.get_by_role("link", name="コメントを読む・書く").click()
    page.get_by_label("あなたの投稿").fill("スクリプトなしでも投稿できます。")
    page.get_by_role("button", name="投稿する").click()
    expect(page.locator("body")).to_contain_text("コメントを投稿しました。")
    expect(page.locator("#comment-list")).to_contain_text("スクリプトなしでも投稿できます。")
    page.get_by_role("link", name="削除").first.click()
    expect(page.locator("h2")).to_contain_text("投稿したコメントを削除しますか?")
    page.get_by_role("button", name="削除する").click()
    expect(page.locator("body")).to_contain_text("コメントを削除しました。")
    expect(page.locator("#comment-list")).not_to_contain_text("スクリプトなしでも投稿できます。")
    context.close()


def test_a_failed_request_keeps_the_text_and_sending_again_works(
    live_server, browser, article_factory, commenter, configure
):
    configure(premoderate_first_comments=0, min_interval_seconds=0)
    article = article_factory(title="通信が切れたとき")
    context, page = signed_in_page(browser, live_server, commenter(), width=375)
    _open_comments(page, live_server, article)
    post_url = f"**/comments/a/{article.pk}/post/"
    page.route(post_url, lambda route: route.abort())
    page.get_by_label("あなたの投稿").fill("電波の悪い場所から書いています。")
    page.get_by_role("button", name="投稿する").click()
    expect(page.locator("#comment-form [data-network-error]")).to_be_visible()
    expect(page.locator("#comment-form [data-network-error]")).to_contain_text("処理に失敗しました")
    expect(page.get_by_label("あなたの投稿")).to_have_value("電波の悪い場所から書いています。")
    page.unroute(post_url)
    page.get_by_role("button", name="投稿する").click()
    expect(page.locator("#comment-list")).to_contain_text("電波の悪い場所から書いています。")
    expect(page.locator("#comment-form [data-network-error]")).to_be_hidden()
    context.close()


def test_a_specific_refusal_is_shown_instead_of_a_generic_failure(
    live_server, browser, article_factory, commenter, configure
):
    configure(premoderate_first_comments=0, min_interval_seconds=0, max_length=20)
    article = article_factory(title="長すぎる投稿")
    context, page = signed_in_page(browser, live_server, commenter())
    _open_comments(page, live_server, article)
    page.get_by_label("あなたの投稿").evaluate("el => el.removeAttribute('maxlength')")
    page.get_by_label("あなたの投稿").fill("この投稿は設定された文字数の上限を超えてしまう長さです。")
    page.get_by_role("button", name="投稿する").click()
    expect(page.locator("#comment-error")).to_contain_text("20文字以内")
    expect(page.get_by_label("あなたの投稿")).to_have_value(
        "この投稿は設定された文字数の上限を超えてしまう長さです。"
    )
    expect(page.locator("#comment-form [data-network-error]")).to_be_hidden()
    context.close()
