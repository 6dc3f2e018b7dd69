"""Snippets and the links of search cards: fast paths checked against the plain way of doing it."""

from __future__ import annotations

import random

import pytest
from django.urls import NoReverseMatch, reverse

from kiji.search import snippets
from kiji.search.documents import PAGE_BREAK
from kiji.search.selectors import url_maker


def _densest_by_brute_force(folded: str, spans: list[tuple[int, int]], width: int) -> int:
    best, best_score = spans[0][0], -1
    for i, (start, _) in enumerate(spans):
        inside = [span for span in spans[i:] if span[1] <= start + width]
        score = len({folded[a:b] for a, b in inside}) * 10 + len(inside)
        if score > best_score:
            best, best_score = start, score
    return best


def test_the_sliding_window_finds_the_same_passage_as_trying_every_start() -> None:
    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice("決算円安AIあいうえお。") for _ in range(rng.randint(5, 400)))
        pattern = snippets._pattern(("決算", "円安", "ai"))
        assert pattern is not None
        folded = snippets._fold(text)
        spans = [(m.start(), m.end()) for m in pattern.finditer(folded)]
        if not spans:
            continue
        width = rng.choice([3, 20, 120])
        assert snippets._densest(folded, spans, width) == _densest_by_brute_force(folded, spans, width)


def test_a_snippet_marks_every_written_form_and_knows_its_page() -> None:
    body = "前置き。" * 60 + PAGE_BREAK + "今期の決算では円安が効いた。ＡＩ投資も決算を押し上げた。"
    found = snippets.snippet(body, ("決算", "円安", "AI"))
    assert found.page == 2
    assert found.html.count("<mark>") == 4  # 決算 twice, 円安, ＡＩ (as AI)
    assert "<mark>AI</mark>" in found.html and found.html.startswith("…")


def test_marked_text_is_escaped() -> None:
    assert str(snippets.highlight("<b>決算</b>", ("決算",))) == "&lt;b&gt;<mark>決算</mark>&lt;/b&gt;"


@pytest.mark.parametrize("slug", ["plain-slug", "決算-速報", "a_b-1", "ｔａｇ 100%"])
def test_card_links_are_what_reverse_would_give(slug: str) -> None:
    for name in ("articles:article", "articles:tag", "articles:series"):
        try:
            expected = reverse(name, kwargs={"slug": slug})
        except NoReverseMatch:  # article and series slugs are ASCII; tag slugs may be Japanese
            continue
        assert url_maker(name)(slug) == expected
