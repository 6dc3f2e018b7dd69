"""Signing up and the account pages, in Debian's chromium, under the site's Content-Security-Policy."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from kiji.members.services import create_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "member-password-1"


def _console_errors(page):
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_visitor_signs_up_on_a_phone_enters_the_mailed_code_and_lands_on_the_member_page(
    live_server, browser
):
    context = browser.new_context(viewport={"width": 375, "height": 800}, locale="ja-JP")
    page = context.new_page()
    errors = _console_errors(page)
    page.goto(live_server.url + "/")
    page.get_by_role("banner").get_by_role("link", name="会員登録").click()
    page.wait_for_url(re.compile("/accounts/signup/$"))

    assert page.get_by_role("link", name="プライバシーポリシー").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_label("Eメール").fill("hanako@example.com")
    page.get_by_label("表示名").fill("山田 花子")
    page.get_by_label("パスワード 必須", exact=True).fill(PASSWORD)
    page.get_by_label("パスワード (再入力) 必須", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登録する").click()
    page.wait_for_url(re.compile("/accounts/confirm-email/$"))

    assert "hanako@example.com" in page.locator("main").inner_text()
    (message,) = mail.outbox
    code = re.search(r"^([A-Z0-9]+(?:-[A-Z0-9]+)+)$", str(message.body), re.MULTILINE)
    assert code, message.body
    page.get_by_label("コード").fill(code.group(1))
    page.get_by_role("button", name="確認", exact=True).click()
    page.wait_for_url(re.compile("/members/me/$"))

    assert page.get_by_role("heading", name="マイページ").is_visible()
    assert page.get_by_text("山田 花子").is_visible()
    assert errors == []
    context.close()


@pytest.fixture
def member(django_user_model):
    user = django_user_model.objects.create_user("member", "member@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    create_profile(user, display_name="会員 花子")
    return user


def test_passkey_scripts_run_under_the_content_security_policy(live_server, page, member):
    errors = _console_errors(page)
    page.goto(live_server.url + "/accounts/login/")
    assert page.evaluate("typeof window.allauth.webauthn.forms.loginForm") == "function"
    page.get_by_label("Eメール").fill("member@example.com")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.locator("form.accounts-form").get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile("/members/me/$"))

    page.goto(live_server.url + "/accounts/2fa/webauthn/add/")
    page.get_by_label("パスワード").fill(PASSWORD)  # adding a key asks for the password again
    page.get_by_role("button", name="確認").click()
    page.wait_for_url(re.compile("/accounts/2fa/webauthn/add/$"))

    assert page.get_by_role("heading", name="セキュリティキーを追加").is_visible()
    assert page.evaluate("typeof window.allauth.webauthn.forms.addForm") == "function"
    assert page.evaluate("typeof window.webauthnJSON.create") == "function"
    assert errors == []
