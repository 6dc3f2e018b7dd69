"""Conversations with 「Kiji に聞く」: the thread, follow-ups, ownership, deletion, export, the
double submit and the streamed answer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from kiji.assistant import services
from kiji.assistant.models import Conversation, Message, Usage
from kiji.assistant.retrieval import clean_text
from kiji.assistant.tests.conftest import sse
from kiji.privacy.selectors import member_export

pytestmark = pytest.mark.django_db
ASK = "/ask/"
HTMX = {"HX-Request": "true"}


def _ask(client: Any, question: str, url: str = ASK, **data: Any) -> Any:
    return client.post(url, {"question": question, **data})


def test_asking_opens_a_conversation_that_shows_the_thread(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    member = member_factory("premium")
    client = client_for(member)
    response = _ask(client, "日銀の利上げと借入金利は？")
    conversation = Conversation.objects.get()
    message = conversation.messages.get()
    assert response.status_code == 303
    assert response["Location"] == f"/ask/c/{conversation.pk}/#m-{message.pk}"
    assert conversation.member == member and conversation.title == "日銀の利上げと借入金利は？"
    assert (
        not message.pending and message.engine == "extractive" and message.citations[0]["kind"] == "article"
    )
    assert message.citations[0]["article_slug"] == "boj" and message.citations[0]["paragraph"] == 1
    html = client.get(f"/ask/c/{conversation.pk}/").content.decode()
    assert "日銀の利上げと借入金利は？" in html and f'href="#m-{message.pk}-source-1"' in html
    assert f'action="/ask/c/{conversation.pk}/"' in html  # the follow-up form
    assert f"/ask/c/{conversation.pk}/" in client.get(ASK).content.decode()  # listed on /ask/


def test_a_follow_up_is_answered_in_its_conversation_with_the_earlier_question(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], scripted: Any
) -> None:
    engine = scripted()
    client = client_for(member_factory("premium"))
    _ask(client, "日銀の利上げで中小企業の借入金利はどうなった？")
    conversation = Conversation.objects.get()
    response = _ask(client, "それはいつから？", f"/ask/c/{conversation.pk}/")
    assert response.status_code == 303 and Conversation.objects.count() == 1
    first, follow_up = conversation.messages.all()
    assert follow_up.question == "それはいつから？" and not follow_up.pending
    # Retrieval (and the engine) read the follow-up together with the question before it.
    assert engine.questions[1] == clean_text(
        "日銀の利上げで中小企業の借入金利はどうなった？\nそれはいつから？"
    )
    html = client.get(f"/ask/c/{conversation.pk}/").content.decode()
    assert html.index(f'id="m-{first.pk}"') < html.index(f'id="m-{follow_up.pk}"')


def test_a_follow_up_gets_something_new_or_a_decline_never_the_same_sentences_again(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    client = client_for(member_factory("premium"))
    _ask(client, "日銀の利上げで中小企業の借入金利はどうなった？")
    conversation = Conversation.objects.get()
    _ask(client, "借り換えを急いでいる中小企業は多いのですか？", f"/ask/c/{conversation.pk}/")
    _ask(client, "それで？", f"/ask/c/{conversation.pk}/")
    answers = list(conversation.messages.all())
    given = [[s["text"] for s in m.sentences] for m in answers]
    assert given[0] == ["日銀の利上げで、中小企業の借入金利は上がり始めた。"]
    assert given[1] == ["借り換えを急ぐ中小企業も多い。"]  # the next best, not the first again
    assert given[2] == [] and answers[2].declined  # nothing new is left


def test_only_short_or_referring_follow_ups_bring_earlier_questions() -> None:
    assert services.refers_back("いつから？")
    assert services.refers_back("その会社の売上高は前年からどれだけ伸びたのですか")
    assert services.refers_back("How did it change after the rate hike in March?")
    assert not services.refers_back("半導体工場の誘致で地方の雇用はどう変わったのですか")
    assert not services.refers_back("What did the Bank of Japan decide about rates in March?")


def test_a_self_contained_follow_up_is_searched_alone(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], scripted: Any
) -> None:
    engine = scripted()
    client = client_for(member_factory("premium"))
    _ask(client, "港湾の自動化はどこまで進んでいるのですか")
    conversation = Conversation.objects.get()
    _ask(client, "日銀の利上げで中小企業の借入金利はどうなったのですか", f"/ask/c/{conversation.pk}/")
    assert engine.questions[1] == "日銀の利上げで中小企業の借入金利はどうなったのですか"


def test_another_member_finds_no_trace_of_a_conversation(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], editor: Any
) -> None:
    owner = client_for(member_factory("premium"))
    _ask(owner, "日銀の利上げと借入金利は？")
    conversation = Conversation.objects.get()
    message = conversation.messages.get()
    base = f"/ask/c/{conversation.pk}/"
    for other in (client_for(member_factory("premium")), client_for(editor)):
        assert other.get(base).status_code == 404
        assert other.post(base, {"question": "それは？"}).status_code == 404
        assert other.get(f"{base}delete/").status_code == 404
        assert other.post(f"{base}delete/").status_code == 404
        assert other.get(f"{base}m/{message.pk}/stream/").status_code == 404
        assert other.post(f"{base}m/{message.pk}/answer/").status_code == 404
        assert "日銀の利上げと借入金利" not in other.get("/ask/c/").content.decode()
        other.post("/ask/c/delete/")
    assert conversation.messages.count() == 1 and Conversation.objects.filter(pk=conversation.pk).exists()
    with pytest.raises(Http404):  # the service checks it too, for every caller
        services.start_question(member_factory("premium"), "それは？", conversation=conversation)


def test_the_list_is_newest_first_in_the_same_queries_however_long(
    member_factory: Callable[..., Any], client_for: Callable[..., Any], django_assert_num_queries: Any
) -> None:
    member = member_factory("premium")
    client = client_for(member)

    def converse(title: str) -> None:
        conversation = Conversation.objects.create(member=member, title=title)
        Message.objects.create(conversation=conversation, question=title)

    converse("一つ目の会話")
    client.get("/ask/c/")  # sessions and the like warmed up
    with CaptureQueriesContext(connection) as one:
        client.get("/ask/c/")
    for n in range(2, 8):
        converse(f"{n}つ目の会話")
    with django_assert_num_queries(len(one)):
        html = client.get("/ask/c/").content.decode()
    assert html.index("7つ目の会話") < html.index("2つ目の会話") < html.index("一つ目の会話")
    with CaptureQueriesContext(connection) as page:
        client.get(ASK)
    assert len(page) <= len(one) + 6  # the ask page: its recent list, the plan and the day's count


def test_deleting_one_conversation_asks_first_and_then_deletes_it(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    client = client_for(member_factory("premium"))
    _ask(client, "日銀の利上げと借入金利は？")
    _ask(client, "中小企業の借り換えは？")
    kept, gone = Conversation.objects.order_by("pk")
    confirm = client.get(f"/ask/c/{gone.pk}/delete/").content.decode()
    assert "元に戻せません" in confirm and 'method="post"' in confirm and "csrfmiddlewaretoken" in confirm
    assert Conversation.objects.count() == 2  # asking is not deleting
    response = client.post(f"/ask/c/{gone.pk}/delete/")
    assert response.status_code == 303 and response["Location"] == "/ask/c/"
    assert list(Conversation.objects.all()) == [kept] and Message.objects.count() == 1
    assert "を削除しました" in client.get("/ask/c/").content.decode()


def test_deleting_all_conversations_leaves_others_alone(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    member, other = member_factory("premium"), member_factory("premium")
    client = client_for(member)
    for question in ("日銀の利上げは？", "借入金利は？"):
        _ask(client, question)
    _ask(client_for(other), "借り換えは？")
    assert "2件の会話" in client.get("/ask/c/delete/").content.decode()
    assert client.post("/ask/c/delete/").status_code == 303
    assert not Conversation.objects.filter(member=member).exists()
    assert Conversation.objects.filter(member=other).count() == 1
    # Usage stays: deleting does not give the day's questions back.
    assert Usage.objects.filter(member=member).count() == 2


def test_the_data_export_holds_the_conversations_and_usage(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    member = member_factory("premium")
    _ask(client_for(member), "日銀の利上げと借入金利は？")
    _ask(client_for(member_factory("premium")), "他人の質問")
    part = member_export(member)["assistant"]
    (conversation,) = part["conversations"]
    (message,) = conversation["messages"]
    assert message["question"] == "日銀の利上げと借入金利は？" and "借入金利" in message["answer"]
    assert message["citations"][0]["article_slug"] == "boj"
    assert part["usage"][0]["engine"] == "extractive" and part["usage"][0]["cost_yen"] == "0.0000"
    assert "他人の質問" not in str(part)


def test_deleting_the_account_takes_its_conversations_and_usage(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    from kiji.privacy.services import delete_account

    member = member_factory("premium")
    _ask(client_for(member), "日銀の利上げと借入金利は？")
    delete_account(member, by=member)
    assert not Conversation.objects.exists() and not Message.objects.exists()
    assert not Usage.objects.exists()


def test_a_double_submit_records_and_answers_once(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    client = client_for(member_factory("premium"))
    token = str(uuid.uuid4())
    first = _ask(client, "日銀の利上げと借入金利は？", token=token)
    second = _ask(client, "日銀の利上げと借入金利は？", token=token)
    assert first["Location"] == second["Location"]
    assert Conversation.objects.count() == Message.objects.count() == Usage.objects.count() == 1
    conversation = Conversation.objects.get()
    follow_up = str(uuid.uuid4())
    for _ in range(2):
        _ask(client, "それはいつから？", f"/ask/c/{conversation.pk}/", token=follow_up)
    assert Message.objects.count() == 2 and Usage.objects.count() == 2
    # Each form rendered carries a fresh token.
    html = client.get(f"/ask/c/{conversation.pk}/").content.decode()
    assert token not in html and follow_up not in html and 'name="token"' in html


def test_with_htmx_the_question_is_recorded_and_its_answer_streamed_once(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], scripted: Any
) -> None:
    scripted("日銀の利上げで、中小企業の借入金利は上がり始めた。", "借り換えを急ぐ中小企業も多い。")
    client = client_for(member_factory("premium"))
    started = client.post(ASK, {"question": "日銀の利上げと借入金利は？"}, headers=HTMX)
    message = Message.objects.get()
    url = f"/ask/c/{message.conversation_id}/"
    assert started.status_code == 204 and started["HX-Redirect"] == f"{url}#m-{message.pk}"
    assert message.pending and not Usage.objects.exists()
    page = client.get(url).content.decode()
    assert f'data-stream="{url}m/{message.pk}/stream/"' in page
    assert f'action="{url}m/{message.pk}/answer/"' in page  # without JavaScript: a button to get it

    response = client.get(f"{url}m/{message.pk}/stream/")
    assert response["Content-Type"].startswith("text/event-stream")
    assert "no-store" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert response["X-Accel-Buffering"] == "no"
    events = sse(response)
    kinds = [kind for kind, _ in events]
    assert kinds == ["progress", "progress", "progress", "sentence", "sentence", "done"]
    assert [data["text"] for _, data in events[:2]] == ["記事を探しています…", "回答を書いています…"]
    assert events[3][1] == {"text": "日銀の利上げで、中小企業の借入金利は上がり始めた。", "sources": [1]}
    assert f'id="m-{message.pk}-source-1"' in events[-1][1]["html"]
    message.refresh_from_db()
    assert not message.pending and len(message.sentences) == 2 and Usage.objects.count() == 1

    # A reconnect gets the saved answer; nothing is answered or counted twice.
    again = sse(client.get(f"{url}m/{message.pk}/stream/"))
    assert [kind for kind, _ in again] == ["done"] and Usage.objects.count() == 1


def test_with_htmx_a_follow_up_joins_the_thread_and_the_form_is_renewed(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    client = client_for(member_factory("premium"))
    _ask(client, "日銀の利上げと借入金利は？")
    conversation = Conversation.objects.get()
    response = client.post(f"/ask/c/{conversation.pk}/", {"question": "それは？"}, headers=HTMX)
    html = response.content.decode()
    follow_up = conversation.messages.last()
    assert response.status_code == 200 and follow_up is not None and follow_up.pending
    assert response["HX-Retarget"] == "#thread" and response["HX-Reswap"] == "beforeend"
    assert f'id="m-{follow_up.pk}"' in html and 'id="ask-form"' in html and 'hx-swap-oob="true"' in html
    refused = client.post(f"/ask/c/{conversation.pk}/", {"question": "  "}, headers=HTMX)
    assert refused.status_code == 400 and "質問を入力してください。" in refused.content.decode()
    assert "HX-Retarget" not in refused  # the form with its error replaces the one sent


def test_the_stream_checks_access_like_the_form(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], settings: Any
) -> None:
    from kiji.premium.models import Subscription

    member = member_factory("premium")
    client = client_for(member)
    client.post(ASK, {"question": "日銀の利上げと借入金利は？"}, headers=HTMX)
    message = Message.objects.get()
    stream = f"/ask/c/{message.conversation_id}/m/{message.pk}/stream/"
    settings.KIJI_ASSISTANT_DAILY_QUESTIONS_DEFAULT = 0
    events = sse(client.get(stream))
    assert [kind for kind, _ in events] == ["refused"] and "午前0時" in events[0][1]["text"]
    settings.KIJI_ASSISTANT_DAILY_QUESTIONS_DEFAULT = 5
    Subscription.objects.filter(user=member).update(status=Subscription.Status.EXPIRED)
    assert client.get(stream).status_code == 403
    message.refresh_from_db()
    assert message.pending and not Usage.objects.exists()
    assert client.get(f"/ask/c/{message.conversation_id}/").status_code == 200  # still theirs to read


def test_answers_are_text_and_links_are_ours(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any], scripted: Any
) -> None:
    scripted('<img src=x onerror="alert(1)">詳しくは[リンク](javascript:alert(1))を。')
    client = client_for(member_factory("premium"))
    client.post(ASK, {"question": "日銀の利上げと借入金利は？"}, headers=HTMX)
    message = Message.objects.get()
    done = sse(client.get(f"/ask/c/{message.conversation_id}/m/{message.pk}/stream/"))[-1][1]["html"]
    page = client.get(f"/ask/c/{message.conversation_id}/").content.decode()
    for html in (done, page):
        assert "<img src=x" not in html and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
        assert 'href="javascript' not in html


def test_an_unfinished_answer_can_be_fetched_without_javascript(
    boj: Any, member_factory: Callable[..., Any], client_for: Callable[..., Any]
) -> None:
    client = client_for(member_factory("premium"))
    client.post(ASK, {"question": "日銀の利上げと借入金利は？"}, headers=HTMX)
    message = Message.objects.get()
    response = client.post(f"/ask/c/{message.conversation_id}/m/{message.pk}/answer/")
    assert response.status_code == 303
    message.refresh_from_db()
    assert not message.pending and Usage.objects.count() == 1
    client.post(f"/ask/c/{message.conversation_id}/m/{message.pk}/answer/")
    assert Usage.objects.count() == 1
