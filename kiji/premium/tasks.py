"""Background jobs; each takes ids and calls a service (imported inside, as billing enqueues these)."""

from __future__ import annotations

from django.tasks import task


@task
def expire_subscriptions_task() -> dict[str, int]:
    """The periodic billing run (cron or a scheduler enqueues it): renewal invoices, then expiry."""
    from kiji.premium import services

    run = services.expire_subscriptions()
    return {"invoices_issued": run.invoices_issued, "expired": run.expired}


@task
def send_invoice_issued_task(invoice_id: int) -> bool:
    from kiji.premium.notifications import send_invoice_issued

    return send_invoice_issued(invoice_id)


@task
def send_payment_confirmed_task(invoice_id: int) -> bool:
    from kiji.premium.notifications import send_payment_confirmed

    return send_payment_confirmed(invoice_id)
