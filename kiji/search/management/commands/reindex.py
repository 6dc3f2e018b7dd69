"""Rebuild the search index: `manage.py reindex [--if-needed] [--jobs N]`."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kiji.core import pagecache
from kiji.search import analyzer, indexing, related, vocabulary


class Command(BaseCommand):
    help = "Rebuild the search index from every live article and visible comment."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-needed",
            action="store_true",
            help="Only when the index is empty or was built by another analyzer or dictionary.",
        )
        parser.add_argument("--jobs", type=int, default=0, help="Analyzer processes (default: cores, ≤4).")
        parser.add_argument(
            "--related-days",
            type=int,
            default=365,
            help="Recompute 関連コンテンツ for articles of the last N days (0: skip; the worker keeps it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from kiji.search.models import SearchDocument

        if options["if_needed"] and SearchDocument.objects.exists() and not indexing.needs_rebuild():
            self.stdout.write(f"Search index is up to date ({analyzer.SIGNATURE}).")
            return
        started = time.monotonic()
        interactive = sys.stdout.isatty()
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if not interactive and now - last[0] < 5 and done < total:
                return
            last[0] = now
            width = 30
            filled = width * done // max(total, 1)
            rate = done / max(now - started, 1e-6)
            line = f"[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} ({rate:,.0f} docs/s)"
            if interactive:
                self.stdout.write("\r" + line, ending="")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        count = indexing.reindex_all(progress=progress, jobs=options["jobs"])
        if interactive:
            self.stdout.write("")
        terms = vocabulary.refresh()
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Indexed {count:,} documents in {elapsed:.1f} s; {terms:,} terms in the vocabulary "
            f"({analyzer.SIGNATURE})."
        )
        if options["related_days"] > 0:
            refreshed = related.refresh_recent(days=options["related_days"])
            pagecache.invalidate()
            self.stdout.write(f"Related articles recomputed for {refreshed:,} articles.")
