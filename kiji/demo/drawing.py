"""Demo images for Kiji, drawn with Pillow only.

``draw(spec, path)`` renders one image spec from ``kiji/demo/images/*.yaml`` to a 1200x675 PNG: a bar,
line or pie chart in a newsroom-graphic style, or a flat vector-style illustration of a motif.
``draw_avatar(seed, path)`` renders a 400x400 head-and-shoulders placeholder portrait.

Everything is drawn at twice the final size and downsampled with LANCZOS for anti-aliasing. Output is
deterministic: any randomness is seeded from the spec and the file name, so the same spec written to a
file of the same name gives byte-identical PNGs. Text uses Pillow's bundled font (ASCII only).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont

__all__ = [
    "AVATAR_SIZE",
    "HEIGHT",
    "KINDS",
    "MOTIFS",
    "PALETTES",
    "WIDTH",
    "SpecError",
    "draw",
    "draw_avatar",
]

WIDTH, HEIGHT = 1200, 675
AVATAR_SIZE = 400
KINDS = ("bar", "line", "pie", "illustration")

_SS = 2  # supersampling factor: draw at 2x, downsample with LANCZOS
_MAX_BYTES = 150_000

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]
Color = RGB | RGBA
Point = tuple[float, float]


class SpecError(ValueError):
    """An image spec is malformed; the message says what is wrong."""


# --------------------------------------------------------------------------------------------------
# Colours


def _hex(value: str) -> RGB:
    value = value.lstrip("#")
    return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    """Blend from ``a`` (t=0) to ``b`` (t=1)."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _a(color: RGB, alpha: int) -> RGBA:
    return (color[0], color[1], color[2], alpha)


def _luminance(color: RGB) -> float:
    return (0.2126 * color[0] + 0.7152 * color[1] + 0.0722 * color[2]) / 255


WHITE: RGB = (255, 255, 255)
BLACK: RGB = (0, 0, 0)
INK = _hex("1b2027")  # titles, value labels
TEXT = _hex("3b424c")  # category labels, legend
MUTED = _hex("6c737e")  # subtitles, tick labels, footer
GRID = _hex("e2e5e9")
AXIS = _hex("4a515b")
GOLD = _hex("f4c542")
GOLD_SIDE = _hex("dea22b")
GOLD_DARK = _hex("b47a16")
GOLD_LIGHT = _hex("ffe38a")
LEAF = _hex("5a9e6f")
SUN = _hex("ffd98a")


@dataclass(frozen=True)
class _Palette:
    """Data colours (primary first), a light background tint, a deep shade and a contrasting accent."""

    colors: tuple[RGB, ...]
    tint: RGB
    dark: RGB
    accent: RGB

    @property
    def primary(self) -> RGB:
        return self.colors[0]

    @property
    def secondary(self) -> RGB:
        return self.colors[1]

    def light(self, t: float) -> RGB:
        return _mix(self.primary, WHITE, t)

    def deep(self, t: float) -> RGB:
        return _mix(self.primary, self.dark, t)


def _palette(colors: str, tint: str, dark: str, accent: str) -> _Palette:
    return _Palette(tuple(_hex(c) for c in colors.split()), _hex(tint), _hex(dark), _hex(accent))


PALETTES: dict[str, _Palette] = {
    "blue": _palette("1f5fa8 5b9bd8 f0a33c 2a9d8f 9fc3ea 6b7789", "eef4fb", "0e2a4f", "f0a33c"),
    "green": _palette("1e8449 62b873 f1c04a 2b7ca0 a9dcae 6d7b70", "eef7f0", "0d3a22", "f1c04a"),
    "orange": _palette("e0701c f4a45c 2f6690 8c5e3c f8cba4 77797e", "fdf3ea", "4f2408", "2f6690"),
    "purple": _palette("6a3fa0 9d7fd3 e2668b 3aa69f c9b8ec 7b7490", "f4f0fa", "2b1747", "e2668b"),
    "red": _palette("c0392b e67469 34495e f0a04b f4b8b0 8a8d91", "fbefee", "4a120d", "34495e"),
    "teal": _palette("11807d 4fb8b3 f08a4b 2d4e8a a8dcd8 6d8584", "ecf7f6", "063938", "f08a4b"),
}
_DEFAULT_PALETTE = "blue"


# --------------------------------------------------------------------------------------------------
# Fonts and the canvas


@lru_cache(maxsize=64)
def _font(px: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=px)
    if not isinstance(font, ImageFont.FreeTypeFont):  # pragma: no cover - Pillow without FreeType
        raise RuntimeError("kiji.demo.drawing needs Pillow built with FreeType")
    return font


def _stroke(size: float) -> float:
    """Stroke width (in supersampled pixels) that makes the regular font look semi-bold."""
    return size * _SS * 0.026


class _Canvas:
    """An image drawn at ``_SS`` times its final size; all coordinates are in final-size pixels."""

    def __init__(self, width: int, height: int, background: RGB) -> None:
        self.width = width
        self.height = height
        self.image = Image.new("RGB", (width * _SS, height * _SS), background)
        self.pen = ImageDraw.Draw(self.image, "RGBA")

    # geometry helpers
    @staticmethod
    def _pts(points: Sequence[Point]) -> list[tuple[float, float]]:
        return [(x * _SS, y * _SS) for x, y in points]

    @staticmethod
    def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (min(x0, x1) * _SS, min(y0, y1) * _SS, max(x0, x1) * _SS, max(y0, y1) * _SS)

    # shapes
    def rect(
        self,
        x0: float,
        y0: float,
        x1: float,
        y1: float,
        fill: Color | None = None,
        radius: float = 0,
        outline: Color | None = None,
        width: float = 0,
        corners: tuple[bool, bool, bool, bool] | None = None,
    ) -> None:
        box = self._box(x0, y0, x1, y1)
        r = min(radius, abs(x1 - x0) / 2, abs(y1 - y0) / 2) * _SS
        w = round(width * _SS)
        if r >= 1:
            self.pen.rounded_rectangle(box, r, fill=fill, outline=outline, width=w, corners=corners)
        else:
            self.pen.rectangle(box, fill=fill, outline=outline, width=w)

    def poly(self, points: Sequence[Point], fill: Color | None = None, outline: Color | None = None) -> None:
        self.pen.polygon(self._pts(points), fill=fill, outline=outline)

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        fill: Color | None = None,
        outline: Color | None = None,
        width: float = 0,
    ) -> None:
        self.pen.ellipse(
            self._box(cx - rx, cy - ry, cx + rx, cy + ry),
            fill=fill,
            outline=outline,
            width=round(width * _SS),
        )

    def circle(
        self,
        cx: float,
        cy: float,
        r: float,
        fill: Color | None = None,
        outline: Color | None = None,
        width: float = 0,
    ) -> None:
        self.ellipse(cx, cy, r, r, fill, outline, width)

    def line(self, points: Sequence[Point], fill: Color, width: float, round_caps: bool = False) -> None:
        w = max(1, round(width * _SS))
        self.pen.line(self._pts(points), fill=fill, width=w, joint="curve")
        if round_caps and width >= 2:
            for x, y in (points[0], points[-1]):
                self.circle(x, y, width / 2 - 0.15, fill)

    def dashed(self, points: Sequence[Point], fill: Color, width: float, dash: float, gap: float) -> None:
        for a, b in zip(points, points[1:], strict=False):
            length = math.dist(a, b)
            if length == 0:
                continue
            ux, uy = (b[0] - a[0]) / length, (b[1] - a[1]) / length
            pos = 0.0
            while pos < length:
                end = min(pos + dash, length)
                self.line(
                    [(a[0] + ux * pos, a[1] + uy * pos), (a[0] + ux * end, a[1] + uy * end)], fill, width
                )
                pos = end + gap

    def arc(
        self, cx: float, cy: float, rx: float, ry: float, start: float, end: float, fill: Color, width: float
    ) -> None:
        self.pen.arc(
            self._box(cx - rx, cy - ry, cx + rx, cy + ry), start, end, fill=fill, width=round(width * _SS)
        )

    def pieslice(self, cx: float, cy: float, r: float, start: float, end: float, fill: Color) -> None:
        self.pen.pieslice(self._box(cx - r, cy - r, cx + r, cy + r), start, end, fill=fill)

    def capsule(self, a: Point, b: Point, width: float, fill: Color) -> None:
        """A thick segment with round ends (robot arms, pens)."""
        self.line([a, b], fill, width)
        self.circle(a[0], a[1], width / 2, fill)
        self.circle(b[0], b[1], width / 2, fill)

    # text
    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        fill: Color,
        anchor: str = "ls",
        bold: bool = False,
    ) -> None:
        stroke = _stroke(size) if bold else 0
        self.pen.text(
            (x * _SS, y * _SS),
            text,
            fill=fill,
            font=_font(round(size * _SS)),
            anchor=anchor,
            stroke_width=stroke,
            stroke_fill=fill if bold else None,
        )

    @staticmethod
    def measure(text: str, size: float, bold: bool = False) -> float:
        width = _font(round(size * _SS)).getlength(text) / _SS
        return width + (2 * _stroke(size) / _SS if bold else 0)

    # fills with soft edges or gradients
    def vgradient(self, x0: float, y0: float, x1: float, y1: float, top: RGB, bottom: RGB) -> None:
        box = (round(x0 * _SS), round(y0 * _SS), round(x1 * _SS), round(y1 * _SS))
        width, height = box[2] - box[0], box[3] - box[1]
        if width <= 0 or height <= 0:
            return
        column = Image.new("RGB", (1, height))
        column.putdata([_mix(top, bottom, i / max(1, height - 1)) for i in range(height)])
        self.image.paste(column.resize((width, height), Image.Resampling.NEAREST), box)

    def soft(
        self,
        box: tuple[float, float, float, float],
        paint: Callable[[ImageDraw.ImageDraw, tuple[float, float, float, float]], None],
        color: RGB,
        blur: float,
    ) -> None:
        """Paint a mask with ``paint(draw, local_box)`` (fill value = opacity), blur it and tint it in.

        The blur runs on a 4x smaller copy of the mask; it is smooth anyway and this is much faster.
        """
        pad = blur * 3
        left = max(0, math.floor((box[0] - pad) * _SS))
        top = max(0, math.floor((box[1] - pad) * _SS))
        right = min(self.image.width, math.ceil((box[2] + pad) * _SS))
        bottom = min(self.image.height, math.ceil((box[3] + pad) * _SS))
        if right <= left or bottom <= top:
            return
        size = (right - left, bottom - top)
        mask = Image.new("L", size, 0)
        local = (box[0] * _SS - left, box[1] * _SS - top, box[2] * _SS - left, box[3] * _SS - top)
        paint(ImageDraw.Draw(mask), local)
        if blur > 0:
            small = mask.reduce(4) if min(size) >= 16 else mask
            factor = mask.width / small.width
            small = small.filter(ImageFilter.GaussianBlur(blur * _SS / factor))
            mask = small.resize(size, Image.Resampling.BILINEAR)
        self.image.paste(color, (left, top, right, bottom), mask)

    def shadow(
        self, x0: float, y0: float, x1: float, y1: float, radius: float, color: RGB, opacity: int, blur: float
    ) -> None:
        def paint(d: ImageDraw.ImageDraw, b: tuple[float, float, float, float]) -> None:
            d.rounded_rectangle(b, radius * _SS, fill=opacity)

        self.soft((x0, y0, x1, y1), paint, color, blur)

    def gradient_area(
        self, points: Sequence[Point], color: RGB, top_alpha: int, y0: float, y1: float
    ) -> None:
        """Fill a polygon with ``color`` fading from ``top_alpha`` at y0 to transparent at y1."""
        xs = [x for x, _y in points]
        ys = [y for _x, y in points]
        left, top = max(0, math.floor(min(xs) * _SS)), max(0, math.floor(min(ys) * _SS))
        right = min(self.image.width, math.ceil(max(xs) * _SS) + 1)
        bottom = min(self.image.height, math.ceil(max(ys) * _SS) + 1)
        if right <= left or bottom <= top:
            return
        size = (right - left, bottom - top)
        shape = Image.new("L", size, 0)
        ImageDraw.Draw(shape).polygon([(x * _SS - left, y * _SS - top) for x, y in points], fill=255)
        span = max(1.0, (y1 - y0) * _SS)
        column = Image.new("L", (1, size[1]))
        column.putdata(
            [round(top_alpha * min(1.0, max(0.0, 1 - (top + i - y0 * _SS) / span))) for i in range(size[1])]
        )
        fade = column.resize(size, Image.Resampling.NEAREST)
        self.image.paste(color, (left, top, right, bottom), ImageChops.multiply(shape, fade))

    def paste_clipped(self, layer: _Canvas, clip: Callable[[ImageDraw.ImageDraw], None]) -> None:
        """Paste another canvas through a mask drawn (in supersampled pixels) by ``clip``."""
        mask = Image.new("L", self.image.size, 0)
        clip(ImageDraw.Draw(mask))
        self.image.paste(layer.image, (0, 0), mask)

    def finish(self) -> Image.Image:
        return self.image.resize((self.width, self.height), Image.Resampling.LANCZOS)


