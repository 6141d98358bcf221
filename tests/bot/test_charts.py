"""Every chart through the shared style: names in any script render, in PNG, SVG and PDF, read back."""

from __future__ import annotations

import io
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from matplotlib import font_manager
from PIL import Image
from pypdf import PdfReader

from bot.charts import style
from bot.charts.coach_dashboard import CoachWeek, render_coach_dashboard
from bot.charts.funnel_chart import FunnelStage, program_funnel, render_program_funnel
from bot.charts.progress_chart import render_progress_chart, title_name
from bot.charts.revenue_chart import render_revenue_by_month
from domain.analytics.programs import ProgramStats, StepCompletion
from domain.services.financial import MonthRevenue, PaymentLine, RefundLine, monthly_revenue
from tests.bot.test_progress_chart import four_weeks, series_of

NAMES = {
    "latin": "José Müller",
    "cyrillic": "Женя Иванова",
    "greek": "Ελένη",
    "arabic": "محمد علي",
    "hebrew": "דנה כהן",
    "devanagari": "प्रिया शर्मा",
    "thai": "สมชาย",
    "chinese": "李小龙",
    "japanese": "さくら 山田",
    "korean": "김민준",
    "mathtext-looking": "Ann $5$ a day",
}


def weeks() -> list[CoachWeek]:
    return [
        CoachWeek(date(2026, 3, 2), 80.0, 42.0, 4.5),
        CoachWeek(date(2026, 3, 9), None, 35.5, None),
        CoachWeek(date(2026, 3, 16), 65.0, None, 3.0),
    ]


def months() -> list[MonthRevenue]:
    return [
        MonthRevenue(date(2026, 1, 1), "usd", 14_900, 4_900, 3, 1),
        MonthRevenue(date(2026, 2, 1), "usd", 0, 0, 0, 0),
        MonthRevenue(date(2026, 1, 1), "jpy", 5_000, 0, 1, 0),
        MonthRevenue(date(2026, 2, 1), "jpy", 5_000, 6_000, 1, 0),
    ]


Chart = Callable[[str, style.ChartFormat], bytes]
CHARTS: dict[str, Chart] = {
    "progress": lambda name, fmt: render_progress_chart(series_of(four_weeks(), name=name), fmt),
    "coach dashboard": lambda name, fmt: render_coach_dashboard(name, weeks(), fmt),
    "revenue": lambda name, fmt: render_revenue_by_month(months(), fmt),
    "funnel": lambda name, fmt: render_program_funnel(
        name, [FunnelStage("Enrolled", 9), FunnelStage(f"Day 1: {name}", 7), FunnelStage("Completed", 2)], fmt
    ),
}


def test_the_bundled_fonts_are_the_ones_used() -> None:
    """Every family of the fallback list resolves to a file shipped in bot/charts/fonts, not the system."""
    style.install()
    for family in style.FONT_FAMILIES:
        path = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        assert Path(path).parent == style.FONT_DIR, family
    assert (style.FONT_DIR / "OFL.txt").read_text().count("SIL Open Font License") >= 1


@pytest.mark.parametrize("script", list(NAMES))
@pytest.mark.parametrize("chart", list(CHARTS))
def test_names_in_any_script_render_without_missing_glyphs(chart: str, script: str) -> None:
    with warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font(s)" for any character no font of the list has.
        warnings.simplefilter("error")
        png = CHARTS[chart](NAMES[script], "png")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 1200


def glyph_image(text: str) -> bytes:
    with style.drawing(120, 60) as figure:
        figure.text(0.1, 0.3, text, fontsize=28)
        return bytes(Image.open(io.BytesIO(style.export(figure))).convert("L").tobytes())


@pytest.mark.parametrize("pair", ["李王", "さア", "김민", "ЖЯ", "محب", "דה", "पक", "สม"])
def test_different_characters_draw_different_shapes(pair: str) -> None:
    """A missing glyph is drawn as the same empty box; real glyphs differ, and differ from blank."""
    blank = glyph_image(" ")
    first, second = glyph_image(pair[0]), glyph_image(pair[1:])
    assert first != second and blank not in (first, second)


@pytest.mark.parametrize("chart", list(CHARTS))
def test_svg_and_pdf_outputs_parse(chart: str) -> None:
    svg = CHARTS[chart]("Женя", "svg")
    assert ET.fromstring(svg).tag.endswith("svg")
    assert CHARTS[chart]("Женя", "svg") == svg  # no dates or random ids: the same chart, the same bytes
    reader = PdfReader(io.BytesIO(CHARTS[chart]("Женя", "pdf")))
    assert len(reader.pages) == 1


