"""The full-text index, one interface over two databases.

- SQLite: two contentless FTS5 tables over the analyzer's terms and the character grams, ranked by
  BM25 with field weights (title > lead > tags > body).
- PostgreSQL: two tsvector columns on the document table, written as literals (so PostgreSQL's own
  parser never re-splits our terms), ranked through RUM indexes (`<=>`), or GIN + ts_rank where
  the RUM extension is not installed; a second, partial RUM index over the most recent documents
  (the "window") counts and ranks very common words first.

Callers pass a `Where` (SQL over the document table, alias `d`, plus the facet tokens that
repeat its filters inside the full-text index) and get document ids with scores.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal, Protocol

from django.conf import settings
from django.db import connection, transaction

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
# PostgreSQL: at most this many documents with every gram of a query are checked row by row (about
# 10 ms; 1,000 took 20–35 ms, more than the window's sample of recent matches it would replace).
FEW_CANDIDATES = 300

Mode = Literal["words", "grams"]
Order = Literal["relevance", "newest", "oldest"]


@dataclass(frozen=True)
class Where:
    sql: str = "1=1"
    params: tuple[Any, ...] = ()
    # Facet tokens (documents.facets) the documents must have: each group lists alternatives and
    # every group must match. They repeat filters of `sql` so that the full-text index applies
    # them while it matches (a posting-list intersection) instead of a row lookup per match;
    # `sql` stays the exact test.
    facets: tuple[tuple[str, ...], ...] = ()
    # The earliest publication `sql` lets through, when it sets one (PostgreSQL: a range inside
    # the window of recent documents is answered from the window's index alone).
    since: datetime | None = None


class Backend(Protocol):
    def add(self, doc_id: int, text: IndexedText) -> None: ...
    def remove(self, doc_id: int, text: IndexedText) -> None: ...
    def clear(self) -> None: ...
    def bulk(self) -> AbstractContextManager[None]: ...
    def prune(self) -> None: ...
    def match(
        self,
        query: Query,
        mode: Mode,
        where: Where,
        order: Order,
        limit: int,
        offset: int = 0,
        *,
        windows: tuple[int, ...] = (),
        exhaustive: bool = True,
    ) -> list[tuple[int, float]]: ...
    def page(
        self, query: Query, where: Where, order: Order, limit: int, offset: int, cap: int
    ) -> tuple[list[tuple[int, float]], int]: ...
    def match_any(
        self,
        phrases: list[Phrase],
        where: Where,
        limit: int,
        excluded: tuple[Phrase, ...] = (),
        *,
        window: int | None = WINDOWS[0],
    ) -> list[tuple[int, float]]: ...
    def vocabulary(self) -> Iterator[tuple[str, int]]: ...
    def refresh_window(self) -> datetime | None: ...
    def settle(self) -> None: ...


def _parts(query: Query, mode: Mode) -> tuple[tuple[Phrase, ...], tuple[Phrase, ...]]:
    if mode == "words":
        return query.words, query.excluded_words
    return query.grams, query.excluded_grams


def _is_single_gram(phrase: Phrase) -> bool:
    # One kana or kanji alone: as a gram it only exists at the start of a pair, so match a prefix.
    return len(phrase) == 1 and len(phrase[0]) == 1 and not phrase[0].isascii()


def _sqlite_facets(facets: tuple[tuple[str, ...], ...]) -> str:
    return "".join(" AND facets : (" + " OR ".join(group) + ")" for group in facets)


class SQLiteBackend:
    def add(self, doc_id: int, text: IndexedText) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {WORDS}(rowid, title, lead, tags, body, facets) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [doc_id, text.title, text.lead, text.tags, text.body, text.facets],
            )
            cursor.execute(
                f"INSERT INTO {GRAMS}(rowid, head, body, facets) VALUES (%s, %s, %s, %s)",
                [doc_id, text.grams_head, text.grams_body, text.facets],
            )

    def remove(self, doc_id: int, text: IndexedText) -> None:
        # Contentless tables forget a row when told exactly what it held.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {WORDS}({WORDS}, rowid, title, lead, tags, body, facets) "
                "VALUES ('delete', %s, %s, %s, %s, %s, %s)",
                [doc_id, text.title, text.lead, text.tags, text.body, text.facets],
            )
            cursor.execute(
                f"INSERT INTO {GRAMS}({GRAMS}, rowid, head, body, facets) VALUES ('delete', %s, %s, %s, %s)",
                [doc_id, text.grams_head, text.grams_body, text.facets],
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
    def expression(query: Query, mode: Mode, facets: tuple[tuple[str, ...], ...] = ()) -> str:
        required, excluded = _parts(query, mode)

        def phrase(p: Phrase) -> str:
            quoted = '"' + " ".join(p) + '"'
            return quoted + "*" if mode == "grams" and _is_single_gram(p) else quoted

        text = " AND ".join(phrase(p) for p in required)
        for p in excluded:
            text = f"({text}) NOT {phrase(p)}"
        # The asked words are looked for in the text columns only, never among the facets.
        columns = "{title lead tags body}" if mode == "words" else "{head body}"
        return f"{columns} : ({text}){_sqlite_facets(facets)}"

    def _from(self, query: Query, mode: Mode, where: Where) -> tuple[str, list[Any]]:
        table = WORDS if mode == "words" else GRAMS
        # CROSS JOIN keeps the full-text match as the outer loop: otherwise SQLite may walk the
        # documents first and probe the index once per row (seconds at 100,000 documents).
        sql = f"FROM {table} CROSS JOIN {DOCS} d ON d.id = {table}.rowid "
        sql += f"WHERE {table} MATCH %s AND ({where.sql})"
        return sql, [self.expression(query, mode, where.facets), *where.params]

    def match(
        self,
        query: Query,
        mode: Mode,
        where: Where,
        order: Order,
        limit: int,
        offset: int = 0,
        *,
        windows: tuple[int, ...] = (),
        exhaustive: bool = True,
    ) -> list[tuple[int, float]]:
        """Ranked matches. A very common word matches tens of thousands of documents, and FTS5
        scores every one before it can sort: with `windows`, the most recently indexed matches
        are ranked instead (rowid order is publication order, see indexing.reindex_all), in
        widening windows while filters leave too few, then all of them unless not `exhaustive`."""
        table = WORDS if mode == "words" else GRAMS
        weights = ", ".join(map(str, (*WEIGHTS, 0.0) if mode == "words" else (4.0, 1.0, 0.0)))
        score = f"bm25({table}, {weights})"
        ordering = {
            "relevance": "score, d.published_at DESC",
            "newest": "d.published_at DESC, score",
            "oldest": "d.published_at ASC, score",
        }[order]
        body, params = self._from(query, mode, where)
        sql = f"SELECT d.id, {score} AS score {body}{{window}} ORDER BY {ordering} LIMIT %s OFFSET %s"
        with connection.cursor() as cursor:
            for window in windows:
                cutoff = self._cutoff(cursor, table, params[0], window, oldest=order == "oldest")
                if cutoff is None:
                    break
                sign = "<=" if order == "oldest" else ">="
                cursor.execute(
                    sql.format(window=f" AND {table}.rowid {sign} %s"), [*params, cutoff, limit, offset]
                )
                rows = cursor.fetchall()
                if len(rows) == limit or (not exhaustive and window == windows[-1]):
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

    def page(
        self, query: Query, where: Where, order: Order, limit: int, offset: int, cap: int
    ) -> tuple[list[tuple[int, float]], int]:
        """One page of full matches, and how many there are (counted up to `cap`)."""
        body, params = self._from(query, "words", where)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 {body} LIMIT %s)", [*params, cap])
            total = int(cursor.fetchone()[0])
        if total <= offset:
            return [], total
        # Fewer than `cap`: the count has just walked every match, ranking them all costs as much.
        windows = WINDOWS if total >= cap else ()
        return self.match(query, "words", where, order, limit, offset, windows=windows), total

    def match_any(
        self,
        phrases: list[Phrase],
        where: Where,
        limit: int,
        excluded: tuple[Phrase, ...] = (),
        *,
        window: int | None = WINDOWS[0],
    ) -> list[tuple[int, float]]:
        """Documents with any of the phrases, by BM25 over the `window` most recent matches
        (None: all of them): partial matches, and "more like this"."""
        expression = "(" + " OR ".join('"' + " ".join(p) + '"' for p in phrases) + ")"
        for phrase in excluded:
            expression += ' NOT "' + " ".join(phrase) + '"'
        expression = "{title lead tags body} : (" + expression + ")" + _sqlite_facets(where.facets)
        weights = ", ".join(map(str, (*WEIGHTS, 0.0)))
        sql = (
            f"SELECT d.id, bm25({WORDS}, {weights}) AS score FROM {WORDS} "
            f"CROSS JOIN {DOCS} d ON d.id = {WORDS}.rowid WHERE {WORDS} MATCH %s AND ({where.sql}){{window}} "
            "ORDER BY score LIMIT %s"
        )
        with connection.cursor() as cursor:
            cutoff = self._cutoff(cursor, WORDS, expression, window, oldest=False) if window else None
            if cutoff is not None:
                recent = f" AND {WORDS}.rowid >= %s"
                cursor.execute(sql.format(window=recent), [expression, *where.params, cutoff, limit])
            else:
                cursor.execute(sql.format(window=""), [expression, *where.params, limit])
            return [(row[0], -float(row[1])) for row in cursor.fetchall()]

    def vocabulary(self) -> Iterator[tuple[str, int]]:
        with connection.cursor() as cursor:
            # Without the facet tokens (ka, kc, m202611, t12, s3, w7: see documents.facets).
            cursor.execute(
                f"SELECT term, doc FROM {WORDS}_vocab WHERE NOT (term GLOB 'k[ac]' OR "
                "term GLOB 'm[0-9][0-9][0-9][0-9][0-9][0-9]' OR term GLOB '[tsw][0-9]*')"
            )
            yield from cursor.fetchall()

    def refresh_window(self) -> datetime | None:
        """SQLite's windows follow the rowids of each match: nothing to keep up."""
        return None

    def settle(self) -> None:
        """After a rebuild: nothing left behind to clean up."""


