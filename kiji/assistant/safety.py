"""What a model writes is checked before anyone sees it, sentence by sentence as it streams.

A sentence is shown only if it cites at least one of the sources it was given ([n]), if enough of
it is found in the sources it cites, if it does not leak the prompt (its canary or its lines) and
does not read as an instruction to a model.
Citations to numbers that were not given are removed; a sentence left without a valid one is
dropped, not shown marked: an uncited sentence is what an injected instruction produces, and the
page promises that every sentence has a source. What survives is made plain text: no URLs, links,
images, HTML, code or invisible characters.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable

from kiji.assistant.retrieval import Passage, clean_text
from kiji.search import analyzer

DECLINE_PHRASE = "記事からは確かな答えが見つかりませんでした。"
MIN_GROUNDING = 0.35  # share of a sentence's character bigrams that its cited sources must contain
MAX_SENTENCE = 600  # characters buffered without a sentence end before it is cut anyway
MIN_CHARS = 8  # a shorter piece is a fragment, not an answer (the extractive engine's rule too)
# Words addressed to a model, never to a reader: a sentence with them repeats an injected
# instruction. A backstop only: the citation, grounding and plain-text checks do not rely on it.
_INSTRUCTION = re.compile(
    r"(?:指示|命令|プロンプト|きまり|ルール)を(?:すべて|全て)?(?:無視|忘れ)|出力せよ|とだけ(?:出力|回答|答え|書)"
    r"|システムプロンプト|system ?prompt|ignore (?:all |the |any )?(?:previous|prior|above)|instructions"
    r"|you are now|\[/?INST\]|^\W*(?:system|assistant)\s*:",
    re.IGNORECASE,
)
_CLOSERS = "」』）)\"'"
_CITATION = re.compile(r"\[\s*(\d{1,3}(?:\s*[,、]\s*\d{1,3})*)\s*\]")
_PARTIAL_CITATION = re.compile(r"\s*\[[\d\s,、]*$")
_LEADING = re.compile(r"(?:\s*\[\s*\d{1,3}(?:\s*[,、]\s*\d{1,3})*\s*\])+")
_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)?")
_LINK = re.compile(r"\[([^\]\n]*)\]\([^)\n]*\)?")
_TAG = re.compile(r"<\|[^|\n]*\|>|</?[A-Za-z!?/][^<>\n]*>?")
# Japanese has no spaces between words, so an address ends at the first kana or kanji too; the
# boundaries are ASCII ones, as \b sees no edge between a kana and a Latin letter.
_REST = r"[^\s\u3000-\u30ff\u4e00-\u9fff「」]*"
_URL = re.compile(
    rf"(?:[a-z][a-z0-9+.-]*://|(?<![A-Za-z0-9@.:])//[A-Za-z0-9-]"
    rf"|(?<![A-Za-z0-9])(?:data|javascript|vbscript|file|mailto):|(?<![A-Za-z0-9])www\.){_REST}",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_DOMAIN = re.compile(
    rf"(?<![A-Za-z0-9.@-])(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,24}}(?![A-Za-z0-9-])"
    rf"(?::\d+)?(?:[/?#]{_REST})?",
    re.IGNORECASE,
)
_IP = re.compile(rf"(?<![\d.])\d{{1,3}}(?:\.\d{{1,3}}){{3}}(?![\d.])(?::\d+)?(?:/{_REST})?")
_BLOB = re.compile(r"(?<![A-Za-z0-9+/])[A-Za-z0-9+/_-]{24,}={0,2}")  # base64, hex, tokens: never an answer
_MARKDOWN = re.compile(r"\*\*|__|`|^\s*(?:#{1,6}|>|[-*+•]|\d+[.)])\s+", re.MULTILINE)
_SPACES = re.compile(r"[ \t\u3000]+")
Checked = tuple[str, tuple[int, ...]]  # a sentence's plain text and the given sources it cites


def plain(text: str, *, bare_domains: bool = True) -> str:
    """`text` as plain text: invisible characters, markup, links and addresses removed (the text
    of a markdown link kept). Citations are left for the caller."""
    text = clean_text(html.unescape(text))
    text = _IMAGE.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _EMAIL.sub("", text)
    text = _URL.sub("", text)
    text = _IP.sub("", text)
    if bare_domains:
        text = _DOMAIN.sub("", text)
    text = _BLOB.sub("", text)
    text = _MARKDOWN.sub("", text).replace("<", "").replace(">", "")
    return _SPACES.sub(" ", text).strip()


def is_plain(text: str) -> bool:
    """Whether a quote can be shown as it is (the extractive engine skips those that cannot;
    bare domains stay, as company names such as Amazon.com are written that way)."""
    return plain(text, bare_domains=False) == _SPACES.sub(" ", text).strip()


def _grams(text: str) -> set[str]:
    return set(analyzer.grams(_CITATION.sub("", text)))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", clean_text(text)).casefold()


class OutputChecker:
    """Feed it a model's text as it arrives; it gives back the checked sentences, each once."""

    def __init__(self, passages: Iterable[Passage], *, secrets: Iterable[str] = (), prompt: str = "") -> None:
        self._sources = {p.number: _grams(p.text + p.article_title) for p in passages}
        self._secrets = [_squeeze(s) for s in secrets if s]
        # Lines of the prompt long enough to be recognised when repeated (the decline phrase is
        # meant to be repeated).
        self._secrets += [
            line
            for piece in re.split(r"[\n。]", prompt)
            if len(line := _squeeze(piece)) >= 12 and line not in _squeeze(DECLINE_PHRASE)
        ]
        self._buffer = ""
        self._fence = False
        self.received = 0  # characters, for estimating usage when the server counts none
        self.declined = False
        self.dropped: Counter[str] = Counter()  # why sentences were not shown

    def feed(self, text: str) -> list[Checked]:
        self.received += len(text)
        self._buffer += text
        return self._drain(final=False)

    def close(self) -> list[Checked]:
        return self._drain(final=True)

    def _drain(self, *, final: bool) -> list[Checked]:
        checked = []
        while (cut := self._cut(final)) is not None:
            piece, self._buffer = self._buffer[:cut], self._buffer[cut:]
            if (sentence := self._check(piece)) is not None:
                checked.append(sentence)
        return checked

    def _cut(self, final: bool) -> int | None:
        """Where the first complete sentence of the buffer ends (its citations included)."""
        buffer = self._buffer

        def ends(i: int) -> bool:
            # "!" and "?" end a sentence before a blank or a citation; not in ![x](…) or ?q=…
            after = buffer[i + 1 : i + 3]
            blank_or_cited = after[:1] in ("", " ", "\t", "\n") or (after[:1] == "[" and after[1:].isdigit())
            return buffer[i] in "。！？" or (buffer[i] in "!?" and blank_or_cited)

        for i, ch in enumerate(buffer):
            if ch == "\n":
                return i + 1
            if not ends(i):
                continue
            end = i + 1
            while end < len(buffer) and (buffer[end] in _CLOSERS or ends(end)):
                end += 1
            if match := _LEADING.match(buffer, end):
                end = match.end()
            rest = buffer[end:]
            if not final and (not rest.strip() or _PARTIAL_CITATION.fullmatch(rest)):
                return None  # citations may still follow
            return end
        if buffer and (final or len(buffer) > MAX_SENTENCE):
            return len(buffer)
        return None

    def _check(self, piece: str) -> Checked | None:
        fences = piece.count("```")
        in_code = self._fence or fences > 0
        self._fence ^= fences % 2 == 1
        raw = clean_text(piece)
        if not raw.strip():
            return None
        if in_code:
            return self._drop("code")
        squeezed = _squeeze(raw)
        if _squeeze(_CITATION.sub("", raw)).rstrip("。") == _squeeze(DECLINE_PHRASE).rstrip("。"):
            self.declined = True
            return self._drop("declined")
        if any(secret in squeezed for secret in self._secrets):
            return self._drop("leak")
        text = plain(raw)
        numbers = [int(n) for group in _CITATION.findall(text) for n in re.split(r"[,、]", group)]
        text = _SPACES.sub(" ", _CITATION.sub("", text)).strip()
        text = re.sub(r"\s+([。、！？!?,.])", r"\1", text)
        given = tuple(dict.fromkeys(n for n in numbers if n in self._sources))
        if len(re.sub(r"\W", "", text)) < MIN_CHARS:
            return self._drop("fragment")
        if _INSTRUCTION.search(text):
            return self._drop("instruction")
        if not given:
            return self._drop("uncited" if not numbers else "unknown_source")
        grams = _grams(text)
        cited: set[str] = set().union(*(self._sources[n] for n in given))
        if grams and len(grams & cited) / len(grams) < MIN_GROUNDING:
            return self._drop("ungrounded")
        return text, given

    def _drop(self, reason: str) -> Checked | None:
        self.dropped[reason] += 1
        return None
