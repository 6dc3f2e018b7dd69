from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from kiji.premium import selectors, services
from kiji.premium.errors import PremiumError
from kiji.premium.models import Invoice, Subscription
from kiji.premium.tasks import expire_subscriptions_task

from .conftest import NOW, apply_by_invoice, tokyo

pytestmark = pytest.mark.django_db

# Paid at NOW (2026-03-10 14:23): premium through 2026-04-10, the period ends at 2026-04-11 00:00.
END = tokyo(2026, 4, 11)


@pytest.fixture
def paid(reader, monthly, editor):
    invoice = apply_by_invoice(reader, monthly, now=NOW)
    return services.confirm_invoice_payment(invoice, by=editor, now=NOW).subscription


def _reload(subscription):
    subscription.refresh_from_db()
    return subscription


def test_the_next_invoice_is_issued_seven_days_before_the_period_ends_and_only_once(paid):
    early = services.expire_subscriptions(now=END - timedelta(days=7, seconds=1))
    due = services.expire_subscriptions(now=END - timedelta(days=7))
    again = services.expire_subscriptions(now=END - timedelta(days=6))

    assert (early.invoices_issued, due.invoices_issued, again.invoices_issued) == (0, 1, 0)
    renewal = paid.invoices.get(status=Invoice.Status.ISSUED)
    assert (renewal.kind, renewal.amount_yen, renewal.months) == (Invoice.Kind.RENEWAL, 1980, 1)
    assert renewal.due_date.isoformat() == "2026-04-18"


def test_paying_the_renewal_in_time_extends_the_period_without_a_gap(paid, editor):
    services.expire_subscriptions(now=tokyo(2026, 4, 5))
    renewal = paid.invoices.get(status=Invoice.Status.ISSUED)

    services.confirm_invoice_payment(renewal, by=editor, now=tokyo(2026, 4, 8, 10, 0))
    run = services.expire_subscriptions(now=END)

    paid = _reload(paid)
    assert run.expired == 0
    assert paid.status == Subscription.Status.ACTIVE
    assert (paid.current_period_start, paid.current_period_end) == (NOW, tokyo(2026, 5, 11))


def test_cancelled_subscription_stays_active_to_the_period_end_then_expires_without_a_new_invoice(
    reader, paid
):
    services.cancel_at_period_end(reader, now=tokyo(2026, 3, 20))

    services.expire_subscriptions(now=tokyo(2026, 4, 5))
    assert _reload(paid).status == Subscription.Status.ACTIVE
    assert services.expire_subscriptions(now=END - timedelta(seconds=1)).expired == 0
    run = services.expire_subscriptions(now=END + timedelta(hours=3))

    paid = _reload(paid)
    assert run.expired == 1
    assert (paid.status, paid.end_reason, paid.ended_at) == (
        Subscription.Status.EXPIRED,
        Subscription.EndReason.PERIOD_ENDED,
        END,
    )
    assert paid.invoices.count() == 1


def test_cancelling_withdraws_an_outstanding_renewal_invoice_and_resuming_issues_it_again(reader, paid):
    services.expire_subscriptions(now=tokyo(2026, 4, 5))

    services.cancel_at_period_end(reader, now=tokyo(2026, 4, 6))
    assert not paid.invoices.filter(status=Invoice.Status.ISSUED).exists()
    services.resume_subscription(reader, now=tokyo(2026, 4, 7))

    assert _reload(paid).cancel_at_period_end is False
    assert list(paid.invoices.values_list("kind", "status").order_by("pk")) == [
        ("new", "paid"),
        ("renewal", "void"),
        ("renewal", "issued"),
    ]


def test_cancelling_twice_is_a_no_op(reader, paid):
    services.cancel_at_period_end(reader, now=tokyo(2026, 3, 20))
    services.cancel_at_period_end(reader, now=tokyo(2026, 3, 21))

    paid = _reload(paid)
    assert paid.cancel_at_period_end and paid.status == Subscription.Status.ACTIVE


def test_an_unpaid_renewal_lapses_at_the_period_end_and_expires_after_its_due_date_and_grace(reader, paid):
    services.expire_subscriptions(now=tokyo(2026, 4, 4))
    renewal = paid.invoices.get(status=Invoice.Status.ISSUED)

    services.expire_subscriptions(now=END)
    overview = selectors.subscription_overview(reader, now=END)
    assert _reload(paid).status == Subscription.Status.ACTIVE and overview.lapsed
    services.expire_subscriptions(now=renewal.due_at + timedelta(days=7) - timedelta(seconds=1))
    assert _reload(paid).status == Subscription.Status.ACTIVE
    services.expire_subscriptions(now=renewal.due_at + timedelta(days=7))

    paid = _reload(paid)
    renewal.refresh_from_db()
    assert (paid.status, paid.end_reason) == (
        Subscription.Status.EXPIRED,
        Subscription.EndReason.PAYMENT_OVERDUE,
    )
    assert renewal.status == Invoice.Status.VOID


def test_a_late_renewal_payment_starts_a_fresh_period_from_the_day_it_is_confirmed(paid, editor):
    services.expire_subscriptions(now=tokyo(2026, 4, 4))
    renewal = paid.invoices.get(status=Invoice.Status.ISSUED)
    services.expire_subscriptions(now=tokyo(2026, 4, 14))

    services.confirm_invoice_payment(renewal, by=editor, now=tokyo(2026, 4, 15, 10, 0))

    paid = _reload(paid)
    assert (paid.current_period_start, paid.current_period_end) == (
        tokyo(2026, 4, 15, 10, 0),
        tokyo(2026, 5, 16),
    )


def test_an_unpaid_application_expires_after_its_due_date_and_grace_and_can_no_longer_be_confirmed(
    reader, monthly, editor
):
    invoice = apply_by_invoice(reader, monthly, now=NOW)
    deadline = invoice.due_at + timedelta(days=7)

    assert services.expire_subscriptions(now=deadline - timedelta(seconds=1)).expired == 0
    assert services.expire_subscriptions(now=deadline).expired == 1
    with pytest.raises(PremiumError):
        services.confirm_invoice_payment(invoice, by=editor, now=deadline)

    subscription = Subscription.objects.get(user=reader)
    assert (subscription.status, subscription.end_reason) == (
        Subscription.Status.EXPIRED,
        Subscription.EndReason.PAYMENT_OVERDUE,
    )
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.VOID


def test_a_staff_grant_expires_at_its_end_and_is_never_invoiced(reader, monthly, editor):
    granted = services.grant_premium(reader, plan=monthly, months=1, by=editor, now=NOW)

    services.expire_subscriptions(now=tokyo(2026, 4, 5))
    run = services.expire_subscriptions(now=END)

    assert run.expired == 1
    assert _reload(granted).status == Subscription.Status.EXPIRED
    assert not Invoice.objects.exists()


def test_the_management_command_and_the_task_run_the_same_job_on_the_real_clock(
    reader, monthly, editor, capsys
):
    now = timezone.now()
    services.grant_premium(reader, plan=monthly, months=1, by=editor, now=now - timedelta(days=40))

    call_command("expire_subscriptions")
    result = expire_subscriptions_task.enqueue()

    assert "expired 1 subscription(s)" in capsys.readouterr().out
    assert Subscription.objects.get(user=reader).status == Subscription.Status.EXPIRED
    assert result.return_value == {"invoices_issued": 0, "expired": 0}