# PostgreSQL: every two adjacent words are also indexed as one lexeme, 'データ_センター' (terms
# are letters and digits only, see analyzer.clean_term, so "_" cannot occur in one). RUM checks a
# phrase of common words by reading the positions of every document that has them all (40 ms
# for データセンター at 100,000 documents); as a pair it is one short posting list (4 ms).
PAIR = "_"


def tsvector_literal(columns: list[tuple[str, str]], facets: str = "", *, pairs: bool = False) -> str:
    """'term':1A,5A 'other':2B … from (space-joined terms, weight) per field, positions running on
    (with `pairs`, each two adjacent terms of a field as well, at the first one's position); then
    the facets, as lexemes with a space in them ('f ka'), which no indexed term can have."""
    positions: dict[str, list[str]] = {}
    position = 0

    def add(lexeme: str, at: str) -> None:
        seen = positions.setdefault(lexeme, [])
        if len(seen) < MAX_POSITIONS:
            seen.append(at)

    for text, weight in columns:
        previous = ""
        for term in text.split():
            position += 1
            at = f"{min(position, 16383)}{weight}"
            add(term, at)
            if pairs and previous:
                add(f"{previous}{PAIR}{term}", f"{min(position - 1, 16383)}{weight}")
            previous = term
        position += 1  # no phrase runs across two fields
    words = [f"'{term}':{','.join(where)}" for term, where in positions.items()]
    return " ".join([*words, *(f"'{_pg_facet(token)}'" for token in facets.split())])


