"""`manage.py send_digests`: the daily e-mail digest of notifications (cron: once a day)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kiji.social.mail import send_digests


class Command(BaseCommand):
    help = (
        "Send each member who chose the daily digest one e-mail with their unread notifications. "
        "Safe to run again: what was sent is marked and never sent twice (cron: daily, e.g. 07:00)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the work to the task worker (db_worker) instead of sending from this process.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from kiji.social.tasks import send_daily_digests

            result = send_daily_digests.enqueue()
            self.stdout.write(self.style.SUCCESS(f"Digest task enqueued ({result.id})."))
            return
        sent = send_digests()
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} digest e-mail(s)."))
