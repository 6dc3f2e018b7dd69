"""Snippets: the passage of a text where the asked words are densest, with those words marked.

Matching works on the NFKC, case-folded text, so ＡＩ finds AI and ｻｰﾊﾞｰ finds サーバー without
running the analyzer over whole articles; when no written form is found (ウエア asked, ウェア
written), the analyzer reads the opening of the text to find the tokens with the same term.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.html import escape
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
    """NFKC and case folding that keeps every character's position."""
    text = analyzer.normalise(text)
    folded = text.casefold()
    if len(folded) == len(text):  # nearly always; ß and a few ligatures grow
        return folded
    return "".join(low if len(low := ch.casefold()) == 1 else ch for ch in text)


def _spans(
    text: str, needles: tuple[str, ...], terms: frozenset[str], *, analyse: bool = False
) -> list[tuple[int, int]]:
    folded = _fold(text)
    wanted = sorted({_fold(n) for n in needles if n.strip()}, key=len, reverse=True)
    spans: list[tuple[int, int]] = []
    if wanted:
        pattern = re.compile("|".join(re.escape(n) for n in wanted))
        spans = [(m.start(), m.end()) for m in pattern.finditer(folded)]
    if not spans and terms and analyse:
        head = text[:_ANALYSE_AT_MOST]
        spans = [(t.start, t.end) for t in analyzer.tokens(head) if analyzer.clean_term(t.term) in terms]
    return spans


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
    return mark_safe(_mark(text, _spans(text, needles, terms), 0, len(text)))  # noqa: S308  (escaped)


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
    spans = _spans(text, needles, terms, analyse=analyse)
    if not spans:
        start, end = 0, min(len(text), width)
    else:
        best, best_score = spans[0][0], -1
        for i, (s, _) in enumerate(spans):
            inside = [sp for sp in spans[i:] if sp[1] <= s + width]
            score = len({_fold(text[a:b]) for a, b in inside}) * 10 + len(inside)
            if score > best_score:
                best, best_score = s, score
        start = max(0, best - width // 4)
        # Start at a sentence or line boundary when one is close.
        boundary = max(text.rfind("。", start - 20, best), text.rfind("\n", start - 20, best))
        if boundary >= 0 and best - boundary < width // 2:
            start = boundary + 1
        end = min(len(text), start + width)
    page = text.count(PAGE_BREAK, 0, start) + 1
    body = _mark(text, spans, start, end).replace(PAGE_BREAK, " ").replace("\n", " ")
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return Snippet(html=mark_safe(f"{prefix}{body.strip()}{suffix}"), page=page)  # noqa: S308
