import pytest

pytestmark = pytest.mark.django_db

POLICY_SECTIONS = [
    "運営者",
    "取得する個人情報と利用目的",
    "アカウント情報",
    "基本情報",
    "詳細情報",
    "記事の閲覧履歴",
    "お気に入りとタグのフォロー",
    "プレミアム契約と請求",
    "アクセスログ",
    "利用目的",
    "他の会員への基本情報の公開(同意)",
    "第三者への提供",
    "銀行振込による入金の確認",
    "メールの配信",
    "保存期間",
    "安全管理措置",
    "開示・訂正・利用停止・削除の請求",
    "お問い合わせ窓口",
]


def test_the_privacy_policy_covers_what_the_appi_asks_for(client):
    response = client.get("/privacy/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "<h1" in html and "プライバシーポリシー" in html
    assert [section for section in POLICY_SECTIONS if section not in html] == []
    # The member's rights point at the pages where they exercise them.
    for url in ("/privacy/export/", "/privacy/delete/", "/privacy/settings/", "/members/me/basic/"):
        assert f'href="{url}' in html


def test_the_policy_names_the_operator_from_settings(client, settings):
    settings.KIJI_OPERATOR = {"name": "株式会社テスト記事", "contact_email": "dpo@test-kiji.example"}

    html = client.get("/privacy/").content.decode()

    assert "株式会社テスト記事" in html
    assert "mailto:dpo@test-kiji.example" in html


def test_the_community_rules_cover_conduct_reports_measures_and_appeals(client):
    html = client.get("/privacy/rules/").content.decode()

    for text in (
        "コミュニティルール",
        "誹謗中傷",
        "インサイダー情報",
        "宣伝や勧誘をしない",
        "通報",
        "異議の申し立て",
    ):
        assert text in html


@pytest.mark.parametrize("url", ["/privacy/", "/privacy/rules/"])
def test_policy_pages_are_served_from_the_anonymous_page_cache(client, url):
    first = client.get(url)
    second = client.get(url)

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert "csrfmiddlewaretoken" not in first.content.decode()


@pytest.mark.parametrize(
    ("url", "title"), [("/privacy/", "Privacy Policy"), ("/privacy/rules/", "Community Rules")]
)
def test_policy_pages_have_an_english_translation(client, url, title):
    client.cookies["kiji_language"] = "en"

    html = client.get(url).content.decode()

    assert title in html
    assert "Japanese original" in html


def test_every_page_footer_links_the_policy_and_the_rules(client):
    html = client.get("/privacy/rules/").content.decode()

    assert 'href="/privacy/">プライバシーポリシー</a>' in html
    assert 'href="/privacy/rules/">コミュニティルール</a>' in html


def test_the_account_page_links_privacy_settings_export_and_deletion(client, member_factory):
    client.force_login(member_factory())

    html = client.get("/members/me/").content.decode()

    assert 'href="/privacy/settings/">プライバシー設定</a>' in html
    assert 'href="/privacy/export/">データのエクスポート</a>' in html
    assert 'href="/privacy/delete/">退会</a>' in html


def test_privacy_settings_show_consent_and_link_to_visibility_export_and_deletion(client, member_factory):
    client.force_login(member_factory())

    html = client.get("/privacy/settings/").content.decode()

    assert "未同意" in html
    for url in ("/privacy/consent/", "/members/me/basic/", "/privacy/export/", "/privacy/delete/"):
        assert f'href="{url}"' in html


@pytest.mark.parametrize(
    "url", ["/privacy/settings/", "/privacy/export/", "/privacy/delete/", "/privacy/consent/"]
)
def test_member_privacy_pages_need_a_signed_in_member(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