def test_pdf_text_stays_text() -> None:
    """Fonts are embedded as TrueType (pdf.fonttype 42): the name can be found in the PDF."""
    reader = PdfReader(io.BytesIO(render_progress_chart(series_of(four_weeks(), name="Женя"), "pdf")))
    text = reader.pages[0].extract_text()
    assert "Женя" in text and "Mood" in text


def test_title_name_keeps_the_name_as_written() -> None:
    assert title_name("José") == "José" and title_name("Женя") == "Женя"
    assert title_name("  ") == "Client" and title_name("x" * 60) == "x" * 40


def test_empty_charts_say_so() -> None:
    for png in (
        render_revenue_by_month([]),
        render_program_funnel("Couch to 5K", []),
        render_coach_dashboard("Coach", []),
    ):
        assert Image.open(io.BytesIO(png)).format == "PNG"


def line(
    day: datetime, currency: str, amount: int, refunded: int = 0, status: str = "succeeded"
) -> PaymentLine:
    return PaymentLine(1, day, 1, "Ann", "Coach", "", status, currency, amount, refunded, "")


def test_monthly_revenue_by_hand() -> None:
    """Jan: 100 + 50 usd collected, one failed, one pending; 30 given back on 2 Feb; Mar: a refund larger
    than the month's income (20 for an older payment, 0 collected) and 9 eur. Months without money are
    zeros."""
    lines = [
        line(datetime(2026, 1, 3, tzinfo=UTC), "usd", 10_000),
        line(datetime(2026, 1, 31, 23, 59, tzinfo=UTC), "usd", 5_000, 3_000, "partially_refunded"),
        line(datetime(2026, 1, 9, tzinfo=UTC), "usd", 7_000, status="failed"),
        line(datetime(2026, 1, 9, tzinfo=UTC), "usd", 7_000, status="pending"),
        line(datetime(2026, 3, 2, tzinfo=UTC), "eur", 900),
    ]
    refunds = [
        RefundLine(datetime(2026, 2, 2, tzinfo=UTC), 2, "usd", 3_000),
        RefundLine(datetime(2026, 3, 1, tzinfo=UTC), 9, "usd", 2_000),
    ]
    result = monthly_revenue(
        lines, refunds, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC)
    )
    got = {
        (m.currency, m.month.month): (m.gross_minor, m.refunds_minor, m.net_minor, m.payments, m.failed)
        for m in result
    }
    assert got == {
        ("usd", 1): (15_000, 0, 15_000, 2, 1),
        ("usd", 2): (0, 3_000, -3_000, 0, 0),
        ("usd", 3): (0, 2_000, -2_000, 0, 0),
        ("eur", 1): (0, 0, 0, 0, 0),
        ("eur", 2): (0, 0, 0, 0, 0),
        ("eur", 3): (900, 0, 900, 1, 0),
    }
    assert monthly_revenue([], [], datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)) == []


def test_program_funnel_stages() -> None:
    steps = tuple(StepCompletion(day, f"Step {day}", 10 - day, 1, None) for day in range(1, 4))
    stats = ProgramStats(1, "C25K", 12, 5, 3, 50.0, 30.0, steps, None, None, {})
    assert program_funnel(stats) == [
        FunnelStage("Enrolled", 12),
        FunnelStage("Day 1: Step 1", 9),
        FunnelStage("Day 2: Step 2", 8),
        FunnelStage("Day 3: Step 3", 7),
        FunnelStage("Completed", 3),
    ]
    many = ProgramStats(
        1,
        "Long",
        5,
        5,
        0,
        None,
        None,
        tuple(StepCompletion(d, f"S{d}", 1, 0, None) for d in range(1, 60)),
        None,
        None,
        {},
    )
    stages = program_funnel(many)
    assert len(stages) <= 24 and stages[-2].label == "Day 59: S59"


def test_the_readme_chart_is_drawn_by_the_code(tmp_path: Path) -> None:
    from bot.charts.sample import main

    out = tmp_path / "chart.png"
    main(["sample", str(out)])
    drawn = Image.open(out)
    committed = Image.open(Path(__file__).parents[2] / "docs/chart-progress.png")
    assert drawn.size == committed.size == (1200, 675)
