"""Comment text: cleaning what members type, rendering it safely, and comparing it in Japanese.

A comment is plain text. It is stored as typed (minus invisible characters) and rendered once, on
save: escaped, links made clickable, line breaks kept, then passed through nh3 (Ammonia) so that
only <p>, <br> and <a href rel> can ever reach a page.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import urlsplit

import nh3

# Zero-width, bidi controls, tag characters and other invisible code points: they hide words
# from moderators and word lists, and flip text direction on the page.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8\U000e0000-\U000e007f]"
)
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n{3,}")
_URL = re.compile(r"https?://[^\s<>\"'　、。「」（）()]+", re.IGNORECASE)
_TRAILING_PUNCT = ".,!?:;！？"
_KATAKANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
# Separators a writer may slip between letters to get past a word list (バ.カ, ば か).
_SEPARATORS = re.compile(r"[\s\W_ー〜・･]+", re.UNICODE)

ALLOWED_TAGS = {"p", "br", "a"}
LINK_REL = "nofollow ugc noopener"


def clean(text: str) -> str:
    """What is stored: NFC, Unix line breaks, no invisible or control characters, no edge blanks."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL.sub("", _INVISIBLE.sub("", text))
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def length(text: str) -> int:
    """Characters as a reader counts them (a combined emoji or kana with a mark is one)."""
    return len(unicodedata.normalize("NFC", text))


def links_in(text: str) -> list[str]:
    return [_trim(match.group(0)) for match in _URL.finditer(text)]


def _trim(url: str) -> str:
    return url.rstrip(_TRAILING_PUNCT)


def _linkify(raw: str) -> str:
    """Escape a raw paragraph, turning its URLs into links (found before escaping, so a quote or
    angle bracket always ends a URL)."""
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(raw):
        url = _trim(match.group(0))
        if not _parses(url):  # nh3 would keep the <a> and drop its href: leave it as text
            continue
        parts.append(html.escape(raw[position : match.start()], quote=True))
        safe = html.escape(url, quote=True)
        parts.append(f'<a href="{safe}">{safe}</a>')
        position = match.start() + len(url)
    parts.append(html.escape(raw[position:], quote=True))
    return "".join(parts)


def _parses(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return False
    return bool(parts.hostname)


def render(text: str) -> str:
    """Safe HTML for a cleaned comment: paragraphs, line breaks and nofollow links only."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    parts = [f"<p>{_linkify(p).replace(chr(10), '<br>')}</p>" for p in paragraphs]
    return nh3.clean(
        "".join(parts),
        tags=ALLOWED_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
        strip_comments=True,
    )


def normalise(text: str) -> str:
    """The form in which texts are compared: NFKC (full/half width), case folded, katakana as
    hiragana. ＡＩ = ai, ｻｰﾊﾞｰ = さーばー, バカ = ばか."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_KATAKANA)


def squash(text: str) -> str:
    """`normalise`, then without spaces, punctuation or long-vowel marks between letters."""
    return _SEPARATORS.sub("", normalise(text))


def parse_word_list(raw: str) -> list[str]:
    words = (squash(line) for line in raw.splitlines())
    return sorted({w for w in words if w})


def first_match(text: str, words: Iterable[str]) -> str | None:
    """The first listed word the text contains, compared in squashed form; None if none does."""
    haystack = squash(text)
    for word in words:
        if word and word in haystack:
            return word
    return None
