"""The おすすめ fragment, the あなたへのおすすめ page and the placeholder on the home page."""

import pytest

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def articles(article_factory, tag_factory):
    ai = tag_factory("生成AI")
    return [article_factory(title=f"おすすめ候補{i}", tags=[ai]) for i in range(4)] + [
        article_factory(title="プレミアム限定の候補", tags=[ai], access="premium")
    ]


def _sign_in(client, member_factory, level):
    if level == "anonymous":
        return None
    member = member_factory(level)
    client.force_login(member)
    return member


@pytest.mark.parametrize(
    ("level", "shown"),
    [("anonymous", False), ("registered", False), ("complete", True), ("premium", True), ("staff", True)],
)
def test_the_fragment_for_each_level(level, shown, client, member_factory, articles, read):
    member = _sign_in(client, member_factory, level)
    if member is not None:
        read(member, articles[0])

    response = client.get("/discover/recommended/", **HX)
    html = response.content.decode()

    assert response.status_code == 200
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert "あなたへのおすすめ" in html
    assert ("おすすめ候補1" in html) is shown
    assert "おすすめ候補0" not in html  # read, or not shown at all
    assert ("プレミアム限定の候補" in html) is (level in ("premium", "staff"))
    if level == "anonymous":
        assert "この機能は会員の方がご利用いただけます。" in html
        assert 'href="/accounts/signup/?next=' in html
    if level == "registered":
        assert "必要な会員情報が不足しています。" in html and "おすすめコンテンツの表示" in html
        assert 'href="/members/me/details/?next=/discover/recommended/"' in html
    if shown:
        assert 'href="/discover/for-you/"' in html  # もっと見る
        assert "discover-item__reason" in html


def test_the_fragment_without_htmx_goes_to_the_page(client):
    response = client.get("/discover/recommended/")

    assert response.status_code == 302 and response["Location"] == "/discover/for-you/"


def test_the_page_lists_more_and_is_private(client, member_factory, articles, read):
    member = _sign_in(client, member_factory, "complete")
    read(member, articles[0])

    response = client.get("/discover/for-you/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert html.count('class="discover-item"') == 3
    assert "<h1" in html and "あなたへのおすすめ" in html
    assert "discovery/discovery.css" in html


def test_the_page_shows_what_unlocks_it(client, member_factory):
    _sign_in(client, member_factory, "registered")

    html = client.get("/discover/for-you/").content.decode()

    assert "必要な会員情報が不足しています。" in html and "詳細情報の入力へ進む" in html


def test_an_empty_history_on_an_empty_site_says_what_to_do(client, member_factory):
    _sign_in(client, member_factory, "complete")

    html = client.get("/discover/for-you/").content.decode()

    assert "おすすめできる記事はまだありません" in html


def test_the_home_page_carries_the_same_placeholder_for_everyone(client, member_factory, articles):
    anonymous = client.get("/").content.decode()
    _sign_in(client, member_factory, "complete")
    member = client.get("/").content.decode()

    for html in (anonymous, member):
        assert 'hx-get="/discover/recommended/"' in html
        assert 'hx-trigger="intersect once"' in html
        assert 'href="/discover/for-you/"' in html  # without JavaScript
        assert "おすすめ候補1</h3>" not in html.split('id="recommended"')[1].split("</section>")[0]


def test_the_fragment_is_never_stored_in_the_page_cache(client, articles):
    client.get("/discover/recommended/", **HX)

    response = client.get("/discover/recommended/", **HX)

    assert "X-Page-Cache" not in response