def _pg_phrase(phrase: Phrase, mode: Mode) -> str:
    """A phrase as a tsquery: words as their adjacent pairs (see PAIR), grams as they are."""
    if mode == "grams":
        if _is_single_gram(phrase):
            return f"'{phrase[0]}':*"
        return "(" + " <-> ".join(f"'{gram}'" for gram in phrase) + ")"
    if len(phrase) == 1:
        return f"('{phrase[0]}')"
    pairs = [f"'{a}{PAIR}{b}'" for a, b in zip(phrase, phrase[1:], strict=False)]
    return "(" + " <-> ".join(pairs) + ")"


def _pg_facet(token: str) -> str:
    return f"f {token}"


def _pg_facets(facets: tuple[tuple[str, ...], ...]) -> str:
    # Month facets are left out: RUM evaluates an OR of many long posting lists slowly, and the
    # planner meets the date condition through the published_at index instead.
    kept = [group for group in facets if not group[0].startswith("m")]
    return "".join(" & (" + " | ".join(f"'{_pg_facet(t)}'" for t in group) + ")" for group in kept)


# PostgreSQL: a second, partial RUM index per column over the most recent documents (the
# "window"). RUM computes the distance of every match before it can order them, so a word in half
# of 100,000 documents costs 50 ms to rank, a phrase of common words as much to count; within
# the window it is a few. Its start is kept in the index's comment and moved by refresh_window
# (daily, `manage.py refresh_search`); documents published later are in it already. It indexes
# coalesce(column, '') rather than the column, a no-op that only a query spelled the same way can
# use: the planner, misled by RUM's estimates, would otherwise often pick the full index.
WINDOW_INDEX = "search_doc_recent_{column}"
_WINDOW_TTL = 60.0  # seconds a process trusts the window start it read
_window_seen: tuple[float, datetime | None] | None = None