# --------------------------------------------------------------------------------------------------
# Geometry helpers


def _rotate(points: Sequence[Point], cx: float, cy: float, degrees: float) -> list[Point]:
    a = math.radians(degrees)
    ca, sa = math.cos(a), math.sin(a)
    return [(cx + (x - cx) * ca - (y - cy) * sa, cy + (x - cx) * sa + (y - cy) * ca) for x, y in points]


def _rrect_points(x0: float, y0: float, x1: float, y1: float, r: float, steps: int = 6) -> list[Point]:
    r = min(r, (x1 - x0) / 2, (y1 - y0) / 2)
    pts: list[Point] = []
    for cx, cy, start in (
        (x1 - r, y0 + r, -90),
        (x1 - r, y1 - r, 0),
        (x0 + r, y1 - r, 90),
        (x0 + r, y0 + r, 180),
    ):
        for i in range(steps + 1):
            a = math.radians(start + 90 * i / steps)
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def _bezier(p0: Point, p1: Point, p2: Point, n: int = 40) -> list[Point]:
    pts: list[Point] = []
    for i in range(n + 1):
        t = i / n
        u = 1 - t
        pts.append(
            (
                u * u * p0[0] + 2 * u * t * p1[0] + t * t * p2[0],
                u * u * p0[1] + 2 * u * t * p1[1] + t * t * p2[1],
            )
        )
    return pts


def _blob(
    rng: random.Random, cx: float, cy: float, r: float, wobble: float = 0.25, n: int = 72
) -> list[Point]:
    harmonics = [(k, rng.uniform(-wobble, wobble) / k**0.6, rng.uniform(0, math.tau)) for k in range(2, 6)]
    pts: list[Point] = []
    for i in range(n):
        a = math.tau * i / n
        rr = r * (1 + sum(amp * math.sin(k * a + ph) for k, amp, ph in harmonics))
        pts.append((cx + rr * math.cos(a), cy + rr * math.sin(a)))
    return pts


def _sparkle(c: _Canvas, cx: float, cy: float, r: float, fill: Color) -> None:
    k = r * 0.22
    c.poly(
        [
            (cx, cy - r),
            (cx + k, cy - k),
            (cx + r, cy),
            (cx + k, cy + k),
            (cx, cy + r),
            (cx - k, cy + k),
            (cx - r, cy),
            (cx - k, cy - k),
        ],
        fill,
    )


def _cloud(c: _Canvas, x: float, y: float, scale: float, fill: Color) -> None:
    """A flat cloud whose base sits on y, starting at x."""
    s = scale
    c.rect(x, y - 26 * s, x + 150 * s, y, fill, radius=13 * s)
    c.circle(x + 48 * s, y - 28 * s, 30 * s, fill)
    c.circle(x + 92 * s, y - 38 * s, 38 * s, fill)
    c.circle(x + 124 * s, y - 22 * s, 22 * s, fill)


def _tree(c: _Canvas, x: float, ground: float, h: float, crown: RGB, trunk: RGB) -> None:
    c.rect(x - h * 0.05, ground - h * 0.55, x + h * 0.05, ground, trunk)
    c.circle(x, ground - h * 0.62, h * 0.36, crown)
    c.circle(x - h * 0.1, ground - h * 0.72, h * 0.2, _mix(crown, WHITE, 0.12))


# --------------------------------------------------------------------------------------------------
# Spec validation


@dataclass(frozen=True)
class _ChartSpec:
    kind: str
    title: str
    labels: list[str]
    series: list[tuple[str, list[float]]]  # one unnamed series for bar and pie
    decimals: int
    palette: _Palette


@dataclass(frozen=True)
class _IllustrationSpec:
    motif: str
    palette: _Palette


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{what} is {value!r}, not a number")
    if not math.isfinite(value):
        raise SpecError(f"{what} is {value!r}, not a finite number")
    return float(value)


def _decimals(values: Sequence[object]) -> int:
    """How many decimal places the data is written with (floats keep theirs, ints have none)."""
    best = 0
    for value in values:
        if isinstance(value, float):
            exponent = Decimal(repr(value)).as_tuple().exponent
            if isinstance(exponent, int):
                best = max(best, -exponent)
    return min(best, 4)


def _numbers(raw: object, what: str) -> tuple[list[float], int]:
    """Validate a list of numbers; ``what`` names it in errors ("bar chart values", "line series 'x'")."""
    if not isinstance(raw, list):
        raise SpecError(f"{what} must be a list of numbers, not {_type_name(raw)}")
    return [_number(v, f"{what}: value {i + 1}") for i, v in enumerate(raw)], _decimals(raw)


def _parse_palette(spec: dict[str, Any]) -> _Palette:
    name = spec.get("palette", _DEFAULT_PALETTE)
    if name is None:
        name = _DEFAULT_PALETTE
    if not isinstance(name, str):
        raise SpecError(f"palette must be a name such as 'blue', not {_type_name(name)}")
    return PALETTES.get(name.strip().lower(), PALETTES[_DEFAULT_PALETTE])


def _parse(spec: object) -> _ChartSpec | _IllustrationSpec:
    if not isinstance(spec, dict):
        raise SpecError(f"spec must be a mapping, not {_type_name(spec)}")
    kind = spec.get("kind")
    if kind is None:
        raise SpecError("spec needs a kind (bar, line, pie or illustration)")
    if not isinstance(kind, str) or kind not in KINDS:
        raise SpecError(f"unknown kind {kind!r} (expected bar, line, pie or illustration)")
    palette = _parse_palette(spec)
    if kind == "illustration":
        motif = spec.get("motif", "")
        if motif is None:
            motif = ""
        if not isinstance(motif, str):
            raise SpecError(f"illustration motif must be a string, not {_type_name(motif)}")
        return _IllustrationSpec(motif.strip().lower(), palette)

    title = spec.get("title", "")
    if title is None:
        title = ""
    if not isinstance(title, str):
        raise SpecError(f"{kind} chart title must be a string, not {_type_name(title)}")

    raw_labels = spec.get("labels")
    if raw_labels is None or raw_labels == []:
        raise SpecError(f"{kind} chart needs labels")
    if not isinstance(raw_labels, list):
        raise SpecError(f"{kind} chart labels must be a list, not {_type_name(raw_labels)}")
    labels: list[str] = []
    for i, label in enumerate(raw_labels):
        if isinstance(label, bool) or not isinstance(label, str | int | float):
            raise SpecError(f"{kind} chart label {i + 1} must be text, not {_type_name(label)}")
        labels.append(str(label).strip())

    series: list[tuple[str, list[float]]] = []
    if kind == "line":
        raw_series = spec.get("series")
        if raw_series is None or raw_series == {}:
            raise SpecError("line chart needs series (a mapping of name to values)")
        if not isinstance(raw_series, dict):
            raise SpecError(
                f"line chart series must be a mapping of name to values, not {_type_name(raw_series)}"
            )
        if len(labels) < 2:
            raise SpecError("line chart needs at least 2 labels")
        decimals = 0
        for name, raw in raw_series.items():
            values, places = _numbers(raw, f"line series {str(name)!r}")
            if len(values) != len(labels):
                raise SpecError(
                    f"line series {str(name)!r} has {_plural(len(values), 'value')} "
                    f"but there are {len(labels)} labels"
                )
            series.append((str(name), values))
            decimals = max(decimals, places)
    else:
        raw_values = spec.get("values")
        if raw_values is None or raw_values == []:
            raise SpecError(f"{kind} chart needs values")
        values, decimals = _numbers(raw_values, f"{kind} chart values")
        if len(values) != len(labels):
            raise SpecError(
                f"{kind} chart has {_plural(len(labels), 'label')} but {_plural(len(values), 'value')}"
            )
        if kind == "pie":
            for label, value in zip(labels, values, strict=True):
                if value < 0:
                    raise SpecError(f"pie value for {label!r} is negative ({_fmt(value, decimals)})")
            if sum(values) <= 0:
                raise SpecError("pie values add up to zero")
        series.append(("", values))
    return _ChartSpec(kind, title.strip(), labels, series, decimals, palette)


# --------------------------------------------------------------------------------------------------
# Numbers


def _fmt(value: float, decimals: int) -> str:
    if abs(value) < 0.5 * 10**-decimals:
        value = 0.0
    return f"{value:,.{decimals}f}"


def _nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[list[float], int]:
    """Round tick values covering [lo, hi] with a 1/2/2.5/5 x 10^k step, and the decimals they need.

    The step is the one whose number of intervals comes closest to ``target``.
    """
    if hi - lo < 1e-12:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    k0 = math.floor(math.log10((hi - lo) / target))
    candidates: list[
        tuple[float, int, float, int, int, int]
    ] = []  # score, order, step, decimals, first, last
    for k in (k0 + 1, k0, k0 - 1):
        for m in (5.0, 2.5, 2.0, 1.0):
            step = m * 10.0**k
            first = math.floor(lo / step + 1e-9)
            last = math.ceil(hi / step - 1e-9)
            intervals = last - first
            score = abs(intervals - target) + (2 if intervals < 3 else 0) + (0.3 if m == 2.5 else 0)
            decimals = max(0, -k + (1 if m == 2.5 else 0))
            candidates.append((score, len(candidates), step, decimals, first, last))
    _score, _order, step, decimals, first, last = min(candidates)
    return [round(i * step, decimals + 3) for i in range(first, last + 1)], decimals


_ESTIMATE = re.compile(
    r"\d[EF]\b|(?i:\b(plan|planned|forecast|projected|projection|estimated?|est\.|target|outlook)\b)"
)


def _is_estimate(label: str) -> bool:
    return bool(_ESTIMATE.search(label))


