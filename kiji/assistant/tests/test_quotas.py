"""Daily question quotas per plan, decided in kiji.core.access, and the usage log they count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from kiji.assistant import selectors, services
from kiji.assistant.engines import Usage as ModelUsage
from kiji.assistant.models import Conversation, Message, Usage
from kiji.core import access

pytestmark = pytest.mark.django_db
ASK = "/ask/"
TOKYO = ZoneInfo("Asia/Tokyo")


def _ask(client: Any, question: str = "日銀の利上げと借入金利は？", url: str = ASK) -> Any:
    return client.post(url, {"question": question})


def test_a_used_up_quota_says_when_it_resets_and_changes_nothing(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], settings: Any
) -> None:
    settings.KIJI_ASSISTANT_DAILY_QUESTIONS = {"test-monthly": 2}
    client = client_for(member_factory("premium"))
    assert "本日あと2回質問できます" in client.get(ASK).content.decode()
    assert [_ask(client).status_code for _ in range(2)] == [303, 303]
    conversation = Conversation.objects.order_by("pk").first()
    assert conversation is not None
    counts = (Conversation.objects.count(), Message.objects.count(), Usage.objects.count())

    refused = _ask(client, "借り換えは？")
    follow_up = _ask(client, "それは？", f"/ask/c/{conversation.pk}/")
    message = "本日の質問回数の上限(2回)に達しました。回数は毎日午前0時(日本時間)にリセットされます。"
    for response in (refused, follow_up):
        assert response.status_code == 429 and message in response.content.decode()
    assert (Conversation.objects.count(), Message.objects.count(), Usage.objects.count()) == counts
    for page in (client.get(ASK), client.get(f"/ask/c/{conversation.pk}/")):
        html = page.content.decode()
        assert message in html and "<textarea" not in html


def test_the_quota_follows_the_plan_and_staff_have_none(
    member_factory: Callable[..., Any], settings: Any
) -> None:
    from conftest import activate_premium
    from kiji.premium.models import Plan

    settings.KIJI_ASSISTANT_DAILY_QUESTIONS = {"yearly": 120}
    settings.KIJI_ASSISTANT_DAILY_QUESTIONS_DEFAULT = 30
    yearly = member_factory("complete")
    activate_premium(yearly, plan=Plan.objects.create(code="yearly", name="年額", price_yen=19800))
    monthly = member_factory("premium")
    for member, left in ((yearly, 120), (monthly, 30), (member_factory("staff"), None)):
        decision = access.decide(member, access.Action.ASK_QUESTION)
        assert decision.allowed and decision.questions_left == left
    refused = access.decide(member_factory("complete"), access.Action.ASK_QUESTION)
    assert not refused and refused.reason == "premium_only"


def test_staff_ask_without_limit(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], settings: Any
) -> None:
    settings.KIJI_ASSISTANT_DAILY_QUESTIONS_DEFAULT = 0
    assert _ask(client_for(member_factory("staff"))).status_code == 303
    assert Usage.objects.count() == 1
    assert _ask(client_for(member_factory("premium"))).status_code == 429


def test_the_day_begins_at_midnight_in_tokyo(member_factory: Callable[..., Any]) -> None:
    member = member_factory("premium")
    now = datetime(2026, 3, 10, 9, 0, tzinfo=TOKYO)
    for at in (datetime(2026, 3, 9, 23, 59, tzinfo=TOKYO), datetime(2026, 3, 10, 0, 0, tzinfo=TOKYO)):
        Usage.objects.create(member=member, at=at, engine="extractive")
    assert selectors.tokyo_day_start(now) == datetime(2026, 3, 10, tzinfo=TOKYO)
    assert selectors.questions_asked_today(member, now=now) == 1


def test_a_model_answer_logs_its_tokens_cost_and_time(
    boj: Any,
    member_factory: Callable[..., Any],
    client_for: Callable[..., Any],
    scripted: Any,
    settings: Any,
) -> None:
    # The engine prices its tokens when it counts them (remote.py, from the settings' prices).
    scripted(usage=ModelUsage("kiji-model-7b", 1200, 300, cost_yen=Decimal("0.3600")))
    member = member_factory("premium")
    _ask(client_for(member))
    usage = Usage.objects.get()
    message = Message.objects.get()
    assert (usage.member, usage.message, usage.conversation) == (member, message, message.conversation)
    assert (usage.engine, usage.model, usage.input_tokens, usage.output_tokens) == (
        "scripted",
        "kiji-model-7b",
        1200,
        300,
    )
    assert usage.cost_yen == Decimal("0.3600")
    assert usage.latency_ms >= 0 and not usage.declined


def test_offline_answers_cost_nothing_and_declines_are_marked(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], settings: Any
) -> None:
    settings.KIJI_ASSISTANT_PRICE_INPUT_YEN = "150"
    client = client_for(member_factory("premium"))
    _ask(client)
    response = _ask(client, "火星移住計画の予算はいくら？")
    answered, declined = Usage.objects.order_by("pk")
    assert answered.engine == "extractive" and answered.cost_yen == 0 and answered.input_tokens == 0
    assert declined.declined and declined.message is not None and declined.message.declined
    html = client.get(response["Location"]).content.decode()
    assert "記事からは確かな答えが見つかりませんでした。" in html


def test_a_fallback_notice_is_kept_with_the_answer(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], scripted: Any
) -> None:
    scripted(notice="外部モデルに接続できなかったため、記事から直接抜き出した回答を表示しています。")
    client = client_for(member_factory("premium"))
    html = client.get(_ask(client)["Location"]).content.decode()
    assert "外部モデルに接続できなかったため" in html
    assert Message.objects.get().notice.startswith("外部モデル")


def test_staff_see_usage_with_totals(
    boj: Any,
    member_factory: Callable[..., Any],
    client_for: Callable[..., Any],
    scripted: Any,
    settings: Any,
    editor: Any,
) -> None:
    scripted(usage=ModelUsage("kiji-model-7b", 1500, 500, cost_yen=Decimal("1.5")))
    client = client_for(member_factory("premium"))
    for _ in range(2):
        _ask(client)
    html = client_for(editor).get("/django-admin/assistant/usage/").content.decode()
    assert "kiji-model-7b" in html
    assert "合計: 回答 2 件 · 入力 3,000 トークン · 出力 1,000 トークン · 費用 3.00 円" in html


def test_the_service_refuses_a_used_up_quota_for_every_caller(
    member_factory: Callable[..., Any], settings: Any
) -> None:
    settings.KIJI_ASSISTANT_DAILY_QUESTIONS_DEFAULT = 0
    with pytest.raises(services.AskError) as refused:
        services.start_question(member_factory("premium"), "日銀の利上げは？")
    assert refused.value.reason == "assistant_quota_used_up" and not Conversation.objects.exists()


def test_questions_waiting_for_their_answer_count_but_not_against_themselves(
    boj: Any, member_factory: Callable[..., Any], settings: Any
) -> None:
    settings.KIJI_ASSISTANT_DAILY_QUESTIONS = {"test-monthly": 1}
    member = member_factory("premium")
    waiting = services.start_question(member, "日銀の利上げと借入金利は？")  # posted, answer on its way
    with pytest.raises(services.AskError) as refused:
        services.start_question(member, "借り換えは？")
    assert refused.value.reason == "assistant_quota_used_up"
    answer = [event for event in services.answer_events(member, waiting) if event.kind == "done"]
    assert len(answer) == 1 and Usage.objects.count() == 1
    assert not access.decide(member, access.Action.ASK_QUESTION)
