"""The one Japanese analyzer: the same tokens for what is indexed and for what is asked.

SudachiPy with the core dictionary, split mode A (the shortest units, so compounds are found by
their parts), each token as its `normalized_form` so that サーバ/サーバー/ｻｰﾊﾞｰ, ＡＩ/AI and
ウエア/ウェア meet. Text is NFKC-normalised first; numbers stay as written; particles, auxiliary
verbs, symbols and blanks carry no meaning for search and are left out.

`SIGNATURE` names the analyzer and its dictionary: an index built with another signature must be
rebuilt (`manage.py reindex`, issue 6).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version

from sudachipy import Dictionary, SplitMode

# 3: facets beside the words; 4: page breaks counted as the pages count them; 5: word pairs (PostgreSQL)
ANALYZER_VERSION = 5
SIGNATURE = f"sudachi-{version('sudachipy')}-core-{version('sudachidict-core')}-A-v{ANALYZER_VERSION}"

# Parts of speech (the first level of Sudachi's tags) that say nothing about a document's subject.
SKIPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白"})
# する, ある, いる, なる, くる…: verbs that mostly carry grammar (値上げ[し]た, 学習し[てい]る),
# by normalized form; 上げる in 引き上げる is also 非自立可能 but carries meaning, so it stays.
GRAMMAR_VERBS = frozenset(
    {"為る", "有る", "居る", "成る", "来る", "行く", "仕舞う", "置く", "呉れる", "貰う"}
)


def _skipped(pos: tuple[str, ...], normalized: str = "") -> bool:
    return pos[0] in SKIPPED_POS or (pos[1] == "非自立可能" and normalized in GRAMMAR_VERBS)


# SudachiPy refuses inputs above 49,149 bytes; longer texts are analysed in pieces at line ends.
_MAX_BYTES = 40_000

_local = threading.local()


@dataclass(frozen=True, slots=True)
class Token:
    surface: str  # as written (after NFKC), for highlighting
    term: str  # what is indexed and matched
    start: int  # character offsets in the NFKC text
    end: int


def _tokenizer() -> object:
    # A SudachiPy tokenizer is not safe to share between threads; one per thread, made once.
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.A, fields={"pos", "normalized_form"})
        _local.tokenizer = tokenizer
    return tokenizer


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """(offset, piece) chunks small enough for SudachiPy, cut at line ends where possible."""
    if len(text) * 4 <= _MAX_BYTES:  # short enough whatever its characters: no need to measure
        yield 0, text
        return
    start = 0
    while start < len(text):
        end = start
        size = 0
        while end < len(text) and size < _MAX_BYTES:
            size += len(text[end].encode())
            end += 1
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        yield start, text[start:end]
        start = end


def tokens(text: str) -> list[Token]:
    """The meaningful tokens of `text`, in order, with their positions in the NFKC text."""
    text = normalise(text)
    found: list[Token] = []
    tokenizer = _tokenizer()
    for offset, piece in _pieces(text):
        for morpheme in tokenizer.tokenize(piece):  # type: ignore[attr-defined]
            if _skipped(morpheme.part_of_speech(), morpheme.normalized_form()):
                continue
            surface = morpheme.surface()
            if not surface.strip():
                continue
            term = morpheme.normalized_form().casefold()
            found.append(Token(surface, term, offset + morpheme.begin(), offset + morpheme.end()))
    return found


def terms(text: str) -> list[str]:
    """Just the indexed forms, in order (repeats kept: they are term frequency)."""
    return [token.term for token in tokens(text)]


def query_terms(text: str) -> list[str]:
    """A query's terms, each once, in the order asked."""
    return list(dict.fromkeys(terms(text)))


def clean_term(term: str) -> str:
    """A term as both databases' tokenizers see one word: letters and digits only.

    SQLite's unicode61 and our tsvector literals must agree on word boundaries, so the few terms
    with inner symbols (3.5, e-mail) are joined up (35, email) the same way for index and query.
    """
    return "".join(ch for ch in term if unicodedata.category(ch)[0] in "LN")


def index_terms(text: str) -> list[str]:
    """The terms of `text` as stored in the index, in order."""
    return [cleaned for token in tokens(text) if (cleaned := clean_term(token.term))]


# Character bigrams: the recall fallback for what morphology misses (引き上げ inside 引き上げる,
# 電池 inside 蓄電池). Runs of kana and kanji become overlapping bigrams; other words stay whole.
_CJK = "\u3005\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
RUNS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_CJK_RUN = re.compile(rf"[{_CJK}]+")


def run_grams(run: str) -> list[str]:
    if not _CJK_RUN.fullmatch(run):
        return [run]
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def gram_runs(text: str) -> list[list[str]]:
    """Each run of `text` (NFKC, casefolded) as its list of grams, in order."""
    folded = normalise(text).casefold()
    return [run_grams(match.group()) for match in RUNS.finditer(folded)]


def grams(text: str) -> list[str]:
    return [gram for run in gram_runs(text) for gram in run]


def reading(text: str) -> str:
    """The katakana reading of `text` (けっさん and ケッサン and 決算 share ケッサン)."""
    tokenizer = getattr(_local, "reader", None)
    if tokenizer is None:
        tokenizer = Dictionary(dict="core").tokenizer(
            mode=SplitMode.C, fields={"pos", "reading_form", "normalized_form"}
        )
        _local.reader = tokenizer
    parts = [
        m.reading_form()
        for m in tokenizer.tokenize(normalise(text)[:200])
        if not _skipped(m.part_of_speech(), m.normalized_form())
    ]
    return "".join(parts)