def window_size() -> int:
    """How many of the newest documents the window should hold (it holds up to twice as many)."""
    return int(getattr(settings, "KIJI_SEARCH_WINDOW_DOCUMENTS", 20_000))


def _vector(column: str, start: datetime | None, alias: str = "") -> str:
    """The column as the window's index has it (see WINDOW_INDEX), or as is."""
    return f"coalesce({alias}{column}, ''::tsvector)" if start else f"{alias}{column}"


def _forget_window() -> None:
    global _window_seen
    _window_seen = None


class PostgreSQLBackend:
    def add(self, doc_id: int, text: IndexedText) -> None:
        words = tsvector_literal(
            [(text.title, "A"), (text.lead, "B"), (text.tags, "C"), (text.body, "D")], text.facets, pairs=True
        )
        grams = tsvector_literal([(text.grams_head, "A"), (text.grams_body, "D")], text.facets)
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
                cursor.execute(f"DROP INDEX IF EXISTS {WINDOW_INDEX.format(column=column)}")
        _forget_window()
        yield
        with connection.cursor() as cursor:
            # Deferred foreign-key checks of the rows just written would forbid CREATE INDEX.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for column in ("words", "grams"):
                cursor.execute(f"CREATE INDEX search_doc_{column} ON {DOCS} USING {method} ({column}{ops})")
            cursor.execute(f"ANALYZE {DOCS}")  # plans by date or by rank need fresh statistics
        self.refresh_window()

    def prune(self) -> None:
        """The vectors live in the document rows: nothing can be left over."""

    def settle(self) -> None:
        """After a rebuild, outside its transaction: the rows it wrote twice (inserted, then given
        their vectors) are reclaimed and marked visible now, rather than by autovacuum while the
        first searches run (at 120,000 documents their p95 was 59 ms meanwhile, 43 ms after)."""
        if connection.in_atomic_block:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {DOCS}")

    def window(self) -> datetime | None:
        """Where the window of recent documents starts (None: there is none)."""
        global _window_seen
        now = time.monotonic()
        if _window_seen is None or now - _window_seen[0] > _WINDOW_TTL:
            with connection.cursor() as cursor:
                name = WINDOW_INDEX.format(column="words")
                cursor.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [name])
                row = cursor.fetchone()
            start = datetime.fromisoformat(row[0]) if row and row[0] else None
            _window_seen = (now, start)
        return _window_seen[1]

    def refresh_window(self) -> datetime | None:
        """Moves the window's start to the day of the window_size()-th newest document when it
        holds too few or more than twice as many; drops it while the index is small. The new
        indexes are built beside the old ones (concurrently outside a transaction) and swapped."""
        if not _has_rum():
            return None
        size = window_size()
        _forget_window()
        current = self.window()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT published_at FROM {DOCS} WHERE words IS NOT NULL "
                "ORDER BY published_at DESC OFFSET %s LIMIT 1",
                [size],
            )
            row = cursor.fetchone()
            if row is None:
                for column in ("words", "grams"):
                    cursor.execute(f"DROP INDEX IF EXISTS {WINDOW_INDEX.format(column=column)}")
                _forget_window()
                return None
            if current is not None:
                cursor.execute(f"SELECT COUNT(*) FROM {DOCS} WHERE published_at >= %s", [current])
                if size <= cursor.fetchone()[0] <= 2 * size:
                    return current
        start: datetime = row[0].astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        concurrently = "" if connection.in_atomic_block else "CONCURRENTLY "
        for column in ("words", "grams"):
            name = WINDOW_INDEX.format(column=column)
            with connection.cursor() as cursor:
                if not concurrently:  # deferred foreign-key checks would forbid CREATE INDEX
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(f"DROP INDEX IF EXISTS {name}_next")
                # A literal, not a parameter: the planner must see the constant to use the index.
                cursor.execute(
                    f"CREATE INDEX {concurrently}{name}_next ON {DOCS} "
                    f"USING rum (({_vector(column, start)}) rum_tsvector_ops) "
                    f"WHERE published_at >= '{start.isoformat()}'::timestamptz"
                )
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
                cursor.execute(f"ALTER INDEX {name}_next RENAME TO {name}")
                cursor.execute(f"COMMENT ON INDEX {name} IS '{start.isoformat()}'")
        _forget_window()
        return start

    @staticmethod
    def expression(query: Query, mode: Mode) -> str:
        required, excluded = _parts(query, mode)
        text = " & ".join(_pg_phrase(p, mode) for p in required)
        for p in excluded:
            text = f"({text}) & !{_pg_phrase(p, mode)}"
        return text

    @staticmethod
    def _covered(where: Where, start: datetime | None) -> bool:
        """Whether every document `where` lets through is in the window."""
        return start is not None and where.since is not None and where.since >= start

    @staticmethod
    def _in_window(start: datetime | None) -> str:
        # The same literal as the partial index's predicate, so the planner can prove it.
        return f" AND d.published_at >= '{start.isoformat()}'::timestamptz" if start else ""

    def _ranked_sql(
        self, query: Query, mode: Mode, where: Where, order: Order, start: datetime | None = None
    ) -> tuple[str, list[Any]]:
        """The matches in order; the facets narrow the index scan, the distance ranks by the words."""
        vector = _vector(mode, start, "d.")
        words = self.expression(query, mode)
        matched = f"({words}){_pg_facets(where.facets)}"
        score = f"{vector} <=> %s::tsquery" if _has_rum() else f"-ts_rank({vector}, %s::tsquery)"
        # Relevance orders by the distance alone: a second key would stop PostgreSQL from
        # walking the RUM index in order and make it rank every match.
        ordering = {
            "relevance": "score ASC",
            "newest": "d.published_at DESC",
            "oldest": "d.published_at ASC",
        }[order]
        found = f"FROM {DOCS} d WHERE {vector} @@ %s::tsquery{self._in_window(start)} AND ({where.sql})"
        if order == "relevance":
            sql = f"SELECT d.id, {score} AS score {found} ORDER BY {ordering} LIMIT %s OFFSET %s"
        else:
            # By date, the distance is computed for the page only: for every match it would read
            # each one's vector, most of a query's time for a common word.
            page = f"SELECT d.id, d.published_at {found} ORDER BY {ordering} LIMIT %s OFFSET %s"
            sql = (
                f"SELECT d.id, {score} AS score FROM ({page}) p JOIN {DOCS} d ON d.id = p.id "
                f"ORDER BY {ordering.replace('d.', 'p.')}"
            )
        return sql, [words, matched, *where.params]

    def match(
        self,
        query: Query,
        mode: Mode,
        where: Where,
        order: Order,
        limit: int,
        offset: int = 0,
        *,
        windows: tuple[int, ...] = (),
        exhaustive: bool = True,
    ) -> list[tuple[int, float]]:
        """Ranked matches. With `windows` (a very common word, or looser matches), the recent
        window is tried first and kept when it fills `limit` (when not `exhaustive`: a quarter of
        it, as SQLite ranks a sample of recent matches then); RUM ranks every match otherwise."""
        start = self.window()
        covered = self._covered(where, start)  # then every match is in the window
        if (
            mode == "grams"
            and _has_rum()
            and (found := self._few(query, where, order, limit, offset)) is not None
        ):
            return found
        with connection.cursor() as cursor:
            if start is not None and (covered or (windows and order != "oldest")):
                sql, params = self._ranked_sql(query, mode, where, order, start)
                cursor.execute(sql, [*params, limit, offset])
                rows = cursor.fetchall()
                if covered or len(rows) == limit or (not exhaustive and len(rows) >= limit // 4):
                    return [(row[0], -float(row[1])) for row in rows]
            sql, params = self._ranked_sql(query, mode, where, order)
            cursor.execute(sql, [*params, limit, offset])
            # RUM gives a distance; ts_rank was negated: either way lower is better.
            return [(row[0], -float(row[1])) for row in cursor.fetchall()]

    def _few(
        self, query: Query, where: Where, order: Order, limit: int, offset: int
    ) -> list[tuple[int, float]] | None:
        """Grams: the documents with every gram, when there are at most FEW_CANDIDATES, checked
        for the exact phrases row by row and ranked; None when there are more.

        RUM matches a phrase of common grams by reading the positions of every document that has
        them all, with or without a rare filter beside it (60–150 ms at 100,000 documents); as
        a plain AND it skips along the rarest posting list (2 ms), and a character-gram query
        (the fallback when words found few) is seldom common in every gram."""
        required, _excluded = _parts(query, "grams")
        if not required:
            return None
        loose = " & ".join(
            f"'{gram}':*" if _is_single_gram(phrase) else f"'{gram}'"
            for phrase in required
            for gram in phrase
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id FROM {DOCS} d WHERE d.grams @@ %s::tsquery AND ({where.sql}) LIMIT %s",
                [f"({loose}){_pg_facets(where.facets)}", *where.params, FEW_CANDIDATES + 1],
            )
            ids = [row[0] for row in cursor.fetchall()]
        if len(ids) > FEW_CANDIDATES:
            return None
        exact = self.expression(query, "grams")
        return self._rank_known(ids, "grams", exact, order, limit, offset, check=True)

    @staticmethod
    def _rank_known(
        ids: list[int],
        mode: Mode,
        expression: str,
        order: Order,
        limit: int,
        offset: int,
        *,
        check: bool = False,
    ) -> list[tuple[int, float]]:
        """A page of documents already found, ranked by `expression`; with `check`, only those
        that match it (ts_match_vq is @@ spelled as a function, which no index serves)."""
        score = f"d.{mode} <=> %s::tsquery" if _has_rum() else f"-ts_rank(d.{mode}, %s::tsquery)"
        ordering = {
            "relevance": "score, d.published_at DESC",
            "newest": "d.published_at DESC",
            "oldest": "d.published_at",
        }[order]
        matched = f" AND ts_match_vq(d.{mode}, %s::tsquery)" if check else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id, {score} AS score FROM {DOCS} d WHERE d.id = ANY(%s){matched} "
                f"ORDER BY {ordering}, d.id LIMIT %s OFFSET %s",
                [expression, ids, *([expression] if check else []), limit, offset],
            )
            # RUM gives a distance; ts_rank was negated: either way lower is better.
            return [(row[0], -float(row[1])) for row in cursor.fetchall()]

    def _count(self, query: Query, where: Where, cap: int, start: datetime | None = None) -> int:
        matched = f"({self.expression(query, 'words')}){_pg_facets(where.facets)}"
        vector = _vector("words", start, "d.")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) FROM (SELECT 1 FROM {DOCS} d WHERE {vector} @@ %s::tsquery"
                f"{self._in_window(start)} AND ({where.sql}) LIMIT %s) found",
                [matched, *where.params, cap],
            )
            return int(cursor.fetchone()[0])

    def page(
        self, query: Query, where: Where, order: Order, limit: int, offset: int, cap: int
    ) -> tuple[list[tuple[int, float]], int]:
        """One page of full matches, and how many there are (counted up to `cap`). When the
        window alone holds `cap` matches, they are all the count needs and the page is ranked
        among them (by date it is exact: every document outside the window is older)."""
        start = self.window()
        if self._covered(where, start):
            total = self._count(query, where, cap, start)
            sql, params = self._ranked_sql(query, "words", where, order, start)
            with connection.cursor() as cursor:
                cursor.execute(sql, [*params, limit, offset])
                return [(row[0], -float(row[1])) for row in cursor.fetchall()], total
        if start is not None and self._count(query, where, cap, start) >= cap:
            if order == "oldest":
                return self.match(query, "words", where, order, limit, offset), cap
            sql, params = self._ranked_sql(query, "words", where, order, start)
            with connection.cursor() as cursor:
                cursor.execute(sql, [*params, limit, offset])
                rows = cursor.fetchall()
            if len(rows) == limit or offset >= cap:
                return [(row[0], -float(row[1])) for row in rows], cap
            return self.match(query, "words", where, order, limit, offset), cap
        matched = f"({self.expression(query, 'words')}){_pg_facets(where.facets)}"
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.id FROM {DOCS} d WHERE d.words @@ %s::tsquery AND ({where.sql}) LIMIT %s",
                [matched, *where.params, cap],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) <= offset:
                return [], len(ids)
            if len(ids) >= cap:  # as SQLite: many matches, the recent ones are ranked first
                return self.match(query, "words", where, order, limit, offset, windows=WINDOWS), cap
        # Fewer: the matches are known, ranking just them spares RUM a second walk.
        return self._rank_known(ids, "words", self.expression(query, "words"), order, limit, offset), len(ids)

    def match_any(
        self,
        phrases: list[Phrase],
        where: Where,
        limit: int,
        excluded: tuple[Phrase, ...] = (),
        *,
        window: int | None = WINDOWS[0],
    ) -> list[tuple[int, float]]:
        """As SQLite's: with `window`, among the recent window's documents first, kept when they
        fill a quarter of `limit` (a sample of recent matches, as SQLite ranks); otherwise over
        every match (RUM ranks in its index)."""
        expression = "(" + " | ".join(_pg_phrase(p, "words") for p in phrases) + ")"
        for phrase in excluded:
            expression += " & !" + _pg_phrase(phrase, "words")
        matched = f"{expression}{_pg_facets(where.facets)}"
        recent = self.window()
        # The window alone when it holds every match; first when a recent sample will do.
        covered = self._covered(where, recent)
        starts = [recent] if covered else [recent, None] if recent and window else [None]
        rows: list[Any] = []
        with connection.cursor() as cursor:
            for start in starts:
                vector = _vector("words", start, "d.")
                score = f"{vector} <=> %s::tsquery" if _has_rum() else f"-ts_rank({vector}, %s::tsquery)"
                cursor.execute(
                    f"SELECT d.id, {score} AS score FROM {DOCS} d WHERE {vector} @@ %s::tsquery"
                    f"{self._in_window(start)} AND ({where.sql}) ORDER BY score LIMIT %s",
                    [expression, matched, *where.params, limit],
                )
                rows = cursor.fetchall()
                if len(rows) >= limit // 4:
                    break
        # Lower is better for both; RUM's distance is turned into a similarity in (0, 1].
        return [(row[0], 1 / (1 + float(row[1])) if _has_rum() else -float(row[1])) for row in rows]

    def vocabulary(self) -> Iterator[tuple[str, int]]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT word, ndoc FROM ts_stat('SELECT words FROM {DOCS} WHERE words IS NOT NULL') "
                "WHERE word NOT LIKE 'f %%' AND strpos(word, %s) = 0",  # the facets and the pairs
                [PAIR],
            )
            yield from cursor.fetchall()


@cache
def _has_rum() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rum')")
        return bool(cursor.fetchone()[0])


def backend() -> Backend:
    return PostgreSQLBackend() if connection.vendor == "postgresql" else SQLiteBackend()