# --------------------------------------------------------------------------------------------------
# Chart furniture

_MARGIN = 56


def _wrap(text: str, size: float, max_width: float, bold: bool = False) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and _Canvas.measure(trial, size, bold) > max_width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]


def _fit(
    text: str, size: float, max_width: float, max_lines: int, min_size: float, bold: bool = False
) -> tuple[list[str], float]:
    """Wrap ``text`` into at most ``max_lines`` lines of ``max_width``, shrinking the font if needed."""
    while True:
        lines = _wrap(text, size, max_width, bold)
        fits = len(lines) <= max_lines and all(
            _Canvas.measure(line, size, bold) <= max_width for line in lines
        )
        if fits or size <= min_size:
            break
        size -= 1
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], " ".join(lines[max_lines - 1 :])]
    last = lines[-1]
    while _Canvas.measure(last, size, bold) > max_width and len(last) > 4:
        last = last[:-4].rstrip() + "..."
    lines[-1] = last
    return lines, size


def _fits(text: str, size: float, max_width: float, max_lines: int) -> bool:
    lines = _wrap(text, size, max_width)
    return len(lines) <= max_lines and all(_Canvas.measure(line, size) <= max_width for line in lines)


def _split_title(title: str) -> tuple[str, str]:
    """'Orders, Apr-Jun 2026 (JPY 100M)' -> ('Orders, Apr-Jun 2026', 'JPY 100M')."""
    match = re.fullmatch(r"(.*\S)\s*\(([^()]+)\)", title)
    if not match:
        return title, ""
    return match.group(1), match.group(2).strip()


def _chart_header(c: _Canvas, title: str, pal: _Palette) -> float:
    """Draw the accent rule, title and unit line; return the y where the chart body may start."""
    c.rect(_MARGIN, 30, _MARGIN + 52, 36, pal.primary)
    main, unit = _split_title(title)
    y = 50.0
    if main:
        lines, size = _fit(main, 34, WIDTH - 2 * _MARGIN, 2, 26, bold=True)
        for line in lines:
            c.text(_MARGIN, y, line, size, INK, anchor="la", bold=True)
            y += size * 1.24
    if unit:
        y += 4
        if unit == "%":
            unit = "Percent"
        lines, size = _fit(unit, 21, WIDTH - 2 * _MARGIN, 1, 16)
        c.text(_MARGIN, y, lines[0], size, MUTED, anchor="la")
        y += size * 1.3
    return y


def _chart_footer(c: _Canvas, pal: _Palette, note: str = "") -> None:
    y = HEIGHT - 24
    w = c.measure("Kiji", 18, bold=True)
    x = WIDTH - _MARGIN
    c.text(x, y, "Kiji", 18, INK, anchor="rs", bold=True)
    c.rect(x - w - 18, y - 12, x - w - 7, y - 1, pal.primary, radius=2)
    if note:
        c.text(_MARGIN, y, note, 15, MUTED, anchor="ls")


def _y_axis(
    c: _Canvas, ticks: list[float], decimals: int, left: float, right: float, ymap: Callable[[float], float]
) -> None:
    for tick in ticks:
        y = ymap(tick)
        c.line([(left, y), (right, y)], GRID, 1.2)
        c.text(left - 12, y, _fmt(tick, decimals), 17, MUTED, anchor="rm")


def _tick_label_width(ticks: list[float], decimals: int) -> float:
    return max(c for c in (_Canvas.measure(_fmt(t, decimals), 17) for t in ticks))


# --------------------------------------------------------------------------------------------------
# Bar chart


def _draw_bar(c: _Canvas, spec: _ChartSpec) -> None:
    pal = spec.palette
    values = spec.series[0][1]
    n = len(values)
    top = _chart_header(c, spec.title, pal) + 40
    lo, hi = min(0.0, *values), max(0.0, *values)
    if hi == lo:  # all zero
        hi = 1.0
    ticks, tick_decimals = _nice_ticks(lo, hi)
    left = _MARGIN + _tick_label_width(ticks, tick_decimals) + 14
    right = WIDTH - _MARGIN
    slot = (right - left) / n

    label_size = 19.0
    while label_size > 13 and not all(_fits(label, label_size, slot - 10, 2) for label in spec.labels):
        label_size -= 1
    every = 1  # with many bars, label only every n-th one
    while every < n and not all(_fits(label, label_size, slot * every - 10, 2) for label in spec.labels):
        every += 1
    label_lines = [_fit(label, label_size, slot * every - 10, 2, label_size)[0] for label in spec.labels]
    line_height = label_size * 1.22
    max_lines = max(len(lines) for lines in label_lines)
    negative = lo < 0
    bottom = HEIGHT - 52 - max_lines * line_height - 14 - (26 if negative else 0)

    span = ticks[-1] - ticks[0]

    def ymap(v: float) -> float:
        return bottom - (v - ticks[0]) / span * (bottom - top)

    _y_axis(c, ticks, tick_decimals, left, right, ymap)

    bar_w = min(slot * 0.62, 150)
    value_size = 19.0
    texts = [_fmt(v, spec.decimals) for v in values]
    while value_size > 12 and max(c.measure(t, value_size, True) for t in texts) > slot - 4:
        value_size -= 1
    value_every = max(1, math.ceil((max(c.measure(t, value_size, True) for t in texts) + 4) / slot))
    if value_every > 1:  # crowded: label the same bars as the categories
        value_every = max(value_every, every)
    estimates = [_is_estimate(label) for label in spec.labels]
    zero = ymap(0)
    for i, value in enumerate(values):
        cx = left + slot * (i + 0.5)
        y_value = ymap(value)
        fill = pal.light(0.5) if estimates[i] else pal.primary
        radius = min(5.0, bar_w / 8)
        if value >= 0:
            c.rect(
                cx - bar_w / 2,
                y_value,
                cx + bar_w / 2,
                zero,
                fill,
                radius,
                corners=(True, True, False, False),
            )
            if i % value_every == 0:
                c.text(cx, y_value - 9, texts[i], value_size, INK, anchor="ms", bold=True)
        else:
            c.rect(
                cx - bar_w / 2,
                zero,
                cx + bar_w / 2,
                y_value,
                fill,
                radius,
                corners=(False, False, True, True),
            )
            if i % value_every == 0:
                c.text(cx, y_value + 9, texts[i], value_size, INK, anchor="ma", bold=True)
    c.line([(left, zero), (right, zero)], AXIS, 2)

    y_labels = bottom + 14 + (26 if negative else 0)
    for i, lines in enumerate(label_lines):
        if i % every:
            continue
        cx = left + slot * (i + 0.5)
        for j, line in enumerate(lines):
            c.text(cx, y_labels + j * line_height, line, label_size, TEXT, anchor="ma")
    _chart_footer(c, pal, "Lighter bars: plans or estimates" if any(estimates) else "")


# --------------------------------------------------------------------------------------------------
# Line chart

_LINE_ORDER = (0, 2, 3, 1, 4, 5)


