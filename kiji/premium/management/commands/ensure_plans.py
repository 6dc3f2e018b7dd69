from typing import Any

from django.core.management.base import BaseCommand

from kiji.premium.services import ensure_plans


class Command(BaseCommand):
    help = "Create the standard premium plans (monthly 1,980 yen, yearly 19,800 yen) if they are missing."

    def handle(self, *args: Any, **options: Any) -> None:
        plans = ensure_plans()
        names = ", ".join(
            f"{plan.name} ({plan.price_yen} yen / {plan.interval_months} months)" for plan in plans
        )
        self.stdout.write(self.style.SUCCESS(f"Plans: {names}"))
