"""A reader's query, parsed once: what must match, what must not, and what to highlight.

Words are ANDed; "quoted text" must appear as a phrase; -word excludes. Each part is kept twice:
as analyzer terms (the main index) and as character-gram runs (the recall fallback).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from kiji.search import analyzer

MAX_LENGTH = 100
MAX_PARTS = 10

Phrase = tuple[str, ...]

_PARTS = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Query:
    raw: str
    words: tuple[Phrase, ...] = ()
    grams: tuple[Phrase, ...] = ()
    excluded_words: tuple[Phrase, ...] = ()
    excluded_grams: tuple[Phrase, ...] = ()
    highlights: tuple[str, ...] = ()
    problem: str = ""
    # The analyzer's surfaces of the asked words, for did-you-mean.
    surfaces: tuple[str, ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.words and not self.grams


def _clean(text: str) -> str:
    # Quotes of other widths (＂, “”) count as quotes; NFKC first turns ＂ into ".
    text = analyzer.normalise(text)
    return text.replace("\u201c", '"').replace("\u201d", '"').strip()


def _compounds(tokens: list[analyzer.Token], text: str) -> tuple[list[Phrase], list[str]]:
    """Terms written together (製造業, 生成AI, 引き上げ) stay together as a phrase; a particle or
    a space between them splits them into separate required parts. Also returns each group as
    written, which is what gets highlighted (not 業 alone inside 企業)."""
    groups: list[list[str]] = []
    spans: list[list[int]] = []
    end = -1
    for token in tokens:
        term = analyzer.clean_term(token.term)
        if not term:
            continue
        if token.start == end and groups:
            groups[-1].append(term)
            spans[-1][1] = token.end
        else:
            groups.append([term])
            spans.append([token.start, token.end])
        end = token.end
    return [tuple(group) for group in groups], [text[a:b] for a, b in spans]


def parse(raw: str) -> Query:
    text = _clean(raw or "")
    if not text:
        return Query(raw="")
    if len(text) > MAX_LENGTH:
        return Query(
            raw=text[:MAX_LENGTH],
            problem=_("検索語が長すぎます。%(limit)d文字以内で入力してください。") % {"limit": MAX_LENGTH},
        )
    words: list[Phrase] = []
    grams: list[Phrase] = []
    excluded_words: list[Phrase] = []
    excluded_grams: list[Phrase] = []
    highlights: list[str] = []
    surfaces: list[str] = []
    for match in _PARTS.finditer(text):
        quoted = match.group(2) is not None
        part = match.group(2) if quoted else match.group(3)
        negative = bool(match.group(1)) if quoted else part.startswith("-") and len(part) > 1
        if negative and not quoted:
            part = part[1:]
        if not part.strip():
            continue
        tokens = analyzer.tokens(part)
        terms = tuple(t for token in tokens if (t := analyzer.clean_term(token.term)))
        compounds, written = _compounds(tokens, analyzer.normalise(part))
        runs = tuple(tuple(run) for run in analyzer.gram_runs(part))
        if negative:
            if terms:
                excluded_words.append(terms)
            excluded_grams.extend(runs)
            continue
        if quoted:
            if terms:
                words.append(terms)
        else:
            words.extend(compounds)
        grams.extend(runs)
        highlights.extend([part] if quoted else written)
        highlights.extend("".join(group) for group in compounds)
        if not terms:
            highlights.append(part)
        surfaces.extend(token.surface for token in tokens)
    if not words and not grams and (excluded_words or excluded_grams):
        return Query(
            raw=text,
            problem=_("除外する語(-から始まる語)だけでは検索できません。探したい語も入力してください。"),
        )
    if len(words) + len(excluded_words) > MAX_PARTS:
        return Query(
            raw=text,
            problem=_("検索語が多すぎます。%(limit)d語以内で入力してください。") % {"limit": MAX_PARTS},
        )
    return Query(
        raw=text,
        words=tuple(dict.fromkeys(words)),
        grams=tuple(dict.fromkeys(grams)),
        excluded_words=tuple(dict.fromkeys(excluded_words)),
        excluded_grams=tuple(dict.fromkeys(excluded_grams)),
        highlights=tuple(dict.fromkeys(h for h in highlights if h.strip())),
        surfaces=tuple(dict.fromkeys(surfaces)),
    )
