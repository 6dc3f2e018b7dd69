from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kiji.core import access
from kiji.core.access import Action, Level
from kiji.premium import services
from kiji.premium.models import Invoice, Subscription

from .conftest import apply_by_invoice

pytestmark = pytest.mark.django_db

WALL = "この続きはプレミアム会員限定です"
LAST_PARAGRAPH = "ページ1の段落3"  # below the wall's visible opening


def _article_html(client, article):
    return client.get(article.url).content.decode()


def test_member_pays_by_invoice_reads_premium_articles_cancels_and_loses_them_after_the_period(
    client, operator_client, reader, monthly, article_factory
):
    article = article_factory(access="premium")
    client.force_login(reader)
    assert WALL in _article_html(client, article) and LAST_PARAGRAPH not in _article_html(client, article)

    # Choose a plan: pending with an invoice, still walled.
    client.post(reverse("premium:checkout", args=["monthly"]))
    invoice = Invoice.objects.get(subscription__user=reader)
    assert WALL in _article_html(client, article)
    assert "プレミアム: お支払い待ち" in client.get(reverse("members:home")).content.decode()

    # The operator sees the transfer and confirms it.
    operator_client.post(reverse("premium_admin_invoice_confirm", args=[invoice.pk]))
    html = _article_html(client, article)
    assert WALL not in html and LAST_PARAGRAPH in html
    assert "プレミアム: 有効(" in client.get(reverse("members:home")).content.decode()

    # Cancel at the period end: still premium until then.
    assert "解約しますか" in client.get(reverse("premium:cancel")).content.decode()
    client.post(reverse("premium:cancel"))
    subscription = Subscription.objects.get(user=reader)
    assert subscription.cancel_at_period_end and subscription.status == Subscription.Status.ACTIVE
    services.expire_subscriptions()  # the job runs before the end: nothing changes
    assert LAST_PARAGRAPH in _article_html(client, article)
    assert "解約を取り消して継続する" in client.get(reverse("premium:subscription")).content.decode()

    # The period ends and the job runs: expired, walled again.
    services.expire_subscriptions(now=subscription.current_period_end)
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.EXPIRED
    assert WALL in _article_html(client, article) and LAST_PARAGRAPH not in _article_html(client, article)
    assert "プレミアム: 未加入" in client.get(reverse("members:home")).content.decode()


def test_resuming_before_the_end_keeps_the_member_premium_and_billed(client, reader, monthly, editor):
    services.confirm_invoice_payment(apply_by_invoice(reader, monthly), by=editor)
    client.force_login(reader)
    client.post(reverse("premium:cancel"))

    response = client.post(reverse("premium:resume"), follow=True)

    assert "解約を取り消しました" in response.content.decode()
    assert Subscription.objects.get(user=reader).cancel_at_period_end is False


def test_the_ladder_stops_premium_at_the_period_end_even_before_the_job_runs(
    reader, monthly, editor, monkeypatch
):
    subscription = services.grant_premium(reader, plan=monthly, months=1, by=editor)
    assert access.level_of(reader) is Level.PREMIUM

    assert subscription.current_period_end is not None
    later = subscription.current_period_end + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    access.forget_status(reader)

    assert access.level_of(reader) is Level.REGISTERED


def test_a_pending_application_unlocks_nothing(reader, monthly, article_factory):
    services.subscribe(reader, plan=monthly)

    decision = access.can_read_article(reader, article_factory(access="premium"))

    assert not decision and decision.unlock is access.Unlock.GO_PREMIUM


def test_premium_opens_the_assistant_and_every_member_feature(reader, monthly, editor):
    assert not access.decide(reader, Action.ASK_ASSISTANT)

    services.grant_premium(reader, plan=monthly, months=1, by=editor)

    for action in (Action.ASK_ASSISTANT, Action.SAVE_FAVORITE, Action.FOLLOW_TAG, Action.SEE_RECOMMENDATIONS):
        assert access.decide(reader, action), action


def test_a_change_is_seen_by_the_ladder_in_the_same_request(reader, monthly, editor):
    assert access.status_of(reader).level is Level.REGISTERED  # memoised on this user object

    services.grant_premium(reader, plan=monthly, months=1, by=editor)
    assert access.status_of(reader).level is Level.PREMIUM
    services.revoke_premium(reader, by=editor, reason="テスト")
    assert access.status_of(reader).level is Level.REGISTERED


def test_the_plans_page_tells_a_premium_member_where_they_stand(client, reader, monthly, editor):
    services.grant_premium(reader, plan=monthly, months=1, by=editor)
    client.force_login(reader)

    html = client.get(reverse("premium:plans")).content.decode()

    assert "現在のご契約" in html and "有効(" in html
    assert reverse("premium:checkout", args=["monthly"]) not in html
