"""The operator's side in the Wagtail admin: open invoices, and 入金確認 when a transfer arrives."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from kiji.core.ratelimit import Limit, hit, too_many_requests
from kiji.premium import selectors, services
from kiji.premium.errors import PremiumError
from kiji.premium.models import Invoice
from kiji.premium.permissions import can_confirm_payments

# An operator works through a bank statement quickly; this only stops a runaway script.
CONFIRM_LIMIT = Limit(120, 60)
PER_PAGE = 50


class _OperatorView(WagtailAdminTemplateMixin, TemplateView):
    header_icon = "doc-full"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not can_confirm_payments(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        index = {"url": reverse("premium_admin_invoices"), "label": _("請求書・入金確認")}
        return [*self.breadcrumbs_items, index, {"url": "", "label": self.get_page_title()}]


class InvoiceIndexView(_OperatorView):
    template_name = "premium/admin/invoice_index.html"
    page_title = gettext_lazy("請求書・入金確認")

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        status = self.request.GET.get("status", Invoice.Status.ISSUED)
        status = status if status in Invoice.Status.values else ""
        query = self.request.GET.get("q", "")[:100]
        invoices = selectors.invoices_for_operators(status=status, query=query)
        page = Paginator(invoices, PER_PAGE).get_page(self.request.GET.get("page"))
        statuses = [("", _("すべて")), *Invoice.Status.choices]
        return {
            **super().get_context_data(**kwargs),
            "page_obj": page,
            "status": status,
            "q": query,
            "statuses": statuses,
        }


class InvoiceConfirmView(_OperatorView):
    template_name = "premium/admin/invoice_confirm.html"
    page_title = gettext_lazy("入金確認")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        invoice = get_object_or_404(selectors.invoices_for_operators(), pk=self.kwargs["pk"])
        return {**super().get_context_data(**kwargs), "invoice": invoice}

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not hit("premium-confirm", str(request.user.pk), CONFIRM_LIMIT):
            return too_many_requests(request, CONFIRM_LIMIT)
        invoice = get_object_or_404(Invoice, pk=pk)
        try:
            result = services.confirm_invoice_payment(invoice, by=request.user)
        except PremiumError as error:
            messages.error(request, str(error.message))
            return HttpResponseRedirect(reverse("premium_admin_invoice_confirm", args=[pk]))
        if result.newly_confirmed:
            messages.success(
                request,
                _("%(number)s の入金を確認し、プレミアムを有効にしました。") % {"number": invoice.number},
            )
        else:
            messages.info(request, _("%(number)s はすでに入金確認済みです。") % {"number": invoice.number})
        return HttpResponseRedirect(reverse("premium_admin_invoices"))
