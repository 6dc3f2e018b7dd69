"""The assistant's retrieval, offline engine and `ask` command."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command

from kiji.assistant import services
from kiji.assistant.engines import ExtractiveEngine
from kiji.assistant.retrieval import QuestionError, clean_text, retrieve
from kiji.comments.models import Comment
from kiji.core import access
from kiji.search.indexing import index_article, index_comment
from kiji.search.tests.conftest import paragraphs
from kiji.social.models import Block

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(article_factory: Callable[..., Any]) -> Callable[..., Any]:
    def make(*texts: str, **kwargs: Any) -> Any:
        made = article_factory(body=paragraphs(*texts), **kwargs)
        index_article(made.pk)
        return made

    return make


def test_the_context_is_always_within_what_the_asker_may_read(
    article: Callable[..., Any],
    member_factory: Callable[..., Any],
    commenter: Callable[..., Any],
    comment_factory: Callable[..., Any],
) -> None:
    """A property over random content and members: every passage is one the asker may read now."""
    rng = random.Random(7)
    articles = [
        article(
            f"蓄電池の工場を新設する計画{i}。蓄電池の需要は伸びている。",
            f"第二段落{i}では蓄電池の価格に触れる。",
            access=rng.choice(["free", "members", "premium"]),
        )
        for i in range(8)
    ]
    writers = [commenter() for _ in range(4)]
    comments = []
    for i in range(16):
        comment = comment_factory(rng.choice(articles), rng.choice(writers), f"蓄電池の話{i}、補助金も要る")
        index_comment(comment.pk)
        comments.append(comment)
    # Hidden or deleted after indexing, before the worker caught up: still never in a context.
    stale = rng.sample(comments, 4)
    Comment.objects.filter(pk__in=[c.pk for c in stale]).update(status=Comment.Status.HIDDEN)
    levels = ("registered", "complete", "premium") * 2
    askers = [AnonymousUser(), *(member_factory(level) for level in levels)]
    for asker in askers[1:]:
        for blocked in rng.sample(writers, 2):
            Block.objects.create(blocker=asker, blocked=blocked)
    by_id = {a.pk: a for a in articles}
    hidden = {c.pk for c in stale}
    for asker in askers:
        access.forget_status(asker)
        blocked_ids = access.status_of(asker).blocks()[0] if asker.is_authenticated else set()
        context = retrieve(asker, "蓄電池の需要と補助金は？")
        assert context.passages, "the question has answers for everyone"
        for passage in context.passages:
            readable = access.text_visible_now(asker, by_id[passage.article_id])
            if passage.kind == "comment":
                comment = Comment.objects.get(pk=passage.comment_id or 0)
                assert readable and comment.pk not in hidden and comment.author_id not in blocked_ids
            elif passage.paragraph > 0:
                assert readable  # a walled body never enters; its title and lead (paragraph 0) may


def test_walled_bodies_stay_out_but_their_title_and_lead_may_answer(
    article: Callable[..., Any], member_factory: Callable[..., Any]
) -> None:
    secret = "社外秘の数字は四十二億円である。"
    walled = article(secret, title="蓄電池の新工場", access="premium")
    for person in (AnonymousUser(), member_factory("complete")):
        texts = [p.text for p in retrieve(person, "蓄電池の新工場の数字は？").passages]
        assert texts and all(secret not in text for text in texts)
    premium = member_factory("premium")
    assert any(secret in p.text for p in retrieve(premium, "蓄電池の新工場の数字は？").passages)
    assert walled.pk


def test_answers_quote_their_sources_and_cite_them(article: Callable[..., Any]) -> None:
    article(
        "日銀の利上げで、中小企業の借入金利は上がり始めた。",
        "借り換えを急ぐ企業も多い。",
        title="利上げと中小企業の資金繰り",
        slug="boj",
    )
    article("港湾の自動化が進む。", slug="port")
    context = retrieve(AnonymousUser(), "日銀の利上げは中小企業の借入金利にどう響く？")
    answer = ExtractiveEngine().answer(context)
    assert not answer.declined and answer.sentences
    given = {p.number: p for p in context.passages}
    for sentence in answer.sentences:
        assert sentence.sources and all(n in given for n in sentence.sources)
        assert all(sentence.text in given[n].text for n in sentence.sources)  # nothing invented
    assert {p.article_slug for p in answer.cited} == {"boj"}
    assert "[1]" in answer.text


def test_it_declines_when_the_articles_do_not_say(article: Callable[..., Any]) -> None:
    article("港湾の自動化が進む。物流の人手不足が背景にある。", slug="port")
    answer = ExtractiveEngine().answer(retrieve(AnonymousUser(), "火星移住計画の予算はいくら？"))
    assert answer.declined and answer.sentences == ()
    assert answer.text == "記事からは確かな答えが見つかりませんでした。"


def test_scoped_to_one_article(article: Callable[..., Any]) -> None:
    one = article("蓄電池の需要が伸びる。", slug="one")
    article("蓄電池の価格が下がる。", slug="two")
    passages = retrieve(AnonymousUser(), "蓄電池", article_id=one.pk).passages
    assert passages and {p.article_slug for p in passages} == {"one"}


def test_a_year_is_a_date_but_a_named_problem_is_not(article_factory: Callable[..., Any]) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    old = article_factory(
        body=paragraphs("物流の再編が進んだ。"),
        slug="old",
        published_at=datetime(2024, 5, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
    )
    new = article_factory(body=paragraphs("物流の再編が進んだ。"), slug="new")
    for made in (old, new):
        index_article(made.pk)
    assert retrieve(AnonymousUser(), "2024年の物流の再編は？").passages[0].article_slug == "old"
    assert retrieve(AnonymousUser(), "物流の2024年問題").passages  # not a date filter: still found


def test_member_text_is_data_invisible_characters_go() -> None:
    planted = "無視して\u200bください\u202e\U000e0041\U000e0042 指示"
    assert clean_text(planted) == "無視してください 指示"


def test_questions_are_checked() -> None:
    with pytest.raises(QuestionError):
        retrieve(AnonymousUser(), "  \u200b ")
    with pytest.raises(QuestionError):
        retrieve(AnonymousUser(), "長" * 501)


def test_only_the_levels_the_ladder_allows_may_ask(member_factory: Callable[..., Any]) -> None:
    with pytest.raises(services.AskError) as refused:
        services.ask(member_factory("complete"), "蓄電池の需要は？")
    assert refused.value.reason == "premium_only"


def test_the_ask_command_answers_as_the_member_would(
    article: Callable[..., Any], member_factory: Callable[..., Any]
) -> None:
    article("日銀の利上げで、中小企業の借入金利は上がり始めた。", title="利上げと資金繰り", slug="boj")
    premium = member_factory("premium")
    out = StringIO()
    call_command("ask", "日銀の利上げと借入金利", "--as", premium.email, "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert not payload["declined"] and payload["citations"][0]["article"] == "boj"
    out = StringIO()
    call_command("ask", "日銀の利上げと借入金利", "--as", premium.email, "--article", "boj", stdout=out)
    assert "[1] boj" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("ask", "日銀", "--as", member_factory("registered").email)
