"""`manage.py refresh_coreads`: rebuild 一緒に読まれている記事 from recent reads (daily)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kiji.discovery.services import prune_read_events, refresh_coreads


class Command(BaseCommand):
    help = (
        "Rebuild the co-reading table (members who read X also read Y) that recommendations use, "
        "and forget reads older than KIJI_READ_HISTORY_DAYS. Safe to run again (cron: daily)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand the work to the task worker (db_worker) instead of running it in this process.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            from kiji.discovery.tasks import refresh_coreads_daily

            result = refresh_coreads_daily.enqueue()
            self.stdout.write(self.style.SUCCESS(f"Co-reading task enqueued ({result.id})."))
            return
        pruned = prune_read_events()
        links = refresh_coreads()
        self.stdout.write(
            self.style.SUCCESS(f"Wrote {links} co-reading link(s); forgot {pruned} old read(s).")
        )
