"""Japanese is the source language; every string has an English translation, compiled."""

import ast
import gettext
import re
from pathlib import Path

from django.conf import settings

CATALOG = Path(settings.BASE_DIR) / "kiji" / "locale" / "en" / "LC_MESSAGES"


def _po_entries():
    text = (CATALOG / "django.po").read_text(encoding="utf-8")
    entries = {}
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        fields: dict[str, str] = {}
        current = None
        for line in lines:
            if match := re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d\])?) (".*")$', line):
                current = match.group(1)
                fields[current] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += ast.literal_eval(line)
        if fields.get("msgid"):
            entries[fields["msgid"]] = fields
    return entries


def test_every_message_has_an_english_translation():
    untranslated = [
        msgid
        for msgid, fields in _po_entries().items()
        if not any(value for key, value in fields.items() if key.startswith("msgstr"))
    ]

    assert untranslated == []


def test_the_compiled_catalog_matches_the_source():
    with (CATALOG / "django.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    for msgid, fields in _po_entries().items():
        if "msgid_plural" in fields:
            assert compiled.ngettext(msgid, fields["msgid_plural"], 2) == fields["msgstr[1]"], msgid
        else:
            assert compiled.gettext(msgid) == fields["msgstr"], msgid
