from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from kiji.demo.loader import ensure_demo_comments, ensure_demo_members, ensure_editor, has_content, load_demo

User = get_user_model()


class Command(BaseCommand):
    help = "Load the demo site (articles, series, authors, images, PR) and print the demo editor login."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty", action="store_true", help="Only load when there are no articles yet."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and has_content():
            self.stdout.write("Demo content already present.")
        else:
            count = load_demo()
            self.stdout.write(self.style.SUCCESS(f"Loaded {count} demo articles."))
        login = ensure_editor()
        members = ensure_demo_members(User.objects.get(email=login.email))
        ensure_demo_comments()
        base = settings.WAGTAILADMIN_BASE_URL
        self.stdout.write(
            self.style.WARNING(
                f"Demo editor: {base}/admin/  e-mail: {login.email}  password: {login.password}"
            )
        )
        for email, level in members:
            self.stdout.write(
                f"Demo member ({level}): {base}/accounts/login/  e-mail: {email}  (same password)"
            )
