"""Snippets: the passage of a text where the asked words are densest, with those words marked.

Matching works on the NFKC, case-folded text, so ＡＩ finds AI and ｻｰﾊﾞｰ finds サーバー without
running the analyzer over whole articles; when no written form is found (ウエア asked, ウェア
written), the analyzer reads the opening of the text to find the tokens with the same term.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html import escape  # the stdlib one: Django's wraps it in lazy-string checks, per call

from django.utils.safestring import SafeString, mark_safe

from kiji.search import analyzer
from kiji.search.documents import PAGE_BREAK

WIDTH = 120
_ANALYSE_AT_MOST = 1200  # characters of a body read by the analyzer when no written form matches


@dataclass(frozen=True)
class Snippet:
    html: SafeString
    page: int  # the page of a multi-page article the passage is on (1-based)


def _fold(text: str) -> str:
    """Case folding that keeps every character's position (of text already NFKC-normalised)."""
    folded = text.casefold()
    if len(folded) == len(text):  # nearly always; ß and a few ligatures grow
        return folded
    return "".join(low if len(low := ch.casefold()) == 1 else ch for ch in text)


@lru_cache(maxsize=256)
def _pattern(needles: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for a query's written forms, longest first (a page of results shares it)."""
    wanted = sorted({_fold(analyzer.normalise(n)) for n in needles if n.strip()}, key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in wanted)) if wanted else None


def _spans(
    text: str, folded: str, needles: tuple[str, ...], terms: frozenset[str], *, analyse: bool = False
) -> list[tuple[int, int]]:
    pattern = _pattern(needles)
    spans = [(m.start(), m.end()) for m in pattern.finditer(folded)] if pattern else []
    if not spans and terms and analyse:
        head = text[:_ANALYSE_AT_MOST]
        spans = [(t.start, t.end) for t in analyzer.tokens(head) if analyzer.clean_term(t.term) in terms]
    return spans


def mentions(text: str, needles: tuple[str, ...]) -> bool:
    """Whether any written form of the query occurs in the text."""
    pattern = _pattern(needles)
    return bool(pattern and pattern.search(_fold(analyzer.normalise(text))))


def _densest(folded: str, spans: list[tuple[int, int]], width: int) -> int:
    """Where the window of `width` characters starting at a match holds the most different
    matched words (then the most matches): one pass with a sliding window."""
    keys = [folded[a:b] for a, b in spans]
    inside: Counter[str] = Counter()
    best, best_score, end = spans[0][0], -1, 0
    for i, (start, _) in enumerate(spans):
        end = max(end, i)
        while end < len(spans) and spans[end][1] <= start + width:
            inside[keys[end]] += 1
            end += 1
        score = len(inside) * 10 + (end - i)
        if score > best_score:
            best, best_score = start, score
        if end > i:  # the window's first match leaves it
            inside[keys[i]] -= 1
            if not inside[keys[i]]:
                del inside[keys[i]]
    return best


def _mark(text: str, spans: list[tuple[int, int]], start: int, end: int) -> str:
    out: list[str] = []
    position = start
    for s, e in spans:
        if e <= start or s >= end or s < position:
            continue
        out.append(escape(text[position:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        position = e
    out.append(escape(text[position:end]))
    return "".join(out)


def highlight(text: str, needles: tuple[str, ...], terms: frozenset[str] = frozenset()) -> SafeString:
    """The whole (short) text with matches marked: titles."""
    text = analyzer.normalise(text)
    spans = _spans(text, _fold(text), needles, terms)
    return mark_safe(_mark(text, spans, 0, len(text)))  # noqa: S308  (escaped)


def snippet(
    text: str,
    needles: tuple[str, ...],
    terms: frozenset[str] = frozenset(),
    width: int = WIDTH,
    *,
    analyse: bool = False,
) -> Snippet:
    """About `width` characters around the densest cluster of matches, ellipses where cut.

    With `analyse`, a text where no written form matches is read by the analyzer (bodies)."""
    text = analyzer.normalise(text)
    folded = _fold(text)
    spans = _spans(text, folded, needles, terms, analyse=analyse)
    if not spans:
        start, end, best = 0, min(len(text), width), 0
    else:
        best = _densest(folded, spans, width)
        start = max(0, best - width // 4)
        # Start at a sentence or line boundary when one is close.
        boundary = max(text.rfind("。", start - 20, best), text.rfind("\n", start - 20, best))
        if boundary >= 0 and best - boundary < width // 2:
            start = boundary + 1
        end = min(len(text), start + width)
    page = text.count(PAGE_BREAK, 0, best) + 1  # the match's page: the passage may start before its break
    body = _mark(text, spans, start, end).replace(PAGE_BREAK, " ").replace("\n", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return Snippet(html=mark_safe(f"{prefix}{body.strip()}{suffix}"), page=page)  # noqa: S308
