"""`manage.py ask "質問" --as EMAIL [--article SLUG] [--json]`: the assistant's answer as that member
would get it (the same access rules), with its citations."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kiji.assistant import services


class Command(BaseCommand):
    help = "Ask the assistant as a member would, and print the answer with its citations."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("question")
        parser.add_argument("--as", dest="email", required=True, help="The member's e-mail address.")
        parser.add_argument("--article", default="", help="Ask about this article (its slug).")
        parser.add_argument("--json", action="store_true", help="Print the answer as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        member = get_user_model().objects.filter(email__iexact=options["email"]).first()
        if member is None:
            raise CommandError(f"No member with the e-mail address {options['email']}.")
        try:
            answer = services.ask(member, options["question"], article_slug=options["article"] or None)
        except services.AskError as error:
            raise CommandError(str(error)) from error
        citations = [
            {
                "number": p.number,
                "kind": p.kind,
                "article": p.article_slug,
                "comment": p.comment_id,
                "page": p.page,
                "paragraph": p.paragraph,
                "url": p.url,
            }
            for p in (answer.closest if answer.declined else answer.cited)
        ]
        if options["json"]:
            payload = {
                "answer": answer.text,
                "declined": answer.declined,
                "engine": answer.engine,
                "sentences": [{"text": s.text, "sources": list(s.sources)} for s in answer.sentences],
                "citations": citations,
            }
            self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
            return
        self.stdout.write(answer.text)
        for c in citations:
            where = (
                f"comment {c['comment']}" if c["comment"] else f"page {c['page']}, paragraph {c['paragraph']}"
            )
            label = f"[{c['number']}]" if not answer.declined else "-"
            self.stdout.write(f"{label} {c['article']} ({where}) {c['url']}")
