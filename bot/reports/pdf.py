"""PDF pages laid out with ReportLab, with charts from matplotlib's PDF backend kept as vectors.

ReportLab flows the text and tables; a chart is a :class:`ChartSlot` that reserves its box and notes
where it landed, and after the build the chart's own one-page PDF is stamped into that box with pypdf.
Text uses the bundled Noto fonts (``bot/charts/fonts``): each run of characters is set in the first
font that has them, so a name in any script the charts support renders here too, and every string is
escaped before it reaches ReportLab's paragraph markup (client text is never markup).
"""

from __future__ import annotations

import io
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from pypdf import PdfReader, PdfWriter, Transformation
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, SimpleDocTemplate

from bot.charts import style

PAGE_SIZE = A4
MARGIN = 18 * mm
BODY, BOLD = "NotoSans", "NotoSans-Bold"
# Fallback fonts in the order the charts use them; each name maps to its file in bot/charts/fonts.
FALLBACK_FILES = {
    "NotoSansArabic": "NotoSansArabic-Regular.ttf",
    "NotoSansHebrew": "NotoSansHebrew-Regular.ttf",
    "NotoSansDevanagari": "NotoSansDevanagari-Regular.ttf",
    "NotoSansBengali": "NotoSansBengali-Regular.ttf",
    "NotoSansThai": "NotoSansThai-Regular.ttf",
    "NotoSansArmenian": "NotoSansArmenian-Regular.ttf",
    "NotoSansGeorgian": "NotoSansGeorgian-Regular.ttf",
    "NotoSansCJK": "NotoSansCJKSubset-Regular.ttf",
}


@cache
def register_fonts() -> tuple[str, ...]:
    """Register the bundled fonts with ReportLab once; returns the fallback font names in order."""
    pdfmetrics.registerFont(TTFont(BODY, str(style.FONT_DIR / "NotoSans-Regular.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(style.FONT_DIR / "NotoSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(BODY, normal=BODY, bold=BOLD, italic=BODY, boldItalic=BOLD)
    for name, filename in FALLBACK_FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(style.FONT_DIR / filename)))
    return tuple(FALLBACK_FILES)


@cache
def _covers(font_name: str) -> frozenset[int]:
    font: Any = pdfmetrics.getFont(font_name)
    return frozenset(font.face.charToGlyph)


def _font_for(char: str, body: str) -> str:
    code = ord(char)
    if char.isspace() or code in _covers(body):
        return body
    for name in register_fonts():
        if code in _covers(name):
            return name
    return body  # no bundled font has it: the body font's empty box, as any program would show


def markup(text: str, *, body: str = BODY) -> str:
    """``text`` as safe paragraph markup: escaped, with runs the body font lacks set in a font that has them."""
    register_fonts()
    runs: list[tuple[str, str]] = []
    for char in text:
        font = _font_for(char, body)
        # Spaces and punctuation stay in the run they are in (when its font has them), so a name in one
        # script is one run and is shaped as one.
        if runs and (font == runs[-1][0] or (not char.isalnum() and ord(char) in _covers(runs[-1][0]))):
            runs[-1] = (runs[-1][0], runs[-1][1] + char)
        else:
            runs.append((font, char))
    return "".join(
        escape(run) if font == body else f'<font name="{font}">{escape(run)}</font>' for font, run in runs
    )


def colour(rgb: style.Rgb) -> Color:
    """A shared-style colour as ReportLab's."""
    return Color(*style.colour(rgb))


def paragraph_style(name: str, *, size: float = 10, bold: bool = False, **extra: Any) -> ParagraphStyle:
    # shaping: joined Arabic letters, Indic conjuncts (uharfbuzz), as the charts draw them.
    options: dict[str, Any] = {"textColor": colour(style.TEXT), "shaping": 1, **extra}
    return ParagraphStyle(
        name, fontName=BOLD if bold else BODY, fontSize=size, leading=size * 1.35, **options
    )


class ChartSlot(Flowable):  # type: ignore[misc]  # ReportLab has no type hints
    """A box of ``width`` × ``height`` points where a one-page chart PDF is stamped after the build."""

    def __init__(self, chart_pdf: bytes, width: float, height: float) -> None:
        super().__init__()
        self.chart_pdf = chart_pdf
        self.width = width
        self.height = height
        self.placed: list[tuple[int, float, float]] = []

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        self.placed.append((self.canv.getPageNumber() - 1, x, y))


def build(story: list[Flowable], *, charts: list[ChartSlot], title: str, footer: str | None = None) -> bytes:
    """Lay out ``story`` on A4 pages, then stamp each of ``charts`` (slots somewhere in the story) into its
    box; returns the PDF bytes."""
    register_fonts()
    out = io.BytesIO()

    def on_page(canvas: Any, document: Any) -> None:
        if footer is None:
            return
        canvas.saveState()
        canvas.setFont(BODY, 8)
        canvas.setFillColorRGB(*style.colour(style.MUTED))
        canvas.drawRightString(PAGE_SIZE[0] - MARGIN, MARGIN / 2, footer.format(page=document.page))
        canvas.restoreState()

    document = SimpleDocTemplate(
        out,
        pagesize=PAGE_SIZE,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        creator="Stripe Coach",
        invariant=True,  # no creation date or random id: the same report gives the same bytes
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    slots = [slot for slot in charts if slot.placed]
    if not slots:
        return out.getvalue()
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    for slot in slots:
        chart = PdfReader(io.BytesIO(slot.chart_pdf)).pages[0]
        scale = min(slot.width / float(chart.mediabox.width), slot.height / float(chart.mediabox.height))
        for page_index, x, y in slot.placed:
            writer.pages[page_index].merge_transformed_page(
                chart, Transformation().scale(scale, scale).translate(x, y)
            )
    stamped = io.BytesIO()
    writer.write(stamped)
    return stamped.getvalue()
