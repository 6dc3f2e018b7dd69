"""Demo image drawing (kiji/demo/drawing.py): every real spec renders, output is stable, bad specs fail clearly."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from kiji.demo.drawing import MOTIFS, SpecError, draw, draw_avatar

IMAGES_DIR = Path(__file__).resolve().parents[1] / "images"

BAR: dict[str, Any] = {
    "kind": "bar",
    "title": "Orders, Apr-Jun 2026 (JPY 100M)",
    "labels": ["Toho Seiki", "Crest Metrology", "Mitsumine Tech", "Sowa Thermo"],
    "values": [1180, 860, 720, 540],
    "palette": "purple",
}
LINE: dict[str, Any] = {
    "kind": "line",
    "title": "USD/JPY and EUR/JPY, 2026",
    "labels": ["Jan", "Feb", "Mar", "Apr", "May", "Jun"],
    "series": {
        "USD/JPY": [152.4, 150.8, 149.6, 151.9, 153.2, 150.7],
        "EUR/JPY": [161, 162, 160, 163, 165, 164],
    },
    "palette": "teal",
}
PIE: dict[str, Any] = {
    "kind": "pie",
    "title": "Sales by region, FY2025 (%)",
    "labels": ["Taiwan", "Korea", "Japan", "US", "China", "Others"],
    "values": [34, 22, 18, 11, 10, 5],
    "palette": "green",
}
ILLUSTRATION: dict[str, Any] = {"kind": "illustration", "motif": "factory", "palette": "orange"}


def _all_specs() -> list[tuple[str, dict[str, Any]]]:
    specs: list[tuple[str, dict[str, Any]]] = []
    for yaml_path in sorted(IMAGES_DIR.glob("*.yaml")):
        loaded = yaml.safe_load(yaml_path.read_text(encoding="utf-8")) or {}
        specs.extend((f"{yaml_path.name}:{name}", spec) for name, spec in loaded.items())
    return specs


def _assert_png(path: Path, size: tuple[int, int], decode: bool = True) -> None:
    """A well-formed PNG (signature, chunk CRCs) of the given size; ``decode`` also decompresses it."""
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == size
        image.verify()
    if decode:
        with Image.open(path) as image:
            image.load()


def test_every_demo_spec_draws_a_valid_png(tmp_path: Path) -> None:
    specs = _all_specs()
    assert len(specs) >= 50
    for name, spec in specs:
        path = tmp_path / name.replace(":", "-")
        draw(spec, path)
        _assert_png(path, (1200, 675), decode=False)  # CRCs only: decoding ~100 files adds seconds
        assert path.stat().st_size <= 150_000, name


@pytest.mark.parametrize("spec", [BAR, ILLUSTRATION], ids=["chart", "illustration"])
def test_drawing_is_deterministic(tmp_path: Path, spec: dict[str, Any]) -> None:
    first, second = tmp_path / "a" / "same.png", tmp_path / "b" / "same.png"
    draw(spec, first)
    draw(dict(spec), second)

    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    "spec",
    [
        LINE,
        PIE,
        {**BAR, "values": [-12.5, 30.25, 8, -4], "palette": "red"},
        {
            **LINE,
            "series": {"Only": [1, 2, 3, 4, 5, 6]},
            "labels": ["FY24", "FY25", "FY26", "FY27E", "FY28E", "FY29E"],
        },
        {"kind": "illustration", "motif": "no-such-motif", "palette": "no-such-palette"},
        {"kind": "illustration"},
    ],
    ids=["line", "pie", "bar-negative", "line-estimates", "illustration-fallback", "illustration-bare"],
)
def test_each_kind_renders(tmp_path: Path, spec: dict[str, Any]) -> None:
    path = tmp_path / "out.png"
    draw(spec, path)
    _assert_png(path, (1200, 675))


def test_every_motif_renders(tmp_path: Path) -> None:
    used = {spec.get("motif") for _name, spec in _all_specs() if spec.get("kind") == "illustration"}
    for motif in MOTIFS:
        if motif in used:
            continue  # already drawn by test_every_demo_spec_draws_a_valid_png
        path = tmp_path / f"{motif}.png"
        draw({"kind": "illustration", "motif": motif, "palette": "blue"}, path)
        _assert_png(path, (1200, 675))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"kind": "scatter"}, "unknown kind 'scatter'"),
        ({"title": "No kind"}, "spec needs a kind"),
        (["bar"], "spec must be a mapping"),
        ({"kind": "bar", "title": "t", "labels": ["a", "b"]}, "bar chart needs values"),
        ({"kind": "bar", "title": "t", "values": [1, 2]}, "bar chart needs labels"),
        ({"kind": "bar", "labels": ["a", "b"], "values": [1, 2, 3]}, "bar chart has 2 labels but 3 values"),
        (
            {"kind": "bar", "labels": ["a", "b"], "values": [1, "many"]},
            "bar chart values: value 2 is 'many', not a number",
        ),
        ({"kind": "bar", "labels": ["a"], "values": [True]}, "is True, not a number"),
        ({"kind": "bar", "labels": ["a"], "values": [float("nan")]}, "not a finite number"),
        ({"kind": "bar", "title": 42, "labels": ["a"], "values": [1]}, "bar chart title must be a string"),
        ({"kind": "bar", "labels": ["a"], "values": [1], "palette": 3}, "palette must be a name"),
        (
            {**LINE, "series": {"USD/JPY": [1, 2, 3, 4, 5]}},
            "line series 'USD/JPY' has 5 values but there are 6 labels",
        ),
        ({**LINE, "series": {}}, "line chart needs series"),
        ({**LINE, "series": {"EUR/JPY": "high"}}, "line series 'EUR/JPY' must be a list of numbers, not str"),
        ({**LINE, "series": [1, 2, 3]}, "line chart series must be a mapping"),
        ({**LINE, "labels": ["Jan"], "series": {"x": [1]}}, "line chart needs at least 2 labels"),
        ({**PIE, "values": [34, -22, 18, 11, 10, 5]}, "pie value for 'Korea' is negative"),
        ({**PIE, "values": [0, 0, 0, 0, 0, 0]}, "pie values add up to zero"),
        ({"kind": "illustration", "motif": 7}, "illustration motif must be a string"),
    ],
)
def test_malformed_specs_raise_spec_error(tmp_path: Path, spec: Any, message: str) -> None:
    path = tmp_path / "bad.png"
    with pytest.raises(SpecError) as excinfo:
        draw(spec, path)

    assert message in str(excinfo.value)
    assert not path.exists()


def test_spec_error_is_a_value_error() -> None:
    assert issubclass(SpecError, ValueError)


def test_draw_avatar_makes_a_deterministic_square_portrait(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    draw_avatar("sato-misaki", first)
    draw_avatar("sato-misaki", second)
    draw_avatar("tanaka-ken", other)

    _assert_png(first, (400, 400))
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    with Image.open(first) as image:
        assert image.mode == "RGBA"
        alpha = image.getchannel("A")
        assert alpha.getpixel((0, 0)) == 0  # transparent outside the circle
        assert alpha.getpixel((200, 200)) == 255