def _series_color(pal: _Palette, index: int) -> RGB:
    base = pal.colors[_LINE_ORDER[index % len(_LINE_ORDER)] % len(pal.colors)]
    return _mix(base, WHITE, 0.35 * (index // len(_LINE_ORDER)))


def _spread(positions: list[float], gap: float, lo: float, hi: float) -> list[float]:
    """Nudge label y positions apart (keeping order) so none are closer than ``gap``."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    placed = [positions[i] for i in order]
    for i in range(1, len(placed)):
        placed[i] = max(placed[i], placed[i - 1] + gap)
    overflow = placed[-1] - hi if placed else 0
    if overflow > 0:
        placed = [p - overflow for p in placed]
        for i in range(len(placed) - 2, -1, -1):
            placed[i] = min(placed[i], placed[i + 1] - gap)
    placed = [max(p, lo) for p in placed]
    result = [0.0] * len(positions)
    for rank, i in enumerate(order):
        result[i] = placed[rank]
    return result


def _draw_line(c: _Canvas, spec: _ChartSpec) -> None:
    pal = spec.palette
    n = len(spec.labels)
    multi = len(spec.series) > 1
    top = _chart_header(c, spec.title, pal)

    if multi:  # legend
        x, y = float(_MARGIN), top + 20
        for i, (name, _values) in enumerate(spec.series):
            color = _series_color(pal, i)
            w = c.measure(name, 19) + 54
            if x + w > WIDTH - _MARGIN and x > _MARGIN:
                x, y = float(_MARGIN), y + 30
            c.line([(x, y), (x + 30, y)], color, 4.5, round_caps=True)
            c.circle(x + 15, y, 6.5, color)
            c.text(x + 40, y, name, 19, TEXT, anchor="lm")
            x += w + 18
        top = y + 8
    top += 40

    values = [v for _name, vs in spec.series for v in vs]
    vmin, vmax = min(values), max(values)
    lo = 0.0 if 0 <= vmin <= 0.5 * vmax else vmin - (vmax - vmin) * 0.08
    hi = vmax + (vmax - lo) * 0.06
    ticks, tick_decimals = _nice_ticks(lo, hi)
    left = _MARGIN + _tick_label_width(ticks, tick_decimals) + 14
    right: float = WIDTH - _MARGIN
    end_texts = [_fmt(vs[-1], spec.decimals) for _name, vs in spec.series]
    if multi:
        right -= max(c.measure(t, 18, True) for t in end_texts) + 16
    bottom = HEIGHT - 52 - 19 * 1.22 - 14
    span = ticks[-1] - ticks[0]

    def ymap(v: float) -> float:
        return bottom - (v - ticks[0]) / span * (bottom - top)

    inset = min(44.0, (right - left) / (n - 1) / 2)
    step = (right - left - 2 * inset) / (n - 1)
    xs = [left + inset + i * step for i in range(n)]
    estimates = [_is_estimate(label) for label in spec.labels]

    if not multi:  # soft area under a single line
        pts = [(x, ymap(v)) for x, v in zip(xs, spec.series[0][1], strict=True)]
        base = ymap(max(ticks[0], 0.0)) if ticks[0] <= 0 <= ticks[-1] else bottom
        c.gradient_area([*pts, (xs[-1], base), (xs[0], base)], pal.primary, 46, min(y for _x, y in pts), base)

    _y_axis(c, ticks, tick_decimals, left, right, ymap)
    if ticks[0] <= 0 <= ticks[-1]:
        c.line([(left, ymap(0)), (right, ymap(0))], AXIS, 2)
    else:
        c.line([(left, bottom), (right, bottom)], AXIS, 2)

    marker = 6.5 if n <= 24 else 4.0 if n <= 48 else 0.0
    for index, (_name, vs) in enumerate(spec.series):
        color = _series_color(pal, index)
        pts = [(x, ymap(v)) for x, v in zip(xs, vs, strict=True)]
        for i in range(n - 1):
            segment = [pts[i], pts[i + 1]]
            if estimates[i + 1]:
                c.dashed(segment, color, 4, 11, 7)
            else:
                c.line(segment, color, 4.5)
        if marker:
            for i, (x, y) in enumerate(pts):
                c.circle(x, y, marker + 2.5, WHITE)
                c.circle(x, y, marker, WHITE if estimates[i] else color, color, 2.5)

    if not multi and n <= 12:
        vs = spec.series[0][1]
        for i, (x, v) in enumerate(zip(xs, vs, strict=True)):
            y = ymap(v)
            neighbours = [vs[j] for j in (i - 1, i + 1) if 0 <= j < n]
            below = bool(neighbours) and v < sum(neighbours) / len(neighbours) and y + 40 < bottom
            text = _fmt(v, spec.decimals)
            if below:
                c.text(x, y + 16, text, 18, INK, anchor="ma", bold=True)
            else:
                c.text(x, y - 16, text, 18, INK, anchor="ms", bold=True)
    elif multi:
        ends = [ymap(vs[-1]) for _name, vs in spec.series]
        for index, y in enumerate(_spread(ends, 24, top, bottom)):
            color = _series_color(pal, index)
            c.text(xs[-1] + 14, y, end_texts[index], 18, _mix(color, INK, 0.25), anchor="lm", bold=True)

    # x labels, thinned out when they would collide
    size = 19.0
    widths = [c.measure(label, size) for label in spec.labels]
    while size > 14 and max(widths) > step - 8:
        size -= 1
        widths = [c.measure(label, size) for label in spec.labels]
    every = max(1, math.ceil((max(widths) + 14) / step))
    shown = [i for i in range(n) if i % every == 0]
    if shown[-1] != n - 1:
        if (n - 1 - shown[-1]) < every:
            shown.pop()
        shown.append(n - 1)
    for i in shown:
        x = min(max(xs[i], left + widths[i] / 2), WIDTH - _MARGIN - widths[i] / 2)
        c.line([(xs[i], bottom), (xs[i], bottom + 6)], AXIS, 1.5)
        c.text(x, bottom + 14, spec.labels[i], size, TEXT, anchor="ma")
    _chart_footer(c, pal, "Dashed: plans or estimates" if any(estimates) else "")


# --------------------------------------------------------------------------------------------------
# Pie chart


def _slice_colors(pal: _Palette, n: int) -> list[RGB]:
    base = list(pal.colors)
    return [_mix(base[i % len(base)], WHITE, 0.4 * (i // len(base))) for i in range(n)]


def _draw_pie(c: _Canvas, spec: _ChartSpec) -> None:
    pal = spec.palette
    values = spec.series[0][1]
    total = sum(values)
    shares = [v / total * 100 for v in values]
    share_decimals = 0 if all(abs(s - round(s)) < 0.05 for s in shares) else 1
    is_percent = abs(total - 100) < 0.6
    top = _chart_header(c, spec.title, pal) + 22
    bottom = HEIGHT - 50
    cy = (top + bottom) / 2
    r_out = min(205.0, (bottom - top) / 2)
    r_in = r_out * 0.56
    cx = _MARGIN + 40 + r_out
    colors = _slice_colors(pal, len(values))

    angle = -90.0
    bounds: list[float] = []
    for value, color in zip(values, colors, strict=True):
        sweep = value / total * 360
        if sweep > 0:
            c.pieslice(cx, cy, r_out, angle, angle + sweep, color)
            bounds.append(angle)
        angle += sweep
    if len(bounds) > 1:
        for a in bounds:
            rad = math.radians(a)
            c.line([(cx, cy), (cx + (r_out + 2) * math.cos(rad), cy + (r_out + 2) * math.sin(rad))], WHITE, 3)
    c.circle(cx, cy, r_in, WHITE)

    angle = -90.0
    for share, color in zip(shares, colors, strict=True):
        sweep = share * 3.6
        if share >= 6:
            mid = math.radians(angle + sweep / 2)
            rr = (r_in + r_out) / 2
            ink = WHITE if _luminance(color) < 0.62 else INK
            c.text(
                cx + rr * math.cos(mid),
                cy + rr * math.sin(mid),
                f"{share:.{share_decimals}f}%",
                18,
                ink,
                "mm",
                True,
            )
        angle += sweep

    biggest = max(range(len(values)), key=lambda i: values[i])
    c.text(
        cx, cy - 6, f"{shares[biggest]:.{share_decimals}f}%", 44, _mix(colors[biggest], INK, 0.35), "ms", True
    )
    lines, size = _fit(spec.labels[biggest], 17, r_in * 1.5, 2, 13)
    for j, line in enumerate(lines):
        c.text(cx, cy + 10 + j * size * 1.2, line, size, MUTED, anchor="ma")

    # legend table
    lx = cx + r_out + 90
    rx = WIDTH - _MARGIN
    n = len(values)
    row = min(54.0, (bottom - top) / n)
    y0 = cy - row * n / 2
    value_texts = [f"{s:.{share_decimals}f}%" for s in shares]
    raw_texts = [] if is_percent else [_fmt(v, spec.decimals) for v in values]
    value_w = max(c.measure(t, 21, True) for t in value_texts)
    raw_w = max((c.measure(t, 18) for t in raw_texts), default=0)
    label_w = rx - (lx + 34) - value_w - (raw_w + 24 if raw_texts else 0) - 20
    label_size = min(_fit(label, 21, label_w, 1, 14)[1] for label in spec.labels)
    for i in range(n):
        y = y0 + row * (i + 0.5)
        if i:
            c.line([(lx, y - row / 2), (rx, y - row / 2)], GRID, 1.2)
        c.rect(lx, y - 10, lx + 20, y + 10, colors[i], radius=4)
        label = _fit(spec.labels[i], label_size, label_w, 1, label_size)[0][0]
        c.text(lx + 34, y, label, label_size, TEXT, anchor="lm")
        c.text(rx, y, value_texts[i], 21, INK, anchor="rm", bold=True)
        if raw_texts:
            c.text(rx - value_w - 24, y, raw_texts[i], 18, MUTED, anchor="rm")
    _chart_footer(c, pal)


# --------------------------------------------------------------------------------------------------
# Illustrations


def _scene(c: _Canvas, pal: _Palette, dark: bool = False) -> tuple[RGB, RGB]:
    """Paint the soft gradient background; return its top and bottom colours."""
    if dark:
        top, bottom = _mix(pal.dark, BLACK, 0.35), _mix(pal.dark, pal.primary, 0.3)
    else:
        top, bottom = _mix(pal.tint, pal.primary, 0.16), _mix(pal.tint, WHITE, 0.5)
    c.vgradient(0, 0, WIDTH, HEIGHT, top, bottom)
    return top, bottom


def _confetti(
    c: _Canvas,
    rng: random.Random,
    colors: Sequence[Color],
    avoid: tuple[float, float, float, float],
    count: int = 9,
) -> None:
    """Small rings, dots and plus signs scattered around (not over) the subject."""
    placed = 0
    tries = 0
    spots: list[Point] = []
    while placed < count and tries < 400:
        tries += 1
        x, y = rng.uniform(40, WIDTH - 40), rng.uniform(36, HEIGHT - 60)
        if avoid[0] - 30 < x < avoid[2] + 30 and avoid[1] - 30 < y < avoid[3] + 30:
            continue
        if any(math.dist((x, y), other) < 70 for other in spots):
            continue
        spots.append((x, y))
        color = colors[placed % len(colors)]
        shape = placed % 3
        s = rng.uniform(6, 11)
        if shape == 0:
            c.circle(x, y, s, None, color, 3)
        elif shape == 1:
            c.circle(x, y, s * 0.55, color)
        else:
            c.line([(x - s, y), (x + s, y)], color, 3.5, round_caps=True)
            c.line([(x, y - s), (x, y + s)], color, 3.5, round_caps=True)
        placed += 1


def _motif_factory(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    _scene(c, pal)
    ground = 548.0
    c.circle(600, 330, 300, _mix(pal.tint, pal.primary, 0.1))
    for x, y, s in ((110 + rng.uniform(0, 60), 150, 0.9), (880 + rng.uniform(0, 80), 110, 0.7)):
        _cloud(c, x, y, s, _a(WHITE, 210))

    teeth = rng.choice((4, 4, 5))
    hall_x0, hall_x1, hall_top = 300.0, 860.0, 350.0
    chimneys = rng.choice((2, 3))
    chimney_color = pal.deep(0.35)
    for k in range(chimneys):
        x = 340 + k * 74
        top = 140 + rng.uniform(0, 50) + k * 14
        for j in range(4):  # smoke
            r = 15 + j * 7
            c.circle(x + 22 + j * 30 + rng.uniform(-4, 4), top - 24 - j * 30, r, _a(WHITE, 215 - j * 40))
        c.rect(x, top, x + 42, hall_top, chimney_color)
        c.rect(x - 4, top - 8, x + 46, top + 4, pal.deep(0.5), radius=3)
        c.rect(x, top + 20, x + 42, top + 34, pal.accent)
        c.rect(x, top + 46, x + 42, top + 56, _a(WHITE, 200))

    # storage tank
    tx0, tx1 = 186.0, 276.0
    c.rect(tx0, 392, tx1, ground, pal.secondary)
    c.ellipse((tx0 + tx1) / 2, 392, (tx1 - tx0) / 2, 16, _mix(pal.secondary, WHITE, 0.3))
    for y in (430, 470, 510):
        c.line([(tx0, y), (tx1, y)], _mix(pal.secondary, pal.dark, 0.25), 3)
    c.rect(tx1, 452, hall_x0, 464, pal.deep(0.2))

    # sawtooth roof and hall
    tooth_w = (hall_x1 - hall_x0) / teeth
    for i in range(teeth):
        xa = hall_x0 + i * tooth_w
        c.poly([(xa, hall_top), (xa, hall_top - 74), (xa + tooth_w, hall_top)], pal.deep(0.25))
        c.poly(
            [(xa, hall_top - 74), (xa + 22, hall_top - 62), (xa + 22, hall_top), (xa, hall_top)],
            _mix(pal.tint, WHITE, 0.3),
        )
        c.line([(xa + 11, hall_top - 67), (xa + 11, hall_top)], _a(pal.primary, 90), 2)
    c.rect(hall_x0, hall_top, hall_x1, ground, pal.primary)
    c.rect(hall_x0 - 6, hall_top, hall_x1 + 6, hall_top + 14, pal.deep(0.3))
    x = hall_x0 + 34
    while x + 52 < hall_x1 - 160:
        c.rect(x, 386, x + 52, 428, pal.light(0.72), radius=4)
        c.line([(x + 26, 386), (x + 26, 428)], pal.light(0.45), 2)
        x += 74
    # sign board
    c.rect(hall_x0 + 40, 452, hall_x0 + 250, 488, _a(WHITE, 235), radius=6)
    c.circle(hall_x0 + 62, 470, 10, pal.accent)
    c.rect(hall_x0 + 82, 464, hall_x0 + 228, 476, pal.light(0.55), radius=6)
    # roller door and side door
    c.rect(hall_x1 - 140, 440, hall_x1 - 40, ground, pal.deep(0.2))
    for y in range(446, int(ground), 12):
        c.line([(hall_x1 - 140, y), (hall_x1 - 40, y)], _a(WHITE, 45), 2)
    c.rect(hall_x0 + 272, 484, hall_x0 + 306, ground, pal.deep(0.45), radius=3)

    # office block
    ox0, ox1, otop = hall_x1 + 6, hall_x1 + 156, 292.0
    office = _mix(pal.secondary, pal.primary, 0.25)
    c.rect(ox0, otop, ox1, ground, office)
    c.rect(ox0 - 6, otop - 10, ox1 + 6, otop + 4, pal.deep(0.25), radius=3)
    for row in range(5):
        for col in range(3):
            wx = ox0 + 20 + col * 42
            wy = otop + 26 + row * 46
            lit = rng.random() < 0.3
            c.rect(
                wx, wy, wx + 28, wy + 30, _mix(pal.accent, WHITE, 0.35) if lit else pal.light(0.75), radius=3
            )

    # ground, shadows, trees
    c.rect(0, ground, WIDTH, HEIGHT, _mix(pal.tint, pal.primary, 0.3))
    c.rect(0, ground, WIDTH, ground + 8, _a(pal.dark, 40))
    c.rect(0, ground + 58, WIDTH, ground + 76, _a(WHITE, 120))
    crown, trunk = _mix(LEAF, pal.primary, 0.25), _mix(pal.dark, LEAF, 0.2)
    for x, h in ((100, 130), (150, 96), (1080, 120), (1132, 90)):
        _tree(c, x + rng.uniform(-8, 8), ground, h, crown, trunk)


def _motif_chip(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    _scene(c, pal, dark=True)
    for x in range(30, WIDTH, 36):
        for y in range(30, HEIGHT, 36):
            c.circle(x, y, 1.6, _a(WHITE, 26))
    cx, cy, half = 600.0, 338.0, 150.0
    for ring, alpha in ((330, 20), (265, 26), (205, 34)):
        c.circle(cx, cy, ring, _a(pal.primary, alpha))

    pins = 8
    pitch = 2 * half / (pins + 1)
    trace = _mix(pal.dark, pal.light(0.35), 0.62)
    hot = _mix(pal.accent, WHITE, 0.2)
    sides = (
        ((-1.0, 0.0), (0.0, 1.0)),
        ((1.0, 0.0), (0.0, 1.0)),
        ((0.0, -1.0), (1.0, 0.0)),
        ((0.0, 1.0), (1.0, 0.0)),
    )
    pin_ends: list[tuple[Point, Point, Point]] = []
    for (nx, ny), (tx, ty) in sides:
        for k in range(pins):
            v = -half + pitch * (k + 1)

            def at(
                u: float, w: float, nx: float = nx, ny: float = ny, tx: float = tx, ty: float = ty
            ) -> Point:
                return (cx + nx * (half + u) + tx * w, cy + ny * (half + u) + ty * w)

            pin_ends.append((at(0, v), at(24, v), (nx, ny)))
            reach = 430 if nx else 150
            l1 = rng.uniform(20, 70)
            d = abs(v) * rng.uniform(0.4, 1.1) * (1 if nx else 1.6)
            sign = 0 if abs(v) < 1 else (1 if v > 0 else -1)
            l3 = max(10.0, rng.uniform(0.4, 1.0) * (reach - l1 - d))
            path = [
                at(24, v),
                at(24 + l1, v),
                at(24 + l1 + d, v + sign * d),
                at(24 + l1 + d + l3, v + sign * d),
            ]
            color = hot if rng.random() < 0.18 else trace
            c.line(path, color, 3)
            ex, ey = path[-1]
            c.circle(ex, ey, 7, _mix(pal.dark, BLACK, 0.3), color, 3)

    c.shadow(cx - half, cy - half + 14, cx + half, cy + half + 14, 20, BLACK, 150, 18)
    metal, metal_dark = _hex("d5dae2"), _hex("9aa3b1")
    for (px, py), (ox, oy), (nx, _ny) in pin_ends:
        w = 6.0
        if nx:
            c.rect(px, py - w, ox, oy + w, metal, radius=2)
            c.rect(px, py + 1, ox, oy + w, metal_dark, radius=2)
        else:
            c.rect(px - w, py, ox + w, oy, metal, radius=2)
            c.rect(px + 1, py, ox + w, oy, metal_dark, radius=2)
    body = _mix(pal.dark, BLACK, 0.55)
    c.rect(cx - half, cy - half, cx + half, cy + half, body, radius=18)
    c.rect(
        cx - half, cy - half, cx + half, cy + half, None, radius=18, outline=_a(pal.light(0.3), 120), width=2
    )
    c.circle(cx - half + 26, cy - half + 26, 7, _a(WHITE, 120))

    die = 96.0
    c.rect(cx - die, cy - die, cx + die, cy + die, pal.deep(0.25), radius=8)
    cells, gap = 4, 9.0
    cell = (2 * die - gap * (cells + 1)) / cells
    hot_cell = rng.randrange(cells * cells)
    for i in range(cells):
        for j in range(cells):
            x0 = cx - die + gap + i * (cell + gap)
            y0 = cy - die + gap + j * (cell + gap)
            shade = pal.light(rng.uniform(0.0, 0.35)) if i * cells + j != hot_cell else pal.accent
            c.rect(x0, y0, x0 + cell, y0 + cell, shade, radius=4)
            c.line([(x0 + 8, y0 + cell / 2), (x0 + cell - 8, y0 + cell / 2)], _a(WHITE, 60), 2)
    c.poly(
        [
            (cx - die, cy + die * 0.2),
            (cx - die * 0.2, cy - die),
            (cx + die * 0.25, cy - die),
            (cx - die, cy + die * 0.65),
        ],
        _a(WHITE, 28),
    )


def _motif_city(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    c.vgradient(0, 0, WIDTH, HEIGHT, _mix(pal.tint, pal.primary, 0.3), _mix(pal.tint, WHITE, 0.4))
    for ring, alpha in ((120, 40), (92, 70)):
        c.circle(900, 190, ring, _a(SUN, alpha))
    c.circle(900, 190, 64, SUN)
    _cloud(c, 140 + rng.uniform(0, 80), 150, 0.9, _a(WHITE, 200))
    _cloud(c, 620 + rng.uniform(0, 80), 100, 0.6, _a(WHITE, 170))
    ground = 560.0

    def layer(color: RGB, h_range: tuple[int, int], w_range: tuple[int, int], windows: RGBA | None) -> None:
        x = -30.0
        while x < WIDTH:
            w = rng.randint(*w_range)
            h = rng.randint(*h_range)
            top = ground - h
            style = rng.randrange(4)
            c.rect(x, top, x + w, ground, color)
            if style == 1:  # stepped top
                c.rect(x + w * 0.2, top - 26, x + w * 0.8, top + 1, color)
            elif style == 2:  # antenna
                c.rect(x + w / 2 - 2, top - 40, x + w / 2 + 2, top, color)
            if windows is not None:
                for wy in range(int(top + 16), int(ground - 24), 22):
                    for wx in range(int(x + 10), int(x + w - 16), 18):
                        if rng.random() < 0.55:
                            c.rect(wx, wy, wx + 8, wy + 11, windows)
            x += w + rng.randint(-6, 10)

    layer(pal.light(0.68), (230, 380), (70, 130), None)
    layer(pal.light(0.38), (150, 300), (60, 110), _a(WHITE, 70))
    # landmark tower
    tx = 600 + rng.uniform(-40, 40)
    c.rect(tx - 46, ground - 380, tx + 46, ground, pal.deep(0.15))
    c.poly([(tx - 46, ground - 380), (tx, ground - 430), (tx + 46, ground - 380)], pal.deep(0.15))
    c.rect(tx - 2.5, ground - 480, tx + 2.5, ground - 420, pal.deep(0.15))
    c.circle(tx, ground - 482, 5, pal.accent)
    for wy in range(int(ground - 360), int(ground - 20), 26):
        c.rect(tx - 34, wy, tx + 34, wy + 12, _a(WHITE, 60 if rng.random() < 0.7 else 150), radius=2)
    layer(pal.deep(0.35), (70, 190), (70, 120), _a(_mix(pal.accent, WHITE, 0.45), 210))

    c.rect(0, ground, WIDTH, HEIGHT, pal.deep(0.55))
    c.rect(0, ground, WIDTH, ground + 18, _mix(pal.tint, pal.primary, 0.3))
    for x in range(20, WIDTH, 110):
        c.rect(x, 618, x + 60, 624, _a(WHITE, 170), radius=3)
    crown, trunk = _mix(LEAF, pal.primary, 0.3), pal.dark
    for x in range(60, WIDTH, 190):
        _tree(c, x + rng.uniform(-20, 20), ground + 6, 56, crown, trunk)


def _motif_network(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    top, bottom = _scene(c, pal)
    bg = _mix(top, bottom, 0.5)
    hub = (600.0, 330.0)
    for ring, alpha in ((270, 26), (190, 38), (115, 50)):
        c.circle(hub[0], hub[1], ring, None, _a(pal.primary, alpha), 2)
    nodes: list[Point] = []
    cols, rows = 7, 4
    for i in range(cols):
        for j in range(rows):
            x = 110 + i * (980 / (cols - 1)) + rng.uniform(-40, 40)
            y = 95 + j * (470 / (rows - 1)) + rng.uniform(-30, 30)
            if math.dist((x, y), hub) > 120 and rng.random() > 0.15:
                nodes.append((x, y))
    # a minimum spanning tree keeps the graph connected; a few short extra links make it a mesh
    edges: set[tuple[int, int]] = set()
    linked = {0}
    while len(linked) < len(nodes):
        _d, i, j = min(
            (math.dist(nodes[i], nodes[j]), i, j)
            for i in linked
            for j in range(len(nodes))
            if j not in linked
        )
        edges.add((min(i, j), max(i, j)))
        linked.add(j)
    for i, p in enumerate(nodes):
        j = sorted(range(len(nodes)), key=lambda k: math.dist(p, nodes[k]))[2]
        if rng.random() < 0.5:
            edges.add((min(i, j), max(i, j)))
    spokes = sorted(range(len(nodes)), key=lambda j: math.dist(hub, nodes[j]))[:6]
    edge_color = _mix(bg, pal.light(0.35), 0.85)
    for i, j in sorted(edges):
        c.line([nodes[i], nodes[j]], edge_color, 2.5)
    for j in spokes:
        c.line([hub, nodes[j]], pal.primary, 4)
        t = rng.uniform(0.35, 0.7)
        px, py = hub[0] + (nodes[j][0] - hub[0]) * t, hub[1] + (nodes[j][1] - hub[1]) * t
        c.circle(px, py, 6, pal.accent)
    candidates = [i for i in range(len(nodes)) if i not in spokes]
    hubs = set(rng.sample(candidates, min(3, len(candidates))))
    for i, (x, y) in enumerate(nodes):
        if i in hubs:
            c.circle(x, y, 30, _a(pal.secondary, 55))
            c.circle(x, y, 21, pal.secondary)
            c.circle(x, y, 7, WHITE)
        elif i in spokes:
            c.circle(x, y, 15, WHITE, pal.primary, 5)
        else:
            r = rng.uniform(8, 12)
            c.circle(x, y, r, WHITE if rng.random() < 0.6 else pal.light(0.5), pal.light(0.15), 3.5)
    c.circle(hub[0], hub[1], 76, _a(pal.primary, 40))
    c.circle(hub[0], hub[1], 58, pal.primary)
    c.circle(hub[0], hub[1], 46, None, _a(WHITE, 90), 3)
    # share-style icon in the hub
    a, b, d = (hub[0] - 18, hub[1]), (hub[0] + 16, hub[1] - 18), (hub[0] + 16, hub[1] + 18)
    c.line([b, a, d], WHITE, 4)
    for x, y in (a, b, d):
        c.circle(x, y, 8, WHITE)


def _coin(c: _Canvas, x: float, y: float, rx: float, ry: float, thick: float) -> None:
    """One coin lying flat; (x, y) is the centre of its bottom face."""
    c.ellipse(x, y, rx, ry, GOLD_SIDE)
    c.rect(x - rx, y - thick, x + rx, y, GOLD_SIDE)
    c.arc(x, y, rx, ry, 0, 180, GOLD_DARK, 2)
    c.ellipse(x, y - thick, rx, ry, GOLD)
    c.ellipse(x, y - thick, rx * 0.72, ry * 0.66, None, GOLD_SIDE, 2.5)


def _yen(c: _Canvas, cx: float, cy: float, s: float, color: Color) -> None:
    c.line([(cx - 40 * s, cy - 62 * s), (cx, cy - 6 * s), (cx + 40 * s, cy - 62 * s)], color, 15 * s)
    c.line([(cx, cy - 6 * s), (cx, cy + 66 * s)], color, 15 * s)
    c.line([(cx - 38 * s, cy + 8 * s), (cx + 38 * s, cy + 8 * s)], color, 11 * s)
    c.line([(cx - 38 * s, cy + 34 * s), (cx + 38 * s, cy + 34 * s)], color, 11 * s)


def _motif_coins(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    _scene(c, pal)
    c.circle(600, 320, 290, _mix(pal.tint, pal.primary, 0.12))
    # rising trend arrow behind the stacks
    pts = [(170.0, 430.0), (330.0, 330.0), (450.0, 372.0), (640.0, 200.0), (760.0, 142.0)]
    c.line(pts, _a(pal.primary, 210), 16)
    for x, y in pts[:-1]:
        c.circle(x, y, 8, _a(pal.primary, 210))
    tip = pts[-1]
    ang = math.atan2(tip[1] - pts[-2][1], tip[0] - pts[-2][0])
    head = [(tip[0] + 34 * math.cos(ang), tip[1] + 34 * math.sin(ang))]
    for da in (2.4, -2.4):
        head.append((tip[0] + 30 * math.cos(ang + da), tip[1] + 30 * math.sin(ang + da)))
    c.poly(head, pal.primary)

    base = 540.0
    c.ellipse(560, base + 6, 380, 30, _a(pal.dark, 40))
    stacks = (4 + rng.randrange(2), 7 + rng.randrange(2), 10 + rng.randrange(3))
    for sx, count in zip((300.0, 450.0, 600.0), stacks, strict=True):
        for k in range(count):
            _coin(c, sx + rng.uniform(-3, 3), base - k * 17, 64, 22, 17)
    # a big coin standing on the right
    bx, by, br = 846.0, 392.0, 138.0
    c.circle(bx + 16, by + 4, br, GOLD_DARK)
    c.rect(bx, by - br + 2, bx + 16, by + br + 2, GOLD_DARK)
    c.circle(bx, by, br, GOLD)
    c.circle(bx, by, br * 0.8, None, GOLD_SIDE, 7)
    c.arc(bx, by, br * 0.9, br * 0.9, 200, 250, _a(WHITE, 170), 7)
    _yen(c, bx, by - 2, 1.0, GOLD_DARK)
    for x, y, r in ((990, 220, 20), (720, 560, 12), (190, 250, 14), (1040, 350, 11)):
        _sparkle(c, x + rng.uniform(-10, 10), y + rng.uniform(-10, 10), r, _a(WHITE, 230))
    _sparkle(c, 760, 300, 16, GOLD_LIGHT)


def _motif_document(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    _scene(c, pal)
    c.circle(600, 330, 290, _mix(pal.tint, pal.primary, 0.12))
    cx, cy = 590.0, 340.0
    x0, y0, x1, y1 = cx - 175, cy - 232, cx + 175, cy + 232
    back = _rotate(_rrect_points(x0, y0, x1, y1, 12), cx, cy, -9)
    c.poly(back, pal.light(0.45))
    c.shadow(x0, y0 + 12, x1, y1 + 12, 12, pal.dark, 70, 16)
    fold = 52.0
    c.poly([(x0, y0), (x1 - fold, y0), (x1, y0 + fold), (x1, y1), (x0, y1)], WHITE)
    c.poly([(x1 - fold, y0), (x1 - fold, y0 + fold), (x1, y0 + fold)], _hex("dfe4ea"))

    ink_line = _hex("d6dbe2")
    c.circle(x0 + 52, y0 + 58, 16, pal.primary)
    c.line([(x0 + 84, y0 + 50), (x0 + 230, y0 + 50)], INK, 12, round_caps=True)
    c.line([(x0 + 84, y0 + 70), (x0 + 180, y0 + 70)], pal.light(0.5), 8, round_caps=True)
    y = y0 + 118
    for _ in range(5):
        length = rng.uniform(0.6, 1.0) * (x1 - x0 - 80)
        c.line([(x0 + 40, y), (x0 + 40 + length, y)], ink_line, 9, round_caps=True)
        y += 28
    y += 10
    for _ in range(3):
        c.rect(x0 + 40, y - 11, x0 + 62, y + 11, None, radius=4, outline=pal.primary, width=3)
        c.line([(x0 + 45, y), (x0 + 50, y + 6), (x0 + 59, y - 7)], pal.primary, 3.5)
        c.line([(x0 + 80, y), (x0 + 80 + rng.uniform(120, 200), y)], ink_line, 9, round_caps=True)
        y += 36
    # signature and seal
    sig = [(x0 + 44 + t * 2.4, y1 - 70 + 12 * math.sin(t / 7) * math.cos(t / 23)) for t in range(0, 70)]
    c.line(sig, pal.deep(0.4), 3.5)
    c.line([(x0 + 40, y1 - 46), (x0 + 210, y1 - 46)], ink_line, 3)
    red = _a(_hex("c7372f"), 225)
    sx, sy = x1 - 82, y1 - 82
    c.circle(sx, sy, 44, None, red, 6)
    c.circle(sx, sy, 34, None, red, 2.5)
    c.line([(sx - 16, sy - 18), (sx + 16, sy - 18)], red, 5)
    c.line([(sx, sy - 18), (sx, sy + 20)], red, 5)
    c.line([(sx - 18, sy + 2), (sx + 18, sy + 2)], red, 5)
    c.line([(sx - 12, sy + 20), (sx + 12, sy + 20)], red, 5)
    # paper clip
    clip = _hex("8e98a6")
    c.rect(x1 - 130, y0 - 30, x1 - 104, y0 + 56, None, radius=13, outline=clip, width=5)
    c.rect(x1 - 123, y0 - 18, x1 - 110, y0 + 40, None, radius=6, outline=clip, width=4)
    # pen
    tip = (x1 - 24.0, y1 - 150.0)
    ang = math.radians(-52)
    ux, uy = math.cos(ang), math.sin(ang)
    px, py = -uy, ux

    def along(d: float, w: float) -> Point:
        return (tip[0] + ux * d + px * w, tip[1] + uy * d + py * w)

    c.poly([along(0, 0), along(40, -13), along(40, 13)], _hex("2b3038"))
    c.poly([along(40, -15), along(300, -15), along(300, 15), along(40, 15)], pal.accent)
    c.poly([along(40, -15), along(300, -15), along(300, -5), along(40, -5)], _a(WHITE, 60))
    c.poly([along(236, -16), along(320, -16), along(320, 16), along(236, 16)], pal.deep(0.4))
    c.circle(*along(320, 0), 16, pal.deep(0.4))
    _confetti(c, rng, [_a(pal.primary, 110), _a(pal.accent, 170)], (320, 60, 930, 600), 7)


def _motif_globe(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    top, bottom = _scene(c, pal)
    cx, cy, r = 600.0, 338.0, 225.0
    for ring, alpha in ((r + 70, 22), (r + 36, 34)):
        c.circle(cx, cy, ring, _a(pal.primary, alpha))

    orbit = [
        (cx + 340 * math.cos(t), cy + 92 * math.sin(t)) for t in (math.tau * i / 180 for i in range(181))
    ]
    orbit = _rotate(orbit, cx, cy, -16.0)
    orbit_color = _mix(_mix(top, bottom, 0.5), WHITE, 0.85)
    c.line(orbit[90:], orbit_color, 3.5)  # back half (upper), hidden behind the globe where it crosses

    layer = _Canvas(WIDTH, HEIGHT, top)
    layer.vgradient(cx - r, cy - r, cx + r, cy + r, pal.light(0.1), pal.deep(0.25))
    land = _mix(pal.secondary, WHITE, 0.5)
    start = rng.uniform(0, math.tau)
    for k in range(5):  # continents: separate blobs spread around the disc
        a = start + k * math.tau / 5 + rng.uniform(-0.25, 0.25)
        d = r * rng.uniform(0.5, 0.72)
        layer.poly(_blob(rng, cx + d * math.cos(a), cy + d * math.sin(a), rng.uniform(38, 62), 0.45), land)
    layer.poly(_blob(rng, cx + rng.uniform(-25, 25), cy + rng.uniform(-25, 25), 40, 0.4), land)
    grid = _a(WHITE, 60)
    for squash in (0.38, 0.75):
        layer.ellipse(cx, cy, r * squash, r, None, grid, 2)
    layer.line([(cx, cy - r), (cx, cy + r)], grid, 2)
    for lat in (-60, -30, 0, 30, 60):
        y = cy - r * math.sin(math.radians(lat))
        half = r * math.cos(math.radians(lat))
        layer.line([(cx - half, y), (cx + half, y)], grid, 2)

    def shade(d: ImageDraw.ImageDraw, b: tuple[float, float, float, float]) -> None:
        w = b[2] - b[0]
        d.rectangle(b, fill=70)
        d.ellipse((b[0] - w * 0.1, b[1] - w * 0.12, b[2] - w * 0.16, b[3] - w * 0.2), fill=0)

    layer.soft((cx - r, cy - r, cx + r, cy + r), shade, pal.dark, 0)
    layer.ellipse(cx - r * 0.45, cy - r * 0.52, r * 0.2, r * 0.12, _a(WHITE, 70))

    def clip(d: ImageDraw.ImageDraw) -> None:
        d.ellipse(((cx - r) * _SS, (cy - r) * _SS, (cx + r) * _SS, (cy + r) * _SS), fill=255)

    c.paste_clipped(layer, clip)

    # dashed routes between location pins
    pins: list[Point] = []
    start = rng.uniform(0, math.tau)
    for k in range(4):
        a = start + k * math.tau / 4 + rng.uniform(-0.35, 0.35)
        d = rng.uniform(0.3, 0.7) * r
        pins.append((cx + d * math.cos(a), cy + d * math.sin(a)))
    route = _mix(pal.accent, WHITE, 0.15)
    for p0, p1 in zip(pins, pins[1:], strict=False):
        mid = ((p0[0] + p1[0]) / 2, min(p0[1], p1[1]) - 80)
        c.dashed(_bezier(p0, mid, p1), route, 4, 12, 8)
    for x, y in pins:
        c.ellipse(x, y, 8, 3, _a(pal.dark, 60))
        c.circle(x, y - 24, 14, pal.accent)
        c.poly([(x - 12, y - 18), (x + 12, y - 18), (x, y)], pal.accent)
        c.circle(x, y - 24, 5.5, WHITE)

    c.line(orbit[:91], orbit_color, 3.5)  # front half (lower)
    sat = orbit[rng.randrange(20, 70)]
    c.circle(sat[0], sat[1], 16, _a(WHITE, 90))
    c.circle(sat[0], sat[1], 9, pal.accent, WHITE, 3)
    _confetti(c, rng, [_a(pal.primary, 100), _a(pal.accent, 160)], (250, 60, 950, 620), 8)


def _motif_robot(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    _scene(c, pal)
    floor = 560.0
    c.circle(560, 320, 290, _mix(pal.tint, pal.primary, 0.1))
    # background gears
    for gx, gy, gr in ((170, 170, 70), (1040, 140, 52)):
        teeth = 10
        pts: list[Point] = []
        for i in range(teeth * 4):
            a = math.tau * i / (teeth * 4)
            rr = gr if (i % 4) in (0, 1) else gr * 0.8
            pts.append((gx + rr * math.cos(a), gy + rr * math.sin(a)))
        c.poly(pts, _a(pal.primary, 40))
        c.circle(gx, gy, gr * 0.32, _a(pal.primary, 50))
    c.rect(0, floor, WIDTH, HEIGHT, _mix(pal.tint, pal.primary, 0.25))
    c.rect(0, floor, WIDTH, floor + 6, _a(pal.dark, 35))

    # conveyor with boxes
    belt_y = 470.0
    steel, steel_dark = _hex("4a5260"), _hex("2f3540")
    for lx in (690, 1070):
        c.rect(lx - 8, belt_y + 20, lx + 8, floor, steel_dark)
    c.rect(660, belt_y + 44, 1100, belt_y + 52, steel_dark)
    c.rect(640, belt_y, 1130, belt_y + 24, steel, radius=12)
    for x in range(660, 1120, 36):
        c.circle(x, belt_y + 12, 6, _hex("8891a0"))
    card, tape = _hex("d9a766"), _hex("bf8c4c")
    box = (800.0, 398.0, 880.0, belt_y)
    for bx0, bw, bh in ((700.0, 74.0, 58.0), (960.0, 88.0, 66.0)):
        c.rect(bx0, belt_y - bh, bx0 + bw, belt_y, card, radius=3)
        c.rect(bx0 + bw / 2 - 7, belt_y - bh, bx0 + bw / 2 + 7, belt_y, tape)
        c.rect(bx0 + 8, belt_y - 22, bx0 + 26, belt_y - 10, _a(WHITE, 200), radius=2)
    c.rect(box[0], box[1], box[2], box[3], card, radius=3)
    c.rect(box[0] + 33, box[1], box[0] + 47, box[3], tape)

    # arm
    shoulder, elbow, wrist = (380.0, 455.0), (520.0, 238.0), (840.0, 286.0)
    c.ellipse(380, floor, 120, 14, _a(pal.dark, 50))
    c.poly([(290, floor), (470, floor), (448, 522), (312, 522)], pal.deep(0.55))
    c.rect(300, 536, 460, 546, pal.accent)
    c.rect(328, 458, 432, 526, pal.deep(0.3), radius=10)
    arm, arm2 = pal.primary, pal.light(0.2)
    c.capsule(shoulder, elbow, 64, arm)
    c.line([(shoulder[0] + 10, shoulder[1] - 30), (elbow[0] + 10, elbow[1] + 30)], _a(WHITE, 50), 8)
    c.capsule(elbow, wrist, 46, arm2)
    cable = [
        (shoulder[0] - 30, shoulder[1] - 10),
        (elbow[0] - 60, elbow[1] - 10),
        (elbow[0] - 10, elbow[1] - 36),
    ]
    c.line(_bezier(cable[0], cable[1], cable[2]), pal.deep(0.6), 5)
    for (jx, jy), jr in ((shoulder, 44), (elbow, 36)):
        c.circle(jx, jy, jr, pal.deep(0.5))
        c.circle(jx, jy, jr * 0.55, pal.light(0.55))
        c.circle(jx, jy, jr * 0.2, pal.deep(0.5))
    c.capsule(wrist, (wrist[0], 344), 30, _hex("8d96a5"))
    c.circle(wrist[0], wrist[1], 26, pal.deep(0.5))
    c.circle(wrist[0], wrist[1], 10, pal.accent)
    c.rect(784, 336, 896, 358, pal.deep(0.55), radius=6)
    for fx in (786.0, 878.0):
        c.rect(fx, 350, fx + 16, 424, pal.deep(0.55), radius=4)
        c.rect(fx + 3, 396, fx + 13, 420, pal.accent, radius=3)
    _confetti(c, rng, [_a(pal.primary, 90), _a(pal.accent, 150)], (250, 90, 1140, 600), 5)


def _motif_server(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    _scene(c, pal, dark=True)
    floor = 560.0
    for rx, alpha in ((520, 18), (400, 22), (280, 28)):
        c.ellipse(600, 330, rx, rx * 0.62, _a(pal.primary, alpha))
    c.rect(0, floor, WIDTH, HEIGHT, _mix(pal.dark, BLACK, 0.45))
    line = _mix(_mix(pal.dark, BLACK, 0.45), pal.light(0.3), 0.12)
    for k in range(-12, 13):
        c.line([(600 + k * 60, floor), (600 + k * 150, HEIGHT)], line, 1.5)
    for line_y in (576, 600, 632):
        c.line([(0, line_y), (WIDTH, line_y)], line, 1.5)

    green = _hex("5ee38b")
    led_colors = [green, green, _mix(pal.accent, WHITE, 0.25), pal.light(0.55)]
    racks = (
        (110.0, 300.0, 0.62),
        (990.0, 300.0, 0.62),
        (250.0, 205.0, 0.82),
        (786.0, 205.0, 0.82),
        (468.0, 120.0, 1.0),
    )
    for x0, top, depth in racks:
        w = 264 * depth
        x1 = x0 + w
        c.ellipse((x0 + x1) / 2, floor + 4, w * 0.62, 12, _a(BLACK, 90))
        body = _mix(_mix(pal.primary, pal.dark, 0.55), pal.dark, (1 - depth) * 1.2)
        c.rect(x0, top, x1, floor, body, radius=12)
        c.rect(x0, top, x1, top + 18, _mix(body, WHITE, 0.18), radius=9)
        c.rect(x1 - 10, top + 18, x1, floor, _mix(body, BLACK, 0.2), radius=5)
        slot_h = 36 * depth + 4
        y = top + 32
        slot_color = _mix(pal.dark, BLACK, 0.35 + 0.3 * (1 - depth))
        while y + slot_h < floor - 16:
            c.rect(x0 + 14, y, x1 - 22, y + slot_h - 8, slot_color, radius=4)
            mid = y + (slot_h - 8) / 2
            for k in range(3):
                if rng.random() < 0.75:
                    color = _mix(led_colors[rng.randrange(len(led_colors))], body, 1 - depth)
                    lx = x0 + 32 + k * 17 * depth
                    c.circle(lx, mid, 8.5 * depth, _a(color, 55))
                    c.circle(lx, mid, 4.2 * depth, color)
            for k in range(5):
                bx = x1 - 44 - k * 13 * depth
                c.rect(
                    bx,
                    mid - 7 * depth,
                    bx + 6 * depth,
                    mid + 7 * depth,
                    _mix(slot_color, WHITE, 0.22),
                    radius=2,
                )
            c.rect(
                x0 + 32 + 52 * depth,
                mid - 2,
                x1 - 50 - 70 * depth,
                mid + 2,
                _mix(slot_color, WHITE, 0.1),
                radius=2,
            )
            y += slot_h
    for _ in range(16):  # rising data particles
        px, py = rng.uniform(80, WIDTH - 80), rng.uniform(30, 110)
        s = rng.uniform(3, 6)
        c.rect(px - s, py - s, px + s, py + s, _a(pal.light(0.4), rng.randrange(60, 170)), radius=2)


def _motif_truck(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    c.vgradient(0, 0, WIDTH, 520, _mix(pal.tint, pal.primary, 0.28), _mix(pal.tint, WHITE, 0.45))
    c.circle(980, 150, 60, SUN)
    _cloud(c, 120 + rng.uniform(0, 60), 140, 0.9, _a(WHITE, 210))
    _cloud(c, 560 + rng.uniform(0, 80), 90, 0.6, _a(WHITE, 180))
    road_top = 508.0
    x = -10.0
    while x < WIDTH:  # distant skyline
        w = rng.uniform(50, 110)
        h = rng.uniform(60, 170)
        c.rect(x, road_top - h, x + w, road_top, pal.light(0.62))
        x += w + rng.uniform(0, 14)
    c.rect(0, road_top - 22, WIDTH, road_top, pal.light(0.5))
    c.rect(0, road_top, WIDTH, HEIGHT, _mix(_hex("4b5260"), pal.dark, 0.3))
    c.rect(0, road_top, WIDTH, road_top + 12, _hex("c9ced6"))
    for x in range(0, WIDTH, 130):
        c.rect(x + 20, 604, x + 100, 612, _a(WHITE, 200), radius=4)

    # motion lines
    for y, x0, length in ((280, 70, 130), (336, 30, 160), (392, 90, 110)):
        c.line([(x0, y), (x0 + length, y)], _a(WHITE, 200), 8, round_caps=True)

    trailer = (230.0, 232.0, 772.0, 468.0)
    c.ellipse(600, 534, 420, 18, _a(BLACK, 70))
    c.rect(*trailer, fill=_mix(pal.tint, WHITE, 0.65), radius=10)
    for x in range(int(trailer[0]) + 60, int(trailer[2]), 60):
        c.line([(x, trailer[1] + 8), (x, trailer[3] - 8)], _a(pal.dark, 16), 2)
    c.rect(trailer[0], 412, trailer[2], 436, pal.primary)
    c.rect(trailer[0], 436, trailer[2], 446, pal.accent)
    for k in range(3):  # chevron logo
        x = 410 + k * 56
        c.poly(
            [(x, 278), (x + 30, 278), (x + 76, 324), (x + 30, 370), (x, 370), (x + 46, 324)],
            pal.primary if k < 2 else pal.accent,
        )
    c.rect(226, 466, 990, 490, _hex("2e333b"))

    cab = pal.primary
    c.rect(788, 232, 900, 276, pal.deep(0.2), radius=10)
    c.poly([(788, 270), (908, 270), (976, 362), (988, 384), (988, 478), (788, 478)], cab)
    c.poly([(812, 290), (900, 290), (952, 364), (812, 364)], _mix(pal.tint, WHITE, 0.2))
    c.poly([(836, 290), (858, 290), (826, 340), (812, 340), (812, 326)], _a(WHITE, 140))
    c.line([(892, 376), (892, 470)], pal.deep(0.35), 3)
    c.rect(866, 396, 882, 404, pal.deep(0.45), radius=3)
    c.rect(960, 300, 972, 344, pal.deep(0.45), radius=4)
    c.rect(968, 412, 990, 436, _hex("ffd166"), radius=5)
    c.rect(952, 454, 998, 482, _hex("9aa1ab"), radius=6)
    c.rect(806, 448, 870, 458, pal.deep(0.45), radius=3)

    for wx in (326.0, 426.0, 680.0, 900.0):
        c.circle(wx, 490, 42, _hex("262a31"))
        c.circle(wx, 490, 21, _hex("c3c9d2"))
        c.circle(wx, 490, 8, _hex("5b6270"))


def _motif_chart(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    _scene(c, pal)
    c.circle(620, 330, 300, _mix(pal.tint, pal.primary, 0.12))
    card = (330.0, 110.0, 900.0, 540.0)
    c.shadow(card[0], card[1] + 14, card[2], card[3] + 14, 22, pal.dark, 60, 20)
    c.rect(*card, fill=WHITE, radius=22)
    for k, color in enumerate((_hex("ef6b5b"), _hex("f4c542"), _hex("5cc47a"))):
        c.circle(card[0] + 34 + k * 24, card[1] + 32, 7, color)
    c.line(
        [(card[0] + 120, card[1] + 32), (card[0] + 260, card[1] + 32)], _hex("dde2e8"), 10, round_caps=True
    )
    gx0, gy0, gx1, gy1 = card[0] + 60, card[1] + 90, card[2] - 50, card[3] - 60
    for k in range(5):
        y = gy0 + k * (gy1 - gy0) / 4
        c.line([(gx0, y), (gx1, y)], _hex("edf0f3"), 2)
    n = 6
    slot = (gx1 - gx0) / n
    heights: list[float] = []
    level = rng.uniform(0.18, 0.3)
    for i in range(n):
        level = min(0.95, level + rng.uniform(0.06, 0.17))
        heights.append(level)
        x = gx0 + slot * i + slot * 0.2
        color = pal.light(0.55) if i < n - 1 else pal.primary
        c.rect(
            x,
            gy1 - level * (gy1 - gy0),
            x + slot * 0.6,
            gy1,
            color,
            radius=6,
            corners=(True, True, False, False),
        )
    c.line([(gx0, gy1), (gx1, gy1)], _hex("aab2bd"), 3)
    pts = [(gx0 + slot * (i + 0.5), gy1 - (h + 0.05) * (gy1 - gy0) * 0.92) for i, h in enumerate(heights)]
    c.line(pts, pal.accent, 6)
    for x, y in pts:
        c.circle(x, y, 9, WHITE, pal.accent, 4)

    # side cards: a donut and a KPI tile
    d = (170.0, 350.0, 400.0, 560.0)
    c.shadow(d[0], d[1] + 10, d[2], d[3] + 10, 18, pal.dark, 55, 16)
    c.rect(*d, fill=WHITE, radius=18)
    dcx, dcy, dr = d[0] + 72, d[1] + 105, 52.0
    start = -90.0
    for share, color in ((0.46, pal.primary), (0.3, pal.secondary), (0.24, pal.accent)):
        c.pieslice(dcx, dcy, dr, start, start + share * 360, color)
        start += share * 360
    c.circle(dcx, dcy, dr * 0.55, WHITE)
    for k in range(3):
        c.line([(d[0] + 146, d[1] + 70 + k * 34), (d[0] + 200, d[1] + 70 + k * 34)], _hex("dde2e8"), 9, True)
    k_ = (800.0, 70.0, 1030.0, 210.0)
    c.shadow(k_[0], k_[1] + 10, k_[2], k_[3] + 10, 18, pal.dark, 55, 16)
    c.rect(*k_, fill=WHITE, radius=18)
    up = _hex("2fa866")
    c.circle(k_[0] + 52, k_[1] + 70, 30, _mix(up, WHITE, 0.82))
    c.poly([(k_[0] + 52, k_[1] + 50), (k_[0] + 70, k_[1] + 76), (k_[0] + 34, k_[1] + 76)], up)
    c.rect(k_[0] + 46, k_[1] + 74, k_[0] + 58, k_[1] + 90, up)
    c.line([(k_[0] + 104, k_[1] + 56), (k_[0] + 196, k_[1] + 56)], INK, 12, round_caps=True)
    c.line([(k_[0] + 104, k_[1] + 86), (k_[0] + 170, k_[1] + 86)], _hex("dde2e8"), 9, round_caps=True)
    _confetti(c, rng, [_a(pal.primary, 100), _a(pal.accent, 160)], (150, 50, 1050, 590), 6)


def _motif_abstract(c: _Canvas, pal: _Palette, rng: random.Random) -> None:
    """Fallback for unknown motifs: a balanced cluster of overlapping flat shapes."""
    _scene(c, pal)
    cx, cy = 600.0, 338.0
    c.circle(cx, cy, 250, _mix(pal.tint, pal.primary, 0.12))
    colors = [pal.primary, pal.secondary, pal.accent, pal.light(0.45), pal.deep(0.3)]
    start = rng.uniform(0, math.tau)
    for i in range(6):
        a = start + i * math.tau / 6 + rng.uniform(-0.25, 0.25)
        d = rng.uniform(120, 210)
        x, y = cx + d * math.cos(a) * 1.3, cy + d * math.sin(a) * 0.85
        r = rng.uniform(60, 110)
        color = _a(colors[i % len(colors)], rng.randrange(150, 215))
        if i % 3 == 1:
            pts = _rotate(
                _rrect_points(x - r, y - r * 0.62, x + r, y + r * 0.62, 26), x, y, rng.uniform(-25, 25)
            )
            c.poly(pts, color)
        elif i % 3 == 2:
            c.circle(x, y, r * 0.8, None, color, 14)
        else:
            c.circle(x, y, r, color)
    c.circle(cx, cy, 110, pal.primary)
    c.arc(cx, cy, 150, 150, 200, 340, pal.deep(0.3), 8)
    c.circle(cx, cy, 50, WHITE)
    for i in range(6):
        for j in range(4):
            c.circle(110 + i * 26, 480 + j * 26, 3.5, _a(pal.dark, 90))
            c.circle(1090 - i * 26, 90 + j * 26, 3.5, _a(pal.primary, 110))


_MOTIFS: dict[str, Callable[[_Canvas, _Palette, random.Random], None]] = {
    "factory": _motif_factory,
    "chip": _motif_chip,
    "city": _motif_city,
    "network": _motif_network,
    "coins": _motif_coins,
    "document": _motif_document,
    "globe": _motif_globe,
    "robot": _motif_robot,
    "server": _motif_server,
    "truck": _motif_truck,
    "chart": _motif_chart,
}
MOTIFS = tuple(_MOTIFS)


# --------------------------------------------------------------------------------------------------
# Entry points


def _render(spec: dict[str, Any], seed: str) -> Image.Image:
    parsed = _parse(spec)
    if isinstance(parsed, _IllustrationSpec):
        canvas = _Canvas(WIDTH, HEIGHT, parsed.palette.tint)
        rng = random.Random(f"{parsed.motif}|{seed}")
        _MOTIFS.get(parsed.motif, _motif_abstract)(canvas, parsed.palette, rng)
    else:
        canvas = _Canvas(WIDTH, HEIGHT, WHITE)
        {"bar": _draw_bar, "line": _draw_line, "pie": _draw_pie}[parsed.kind](canvas, parsed)
    return canvas.finish()


def _distance2(a: RGB, b: RGB) -> int:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2


def _palettize(image: Image.Image) -> Image.Image:
    """Reduce to 256 colours, snapping each palette entry to a nearby common colour of the image.

    Median cut averages each colour box, so the white background would come out as (252, 252, 252);
    snapping keeps flat fills exact. No dithering: flat areas stay clean.
    """
    thumb = image.reduce(4)
    raw = thumb.getcolors(thumb.width * thumb.height) or []
    counts = sorted(
        ((n, (c[0], c[1], c[2])) for n, c in raw if isinstance(c, tuple)), key=lambda item: -item[0]
    )
    common = [color for _n, color in counts[:64]]
    quantized = image.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    flat = quantized.getpalette() or []
    entries = [(flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat) - 2, 3)]
    snapped: list[int] = []
    for entry in entries:
        near = min(common, key=lambda color: _distance2(color, entry), default=entry)
        snapped.extend(near if _distance2(near, entry) <= 75 else entry)
    quantized.putpalette(snapped)
    return quantized


def _save(image: Image.Image, path: Path) -> None:
    """Write the PNG losslessly, keeping it under ``_MAX_BYTES``.

    zlib level 6 is within ~2% of ``optimize=True`` on these flat graphics at a third of the time, so
    ``optimize`` is only used for the few large files; anything still over budget is reduced to 256
    colours (invisible on flat graphics).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, format="PNG", compress_level=6)
    if path.stat().st_size > _MAX_BYTES * 0.8:
        image.save(path, format="PNG", optimize=True)
    if path.stat().st_size > _MAX_BYTES:
        _palettize(image).save(path, format="PNG", optimize=True)


def draw(spec: dict[str, Any], path: Path) -> None:
    """Render an image spec (bar, line, pie or illustration) to a 1200x675 PNG at ``path``.

    Raises SpecError if the spec is malformed. Deterministic for a given spec and file name.
    """
    _save(_render(spec, Path(path).name), Path(path))


_AVATAR_COLORS = tuple(
    _hex(h)
    for h in (
        "4f7cac",
        "5a9e8f",
        "c9735b",
        "8a6fb3",
        "d19a3d",
        "5f8f5a",
        "b85c7a",
        "3f8fb5",
        "7d7f8c",
        "a0785a",
    )
)


def _ellipse_points(
    cx: float, cy: float, rx: float, ry: float, degrees: float = 0, n: int = 64
) -> list[Point]:
    pts = [(cx + rx * math.cos(math.tau * i / n), cy + ry * math.sin(math.tau * i / n)) for i in range(n)]
    return _rotate(pts, cx, cy, degrees)


def draw_avatar(seed: str, path: Path) -> None:
    """Render a 400x400 abstract head-and-shoulders portrait on a coloured circle, chosen by ``seed``.

    The corners outside the circle are transparent. Deterministic for a given seed.
    """
    rng = random.Random(f"avatar|{seed}")
    bg = _AVATAR_COLORS[rng.randrange(len(_AVATAR_COLORS))]
    s = AVATAR_SIZE / 400
    c = _Canvas(AVATAR_SIZE, AVATAR_SIZE, bg)
    body = _mix(bg, WHITE, rng.uniform(0.5, 0.62))
    skin = _mix(bg, WHITE, 0.86)
    neck = _mix(skin, bg, 0.14)
    hair = _mix(bg, BLACK, rng.uniform(0.28, 0.42))
    cx, hy = 200 * s, 168 * s
    style = rng.randrange(4)  # 0 short, 1 bun, 2 long, 3 cropped
    side = rng.choice((-1, 1))

    if style == 2:  # long hair falls behind the shoulders
        c.rect(cx - 84 * s, hy - 30 * s, cx + 84 * s, hy + 128 * s, hair, radius=64 * s)
    c.rect(cx - 150 * s, 302 * s, cx + 150 * s, 480 * s, body, radius=118 * s)
    c.rect(cx - 27 * s, 226 * s, cx + 27 * s, 312 * s, neck, radius=12 * s)
    c.poly([(cx - 36 * s, 302 * s), (cx + 36 * s, 302 * s), (cx, 344 * s)], neck)
    if style == 1:
        c.circle(cx, hy - 88 * s, 30 * s, hair)
    if style == 3:
        c.circle(cx, hy - 2 * s, 74 * s, hair)
    else:
        c.circle(cx, hy - 6 * s, 82 * s, hair)
    c.ellipse(cx, hy + 14 * s, 64 * s, 74 * s, skin)
    if style == 3:
        c.poly(_ellipse_points(cx, hy - 52 * s, 62 * s, 26 * s), hair)
    else:  # side-swept fringe
        c.poly(_ellipse_points(cx + side * 14 * s, hy - 50 * s, 60 * s, 30 * s, side * 14), hair)

    rgb = c.finish()
    mask = Image.new("L", (AVATAR_SIZE * _SS, AVATAR_SIZE * _SS), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, AVATAR_SIZE * _SS - 1, AVATAR_SIZE * _SS - 1), fill=255)
    rgba = rgb.convert("RGBA")
    rgba.putalpha(mask.resize((AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    rgba.save(Path(path), format="PNG", optimize=True)
