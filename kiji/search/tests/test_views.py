"""The search page: results, access filtering, filters and their errors, paging, empty states,
the htmx partial, the rate limit and the response headers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kiji.comments.models import Comment
from kiji.core.ratelimit import Limit
from kiji.search import views
from kiji.search.forms import FilterOptions, SearchForm
from kiji.search.indexing import index_article, index_comment
from kiji.search.query import parse
from kiji.search.selectors import SearchResults
from kiji.search.vocabulary import refresh

pytestmark = pytest.mark.django_db

URL = "/search/"
HTMX = {"HX-Request": "true", "HX-Target": "search-results"}


def _body(*paragraphs: str) -> list[tuple[str, Any]]:
    return [("paragraph", f"<p>{text}</p>") for text in paragraphs]


def _article(article_factory: Any, **kwargs: Any) -> Any:
    article = article_factory(**kwargs)
    index_article(article.pk)
    return article


def _get(client: Client, **params: Any) -> Any:
    return client.get(URL, params, headers=params.pop("_headers", None) or {})


def _hits(response: Any) -> list[str]:
    """The result titles, as text, in order."""
    html = response.content.decode()
    return [
        unescape(re.sub(r"<[^>]+>", "", title))
        for title in re.findall(r'<h3 class="search-hit__title"><a [^>]*>(.*?)</a></h3>', html, re.S)
    ]


def _links(response: Any, css_class: str) -> list[str]:
    html = response.content.decode()
    return [unescape(href) for href in re.findall(rf'class="{css_class}[^"]*"[^>]* href="([^"]+)"', html)]


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


# The header box and the empty page


def test_every_page_has_the_header_search_box(client: Client, article_factory: Any) -> None:
    article_factory()
    html = client.get("/").content.decode()
    assert 'role="search" aria-label="サイト内検索" action="/search/" method="get"' in html
    assert '<label class="visually-hidden" for="site-search-q">サイト内検索</label>' in html
    assert 'id="site-search-q" type="search" name="q"' in html
    assert "/static/search/search.css" in html


def test_empty_query_shows_an_intro_and_popular_tags(
    client: Client, article_factory: Any, tag_factory: Any
) -> None:
    # Recent: 人気のタグ counts the last days (the factory dates articles back by its sequence).
    _article(article_factory, tags=[tag_factory("半導体")], published_at=timezone.now())
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "記事の見出し・リード・本文と、読者のコメントをまとめて検索できます。" in html
    assert "人気のタグ" in html and "#半導体" in html
    assert 'class="search-intro__example" href="/search/?q=%E6%B1%BA%E7%AE%97"' in html
    assert 'name="robots" content="noindex"' in html
    assert "search-hits" not in html


def test_results_are_highlighted_counted_and_linked(
    client: Client, article_factory: Any, tag_factory: Any
) -> None:
    article = _article(
        article_factory,
        title="半導体メーカーの決算を読む",
        body=_body("各社の決算は設備投資の回復を示した。"),
        tags=[tag_factory("半導体")],
    )
    _article(article_factory, title="関係のない記事", body=_body("天気の話題です。"))
    response = _get(client, q="決算")
    html = response.content.decode()
    assert response.status_code == 200
    assert _hits(response) == ["半導体メーカーの決算を読む"]
    assert "半導体メーカーの<mark>決算</mark>を読む" in html
    assert "各社の<mark>決算</mark>は設備投資の回復を示した。" in html
    assert f'href="{article.url}"' in html
    assert "「決算」の検索結果 1件(1〜1件目を表示)" in html
    assert '<span class="search-hit__kind search-hit__kind--article">記事</span>' in html
    assert "#半導体" in html
    assert article.published_at.astimezone(timezone.get_current_timezone()).strftime("%Y/%m/%d") in html
    assert "<title>「決算」の検索結果 | " in html


def test_markup_in_the_query_and_the_text_is_escaped(client: Client, article_factory: Any) -> None:
    _article(article_factory, title="<b>タグ</b>の決算", body=_body("&lt;script&gt;決算"))
    html = _get(client, q='<script>決算"').content.decode()
    assert "<script>決算" not in html
    assert "&lt;b&gt;タグ&lt;/b&gt;の<mark>決算</mark>" in html


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '""',
        "-",
        "--",
        "*",
        "AND",
        "NEAR(決算",
        "a OR b",
        "'",
        "\\",
        "決算)",
        "🙂",
        "　",
        "決算 -",
        '-"決算"',
    ],
)
def test_odd_queries_never_fail(client: Client, article_factory: Any, text: str) -> None:
    _article(article_factory, title="決算の記事")
    assert _get(client, q=text).status_code == 200


# Access: what a reader may not read stays out of the page


def test_a_visitor_sees_only_the_title_and_lead_of_a_members_only_article(
    client: Client, article_factory: Any, member_factory: Any
) -> None:
    secret = "本文だけにある蓄電池の独自試算は年率八割の伸びを示した。"
    _article(
        article_factory,
        title="電力の未来",
        lead="電力会社の新戦略を読み解く。",
        members_only=True,
        body=_body(secret),
    )
    html = _get(client, q="蓄電池").content.decode()
    assert "電力の未来" in html
    assert "電力会社の新戦略を読み解く。" in html
    assert "年率八割" not in html and "独自試算" not in html
    assert '<span class="badge badge--members">会員限定</span>' in html
    assert "続きは無料の会員登録でお読みいただけます。" in html

    client.force_login(member_factory("registered"))
    html = _get(client, q="蓄電池").content.decode()
    assert "年率八割" not in html
    assert "本文は記事ページでお読みください。詳細情報を登録すると、会員限定記事をすべて読めます。" in html

    client.force_login(member_factory("complete"))
    html = _get(client, q="蓄電池").content.decode()
    assert "<mark>蓄電池</mark>の独自試算は年率八割" in html
    assert "続きは" not in html and "search-hit__wall" not in html


def test_a_premium_member_sees_the_body_of_a_premium_article_others_do_not(
    client: Client, article_factory: Any, member_factory: Any
) -> None:
    _article(
        article_factory,
        title="上位プランの分析",
        access="premium",
        body=_body("量子暗号の商用化は三年後になる。"),
    )
    client.force_login(member_factory("complete"))
    html = _get(client, q="量子暗号").content.decode()
    assert "上位プランの分析" in html
    assert "商用化は三年後" not in html
    assert '<span class="badge badge--premium">プレミアム</span>' in html
    assert "続きはプレミアム会員の方がお読みいただけます。" in html

    client.force_login(member_factory("premium"))
    html = _get(client, q="量子暗号").content.decode()
    assert "<mark>量子暗号</mark>の商用化は三年後になる。" in html
    assert "続きは" not in html


def test_comments_show_author_and_article_and_blocked_or_hidden_ones_never_appear(
    client: Client, article_factory: Any, commenter: Any, comment_factory: Any
) -> None:
    from kiji.social import services as social

    article = _article(article_factory, title="物流の記事")
    reader = commenter("complete", display_name="読む人")
    friend = commenter("complete", display_name="良い人")
    rude = commenter("complete", display_name="困った人")
    shown = comment_factory(article, friend, body="倉庫の自動化は効果があります。")
    blocked = comment_factory(article, rude, body="倉庫の話は退屈です。")
    hidden = comment_factory(article, friend, body="倉庫の件は非公開にします。")
    for comment in (shown, blocked, hidden):
        index_comment(comment.pk)
    # Hidden after indexing without the index being told: the page still never shows it.
    Comment.objects.filter(pk=hidden.pk).update(status=Comment.Status.HIDDEN)
    social.block(reader, rude)

    client.force_login(reader)
    response = _get(client, q="倉庫", kind="comment")
    html = response.content.decode()
    assert _hits(response) == ["良い人さんのコメント"]
    assert "<mark>倉庫</mark>の自動化は効果があります。" in html
    assert f'href="/comments/{shown.pk}/#comment-{shown.pk}"' in html
    assert f'記事:<a href="{article.url}">物流の記事</a>' in html
    assert '<span class="search-hit__kind search-hit__kind--comment">コメント</span>' in html
    assert "退屈" not in html and "困った人" not in html
    assert "非公開にします" not in html

    # Someone who blocks nobody sees the other comment; the hidden one stays out for everyone.
    client.logout()
    html = _get(client, q="倉庫", kind="comment").content.decode()
    assert "困った人さんのコメント" in html
    assert "非公開にします" not in html


# Filters and sort


def test_kind_tag_series_author_and_period_filters(
    client: Client, article_factory: Any, tag_factory: Any, series_factory: Any, author_factory: Any
) -> None:
    tag, other_tag = tag_factory("物流"), tag_factory("金融")
    series = series_factory(name="物流の現場", slug="logistics")
    writer = author_factory(name="佐藤 記者", slug="sato")
    now = timezone.now()
    _article(article_factory, title="倉庫A", tags=[tag], series=series, published_at=now - timedelta(days=40))
    _article(
        article_factory,
        title="倉庫B",
        tags=[other_tag],
        authors=[writer],
        published_at=now - timedelta(days=2),
    )
    _article(article_factory, title="倉庫C", published_at=now - timedelta(days=10))

    assert sorted(_hits(_get(client, q="倉庫"))) == ["倉庫A", "倉庫B", "倉庫C"]
    assert _hits(_get(client, q="倉庫", tag=tag.slug)) == ["倉庫A"]
    assert sorted(_hits(_get(client, q="倉庫", tag=[tag.slug, other_tag.slug]))) == ["倉庫A", "倉庫B"]
    assert _hits(_get(client, q="倉庫", series="logistics")) == ["倉庫A"]
    assert _hits(_get(client, q="倉庫", author="sato")) == ["倉庫B"]
    since = (now - timedelta(days=15)).date().isoformat()
    until = (now - timedelta(days=5)).date().isoformat()
    assert _hits(_get(client, q="倉庫", since=since, until=until)) == ["倉庫C"]
    assert _hits(_get(client, q="倉庫", sort="newest")) == ["倉庫B", "倉庫C", "倉庫A"]
    assert _hits(_get(client, q="倉庫", sort="oldest")) == ["倉庫A", "倉庫C", "倉庫B"]
    assert _hits(_get(client, q="倉庫", kind="comment")) == []
    # The chosen filters are shown as chosen, and the folded panel says how many apply.
    html = _get(client, q="倉庫", tag=tag.slug, series="logistics").content.decode()
    assert f'name="tag" value="{tag.slug}" checked' in html
    assert '<option value="logistics" selected>' in html
    assert "2件を適用中" in html
    assert " open>" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"since": "2026-13-45"},
            "期間の開始日の日付が正しくありません。2026-04-01 の形式で入力してください。",
        ),
        ({"until": "きのう"}, "期間の終了日の日付が正しくありません。2026-04-01 の形式で入力してください。"),
        ({"since": "1800-01-01"}, "期間の開始日は2000/01/01から2100/12/31までの日付を入力してください。"),
        ({"until": "9999-12-31"}, "期間の終了日は2000/01/01から2100/12/31までの日付を入力してください。"),
        (
            {"since": "2026-05-01", "until": "2026-04-01"},
            "期間の終了日は開始日と同じか、それより後の日付にしてください。",
        ),
        ({"kind": "video"}, "種類は「すべて」「記事」「コメント」から選んでください。"),
        ({"tag": "no-such-tag"}, "タグ「no-such-tag」は見つかりません。"),
        ({"series": "nope"}, "連載「nope」は見つかりません。"),
        ({"author": "nobody"}, "執筆者「nobody」は見つかりません。"),
        ({"sort": "random"}, "並び順は「関連度」「新しい順」「古い順」から選んでください。"),
        ({"page": "abc"}, "ページ番号が正しくありません。"),
        ({"page": "0"}, "ページ番号が正しくありません。"),
        ({"page": "51"}, "表示できるのは50ページ目までです。条件を絞り込んでください。"),
    ],
)
def test_bad_filter_values_are_explained_and_show_no_results(
    client: Client, article_factory: Any, params: dict[str, str], message: str
) -> None:
    _article(article_factory, title="決算の記事")
    response = _get(client, q="決算", **params)
    html = response.content.decode()
    assert response.status_code == 400
    assert "入力内容を確認してください" in html
    assert message in html
    assert "search-hits" not in html
    assert 'value="決算"' in html  # the box keeps what was typed


def test_a_bad_date_is_shown_next_to_its_field(client: Client) -> None:
    html = _get(client, q="決算", since="2026-02-30").content.decode()
    assert (
        '<p id="search-error-since" class="search-field-error">'
        "期間の開始日の日付が正しくありません。2026-04-01 の形式で入力してください。</p>"
    ) in html
    assert 'aria-describedby="search-error-since" aria-invalid="true"' in html
    assert '<p id="search-error-until" class="search-field-error"></p>' in html


def test_query_problems_are_shown_next_to_the_box(client: Client, settings: Any) -> None:
    # Long URLs make cache keys too long for memcached (a warning, an error under pytest).
    settings.PAGE_CACHE_SECONDS = 0
    html = _get(client, q="-金利").content.decode()
    assert re.search(r'<p id="search-problem" class="search-problem">除外する語[^<]+</p>', html)
    assert 'aria-invalid="true"' in html
    html = _get(client, q="長" * 101).content.decode()
    assert "検索語が長すぎます。100文字以内で入力してください。" in html
    response = _get(client, q="長" * 600)
    assert response.status_code == 400
    assert "検索語が長すぎます。100文字以内で入力してください。" in response.content.decode()


# Paging


def test_paging_keeps_every_filter(client: Client, article_factory: Any, tag_factory: Any) -> None:
    tag = tag_factory("物流")
    now = timezone.now()
    for n in range(25):
        _article(
            article_factory, title=f"倉庫の記事{n:02d}", tags=[tag], published_at=now - timedelta(hours=n + 1)
        )
    since = (now - timedelta(days=30)).date().isoformat()
    first = _get(client, q="倉庫", kind="article", tag=tag.slug, since=since, sort="newest")
    assert first.status_code == 200
    assert len(_hits(first)) == 20
    assert _hits(first)[0] == "倉庫の記事00"
    assert "「倉庫」の検索結果 25件(1〜20件目を表示)" in first.content.decode()
    next_url = _links(first, "search-pager__step search-pager__step--next")[0]
    assert _params(next_url) == {
        "q": ["倉庫"],
        "kind": ["article"],
        "tag": [tag.slug],
        "since": [since],
        "sort": ["newest"],
        "page": ["2"],
    }
    assert _links(first, "search-pager__page") == [next_url]  # page 2 among the numbers
    assert 'aria-current="page"><span aria-hidden="true">1<' in first.content.decode()

    second = client.get(next_url)
    assert _hits(second) == [f"倉庫の記事{n:02d}" for n in range(20, 25)]
    assert "「倉庫」の検索結果 25件(21〜25件目を表示)" in second.content.decode()
    previous_url = _links(second, "search-pager__step search-pager__step--prev")[0]
    assert _params(previous_url) == {k: v for k, v in _params(next_url).items() if k != "page"}
    assert 'rel="next"' not in second.content.decode()
    assert '<ol class="search-hits" start="21">' in second.content.decode()

    beyond = _get(client, q="倉庫", page="5")
    assert "このページに表示できる結果はありません。" in beyond.content.decode()


def test_page_links_skip_the_middle_of_long_result_lists() -> None:
    form = SearchForm({"q": "倉庫", "page": "10"}, options=FilterOptions())
    assert form.is_valid()
    results = SearchResults(query=parse("倉庫"), total=1000, page=10, per_page=20)
    links = views._page_links(form, results)
    numbers = [link.number if link else None for link in links]
    assert numbers == [1, None, 8, 9, 10, 11, 12, None, 50]
    assert [link.current for link in links if link] == [False, False, False, True, False, False, False]


# Empty states


def test_no_results_offers_did_you_mean_tips_and_popular_tags(
    client: Client, article_factory: Any, tag_factory: Any
) -> None:
    _article(
        article_factory,
        title="決算の読み方",
        body=_body("決算短信の決算を読む。"),
        tags=[tag_factory("会計")],
        published_at=timezone.now(),
    )
    refresh()
    response = _get(client, q="けっさん", kind="article")
    html = response.content.decode()
    assert response.status_code == 200
    assert "「けっさん」に一致する結果はありませんでした" in html
    suggestion = _links(response, "search-suggestion")  # not a class on the link: look for it below
    assert not suggestion
    match = re.search(r'<p class="search-suggestion">もしかして: <a href="([^"]+)">決算</a></p>', html)
    assert match
    assert _params(unescape(match.group(1))) == {"q": ["決算"], "kind": ["article"]}
    assert "検索のヒント" in html
    assert "人気のタグ" in html and "#会計" in html
    assert "条件を外して検索する" in html
    # Following the suggestion finds the article.
    assert _hits(client.get(unescape(match.group(1)))) == ["決算の読み方"]


def test_no_results_without_a_suggestion(client: Client, article_factory: Any) -> None:
    _article(article_factory, title="決算の読み方")
    refresh()
    html = _get(client, q="ゾウアザラシ").content.decode()
    assert "「ゾウアザラシ」に一致する結果はありませんでした" in html
    assert "もしかして" not in html
    assert "条件を外して検索する" not in html


# htmx


def test_htmx_gets_only_the_results_region_with_its_out_of_band_parts(
    client: Client, article_factory: Any
) -> None:
    _article(article_factory, title="決算の記事")
    response = client.get(URL, {"q": "決算", "since": "2026-99-01"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" not in html and "site-header" not in html
    assert html.startswith("<title>検索 | ")
    assert '<section id="search-results"' in html
    assert '<p id="search-status" class="search-status" role="status" hx-swap-oob="innerHTML">' in html
    assert '<p id="search-error-since" class="search-field-error" hx-swap-oob="true">期間の開始日' in html
    assert '<p id="search-problem" class="search-problem" hx-swap-oob="true"></p>' in html

    response = client.get(URL, {"q": "決算"}, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<mark>決算</mark>" in html
    assert "「決算」の検索結果 1件" in html
    assert response["Cache-Control"] == "private, no-store"
    assert "HX-Request" in response["Vary"]
    # The address bar gets the search without the form's empty fields.
    response = client.get(
        URL, {"q": "決算", "kind": "", "series": "", "since": "", "sort": "newest", "page": "1"}, headers=HTMX
    )
    assert response["HX-Push-Url"] == "/search/?q=%E6%B1%BA%E7%AE%97&sort=newest"


def test_paging_with_htmx_moves_focus_to_the_first_result(client: Client, article_factory: Any) -> None:
    for n in range(22):
        _article(article_factory, title=f"決算{n}")
    html = client.get(
        URL, {"q": "決算", "page": "2"}, headers={**HTMX, "HX-Trigger": "search-pager-next"}
    ).content.decode()
    assert html.count(" autofocus>") == 1
    assert re.search(r'<h3 class="search-hit__title"><a href="[^"]+" autofocus>', html)
    # A filter change keeps focus where it is (on the filter).
    html = client.get(URL, {"q": "決算", "kind": "article"}, headers=HTMX).content.decode()
    assert "autofocus" not in html
    # And a full page never moves focus into the results.
    assert " autofocus>" not in _get(client, q="決算", page="2").content.decode()


def test_htmx_history_restore_and_other_targets_get_the_whole_page(client: Client) -> None:
    restore = client.get(URL, {"q": "決算"}, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()
    other = client.get(URL, {"q": "決算"}, headers={"HX-Request": "true", "HX-Target": "main"})
    assert "<html" in other.content.decode()


def test_the_page_wires_htmx_with_plain_fallbacks(client: Client, article_factory: Any) -> None:
    for n in range(21):
        _article(article_factory, title=f"決算{n}")
    html = _get(client, q="決算").content.decode()
    assert (
        '<form id="search-form" class="search-form" role="search" aria-label="検索条件" action="/search/"'
        in html
    )
    assert (
        'hx-get="/search/" hx-trigger="change" hx-include="closest form" hx-target="#search-results"' in html
    )
    assert "<noscript>" in html
    next_link = re.search(
        r'<a id="search-pager-next" class="search-pager__step search-pager__step--next" rel="next" href="([^"]+)" hx-get="([^"]+)"',
        html,
    )
    assert next_link and next_link.group(1) == next_link.group(2)


# Limits and headers


def test_the_search_is_rate_limited_per_ip_and_per_member(
    client: Client, monkeypatch: pytest.MonkeyPatch, member_factory: Any
) -> None:
    monkeypatch.setattr(views, "SEARCH_LIMIT", Limit(2, 60))
    assert _get(client, q="決算").status_code == 200
    assert _get(client, q="決算").status_code == 200
    assert client.get(URL).status_code == 200  # the empty page costs nothing
    limited = _get(client, q="決算")
    html = limited.content.decode()
    assert limited.status_code == 429
    assert limited["Retry-After"] == "60"
    assert "検索が短時間に続いたため、一時的に受け付けを停止しています" in html
    assert "1分ほど待ってから、もう一度お試しください。" in html
    assert "search-hits" not in html
    partial = client.get(URL, {"q": "決算"}, headers=HTMX)
    assert partial.status_code == 429 and "<html" not in partial.content.decode()

    # A signed-in member has a budget of their own.
    client.force_login(member_factory())
    assert _get(client, q="決算").status_code == 200


def test_search_pages_are_private_and_never_page_cached(
    client: Client, settings: Any, article_factory: Any
) -> None:
    settings.PAGE_CACHE_SECONDS = 600
    _article(article_factory, title="決算の記事")
    for _ in range(2):
        response = _get(client, q="決算")
        assert response["Cache-Control"] == "private, no-cache"
        assert "X-Page-Cache" not in response
    assert client.get(URL)["Cache-Control"] == "private, no-cache"


# Queries


def test_the_number_of_queries_does_not_grow_with_the_hits(
    client: Client,
    article_factory: Any,
    tag_factory: Any,
    series_factory: Any,
    commenter: Any,
    comment_factory: Any,
    member_factory: Any,
    django_assert_max_num_queries: Any,
) -> None:
    tags = [tag_factory("物流"), tag_factory("倉庫")]
    series = series_factory()
    writer = commenter("complete")
    # The same mix on both result pages (comments, free and walled articles), newest first:
    # 15 hits for one word, a full page of 20 out of 30 for the other.
    for word, count in (("港湾", 10), ("倉庫", 25)):
        for n in range(count):
            article = _article(
                article_factory, title=f"{word}の記事{n}", tags=tags, series=series, members_only=n % 2 == 1
            )
            if n % 2 == 0 and n < 10:
                index_comment(comment_factory(article, writer, body=f"{word}のコメント{n}").pk)
    client.force_login(member_factory("registered"))
    _get(client, q="倉庫")  # the filter options are cached from here on

    counts = []
    for word, hits in (("港湾", 15), ("倉庫", 20)):
        with CaptureQueriesContext(connection) as queries:
            response = _get(client, q=word, sort="newest")
        assert len(_hits(response)) == hits
        assert "さんのコメント" in response.content.decode()
        assert "search-hit__wall" in response.content.decode()
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(20):
        _get(client, q="倉庫", tag=tags[0].slug, sort="newest")


def test_looser_matches_are_labelled(client: Any, indexed_article: Callable[..., Any]) -> None:
    indexed_article("蓄電池の工場が動き出した。", slug="battery")
    page = client.get("/search/", {"q": "電池"}).content.decode()
    assert "一部一致" in page
