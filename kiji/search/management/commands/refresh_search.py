"""Daily upkeep of what search derives from the index: the did-you-mean vocabulary, the
related-article lists of recent articles (older lists change little), and on PostgreSQL the
start of the index window over recent documents (backends.PostgreSQLBackend.refresh_window)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kiji.core import pagecache
from kiji.search import related, vocabulary
from kiji.search.backends import backend


class Command(BaseCommand):
    help = "Refresh the search vocabulary, related articles of recent articles and the recent window."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="Related lists of the last N days.")

    def handle(self, *args: Any, **options: Any) -> None:
        window = backend().refresh_window()
        terms = vocabulary.refresh()
        refreshed = related.refresh_recent(days=options["days"])
        if refreshed:
            pagecache.invalidate()
        self.stdout.write(f"{terms:,} terms; related articles of {refreshed:,} articles refreshed.")
        if window:
            self.stdout.write(f"The recent window starts at {window:%Y-%m-%d}.")
