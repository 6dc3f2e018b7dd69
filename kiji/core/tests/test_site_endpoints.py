import json

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_checks_the_database_and_answers_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_a_broken_database(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content)["status"] == "error"


def test_robots_txt_points_at_the_sitemap_and_keeps_admin_out(client):
    text = client.get("/robots.txt").content.decode()

    assert "Disallow: /admin/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_security_headers_are_set_on_public_pages(client):
    response = client.get("/")

    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_admin_gets_its_own_csp(client, editor):
    client.force_login(editor)

    response = client.get("/admin/")

    assert response.status_code == 200
    assert "'unsafe-inline'" in response["Content-Security-Policy"]


def test_404_page_is_in_the_site_style(client):
    response = client.get("/does-not-exist/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "お探しのページが見つかりませんでした" in html and 'class="site-header"' in html


def test_500_page_is_in_the_site_style(rf):
    from kiji.core.views import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "処理に失敗しました" in response.content.decode()


def test_language_switch_sets_a_cookie_and_only_redirects_to_this_site(client, settings):
    response = client.get("/lang/en/?next=/series/")
    assert response.status_code == 302 and response["Location"] == "/series/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    evil = client.get("/lang/en/?next=https://evil.example/")
    assert evil["Location"] == "/"


def test_english_interface_is_available(client, settings, article_factory):
    article = article_factory(members_only=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    html = client.get(article.url).content.decode()

    assert '<html lang="en">' in html
    assert "Members only" in html
    assert "Series" in html
