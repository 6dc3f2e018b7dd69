import inspect

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kiji.audit.models import AuditEntry
from kiji.core import access
from kiji.premium import services
from kiji.premium.errors import PremiumError
from kiji.premium.models import Invoice, Subscription

from .conftest import NOW, apply_by_invoice, tokyo

pytestmark = pytest.mark.django_db

INDEX = "/admin/premium/invoices/"


def _confirm_url(invoice):
    return reverse("premium_admin_invoice_confirm", args=[invoice.pk])


def test_operator_finds_the_open_invoice_and_confirms_the_payment_in_the_admin(
    operator_client, editor, reader, monthly
):
    invoice = apply_by_invoice(reader, monthly)

    listing = operator_client.get(INDEX, {"q": invoice.number.replace("-", "")}).content.decode()
    page = operator_client.get(_confirm_url(invoice)).content.decode()
    response = operator_client.post(_confirm_url(invoice), follow=True)

    assert invoice.number in listing and _confirm_url(invoice) in listing
    assert "1,980円" in page and "入金確認" in page
    assert "の入金を確認し、プレミアムを有効にしました" in response.content.decode()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID and invoice.confirmed_by == editor
    assert access.level_of(reader) is access.Level.PREMIUM
    entry = AuditEntry.objects.get(action="premium.payment_confirmed")
    assert (entry.actor, entry.target_id) == (editor, str(reader.pk))
    assert entry.detail["invoice"] == invoice.number


def test_confirmation_activates_the_plan_interval_in_tokyo_calendar_days(
    editor, reader, django_user_model, monthly, yearly
):
    other = django_user_model.objects.create_user("other", "other@example.com", "other-password-1")
    monthly_invoice = apply_by_invoice(reader, monthly, now=NOW)
    yearly_invoice = apply_by_invoice(other, yearly, now=NOW)

    month = services.confirm_invoice_payment(monthly_invoice, by=editor, now=NOW).subscription
    year = services.confirm_invoice_payment(yearly_invoice, by=editor, now=NOW).subscription

    assert month.status == Subscription.Status.ACTIVE
    assert (month.current_period_start, month.current_period_end) == (NOW, tokyo(2026, 4, 11))
    assert str(month.last_day) == "2026-04-10"
    assert year.current_period_end == tokyo(2027, 3, 11)


def test_confirming_the_same_payment_twice_changes_nothing(operator_client, editor, reader, monthly):
    invoice = apply_by_invoice(reader, monthly, now=NOW)
    first = services.confirm_invoice_payment(invoice, by=editor, now=NOW)

    again = services.confirm_invoice_payment(invoice, by=editor, now=tokyo(2026, 3, 12))
    response = operator_client.post(_confirm_url(invoice), follow=True)

    assert first.newly_confirmed and not again.newly_confirmed
    assert "すでに入金確認済みです" in response.content.decode()
    subscription = Subscription.objects.get(user=reader)
    assert subscription.current_period_end == tokyo(2026, 4, 11)
    assert Invoice.objects.get().paid_at == NOW
    assert AuditEntry.objects.filter(action="premium.payment_confirmed").count() == 1


def test_a_void_invoice_cannot_be_confirmed(editor, reader, monthly):
    invoice = apply_by_invoice(reader, monthly, now=NOW)
    services.withdraw_application(reader, now=NOW)

    with pytest.raises(PremiumError) as refused:
        services.confirm_invoice_payment(invoice, by=editor, now=NOW)

    assert refused.value.code == "void"
    assert access.level_of(reader) is not access.Level.PREMIUM


def test_non_staff_cannot_confirm_a_payment(client, reader, django_user_model, monthly):
    invoice = apply_by_invoice(reader, monthly, now=NOW)
    staff_without_permission = django_user_model.objects.create_user(
        "clerk", "clerk@example.com", "clerk-password-1", is_staff=True
    )

    for person in (reader, staff_without_permission, None):
        with pytest.raises(PermissionDenied):
            services.confirm_invoice_payment(invoice, by=person, now=NOW)
    client.force_login(reader)
    response = client.post(_confirm_url(invoice))

    assert response.status_code in (302, 403)
    assert Invoice.objects.get().status == Invoice.Status.ISSUED
    assert not AuditEntry.objects.filter(action__startswith="premium.").exists()


def test_admin_invoice_list_queries_do_not_grow_with_the_number_of_invoices(
    operator_client, django_user_model, monthly
):
    def members(start, count):
        for n in range(start, start + count):
            user = django_user_model.objects.create_user(f"m{n}", f"m{n}@example.com", "member-password-1")
            services.subscribe(user, plan=monthly, now=NOW)

    members(0, 2)
    operator_client.get(INDEX)
    with CaptureQueriesContext(connection) as few:
        operator_client.get(INDEX)
    members(2, 20)
    with CaptureQueriesContext(connection) as many:
        html = operator_client.get(INDEX).content.decode()

    assert html.count("<strong>KIJI-2026-") == 22
    assert len(many) == len(few)


