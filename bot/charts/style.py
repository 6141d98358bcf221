"""The one look every chart shares: bundled fonts, colours, sizes, and the PNG / SVG / PDF outputs.

Charts are drawn with matplotlib's object API (``Figure`` + the Agg canvas, never pyplot), so each call
owns its figure and may run in a worker thread (``asyncio.to_thread``). Text uses the Noto fonts in
``bot/charts/fonts`` with matplotlib's per-glyph fallback, so a name in Cyrillic, Arabic (shaped by
matplotlib's text layout), Hebrew, Devanagari, Thai or Chinese/Japanese/Korean renders the same on
every machine, with no system fonts involved. Client text is never read as mathtext (``$`` is a dollar).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal

import matplotlib

matplotlib.use("Agg")  # no display, and no GUI toolkit imported by accident

from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from conversations.i18n import format_month, format_short_day

ChartFormat = Literal["png", "svg", "pdf"]
FORMATS: Final[tuple[ChartFormat, ...]] = ("png", "svg", "pdf")

FONT_DIR: Final = Path(__file__).parent / "fonts"
# Tried in order for every glyph: the first family that has it draws it.
FONT_FAMILIES: Final[tuple[str, ...]] = (
    "Noto Sans",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Bengali",
    "Noto Sans Thai",
    "Noto Sans Armenian",
    "Noto Sans Georgian",
    "Noto Sans CJK Subset",
)
DPI: Final = 100  # figure sizes are given in pixels: one inch is DPI pixels

Rgb = tuple[int, int, int]
BACKGROUND: Final[Rgb] = (255, 255, 255)
TEXT: Final[Rgb] = (17, 24, 39)
MUTED: Final[Rgb] = (107, 114, 128)
GRID: Final[Rgb] = (229, 231, 235)
SHADE: Final[Rgb] = (247, 248, 250)
RULE: Final[Rgb] = (156, 163, 175)
# The tab10 colours: distinct for the common colour-vision deficiencies, and always paired with a
# second cue (marker shape, position or a label) so colour is never the only one.
BLUE: Final[Rgb] = (31, 119, 180)
ORANGE: Final[Rgb] = (255, 127, 14)
GREEN: Final[Rgb] = (44, 160, 44)
RED: Final[Rgb] = (214, 39, 40)
PURPLE: Final[Rgb] = (148, 103, 189)
SERIES: Final[tuple[Rgb, ...]] = (BLUE, ORANGE, GREEN, RED, PURPLE)

TITLE_SIZE: Final = 20
LABEL_SIZE: Final = 12
TICK_SIZE: Final = 11


def colour(rgb: Rgb) -> tuple[float, float, float]:
    """An 8-bit RGB triple as matplotlib's 0–1 floats."""
    return (rgb[0] / 255, rgb[1] / 255, rgb[2] / 255)


_BUNDLED: Final = tuple(sorted(str(p.resolve()) for p in FONT_DIR.glob("*.ttf")))


def _install_fonts() -> None:
    # matplotlib replaces its font manager when its cache names a font file that has gone (fonts
    # removed from the system): checked again before each chart, so ours are never lost.
    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in _BUNDLED:
        if path not in known:
            font_manager.fontManager.addfont(path)


def _rc() -> dict[Any, Any]:  # keys are matplotlib's rc names (a Literal type too long to spell)
    return {
        "font.family": list(FONT_FAMILIES),
        "font.size": TICK_SIZE,
        "text.parse_math": False,  # a client's "$5 a day" is text, not mathtext
        "text.color": colour(TEXT),
        "axes.edgecolor": colour(MUTED),
        "axes.labelcolor": colour(MUTED),
        "axes.labelsize": LABEL_SIZE,
        "axes.titlesize": TITLE_SIZE,
        "axes.titlecolor": colour(TEXT),
        "axes.titlelocation": "left",
        "axes.grid": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "xtick.color": colour(MUTED),
        "ytick.color": colour(MUTED),
        "xtick.labelcolor": colour(TEXT),
        "ytick.labelcolor": colour(MUTED),
        "legend.frameon": False,
        "legend.fontsize": LABEL_SIZE,
        "figure.facecolor": colour(BACKGROUND),
        "savefig.facecolor": colour(BACKGROUND),
        "pdf.fonttype": 42,  # embedded TrueType subsets: the text stays selectable and searchable
        "svg.fonttype": "path",  # the web page needs none of our fonts
        "svg.hashsalt": "stripe-coach",  # the same chart gives the same SVG bytes
    }


def short_date(day: date) -> str:
    """``3 Mar``: a day as chart labels show it, in the reader's language ("3. März")."""
    return format_short_day(day)


def month_label(day: date) -> str:
    """``Mar 2026``: a month as chart labels show it, in the reader's language ("März 2026")."""
    return format_month(day)


def install() -> None:
    """Register the bundled fonts and the shared settings with matplotlib (idempotent)."""
    _install_fonts()
    matplotlib.rcParams.update(_rc())


install()


def new_figure(width_px: int, height_px: int) -> Figure:
    """A blank figure of exactly this many pixels in PNG (the same proportions in SVG and PDF)."""
    _install_fonts()
    figure = Figure(figsize=(width_px / DPI, height_px / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def axes_at(figure: Figure, left: float, top: float, right: float, bottom: float) -> Axes:
    """Axes whose plot area covers this pixel box (measured from the top-left corner, as in the PNG)."""
    width, height = figure.bbox.width, figure.bbox.height
    box = (left / width, 1 - bottom / height, (right - left) / width, (bottom - top) / height)
    return figure.add_axes(box)


def tidy(axes: Axes, *, grid_axis: Literal["x", "y", "both"] | None = "y") -> None:
    """The shared axes look: light grid behind the data, muted ticks, no top or right frame."""
    axes.set_axisbelow(True)
    if grid_axis is not None:
        axes.grid(True, axis=grid_axis, color=colour(GRID), linewidth=1)
    axes.tick_params(length=0, labelsize=TICK_SIZE)


def no_data(axes: Axes, text: str) -> None:
    axes.text(
        0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center", color=colour(MUTED), fontsize=16
    )


def export(figure: Figure, fmt: ChartFormat = "png") -> bytes:
    """The figure as PNG, SVG or PDF bytes, without dates or other run-dependent metadata."""
    out = io.BytesIO()
    metadata: dict[str, str | None]
    if fmt == "png":
        metadata = {"Software": None}
    elif fmt == "svg":
        metadata = {"Date": None}
    else:
        metadata = {"CreationDate": None, "Producer": None}
    figure.savefig(out, format=fmt, dpi=DPI, metadata=metadata)
    return out.getvalue()


@contextmanager
def drawing(width_px: int, height_px: int) -> Iterator[Figure]:
    """A figure for one chart, released when done (figures are not garbage-collected by pyplot here)."""
    figure = new_figure(width_px, height_px)
    try:
        yield figure
    finally:
        figure.clear()
