"""`manage.py fake_model_server [--port 8765] [--mode wellbehaved|obedient|echo|…]`: an
OpenAI-compatible model double on 127.0.0.1, to try the remote engine without a model (the modes
are listed in kiji/assistant/testing.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kiji.assistant.testing import MODES, FakeModelServer


class Command(BaseCommand):
    help = "Serve a fake OpenAI-compatible chat-completions model on 127.0.0.1 until interrupted."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--mode", choices=MODES, default="wellbehaved")
        parser.add_argument("--delay", type=float, default=0.5, help="Seconds a character in slow mode.")

    def handle(self, *args: Any, **options: Any) -> None:
        server = FakeModelServer(options["mode"], port=options["port"], delay=options["delay"])
        self.stdout.write(
            f"Fake model ({options['mode']}) at {server.base_url}. Point Kiji at it with\n"
            f"  KIJI_ASSISTANT_ENGINE=openai KIJI_ASSISTANT_BASE_URL={server.base_url} "
            "KIJI_ASSISTANT_MODEL=fake\nCtrl-C stops it."
        )
        server.serve_until_interrupted()
