"""The full-text structures for the database in use (see kiji.search.backends)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE search_words USING fts5("
    "title, lead, tags, body, content='', tokenize='unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE search_grams USING fts5("
    "head, body, content='', tokenize='unicode61 remove_diacritics 0')",
    "CREATE VIRTUAL TABLE search_words_vocab USING fts5vocab(search_words, 'row')",
]
SQLITE_UNDO = ["DROP TABLE search_words_vocab", "DROP TABLE search_grams", "DROP TABLE search_words"]


def forwards(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)
        return
    if connection.vendor != "postgresql":
        raise RuntimeError("Kiji's search index needs SQLite or PostgreSQL")
    schema_editor.execute(
        "ALTER TABLE search_searchdocument ADD COLUMN words tsvector, ADD COLUMN grams tsvector"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum')")
        rum = cursor.fetchone()[0]
    if rum:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS rum")
        method, ops = "rum", " rum_tsvector_ops"
    else:  # ranked with ts_rank instead: slower on large indexes (README)
        method, ops = "gin", ""
    for column in ("words", "grams"):
        schema_editor.execute(
            f"CREATE INDEX search_doc_{column} ON search_searchdocument USING {method} ({column}{ops})"
        )


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_UNDO:
            schema_editor.execute(sql)
    else:
        schema_editor.execute("ALTER TABLE search_searchdocument DROP COLUMN words, DROP COLUMN grams")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
