"""Daily upkeep of what search derives from the index: the did-you-mean vocabulary, and the
related-article lists of recent articles (older lists change little)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kiji.core import pagecache
from kiji.search import related, vocabulary


class Command(BaseCommand):
    help = "Refresh the search vocabulary and the related articles of recent articles."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=30, help="Related lists of the last N days.")

    def handle(self, *args: Any, **options: Any) -> None:
        terms = vocabulary.refresh()
        refreshed = related.refresh_recent(days=options["days"])
        if refreshed:
            pagecache.invalidate()
        self.stdout.write(f"{terms:,} terms; related articles of {refreshed:,} articles refreshed.")
