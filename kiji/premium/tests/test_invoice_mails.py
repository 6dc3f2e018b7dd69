import pytest
from django.core import mail

from kiji.premium import services
from kiji.premium.providers import BANK_ACCOUNT_NUMBER

from .conftest import NOW, apply_by_invoice, tokyo

pytestmark = pytest.mark.django_db


def test_the_member_gets_the_invoice_with_the_bank_details_by_mail_once_it_is_committed(
    reader, monthly, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invoice = apply_by_invoice(reader, monthly, now=NOW)

    (message,) = mail.outbox
    assert message.to == ["reader@example.com"]
    assert invoice.number in message.subject
    assert BANK_ACCOUNT_NUMBER in message.body and "2026年3月24日" in message.body
    assert f"/premium/invoices/{invoice.number}/" in message.body


def test_renewal_invoices_and_confirmed_payments_are_mailed_too(
    reader, monthly, editor, django_capture_on_commit_callbacks
):
    invoice = apply_by_invoice(reader, monthly, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_invoice_payment(invoice, by=editor, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.expire_subscriptions(now=tokyo(2026, 4, 5))

    confirmed, renewal = mail.outbox
    assert "お振り込みを確認しました" in confirmed.subject
    assert "2026年3月10日 〜 2026年4月10日" in confirmed.body
    assert "KIJI-2026-000002" in renewal.subject and "(更新)" in renewal.body


def test_no_mail_for_an_invoice_voided_before_the_mail_went_out(reader, monthly):
    from kiji.premium.notifications import send_invoice_issued

    invoice = apply_by_invoice(reader, monthly, now=NOW)
    services.withdraw_application(reader, now=NOW)

    assert send_invoice_issued(invoice.pk) is False
    assert mail.outbox == []
