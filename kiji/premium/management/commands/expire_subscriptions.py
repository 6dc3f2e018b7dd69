from typing import Any

from django.core.management.base import BaseCommand

from kiji.premium.services import expire_subscriptions


class Command(BaseCommand):
    help = (
        "Issue renewal invoices 7 days before a period ends and mark ended subscriptions expired. "
        "Safe to run as often as you like (cron: hourly)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        run = expire_subscriptions()
        self.stdout.write(
            self.style.SUCCESS(
                f"Issued {run.invoices_issued} renewal invoice(s); expired {run.expired} subscription(s)."
            )
        )
