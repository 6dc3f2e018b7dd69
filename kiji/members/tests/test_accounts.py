"""Accounts through allauth: sign-up with a mailed code, logins, passwords, e-mail, limits, staff 2FA.

The pages are allauth's, in Kiji's layout and element templates (kiji/templates/allauth/).
"""

import re
import time
from html.parser import HTMLParser

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client

from kiji.members.models import Profile
from kiji.members.services import create_profile

pytestmark = pytest.mark.django_db

PASSWORD = "member-password-1"
NEW_PASSWORD = "a-brand-new-secret-2"


@pytest.fixture
def member_factory(django_user_model):
    """A member whose address is verified and who has a Profile, as after a completed sign-up."""

    def make(email="member@example.com", *, is_staff=False, display_name="会員 花子"):
        user = django_user_model.objects.create_user(email.split("@")[0], email, PASSWORD, is_staff=is_staff)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
        create_profile(user, display_name=display_name)
        return user

    return make


@pytest.fixture
def member(member_factory):
    return member_factory()


def _code(message):
    """The code allauth mails (e.g. `BCDF-GHJK`), on a line of its own."""
    match = re.search(r"^\s*([A-Z0-9]{3,}(?:-[A-Z0-9]{3,})+)\s*$", str(message.body), re.MULTILINE)
    assert match, message.body
    return match.group(1)


def _logged_in_user_id(client):
    return client.session.get("_auth_user_id")


