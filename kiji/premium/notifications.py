"""Mail to the member about their invoices; sent from tasks after the transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kiji.premium.models import Invoice
from kiji.premium.providers import BANK_ACCOUNT


def _send(invoice: Invoice, *, template: str, subject: str) -> bool:
    email = invoice.subscription.user.email
    if not email:
        return False
    context = {
        "invoice": invoice,
        "bank": BANK_ACCOUNT,
        "site_name": settings.KIJI_SITE_NAME,
        "invoice_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
        + reverse("premium:invoice", args=[invoice.number]),
        "subscription_url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("premium:subscription"),
    }
    send_mail(subject, render_to_string(template, context), None, [email])
    return True


def send_invoice_issued(invoice_id: int) -> bool:
    """The invoice with the bank details; nothing if it was voided or paid before the mail went out."""
    invoice = Invoice.objects.select_related("subscription__user").filter(pk=invoice_id).first()
    if invoice is None or invoice.status != Invoice.Status.ISSUED:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Kiji] 請求書 %(number)s を発行しました") % {"number": invoice.number}
        return _send(invoice, template="premium/email/invoice_issued.txt", subject=subject)


def send_payment_confirmed(invoice_id: int) -> bool:
    invoice = Invoice.objects.select_related("subscription__user").filter(pk=invoice_id).first()
    if invoice is None or invoice.status != Invoice.Status.PAID:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Kiji] お振り込みを確認しました(%(number)s)") % {"number": invoice.number}
        return _send(invoice, template="premium/email/payment_confirmed.txt", subject=subject)
