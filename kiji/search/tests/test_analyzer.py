"""The Japanese analyzer on a table of variant spellings, widths and forms."""

from __future__ import annotations

import pytest

from kiji.search import analyzer


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("サーバ", "サーバー"),
        ("ｻｰﾊﾞｰ", "サーバー"),
        ("ＡＩ", "AI"),
        ("ai", "AI"),
        ("ウエア", "ウェア"),
        ("ＤＸ推進", "DX推進"),
        ("コンピュータ", "コンピューター"),
    ],
)
def test_variants_meet(a: str, b: str) -> None:
    assert analyzer.terms(a) == analyzer.terms(b)


def test_two_character_words_are_terms_of_their_own() -> None:
    for word in ("決算", "円安", "AI"):
        assert analyzer.terms(f"今期の{word}について")[1:2] == [word.casefold()]


def test_particles_symbols_and_blanks_are_left_out() -> None:
    assert analyzer.terms("日銀が、政策金利を 引き上げた。") == ["日銀", "政策", "金利", "引く", "上げる"]


def test_numbers_are_kept_as_written() -> None:
    assert analyzer.terms("2024年度の決算")[:2] == ["2024", "年度"]


def test_compounds_are_split_into_their_parts() -> None:
    assert analyzer.terms("蓄電池") == ["蓄電", "池"]


def test_positions_point_into_the_normalised_text_for_highlighting() -> None:
    text = analyzer.normalise("ＡＩで決算を読む")
    for token in analyzer.tokens("ＡＩで決算を読む"):
        assert text[token.start : token.end] == token.surface


def test_queries_use_the_same_terms_once_each() -> None:
    assert analyzer.query_terms("決算 決算 ＡＩ") == ["決算", "ai"]


def test_long_texts_are_analysed_in_pieces() -> None:
    text = "半導体の供給網について考える。\n" * 4000
    assert analyzer.terms(text).count("供給") == 4000


def test_the_signature_names_the_dictionary() -> None:
    assert analyzer.SIGNATURE.startswith("sudachi-") and "-core-" in analyzer.SIGNATURE


def test_grammar_verbs_are_left_out_but_compound_verbs_stay() -> None:
    assert analyzer.terms("値上げした") == ["値上げ"]
    assert analyzer.terms("学習している") == ["学習"]
    assert analyzer.terms("問題がある") == ["問題"]
    assert analyzer.terms("価格を引き上げた") == ["価格", "引く", "上げる"]
