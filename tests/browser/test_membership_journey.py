"""The member's journey in chromium: sign up, verify, read with the quota, complete the profile,
then read without limit, save a favorite, follow a tag and see a new article in the feed."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from kiji.members.models import MemberSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code_from_mailbox() -> str:
    assert mail.outbox, "no verification mail was sent"
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", str(mail.outbox[-1].body), re.M)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_sign_up_read_complete_profile_save_follow_and_feed(
    live_server, browser, article_factory, tag_factory
):
    config = MemberSettings.load()
    config.monthly_free_reads = 2
    config.save()
    tag = tag_factory("サプライチェーン")
    first, second, third = (article_factory(members_only=True, pages=1, tags=[tag]) for _ in range(3))
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    page = context.new_page()

    # Sign up and verify the e-mail address with the code from the mailbox.
    page.goto(live_server.url + "/accounts/signup/")
    page.fill("input[name=email]", "new.member@example.com")
    page.fill("input[name=display_name]", "新規会員")
    page.fill("input[name=password1]", "a-long-Passw0rd-for-kiji")
    page.fill("input[name=password2]", "a-long-Passw0rd-for-kiji")
    page.locator("form:has(input[name=password2]) button[type=submit]").first.click()
    page.fill("input[name=code]", _code_from_mailbox())
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="マイページ").is_visible()

    # Two free members-only reads, counted down on the page.
    page.goto(live_server.url + first.url)
    assert "あと 1 本です" in page.locator(".reads-left").inner_text()
    page.goto(live_server.url + second.url)
    assert "あと 0 本です" in page.locator(".reads-left").inner_text()

    # The quota is used up: the panel, then the guided completion, then back to the article.
    page.goto(live_server.url + third.url)
    assert page.get_by_text("必要な会員情報が不足しています。").first.is_visible()
    page.get_by_role("link", name="詳細情報の入力へ進む").first.click()
    page.select_option("select[name=industry]", "it")
    page.select_option("select[name=job_function]", "planning")
    page.select_option("select[name=company_size]", "300-999")
    page.select_option("select[name=prefecture]", "東京都")
    page.locator("form:has(select[name=industry]) button[type=submit]").click()
    page.wait_for_url(re.compile(re.escape(third.url) + "$"))
    assert page.get_by_text("ページ1の段落3").is_visible()
    assert page.locator(".reads-left").count() == 0

    # Save it as a favorite and follow its tag.
    page.get_by_role("button", name=re.compile("お気に入りに登録")).click()
    expect(page.get_by_text("お気に入りに登録済み")).to_be_visible()  # swapped in by htmx
    page.goto(live_server.url + tag.get_absolute_url())
    page.get_by_role("button", name="このタグをフォロー").click()
    expect(page.get_by_text("フォロー中").first).to_be_visible()

    # A new article in the followed tag appears in the feed.
    article_factory(title="物流網を組み替える新着記事", tags=[tag])
    page.goto(live_server.url + "/library/feed/")
    assert page.locator(".card__title", has_text="物流網を組み替える新着記事").is_visible()
    page.goto(live_server.url + "/library/favorites/")
    assert page.locator(".card__title", has_text=third.title).is_visible()
    context.close()
