"""Facets (kind, month, tags, series, authors) are indexed beside the words: the SQLite full-text
tables gain a column for them. The tables are recreated empty and the analyzer signature changed,
so `manage.py reindex --if-needed` (run by `make run`) rebuilds the index."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

TOKENIZE = "tokenize='unicode61 remove_diacritics 0'"
DROP = ["DROP TABLE search_words_vocab", "DROP TABLE search_grams", "DROP TABLE search_words"]
WITH_FACETS = [
    f"CREATE VIRTUAL TABLE search_words USING fts5(title, lead, tags, body, facets, content='', {TOKENIZE})",
    f"CREATE VIRTUAL TABLE search_grams USING fts5(head, body, facets, content='', {TOKENIZE})",
    "CREATE VIRTUAL TABLE search_words_vocab USING fts5vocab(search_words, 'row')",
]
WITHOUT_FACETS = [
    f"CREATE VIRTUAL TABLE search_words USING fts5(title, lead, tags, body, content='', {TOKENIZE})",
    f"CREATE VIRTUAL TABLE search_grams USING fts5(head, body, content='', {TOKENIZE})",
    "CREATE VIRTUAL TABLE search_words_vocab USING fts5vocab(search_words, 'row')",
]


def _recreate(statements: list[str]) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "sqlite":  # PostgreSQL keeps facets in its tsvectors
            for sql in DROP + statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0004_newest_index")]

    operations = [
        migrations.AddField(model_name="searchdocument", name="facets", field=models.TextField(blank=True)),
        migrations.RunPython(_recreate(WITH_FACETS), _recreate(WITHOUT_FACETS), elidable=False),
    ]
