"""The progress chart PNG, read back with Pillow, and its alt text."""

from __future__ import annotations

import io
import warnings
from collections.abc import Collection
from datetime import date, timedelta

import pytest
from PIL import Image
from pypdf import PdfReader

from bot.charts.progress_chart import (
    ENERGY_COLOUR,
    HEIGHT,
    MISSED_COLOUR,
    MOOD_COLOUR,
    PLAN_COLOUR,
    PLOT_BOTTOM,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_TOP,
    STRIP_BOTTOM,
    STRIP_TOP,
    WIDTH,
    alt_text,
    render_progress_chart,
    title_name,
)
from conversations.i18n import use_locale
from domain.insights.series import ClientSeries, DayValues

END = date(2026, 3, 30)
Day = tuple[float, float, float] | None  # (mood, energy, adherence) or no check-in


def series_of(values: list[Day], *, missed: Collection[int] = (), name: str = "Ann") -> ClientSeries:
    days = tuple(
        DayValues(
            day=END - timedelta(days=len(values) - 1 - i),
            check_ins=0 if v is None else 1,
            mood=None if v is None else v[0],
            energy=None if v is None else v[1],
            adherence=None if v is None else v[2],
            missed=i in missed,
        )
        for i, v in enumerate(values)
    )
    return ClientSeries(client_id=1, first_name=name, timezone="Europe/Berlin", days=days)


def image_of(series: ClientSeries) -> Image.Image:
    png = render_progress_chart(series)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = Image.open(io.BytesIO(png))
    image.load()
    assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))
    return image.convert("RGB")


def colours_in(image: Image.Image, box: tuple[int, int, int, int]) -> set[tuple[int, int, int]]:
    region = image.crop(box)
    return {rgb for _, rgb in region.getcolors(maxcolors=region.width * region.height) or []}


PLOT = (PLOT_LEFT + 1, PLOT_TOP + 1, PLOT_RIGHT, PLOT_BOTTOM)
STRIP = (PLOT_LEFT + 1, STRIP_TOP - 2, PLOT_RIGHT, STRIP_BOTTOM + 2)


def four_weeks() -> list[Day]:
    days: list[Day] = [(5 + i % 4, 8 - i % 3, (i % 3) / 2) for i in range(28)]
    days[10] = days[11] = None  # a two-day gap
    return days


def test_both_lines_and_the_plan_strip_are_drawn_inside_the_chart() -> None:
    image = image_of(series_of(four_weeks(), missed={10, 11}))
    plot = colours_in(image, PLOT)
    assert MOOD_COLOUR in plot and ENERGY_COLOUR in plot
    strip = colours_in(image, STRIP)
    assert PLAN_COLOUR in strip and MISSED_COLOUR in strip


def test_a_gap_is_not_bridged() -> None:
    """Mood flat at 5 around a gap: the pixel row at 5 is blue before and after, white inside it."""
    days: list[Day] = [(5, 9, 1)] * 10 + [None] * 8 + [(5, 9, 1)] * 10
    image = image_of(series_of(days))
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(days)
    y = round(PLOT_BOTTOM - (5 - 1) / 9 * (PLOT_BOTTOM - PLOT_TOP))
    before, inside, after = (round(PLOT_LEFT + (i + 0.5) * slot) for i in (5, 14, 22))
    assert image.getpixel((before, y)) == MOOD_COLOUR
    assert image.getpixel((after, y)) == MOOD_COLOUR
    assert image.getpixel((inside, y)) != MOOD_COLOUR


@pytest.mark.parametrize(
    "days",
    [
        pytest.param([None] * 27 + [(6.0, 4.0, 1.0)], id="one point"),
        pytest.param([None] * 28, id="all missing"),
        pytest.param([(1.0, 10.0, 0.0), (10.0, 1.0, 1.0)] * 14, id="extremes"),
        pytest.param([(0.0, 42.0, 3.0)] * 7, id="out of scale"),
        pytest.param([(5.5, 5.5, 0.5)], id="one day"),
        pytest.param([(7.0, 3.0, 1.0) if i % 9 else None for i in range(84)], id="twelve weeks"),
    ],
)
def test_edge_cases_render(days: list[Day]) -> None:
    image = image_of(series_of(days))
    plot = colours_in(image, PLOT)
    has_values = any(d is not None for d in days)
    assert (MOOD_COLOUR in plot) is has_values and (ENERGY_COLOUR in plot) is has_values


def test_names_in_other_scripts_render() -> None:
    assert title_name("Женя") == "Женя"
    image_of(series_of(four_weeks(), name="Женя"))


def test_alt_text_says_the_trend_in_words() -> None:
    days: list[Day] = [(8, 6, 1)] * 7 + [None] * 14 + [(4, 6, 0)] * 5 + [None, None]
    text = alt_text(series_of(days, missed={7, 8}))
    assert text.startswith(
        "Chart of Ann's daily mood and energy (1–10) and plan adherence, 3 Mar – 30 Mar 2026"
    )
    assert "12 check-ins on 12 of 28 days." in text
    assert "2 missed check-in days show as gaps." in text
    assert "mood 4/10 (down 4 from 8)" in text and "energy 6/10 (steady)" in text
    assert "Plan followed 58% over the check-in days." in text


def test_alt_text_in_the_readers_language() -> None:
    days: list[Day] = [(8, 6, 1)] * 7 + [None] * 14 + [(4, 6, 0)] * 5 + [None, None]
    with use_locale("ru"):
        text = alt_text(series_of(days, missed={7, 8}))
    assert text.startswith("График ежедневного настроения и энергии (1–10) и соблюдения плана: Ann, ")
    assert "12 отметок за 12 из 28 дней." in text and "2 дня без отметки показаны пропусками." in text
    assert "настроение 4/10" in text and "План соблюдался в 58\xa0% дней с отметками." in text


def test_alt_text_with_a_single_week_of_check_ins_states_no_direction() -> None:
    text = alt_text(series_of([None] * 21 + [(6, 5, 0.5)] * 7))
    assert "Weekly average: mood 6/10, energy 5/10." in text and "missed" not in text


@pytest.mark.parametrize(
    ("language", "name", "words"),
    [
        ("en", "Ann", ["Ann: the last 4 weeks, 3 Mar – 30 Mar 2026", "Mood", "Score (1–10)", "Plan"]),
        (
            "de",
            "Jürgen",
            ["Jürgen: die letzten 4 Wochen, 3. März – 30. März 2026", "Stimmung", "Wert (1–10)"],
        ),
        ("es", "José", ["José: las últimas 4 semanas", "Ánimo", "Puntuación (1–10)"]),
        ("ru", "Женя", ["Женя: последние 4 недели, 3 мар. – 30 мар. 2026", "Настроение", "Энергия"]),
    ],
)
def test_labels_and_dates_are_in_the_readers_language(language: str, name: str, words: list[str]) -> None:
    with warnings.catch_warnings(), use_locale(language):
        warnings.simplefilter("error")  # "Glyph … missing from font(s)" would be an error
        pdf = render_progress_chart(series_of(four_weeks(), name=name), "pdf")
    text = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert all(word in text for word in words), text
