from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiji.articles.importing import ImportFailed, import_articles


class Command(BaseCommand):
    help = "Import articles from Markdown files with YAML front matter (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="Markdown files or folders of them")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = import_articles(options["paths"])
        except ImportFailed as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problem(s) found; nothing was imported.") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {len(result.created)} new and {len(result.updated)} updated article(s)."
            )
        )
