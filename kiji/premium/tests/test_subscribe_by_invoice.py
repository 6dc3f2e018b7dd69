import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiji.premium import billing, services
from kiji.premium.errors import PremiumError
from kiji.premium.models import Invoice, Subscription
from kiji.premium.providers import BANK_ACCOUNT_HOLDER, BANK_ACCOUNT_NUMBER, BANK_BRANCH, BANK_NAME

from .conftest import NOW, apply_by_invoice, tokyo

pytestmark = pytest.mark.django_db


def test_plans_page_shows_both_plans_with_tax_included_prices_and_what_premium_unlocks(client, plans):
    html = client.get("/premium/").content.decode()

    assert "プレミアム月額" in html and "1,980" in html
    assert "プレミアム年額" in html and "19,800" in html
    assert "(税込)" in html
    assert "1か月あたり 1,650円" in html
    assert "プレミアム会員限定記事が読み放題" in html
    assert "AIアシスタント" in html
    assert reverse("premium:checkout", args=["monthly"]) in html


def test_checkout_asks_for_confirmation_and_writes_nothing_on_get(client, reader, monthly):
    client.force_login(reader)

    html = client.get(reverse("premium:checkout", args=["monthly"])).content.decode()

    assert "お申し込み内容の確認" in html
    assert "請求書払い(銀行振込)" in html
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert not Subscription.objects.exists()


def test_checkout_needs_a_signed_in_member(client, monthly):
    response = client.post(reverse("premium:checkout", args=["monthly"]))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Subscription.objects.exists()


def test_choosing_a_plan_creates_a_pending_subscription_and_an_invoice_with_the_bank_details(
    client, reader, monthly
):
    client.force_login(reader)

    response = client.post(reverse("premium:checkout", args=["monthly"]), follow=True)

    subscription = Subscription.objects.get(user=reader)
    invoice = subscription.invoices.get()
    assert subscription.status == Subscription.Status.PENDING
    assert subscription.provider == "invoice"
    assert re.fullmatch(r"KIJI-\d{4}-\d{6}", invoice.number)
    assert (invoice.amount_yen, invoice.months, invoice.status) == (1980, 1, Invoice.Status.ISSUED)
    assert response.redirect_chain[-1][0] == reverse("premium:invoice", args=[invoice.number])
    html = response.content.decode()
    for text in (
        BANK_NAME,
        BANK_BRANCH,
        f"普通 {BANK_ACCOUNT_NUMBER}",
        BANK_ACCOUNT_HOLDER,
        invoice.number,
        "1,980円",
    ):
        assert text in html
    assert "うち消費税10% 180円" in html
    assert "振込依頼人名の前に請求書番号" in html


def test_invoice_is_due_fourteen_days_after_issue_and_numbers_count_up_within_a_tokyo_year(
    reader, django_user_model, monthly, yearly
):
    other = django_user_model.objects.create_user("other", "other@example.com", "other-password-1")
    third = django_user_model.objects.create_user("third", "third@example.com", "third-password-1")

    first = apply_by_invoice(reader, monthly, now=NOW)
    second = apply_by_invoice(other, yearly, now=NOW)
    # 2026-12-31 16:00 UTC is already New Year's Day in Tokyo.
    next_year = apply_by_invoice(third, monthly, now=tokyo(2027, 1, 1, 1, 0))

    assert first.issued_at == NOW
    assert first.due_date == date(2026, 3, 24)
    assert first.due_at == tokyo(2026, 3, 25)
    assert (first.number, second.number) == ("KIJI-2026-000001", "KIJI-2026-000002")
    assert second.amount_yen == 19800 and second.months == 12 and second.tax_yen == 1800
    assert next_year.number == "KIJI-2027-000001"


def test_double_submit_of_the_checkout_creates_one_subscription_and_one_invoice(client, reader, monthly):
    client.force_login(reader)
    url = reverse("premium:checkout", args=["monthly"])

    first = client.post(url)
    second = client.post(url)

    assert Subscription.objects.filter(user=reader).count() == 1
    assert Invoice.objects.count() == 1
    assert (
        first["Location"]
        == second["Location"]
        == reverse("premium:invoice", args=[Invoice.objects.get().number])
    )


