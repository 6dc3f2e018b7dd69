"""The 「Kiji に聞く」 page: a plain form that leads to the conversation, the upgrade panel, errors
that keep the text."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from kiji.search.indexing import index_article

pytestmark = pytest.mark.django_db
URL = "/ask/"


@pytest.fixture
def boj(article_factory: Callable[..., Any]) -> Any:
    article = article_factory(
        title="利上げと資金繰り",
        slug="boj",
        body=[("paragraph", "<p>日銀の利上げで、中小企業の借入金利は上がり始めた。</p>")],
    )
    index_article(article.pk)
    return article


def _client(member: Any) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_premium_members_get_an_answer_with_numbered_sources(
    boj: Any, member_factory: Callable[..., Any]
) -> None:
    client = _client(member_factory("premium"))
    response = client.post(URL, {"question": "日銀の利上げと借入金利は？"})
    assert response.status_code == 303 and response["Location"].startswith("/ask/c/")
    assert "no-store" in response["Cache-Control"]
    page = client.get(response["Location"])
    html = page.content.decode()
    message = re.search(r'id="(m-\d+)"', html)
    assert page.status_code == 200 and message is not None
    anchor = f"{message.group(1)}-source-1"
    assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html and 'href="/articles/boj/' in html
    assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]


def test_asked_from_an_article_the_answer_stays_in_it(
    boj: Any, article_factory: Callable[..., Any], member_factory: Callable[..., Any]
) -> None:
    other = article_factory(slug="other", body=[("paragraph", "<p>日銀の利上げで円相場が動いた。</p>")])
    index_article(other.pk)
    client = _client(member_factory("premium"))
    page = client.get(URL, {"article": "boj"}).content.decode()
    assert "「利上げと資金繰り」について" in page and 'value="boj"' in page
    response = client.post(URL, {"question": "日銀の利上げの影響は？", "article": "boj"}, follow=True)
    html = response.content.decode()
    assert "「利上げと資金繰り」について" in html  # the conversation keeps the article
    assert "/articles/boj/" in html and "/articles/other/" not in html


@pytest.mark.parametrize("level", ["anonymous", "registered", "complete"])
def test_other_levels_see_what_it_gives_and_how_to_get_it(
    level: str, boj: Any, member_factory: Callable[..., Any]
) -> None:
    client = Client() if level == "anonymous" else _client(member_factory(level))
    page = client.get(URL).content.decode()
    assert "プレミアム会員の機能です" in page and "/premium/" in page and "<textarea" not in page
    refused = client.post(URL, {"question": "日銀の利上げと借入金利は？"})
    assert refused.status_code == 403 and "source-1" not in refused.content.decode()


def test_bad_questions_get_a_specific_message_and_keep_the_text(member_factory: Callable[..., Any]) -> None:
    client = _client(member_factory("premium"))
    empty = client.post(URL, {"question": "   "})
    assert empty.status_code == 400 and "質問を入力してください。" in empty.content.decode()
    long = "長" * 501
    too_long = client.post(URL, {"question": long})
    assert too_long.status_code == 400 and "500文字以内" in too_long.content.decode()
    assert long in too_long.content.decode()


def test_asking_is_rate_limited(boj: Any, member_factory: Callable[..., Any]) -> None:
    from kiji.assistant.views import ASK_LIMIT

    client = _client(member_factory("premium"))
    statuses = [client.post(URL, {"question": "日銀"}).status_code for _ in range(ASK_LIMIT.count + 1)]
    assert statuses[:-1] == [303] * ASK_LIMIT.count and statuses[-1] == 429


def test_article_pages_offer_to_ask_about_them(client: Client, boj: Any) -> None:
    html = client.get("/articles/boj/").content.decode()
    assert 'href="/ask/?article=boj"' in html and "この記事について質問する" in html