def _visible(response, email):
    """The page a person sees, without what differs by design: CSRF tokens and the typed address."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)
    return html.replace(email, "ADDRESS")


def _totp_code(user):
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    secret = decrypt(authenticator.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _reauthenticate(client):
    response = client.post("/accounts/reauthenticate/", {"password": PASSWORD})
    assert response.status_code == 302


def _sign_up(client, email="new@example.com", display_name="新人 太郎"):
    return client.post(
        "/accounts/signup/",
        {"email": email, "display_name": display_name, "password1": PASSWORD, "password2": PASSWORD},
    )


class _Scripts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.executable_inline = []
        self.sources = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag != "script":
            return
        if attributes.get("src"):
            self.sources.append(attributes["src"])
        elif attributes.get("type") != "application/json":
            self.executable_inline.append(attributes)


# Sign-up and verification


def test_signup_page_says_the_basic_info_is_shown_to_others_and_links_the_privacy_policy(client):
    response = client.get("/accounts/signup/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>会員登録 | Kiji</title>" in re.sub(r"\s+", " ", html).replace("<title> ", "<title>")
    assert "コメントの投稿や会員のフォローの際に、他の会員に表示されます" in html
    assert '<a href="/privacy/">プライバシーポリシー</a>' in html
    assert 'for="id_display_name"' in html  # the display name is asked for, with a label


def test_signup_creates_an_unverified_account_with_a_profile_and_mails_a_code(client):
    response = _sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    user = get_user_model().objects.get(email="new@example.com")
    assert Profile.objects.get(user=user).display_name == "新人 太郎"
    assert not EmailAddress.objects.get(user=user).verified
    assert _logged_in_user_id(client) is None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert _code(mail.outbox[0])


def test_an_unverified_account_cannot_log_in_with_its_password(client):
    _sign_up(client)
    cache.clear()  # three minutes later: allauth mails one code per address in three minutes
    other = Client()

    response = other.post("/accounts/login/", {"login": "new@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"  # asked for the code again
    assert _logged_in_user_id(other) is None


def test_entering_the_mailed_code_verifies_the_address_and_logs_the_member_in(client):
    _sign_up(client)
    page = client.get("/accounts/confirm-email/")
    assert page.status_code == 200
    assert "new@example.com" in page.content.decode()

    response = client.post("/accounts/confirm-email/", {"code": _code(mail.outbox[0])})

    assert response.status_code == 302
    assert response["Location"] == "/members/me/"
    user = get_user_model().objects.get(email="new@example.com")
    assert EmailAddress.objects.get(user=user).verified
    assert _logged_in_user_id(client) == str(user.pk)
    home = client.get("/members/me/")
    assert "新人 太郎" in home.content.decode()


def test_a_wrong_code_is_refused_with_a_message(client):
    _sign_up(client)

    response = client.post("/accounts/confirm-email/", {"code": "XXXX-XXXX"})

    assert response.status_code == 200
    assert 'class="field__error"' in response.content.decode()
    assert _logged_in_user_id(client) is None


# Logging in and out


def test_member_logs_in_with_the_password(client, member):
    response = client.post("/accounts/login/", {"login": "member@example.com", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/members/me/"
    assert _logged_in_user_id(client) == str(member.pk)


def test_a_wrong_password_is_refused_with_a_message(client, member):
    response = client.post("/accounts/login/", {"login": "member@example.com", "password": "wrong-one-1"})

    assert response.status_code == 200
    assert 'class="form-errors" role="alert"' in response.content.decode()
    assert _logged_in_user_id(client) is None


def test_member_logs_in_with_a_mailed_code(client, member):
    response = client.post("/accounts/login/code/", {"email": "member@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/code/confirm/"
    assert client.get(response["Location"]).status_code == 200

    response = client.post("/accounts/login/code/confirm/", {"code": _code(mail.outbox[0])})

    assert response.status_code == 302
    assert response["Location"] == "/members/me/"
    assert _logged_in_user_id(client) == str(member.pk)


def test_logout_asks_first_and_happens_only_on_post(client, member):
    client.force_login(member)

    page = client.get("/accounts/logout/")
    assert page.status_code == 200
    assert _logged_in_user_id(client) == str(member.pk)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert _logged_in_user_id(client) is None


# Passwords and e-mail


def test_password_reset_mails_a_link_that_sets_a_new_password(client, member):
    response = client.post("/accounts/password/reset/", {"email": "member@example.com"})
    assert response["Location"] == "/accounts/password/reset/done/"
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+/)", str(mail.outbox[0].body))
    assert link

    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/key/done/"
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)


def test_password_change_needs_the_current_password_and_keeps_the_member_logged_in(client, member):
    client.force_login(member)

    refused = client.post(
        "/accounts/password/change/",
        {"oldpassword": "not-my-password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert refused.status_code == 200
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert _logged_in_user_id(client) == str(member.pk)


def test_changing_the_email_asks_for_the_password_again_then_for_the_new_address_code(client, member):
    client.force_login(member)

    response = client.post("/accounts/email/", {"email": "moved@example.com", "action_add": ""})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert mail.outbox == []
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "アクセス確認" in page.content.decode()

    response = client.post(response["Location"], {"password": PASSWORD})  # the change resumes

    assert response["Location"] == "/accounts/confirm-email/"
    assert mail.outbox[0].to == ["moved@example.com"]
    client.post("/accounts/confirm-email/", {"code": _code(mail.outbox[0])})
    member.refresh_from_db()
    assert member.email == "moved@example.com"
    assert EmailAddress.objects.get(user=member).email == "moved@example.com"


# No account enumeration: a known and an unknown address get the same answer


def _same_answer(path, data_for, known, unknown):
    answers = []
    for email in (known, unknown):
        client = Client()
        response = client.post(path, data_for(email))
        followed = client.get(response["Location"]) if response.status_code == 302 else response
        answers.append(
            (response.status_code, response.get("Location"), followed.status_code, _visible(followed, email))
        )
    return answers[0] == answers[1], answers


def test_signup_with_a_taken_address_looks_like_any_other_signup(member):
    same, answers = _same_answer(
        "/accounts/signup/",
        lambda email: {"email": email, "display_name": "誰か", "password1": PASSWORD, "password2": PASSWORD},
        "member@example.com",
        "stranger@example.com",
    )

    assert same, answers
    assert answers[0][1] == "/accounts/confirm-email/"
    assert sorted(m.to[0] for m in mail.outbox) == ["member@example.com", "stranger@example.com"]


def test_login_with_an_unknown_address_fails_like_a_wrong_password(member):
    same, answers = _same_answer(
        "/accounts/login/",
        lambda email: {"login": email, "password": "not-the-password-9"},
        "member@example.com",
        "stranger@example.com",
    )

    assert same, answers
    assert answers[0][0] == 200


def test_login_code_request_for_an_unknown_address_looks_the_same(member):
    same, answers = _same_answer(
        "/accounts/login/code/", lambda email: {"email": email}, "member@example.com", "stranger@example.com"
    )

    assert same, answers
    assert answers[0][1] == "/accounts/login/code/confirm/"


def test_password_reset_for_an_unknown_address_looks_the_same(member):
    same, answers = _same_answer(
        "/accounts/password/reset/",
        lambda email: {"email": email},
        "member@example.com",
        "stranger@example.com",
    )

    assert same, answers
    assert answers[0][1] == "/accounts/password/reset/done/"


# Rate limits: allauth's 429 renders Kiji's page


@pytest.mark.parametrize(
    ("path", "data", "allowed"),
    [
        ("/accounts/login/", {"login": "someone@example.com", "password": "x"}, 30),  # 30/m/ip
        ("/accounts/signup/", {}, 20),  # 20/m/ip
        ("/accounts/password/reset/", {"email": "someone@example.com"}, 5),  # 5/m per address
    ],
)
def test_too_many_attempts_get_a_readable_429_page(client, path, data, allowed):
    statuses = [client.post(path, data).status_code for _ in range(allowed)]
    assert 429 not in statuses

    response = client.post(path, data)

    html = response.content.decode()
    assert response.status_code == 429
    assert "一時的に受け付けを停止しています" in html
    assert "60 秒ほど待ってから、もう一度お試しください。" in html
    assert 'class="site-header"' in html  # Kiji's frame, not allauth's bare fallback


# Staff and the second factor


def test_staff_without_a_second_factor_are_sent_to_set_one_up(client, member_factory):
    staff = member_factory("staff@example.com", is_staff=True)
    client.force_login(staff)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"
    page = client.get("/accounts/2fa/")
    assert "管理画面を使うには二段階認証の設定が必要です。" in page.content.decode()


def test_staff_with_totp_reach_the_admin(client, editor):
    client.force_login(editor)

    assert client.get("/admin/").status_code == 200


def test_admin_login_goes_through_the_member_login_and_asks_for_the_totp_code(client, editor):
    EmailAddress.objects.create(user=editor, email=editor.email, verified=True, primary=True)
    login_url = client.get("/admin/", follow=True).redirect_chain[-1][0]
    assert login_url == "/accounts/login/?next=%2Fadmin%2F"

    response = client.post(login_url, {"login": editor.email, "password": "editor-password-1"})

    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert _logged_in_user_id(client) is None
    page = client.get("/accounts/2fa/authenticate/")
    assert 'name="code"' in page.content.decode()
    response = client.post("/accounts/2fa/authenticate/", {"code": _totp_code(editor)})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


# Every allauth page renders in Kiji's layout, in Japanese, without inline scripts


ANONYMOUS_PAGES = [
    "/accounts/signup/",
    "/accounts/login/",
    "/accounts/login/code/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
]
MEMBER_PAGES = [
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/accounts/sessions/",
    "/accounts/2fa/",
    "/accounts/2fa/totp/deactivate/",  # the editor has TOTP; activating is tested below
    "/accounts/2fa/webauthn/",
    "/accounts/2fa/webauthn/add/",
    "/accounts/2fa/recovery-codes/",
    "/accounts/2fa/recovery-codes/generate/",
]


def _assert_kiji_page(response):
    html = response.content.decode()
    assert response.status_code == 200, response
    assert 'class="site-header"' in html
    assert 'class="page-title accounts-title' in html  # marks the page for accounts.css
    assert '<meta name="robots" content="noindex">' in html
    assert 'lang="ja"' in html
    scripts = _Scripts()
    scripts.feed(html)
    assert scripts.executable_inline == []  # CSP: script-src 'self'
    assert all(src.startswith("/static/") for src in scripts.sources)
    assert "style=" not in html.split('<main id="main"')[1]  # CSP: style-src 'self'
    return html


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_entrance_pages_render_in_kijis_layout(client, path):
    _assert_kiji_page(client.get(path))


@pytest.mark.parametrize("path", MEMBER_PAGES)
def test_account_and_two_factor_pages_render_in_kijis_layout(client, editor, path):
    RecoveryCodes.activate(editor)
    client.force_login(editor)
    client.post("/accounts/reauthenticate/", {"password": "editor-password-1"})

    _assert_kiji_page(client.get(path))


def test_totp_setup_shows_the_qr_code_as_an_inline_image(client, member):
    client.force_login(member)
    _reauthenticate(client)

    html = _assert_kiji_page(client.get("/accounts/2fa/totp/activate/"))

    assert re.search(r'<img class="accounts-img[^"]*accounts-img--qr" src="data:image/', html)


def test_passkey_login_keeps_its_form_and_loads_allauths_scripts_as_static_files(client):
    html = _assert_kiji_page(client.get("/accounts/login/"))

    assert 'form="mfa_login"' in html
    assert '<form id="mfa_login"' in html
    assert '<script src="/static/mfa/js/webauthn.js"></script>' in html
    assert 'data-allauth-onload="allauth.webauthn.forms.loginForm" type="application/json"' in html
