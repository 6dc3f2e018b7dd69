"""The full-text index, one interface over two databases.

- SQLite: two contentless FTS5 tables over the analyzer's terms and the character grams, ranked by
  BM25 with field weights (title > lead > tags > body).
- PostgreSQL: two tsvector columns on the document table, written as literals (so PostgreSQL's own
  parser never re-splits our terms), ranked through RUM indexes (`<=>`), or GIN + ts_rank where
  the RUM extension is not installed.

Callers pass a `Where` (SQL over the document table, alias `d`) and get document ids with scores.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Protocol

from django.db import connection

from kiji.search.documents import IndexedText
from kiji.search.query import Phrase, Query

DOCS = "search_searchdocument"
WORDS = "search_words"
GRAMS = "search_grams"
# Title, lead, tags, body (SQLite's bm25 weights; PostgreSQL's A–D weights follow the same order).
WEIGHTS = (6.0, 3.0, 2.0, 1.0)
MAX_POSITIONS = 255  # tsvector keeps at most 256 positions per lexeme
# SQLite: how many of a very common word's matches are ranked (the most recently indexed ones),
# widening while filters leave fewer results than asked for.
WINDOWS = (2000, 20000)

Mode = Literal["words", "grams"]
Order = Literal["relevance", "newest", "oldest"]


@dataclass(frozen=True)
class Where:
    sql: str = "1=1"
    params: tuple[Any, ...] = ()


class Backend(Protocol):
    def add(self, doc_id: int, text: IndexedText) -> None: ...
    def remove(self, doc_id: int, text: IndexedText) -> None: ...
    def clear(self) -> None: ...
    def bulk(self) -> AbstractContextManager[None]: ...
    def prune(self) -> None: ...
    def match(
        self, query: Query, mode: Mode, where: Where, order: Order, limit: int, offset: int = 0
    ) -> list[tuple[int, float]]: ...
    def count(self, query: Query, mode: Mode, where: Where, cap: int) -> int: ...
    def match_any(
        self, phrases: list[Phrase], where: Where, limit: int, excluded: tuple[Phrase, ...] = ()
    ) -> list[tuple[int, float]]: ...
    def vocabulary(self) -> Iterator[tuple[str, int]]: ...


def _parts(query: Query, mode: Mode) -> tuple[tuple[Phrase, ...], tuple[Phrase, ...]]:
    if mode == "words":
        return query.words, query.excluded_words
    return query.grams, query.excluded_grams


def _is_single_gram(phrase: Phrase) -> bool:
    # One kana or kanji alone: as a gram it only exists at the start of a pair, so match a prefix.
    return len(phrase) == 1 and len(phrase[0]) == 1 and not phrase[0].isascii()


class SQLiteBackend:
    def add(self, doc_id: int, text: IndexedText) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {WORDS}(rowid, title, lead, tags, body) VALUES (%s, %s, %s, %s, %s)",
                [doc_id, text.title, text.lead, text.tags, text.body],
            )
            cursor.execute(
                f"INSERT INTO {GRAMS}(rowid, head, body) VALUES (%s, %s, %s)",
                [doc_id, text.grams_head, text.grams_body],
            )

    def remove(self, doc_id: int, text: IndexedText) -> None:
        # Contentless tables forget a row when told exactly what it held.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {WORDS}({WORDS}, rowid, title, lead, tags, body) "
                "VALUES ('delete', %s, %s, %s, %s, %s)",
                [doc_id, text.title, text.lead, text.tags, text.body],
            )
            cursor.execute(
                f"INSERT INTO {GRAMS}({GRAMS}, rowid, head, body) VALUES ('delete', %s, %s, %s)",
                [doc_id, text.grams_head, text.grams_body],
            )

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {WORDS}({WORDS}) VALUES ('delete-all')")
            cursor.execute(f"INSERT INTO {GRAMS}({GRAMS}) VALUES ('delete-all')")

    def bulk(self) -> AbstractContextManager[None]:
        return nullcontext()

    def prune(self) -> None:
        """After a flush of the document table (tests), the FTS tables are emptied too."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {DOCS})")
            if not cursor.fetchone()[0]:
                self.clear()

    @staticmethod
    def expression(query: Query, mode: Mode) -> str:
        required, excluded = _parts(query, mode)

        def phrase(p: Phrase) -> str:
            quoted = '"' + " ".join(p) + '"'
            return quoted + "*" if mode == "grams" and _is_single_gram(p) else quoted

        text = " AND ".join(phrase(p) for p in required)
        for p in excluded:
            text = f"({text}) NOT {phrase(p)}"
        return text

    def _from(self, query: Query, mode: Mode, where: Where) -> tuple[str, list[Any]]:
        table = WORDS if mode == "words" else GRAMS
        # CROSS JOIN keeps the full-text match as the outer loop: otherwise SQLite may walk the
        # documents first and probe the index once per row (seconds at 100,000 documents).
        sql = (
            f"FROM {table} CROSS JOIN {DOCS} d ON d.id = {table}.rowid "
            f"WHERE {table} MATCH %s AND ({where.sql})"
        )
        return sql, [self.expression(query, mode), *where.params]

    def match(
        self, query: Query, mode: Mode, where: Where, order: Order, limit: int, offset: int = 0
    ) -> list[tuple[int, float]]:
        table = WORDS if mode == "words" else GRAMS
        weights = ", ".join(map(str, WEIGHTS if mode == "words" else (4.0, 1.0)))
        score = f"bm25({table}, {weights})"
        ordering = {
            "relevance": "score, d.published_at DESC",
            "newest": "d.published_at DESC, score",
            "oldest": "d.published_at ASC, score",
        }[order]
        body, params = self._from(query, mode, where)
        sql = f"SELECT d.id, {score} AS score {body}{{window}} ORDER BY {ordering} LIMIT %s OFFSET %s"
        with connection.cursor() as cursor:
            # A very common word matches tens of thousands of documents, and FTS5 scores every
            # one before it can sort: rank the most recently indexed matches instead (rowid order
            # is publication order, see indexing.reindex_all), in widening windows while filters
            # leave too few, and only then all of them.
            for window in WINDOWS:
                cutoff = self._cutoff(cursor, table, params[0], window, oldest=order == "oldest")
                if cutoff is None:
                    break
                sign = "<=" if order == "oldest" else ">="
                cursor.execute(
                    sql.format(window=f" AND {table}.rowid {sign} %s"), [*params, cutoff, limit, offset]
                )
                rows = cursor.fetchall()
                if len(rows) == limit:
                    return [(row[0], -float(row[1])) for row in rows]
            cursor.execute(sql.format(window=""), [*params, limit, offset])
            # bm25() is lower-is-better; scores are handed out higher-is-better.
            return [(row[0], -float(row[1])) for row in cursor.fetchall()]

    @staticmethod
    def _cutoff(cursor: Any, table: str, expression: str, window: int, *, oldest: bool) -> int | None:
        direction = "ASC" if oldest else "DESC"
        cursor.execute(
            f"SELECT rowid FROM {table} WHERE {table} MATCH %s ORDER BY rowid {direction} LIMIT 1 OFFSET %s",
            [expression, window - 1],
        )
        row = cursor.fetchone()
        return int(row[0]) if row else None

    def count(self, query: Query, mode: Mode, where: Where, cap: int) -> int:
        body, params = self._from(query, mode, where)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 {body} LIMIT %s)", [*params, cap])
            return int(cursor.fetchone()[0])

    def match_any(
        self, phrases: list[Phrase], where: Where, limit: int, excluded: tuple[Phrase, ...] = ()
    ) -> list[tuple[int, float]]:
        """Documents with any of the phrases, by BM25: partial matches, and "more like this"."""
        expression = "(" + " OR ".join('"' + " ".join(p) + '"' for p in phrases) + ")"
        for phrase in excluded:
            expression += ' NOT "' + " ".join(phrase) + '"'
        weights = ", ".join(map(str, WEIGHTS))
        sql = (
            f"SELECT d.id, bm25({WORDS}, {weights}) AS score FROM {WORDS} "
            f"CROSS JOIN {DOCS} d ON d.id = {WORDS}.rowid WHERE {WORDS} MATCH %s AND ({where.sql}){{window}} "
            "ORDER BY score LIMIT %s"
        )
        with connection.cursor() as cursor:
            cutoff = self._cutoff(cursor, WORDS, expression, WINDOWS[0], oldest=False)
            if cutoff is not None:
                cursor.execute(
                    sql.format(window=f" AND {WORDS}.rowid >= %s"), [expression, *where.params, cutoff, limit]
                )
            else:
                cursor.execute(sql.format(window=""), [expression, *where.params, limit])
            return [(row[0], -float(row[1])) for row in cursor.fetchall()]

    def vocabulary(self) -> Iterator[tuple[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT term, doc FROM {WORDS}_vocab")
            yield from cursor.fetchall()


def tsvector_literal(columns: list[tuple[str, str]]) -> str:
    """'term':1A,5A 'other':2B … from (space-joined terms, weight) per field, positions running on."""
    positions: dict[str, list[str]] = {}
    position = 0
    for text, weight in columns:
        for term in text.split():
            position += 1
            seen = positions.setdefault(term, [])
            if len(seen) < MAX_POSITIONS:
                seen.append(f"{min(position, 16383)}{weight}")
        position += 1  # no phrase runs across two fields
    return " ".join(f"'{term}':{','.join(where)}" for term, where in positions.items())


class PostgreSQLBackend:
    def add(self, doc_id: int, text: IndexedText) -> None:
        words = tsvector_literal([(text.title, "A"), (text.lead, "B"), (text.tags, "C"), (text.body, "D")])
        grams = tsvector_literal([(text.grams_head, "A"), (text.grams_body, "D")])
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {DOCS} SET words = %s::tsvector, grams = %s::tsvector WHERE id = %s",
                [words, grams, doc_id],
            )

    def remove(self, doc_id: int, text: IndexedText) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {DOCS} SET words = NULL, grams = NULL WHERE id = %s", [doc_id])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {DOCS} SET words = NULL, grams = NULL")

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """A rebuild writes every row: the ranked indexes are dropped first and built once at
        the end, which is many times faster than keeping them up to date row by row."""
        method, ops = ("rum", " rum_tsvector_ops") if _has_rum() else ("gin", "")
        with connection.cursor() as cursor:
            for column in ("words", "grams"):
                cursor.execute(f"DROP INDEX IF EXISTS search_doc_{column}")
        yield
        with connection.cursor() as cursor:
            # Deferred foreign-key checks of the rows just written would forbid CREATE INDEX.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for column in ("words", "grams"):
                cursor.execute(f"CREATE INDEX search_doc_{column} ON {DOCS} USING {method} ({column}{ops})")
            cursor.execute(f"ANALYZE {DOCS}")  # plans by date or by rank need fresh statistics

    def prune(self) -> None:
        """The vectors live in the document rows: nothing can be left over."""

    @staticmethod
    def expression(query: Query, mode: Mode) -> str:
        required, excluded = _parts(query, mode)

        def phrase(p: Phrase) -> str:
            if mode == "grams" and _is_single_gram(p):
                return f"'{p[0]}':*"
            return "(" + " <-> ".join(f"'{term}'" for term in p) + ")"

        text = " & ".join(phrase(p) for p in required)
        for p in excluded:
            text = f"({text}) & !{phrase(p)}"
        return text

    def match(
        self, query: Query, mode: Mode, where: Where, order: Order, limit: int, offset: int = 0
    ) -> list[tuple[int, float]]:
        column = mode
        expression = self.expression(query, mode)
        # The ranking expression repeats the literal so that the planner can walk the RUM index.
        score = f"d.{column} <=> %s::tsquery" if _has_rum() else f"-ts_rank(d.{column}, %s::tsquery)"
        # Relevance orders by the distance alone: a second key would stop PostgreSQL from
        # walking the RUM index in order and make it rank every match.
        ordering = {
            "relevance": "score ASC",
            "newest": "d.published_at DESC",
            "oldest": "d.published_at ASC",
        }[order]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id, {score} AS score FROM {DOCS} d "
                f"WHERE d.{column} @@ %s::tsquery AND ({where.sql}) ORDER BY {ordering} LIMIT %s OFFSET %s",
                [expression, expression, *where.params, limit, offset],
            )
            rows = cursor.fetchall()
        # RUM gives a distance; ts_rank was negated: either way lower is better.
        return [(row[0], -float(row[1])) for row in rows]

    def count(self, query: Query, mode: Mode, where: Where, cap: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {DOCS} d WHERE d.{mode} @@ %s::tsquery "
                f"AND ({where.sql}) LIMIT %s) found",
                [self.expression(query, mode), *where.params, cap],
            )
            return int(cursor.fetchone()[0])

    def match_any(
        self, phrases: list[Phrase], where: Where, limit: int, excluded: tuple[Phrase, ...] = ()
    ) -> list[tuple[int, float]]:
        expression = "(" + " | ".join("(" + " <-> ".join(f"'{t}'" for t in p) + ")" for p in phrases) + ")"
        for phrase in excluded:
            expression += " & !(" + " <-> ".join(f"'{term}'" for term in phrase) + ")"
        score = "d.words <=> %s::tsquery" if _has_rum() else "-ts_rank(d.words, %s::tsquery)"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id, {score} AS score FROM {DOCS} d "
                f"WHERE d.words @@ %s::tsquery AND ({where.sql}) ORDER BY score LIMIT %s",
                [expression, expression, *where.params, limit],
            )
            # Lower is better for both; RUM's distance is turned into a similarity in (0, 1].
            return [
                (row[0], 1 / (1 + float(row[1])) if _has_rum() else -float(row[1]))
                for row in cursor.fetchall()
            ]

    def vocabulary(self) -> Iterator[tuple[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT word, ndoc FROM ts_stat('SELECT words FROM {DOCS} WHERE words IS NOT NULL')"
            )
            yield from cursor.fetchall()


@cache
def _has_rum() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rum')")
        return bool(cursor.fetchone()[0])


def backend() -> Backend:
    return PostgreSQLBackend() if connection.vendor == "postgresql" else SQLiteBackend()
