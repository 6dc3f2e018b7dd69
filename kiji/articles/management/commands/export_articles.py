from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kiji.articles.exporting import export_articles


class Command(BaseCommand):
    help = "Export every published article to DIR as Markdown with YAML front matter."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")

    def handle(self, *args: Any, **options: Any) -> None:
        written = export_articles(Path(options["directory"]))
        self.stdout.write(
            self.style.SUCCESS(f"Exported {len(written)} article(s) to {options['directory']}.")
        )
