"""Member pages: plans, checkout, the subscription and its invoices, cancel and resume.

Every write is a plain POST form behind a confirmation page, rate-limited per member.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kiji.core import access
from kiji.core.ratelimit import Limit, hit, too_many_requests
from kiji.premium import billing, selectors, services
from kiji.premium.display import status_label
from kiji.premium.errors import PremiumError
from kiji.premium.models import Invoice, Subscription
from kiji.premium.providers import BANK_ACCOUNT, InvoiceProvider, provider_for

# A person applies or changes their mind a few times an hour; a script gets the 429 page.
WRITE_LIMIT = Limit(20, 3600)


def _limited(request: HttpRequest) -> HttpResponse | None:
    if hit("premium-write", str(request.user.pk), WRITE_LIMIT):
        return None
    return too_many_requests(request, WRITE_LIMIT)


def _subscription_page() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("premium:subscription"))


def _current(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    current = selectors.open_subscription(request.user)
    return {"current": current, "status_label": status_label(current, now=now), "now": now}


@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    """プレミアム: what it unlocks, the plans with their prices, and where the member stands."""
    context = {
        "plans": list(selectors.plans_on_offer()),
        "level": access.status_of(request.user).level,
        "payment_label": InvoiceProvider.label,
        "due_days": billing.INVOICE_DUE_DAYS,
        **(_current(request) if request.user.is_authenticated else {}),
    }
    return render(request, "premium/plans.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, code: str) -> HttpResponse:
    plan = get_object_or_404(selectors.plans_on_offer(), code=code)
    if request.method == "POST":
        if refused := _limited(request):
            return refused
        try:
            started = services.subscribe(request.user, plan=plan)
        except PremiumError as error:
            messages.error(request, str(error.message))
            return _subscription_page()
        messages.success(
            request, _("お申し込みを受け付けました。請求書の内容をご確認のうえ、お振り込みください。")
        )
        return HttpResponseRedirect(started.next_url)
    context = {"plan": plan, "payment_label": InvoiceProvider.label, "due_days": billing.INVOICE_DUE_DAYS}
    return render(request, "premium/checkout.html", {**context, **_current(request)})


@login_required
@require_GET
def subscription(request: HttpRequest) -> HttpResponse:
    """プレミアム契約: status, period, next invoice, cancel or resume, and the whole history."""
    now = timezone.now()
    overview = selectors.subscription_overview(request.user, now=now)
    context = {
        "overview": overview,
        "current": overview.current,
        "status_label": status_label(overview.current, now=now),
        "is_premium": access.status_of(request.user).level is access.Level.PREMIUM,
        "billed": overview.current is not None and provider_for(overview.current.provider) is not None,
        "renewal_notice_days": billing.RENEWAL_NOTICE.days,
    }
    return render(request, "premium/subscription.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest) -> HttpResponse:
    """解約 (at the period's end) behind a confirmation page."""
    current = selectors.open_subscription(request.user)
    if current is None or current.status != Subscription.Status.ACTIVE:
        messages.info(request, _("解約できるプレミアム契約がありません。"))
        return _subscription_page()
    if request.method == "POST":
        if refused := _limited(request):
            return refused
        try:
            ended = services.cancel_at_period_end(request.user)
        except PremiumError as error:
            messages.error(request, str(error.message))
            return _subscription_page()
        if ended.is_open:
            day = formats.date_format(ended.last_day, "DATE_FORMAT") if ended.last_day else ""
            messages.success(
                request, _("解約を受け付けました。%(day)sまでプレミアムをご利用いただけます。") % {"day": day}
            )
        else:
            messages.success(request, _("解約しました。ご利用ありがとうございました。"))
        return _subscription_page()
    running = current.current_period_end is not None and current.current_period_end > timezone.now()
    return render(request, "premium/cancel.html", {"current": current, "running": running})


@login_required
@require_POST
def resume(request: HttpRequest) -> HttpResponse:
    if refused := _limited(request):
        return refused
    try:
        services.resume_subscription(request.user)
    except PremiumError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("解約を取り消しました。プレミアムを引き続きご利用いただけます。"))
    return _subscription_page()


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest) -> HttpResponse:
    """お申し込みの取り消し (before payment) behind a confirmation page."""
    current = selectors.open_subscription(request.user)
    if current is None or current.status != Subscription.Status.PENDING:
        messages.info(request, _("取り消せるお申し込みがありません。"))
        return _subscription_page()
    if request.method == "POST":
        if refused := _limited(request):
            return refused
        try:
            services.withdraw_application(request.user)
        except PremiumError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("お申し込みを取り消しました。請求書は無効になりました。"))
        return _subscription_page()
    return render(request, "premium/withdraw.html", {"current": current})


@login_required
@require_GET
def invoice(request: HttpRequest, number: str) -> HttpResponse:
    """The invoice with the bank details; its number is the transfer reference."""
    found = selectors.invoice_for(request.user, number)
    if found is None:
        raise Http404(_("請求書が見つかりません。"))
    overdue = found.status == Invoice.Status.ISSUED and found.due_at <= timezone.now()
    return render(
        request, "premium/invoice.html", {"invoice": found, "bank": BANK_ACCOUNT, "overdue": overdue}
    )