def test_grant_premium_starts_a_staff_subscription_without_an_invoice_and_is_audited(editor, reader, monthly):
    subscription = services.grant_premium(reader, plan=monthly, months=3, by=editor, now=NOW)

    assert (subscription.status, subscription.provider) == (Subscription.Status.ACTIVE, "staff")
    assert (subscription.current_period_start, subscription.current_period_end) == (NOW, tokyo(2026, 6, 11))
    assert not Invoice.objects.exists()
    entry = AuditEntry.objects.get(action="premium.granted")
    assert (entry.actor, entry.target_id) == (editor, str(reader.pk))
    assert entry.detail["months"] == 3 and entry.detail["extended"] is False


def test_granting_to_a_paying_member_lengthens_the_running_period_and_withdraws_the_early_renewal_invoice(
    editor, reader, monthly
):
    invoice = apply_by_invoice(reader, monthly, now=NOW)
    services.confirm_invoice_payment(invoice, by=editor, now=NOW)
    services.expire_subscriptions(now=tokyo(2026, 4, 5))  # the renewal invoice is out

    subscription = services.grant_premium(reader, plan=monthly, months=2, by=editor, now=tokyo(2026, 4, 6))

    assert Subscription.objects.filter(user=reader).count() == 1
    assert subscription.current_period_end == tokyo(2026, 6, 11)
    assert not Invoice.objects.filter(status=Invoice.Status.ISSUED).exists()
    assert AuditEntry.objects.get(action="premium.granted").detail["extended"] is True


def test_granting_replaces_a_pending_application_and_voids_its_invoice(editor, reader, monthly, yearly):
    services.subscribe(reader, plan=monthly, now=NOW)

    granted = services.grant_premium(reader, plan=yearly, months=12, by=editor, now=NOW)

    pending = Subscription.objects.exclude(pk=granted.pk).get(user=reader)
    assert (pending.status, pending.end_reason) == (
        Subscription.Status.CANCELED,
        Subscription.EndReason.SUPERSEDED,
    )
    assert pending.invoices.get().status == Invoice.Status.VOID
    assert granted.status == Subscription.Status.ACTIVE and granted.plan == yearly


def test_grant_refuses_non_staff_and_periods_outside_one_to_36_months(editor, reader, monthly):
    with pytest.raises(PermissionDenied):
        services.grant_premium(reader, plan=monthly, months=1, by=reader)
    for months in (0, 37):
        with pytest.raises(ValueError, match="1〜36か月"):
            services.grant_premium(reader, plan=monthly, months=months, by=editor)

    assert not Subscription.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="premium.").exists()


def test_revoking_ends_premium_at_once_and_keeps_the_reason_out_of_the_audit_log(editor, reader, monthly):
    services.grant_premium(reader, plan=monthly, months=3, by=editor)
    assert access.level_of(reader) is access.Level.PREMIUM

    services.revoke_premium(reader, by=editor, reason="山田様からの返金依頼のため")

    subscription = Subscription.objects.get(user=reader)
    assert (subscription.status, subscription.end_reason) == (
        Subscription.Status.CANCELED,
        Subscription.EndReason.STAFF_REVOKED,
    )
    assert "返金依頼" in subscription.staff_note
    assert access.level_of(reader) is access.Level.REGISTERED  # forgotten in the same request
    entry = AuditEntry.objects.get(action="premium.revoked")
    assert (entry.actor, entry.target_id) == (editor, str(reader.pk))
    assert "山田" not in str(entry.detail)


def test_revoking_a_pending_application_voids_its_invoice(editor, reader, monthly):
    services.subscribe(reader, plan=monthly, now=NOW)

    services.revoke_premium(reader, by=editor, reason="重複申し込み")

    assert Invoice.objects.get().status == Invoice.Status.VOID


def test_revoking_when_nothing_is_open_is_a_no_op_and_a_reason_is_required(editor, reader, monthly):
    assert services.revoke_premium(reader, by=editor, reason="念のため") is None
    with pytest.raises(ValueError, match="理由"):
        services.revoke_premium(reader, by=editor, reason="  ")
    with pytest.raises(PermissionDenied):
        services.revoke_premium(reader, by=reader, reason="自分で")

    assert not AuditEntry.objects.filter(action__startswith="premium.").exists()


def test_grant_and_revoke_keep_the_signatures_member_administration_calls():
    grant = inspect.signature(services.grant_premium).parameters
    revoke = inspect.signature(services.revoke_premium).parameters

    assert list(grant)[:5] == ["user", "plan", "months", "by", "now"]
    assert all(grant[name].kind is inspect.Parameter.KEYWORD_ONLY for name in ("plan", "months", "by"))
    assert list(revoke)[:3] == ["user", "by", "reason"]
    assert all(revoke[name].kind is inspect.Parameter.KEYWORD_ONLY for name in ("by", "reason"))
    assert grant["now"].default is None and revoke["now"].default is None
