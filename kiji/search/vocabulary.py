"""The index vocabulary, and did-you-mean suggestions drawn from it.

A query that finds nothing gets a suggestion when one of its words has a better-known neighbour:
the same reading written in kanji (けっさん → 決算), or, for Latin words, a close spelling
(semiconducter → semiconductor). Suggestions only ever name words that are in the index.
"""

from __future__ import annotations

import difflib

from django.db import transaction

from kiji.search import analyzer
from kiji.search.backends import backend
from kiji.search.models import Term
from kiji.search.query import Query

MAX_TERMS = 200_000
MIN_DOCS = 1


def refresh() -> int:
    """Rebuild the vocabulary from the index (worker; after a rebuild and daily)."""
    rows = []
    for term, docs in backend().vocabulary():
        if docs < MIN_DOCS or len(term) > 100 or term.isdigit():
            continue
        rows.append(Term(term=term, reading=analyzer.reading(term)[:200], doc_count=docs))
        if len(rows) >= MAX_TERMS:
            break
    with transaction.atomic():
        Term.objects.all().delete()
        Term.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _better(word: str) -> str:
    folded = analyzer.normalise(word).casefold()
    known = Term.objects.filter(term=analyzer.clean_term(folded)).values_list("doc_count", flat=True).first()
    if folded.isascii():
        if not folded.isalpha() or len(folded) < 4:
            return ""
        candidates = list(
            Term.objects.filter(term__startswith=folded[0], doc_count__gt=known or 0)
            .order_by("-doc_count")
            .values_list("term", flat=True)[:5000]
        )
        close = difflib.get_close_matches(folded, candidates, n=1, cutoff=0.8)
        return close[0] if close and close[0] != folded else ""
    sound = analyzer.reading(word)
    if not sound:
        return ""
    same = (
        Term.objects.filter(reading=sound, doc_count__gt=known or 0)
        .exclude(term=folded)
        .order_by("-doc_count")
        .values_list("term", flat=True)
        .first()
    )
    return same or ""


def suggest(query: Query) -> str:
    """The query with its doubtful words replaced, or "" when there is nothing better to offer."""
    text = query.raw
    changed = False
    for word in text.replace('"', " ").split():
        bare = word.lstrip("-")
        if not bare:
            continue
        better = _better(bare)
        if better:
            text = text.replace(bare, better, 1)
            changed = True
    return text if changed else ""