def test_a_member_with_a_pending_application_is_told_to_withdraw_it_before_choosing_another_plan(
    client, reader, monthly, yearly
):
    client.force_login(reader)
    client.post(reverse("premium:checkout", args=["monthly"]))

    response = client.post(reverse("premium:checkout", args=["yearly"]), follow=True)

    assert "別のプランでお申し込み中です" in response.content.decode()
    assert Subscription.objects.filter(user=reader).count() == 1
    with pytest.raises(PremiumError) as refused:
        services.subscribe(reader, plan=yearly, now=NOW)
    assert refused.value.code == "other_plan_pending"


def test_a_premium_member_cannot_apply_again(premium_member, monthly):
    with pytest.raises(PremiumError) as refused:
        services.subscribe(premium_member, plan=monthly, now=NOW)

    assert refused.value.code == "already_premium"


def test_a_withdrawn_plan_cannot_be_chosen(client, reader, monthly):
    monthly.active = False
    monthly.save()
    client.force_login(reader)

    assert client.get(reverse("premium:checkout", args=["monthly"])).status_code == 404
    with pytest.raises(PremiumError):
        services.subscribe(reader, plan=monthly, now=NOW)


def test_withdrawing_an_application_voids_its_invoice_and_allows_a_new_choice(
    client, reader, monthly, yearly
):
    client.force_login(reader)
    client.post(reverse("premium:checkout", args=["monthly"]))

    assert "お申し込みを取り消しますか" in client.get(reverse("premium:withdraw")).content.decode()
    client.post(reverse("premium:withdraw"))
    client.post(reverse("premium:checkout", args=["yearly"]))

    old, new = Subscription.objects.filter(user=reader).order_by("pk")
    assert (old.status, old.end_reason) == (
        Subscription.Status.CANCELED,
        Subscription.EndReason.MEMBER_WITHDREW,
    )
    assert old.invoices.get().status == Invoice.Status.VOID
    assert new.status == Subscription.Status.PENDING and new.plan == yearly


def test_another_members_invoice_is_not_found(client, reader, django_user_model, monthly):
    invoice = apply_by_invoice(reader, monthly, now=NOW)
    other = django_user_model.objects.create_user("other", "other@example.com", "other-password-1")
    client.force_login(other)

    assert client.get(reverse("premium:invoice", args=[invoice.number])).status_code == 404


def test_a_void_invoice_says_not_to_pay_it(client, reader, monthly):
    invoice = apply_by_invoice(reader, monthly, now=NOW)
    services.withdraw_application(reader, now=NOW)
    client.force_login(reader)

    html = client.get(reverse("premium:invoice", args=[invoice.number])).content.decode()

    assert "この請求書は無効です" in html
    assert BANK_ACCOUNT_NUMBER not in html


def test_member_writes_are_rate_limited(client, reader, monthly):
    client.force_login(reader)
    url = reverse("premium:checkout", args=["monthly"])

    statuses = [client.post(url).status_code for _ in range(21)]

    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429


def test_subscription_page_shows_status_plan_period_and_history(client, premium_member):
    client.force_login(premium_member)

    html = client.get(reverse("premium:subscription")).content.decode()

    subscription = Subscription.objects.get(user=premium_member)
    first, last = (
        f"{d:%Y}年{d.month}月{d.day}日" for d in (subscription.first_day, subscription.last_day) if d
    )
    assert "プレミアム月額" in html
    assert f"{first} 〜 {last}" in html
    assert "期間終了の7日前に発行します" in html
    assert reverse("premium:cancel") in html
    assert "KIJI-2026-000001" in html and "入金済み" in html


def _history(user, plan, count):
    """`count` past monthly subscriptions, each with a paid invoice, as years of billing leave behind."""
    for n in range(count):
        subscription = Subscription.objects.create(
            user=user, plan=plan, provider="invoice", status=Subscription.Status.EXPIRED
        )
        invoice = billing.issue_invoice(
            subscription, plan=plan, kind=Invoice.Kind.NEW, now=tokyo(2024, 1, 1 + n % 28)
        )
        invoice.status = Invoice.Status.PAID
        invoice.save()


def test_subscription_page_queries_do_not_grow_with_the_number_of_invoices(client, premium_member, monthly):
    client.force_login(premium_member)
    url = reverse("premium:subscription")
    _history(premium_member, monthly, 2)
    client.get(url)  # warm per-process caches (settings, content types)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200

    _history(premium_member, monthly, 30)
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()

    assert html.count(">KIJI-2024-") == 32
    assert len(many) == len(few)
