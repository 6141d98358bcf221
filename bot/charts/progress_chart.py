"""A client's recent weeks as a PNG: daily mood and energy lines, a plan-adherence strip, missed days.

Drawn with Pillow and its bundled font only (no system fonts), so it renders the same everywhere.
Days without a check-in are gaps: a line is drawn only between two consecutive days that have values.
Each metric also has its own marker shape (mood circles, energy diamonds), so colour is not the only cue.
"""

from __future__ import annotations

import io
import itertools
import unicodedata
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from domain import rules
from domain.insights.series import ClientSeries
from domain.insights.summary import describe_trend

WIDTH, HEIGHT = 1200, 675
PLOT_LEFT, PLOT_RIGHT = 96, WIDTH - 36
PLOT_TOP, PLOT_BOTTOM = 118, 488
STRIP_TOP, STRIP_BOTTOM = 556, 584
LOW, HIGH = rules.MOOD_RANGE  # mood and energy share the 1-10 scale
DAY_LABELS_MAX_DAYS = 42  # beyond six weeks a label per day no longer fits; weeks are labelled instead
TITLE_NAME_MAX = 40
TITLE_SIZE = 28
# The bundled font covers ASCII only; month names are spelled here so no locale changes them.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
NO_GLYPH = "\uffff"  # a noncharacter: what the font draws for a glyph it does not have

BACKGROUND = (255, 255, 255)
TEXT = (17, 24, 39)
MUTED = (107, 114, 128)
GRID = (229, 231, 235)
WEEKEND = (247, 248, 250)
WEEK_LINE = (156, 163, 175)
# The tab10 blue and orange: distinct for the common colour-vision deficiencies.
MOOD_COLOUR = (31, 119, 180)
ENERGY_COLOUR = (255, 127, 14)
PLAN_COLOUR = (44, 160, 44)
MISSED_COLOUR = (156, 163, 175)


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _short(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]}"


def date_range(series: ClientSeries, dash: str = "–") -> str:
    return f"{_short(series.start)} {dash} {_short(series.end)} {series.end.year}"


def _drawable(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> bool:
    """Whether the font has a glyph for every character (it draws the same box for each one it lacks)."""
    missing = bytes(font.getmask(NO_GLYPH))
    return all(ch.isspace() or bytes(font.getmask(ch)) != missing for ch in text)


def title_name(first_name: str) -> str:
    """The first name as the bundled font can draw it: accents dropped (José → Jose), else "Client"."""
    name = first_name[:TITLE_NAME_MAX]
    folded = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    return folded if folded.strip() and _drawable(folded, _font(TITLE_SIZE)) else "Client"


def _x(series: ClientSeries, index: int) -> float:
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(series.days)
    return PLOT_LEFT + (index + 0.5) * slot


def _y(value: float) -> float:
    clamped = min(HIGH, max(LOW, value))
    return PLOT_BOTTOM - (clamped - LOW) / (HIGH - LOW) * (PLOT_BOTTOM - PLOT_TOP)


def _marker(
    draw: ImageDraw.ImageDraw, shape: str, x: float, y: float, r: float, colour: tuple[int, ...]
) -> None:
    """Mood's circle is the larger: where both metrics have the same value, the energy diamond sits
    inside it and both stay visible."""
    if shape == "circle":
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    else:
        d = r * 0.7
        draw.polygon([(x, y - d), (x + d, y), (x, y + d), (x - d, y)], fill=colour, outline=BACKGROUND)


def _dashed_vline(draw: ImageDraw.ImageDraw, x: float, top: float, bottom: float) -> None:
    y = top
    while y < bottom:
        draw.line((x, y, x, min(y + 6, bottom)), fill=WEEK_LINE, width=2)
        y += 11


def _centred(
    draw: ImageDraw.ImageDraw, x: float, y: float, text: str, size: int, fill: tuple[int, ...]
) -> None:
    draw.text((x, y), text, font=_font(size), fill=fill, anchor="mt")


def _draw_frame(draw: ImageDraw.ImageDraw, series: ClientSeries) -> None:
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(series.days)
    for i, day in enumerate(series.days):
        if day.day.weekday() >= 5:
            draw.rectangle(
                (PLOT_LEFT + i * slot, PLOT_TOP, PLOT_LEFT + (i + 1) * slot, PLOT_BOTTOM), fill=WEEKEND
            )
    for value in range(LOW, HIGH + 1):
        y = _y(value)
        draw.line((PLOT_LEFT, y, PLOT_RIGHT, y), fill=GRID, width=1)
        draw.text((PLOT_LEFT - 10, y), str(value), font=_font(15), fill=MUTED, anchor="rm")
    draw.rectangle((PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, PLOT_BOTTOM), outline=MUTED, width=1)
    # Week boundaries, and each week's dates beneath it.
    start = 0
    for week in series.weeks():
        stop = start + len(week)
        if start:
            _dashed_vline(draw, PLOT_LEFT + start * slot, PLOT_TOP, STRIP_BOTTOM)
        # The week's dates, or only its first day where the range does not fit (many weeks).
        for label in (f"{_short(week[0].day)} - {_short(week[-1].day)}", _short(week[0].day)):
            if draw.textlength(label, font=_font(16)) < len(week) * slot - 8:
                _centred(draw, PLOT_LEFT + (start + stop) / 2 * slot, PLOT_BOTTOM + 30, label, 16, TEXT)
                break
        start = stop
    if len(series.days) <= DAY_LABELS_MAX_DAYS:
        for i, day in enumerate(series.days):
            _centred(draw, _x(series, i), PLOT_BOTTOM + 8, str(day.day.day), 14, MUTED)


def _draw_metric(
    draw: ImageDraw.ImageDraw,
    series: ClientSeries,
    metric: str,
    colour: tuple[int, ...],
    width: int,
    shape: str,
) -> None:
    points = [
        None if (v := getattr(d, metric)) is None else (_x(series, i), _y(v))
        for i, d in enumerate(series.days)
    ]
    for a, b in itertools.pairwise(points):
        if a is not None and b is not None:  # never across a day without a check-in
            draw.line((a, b), fill=colour, width=width)
    radius = max(3.0, min(7.0, (PLOT_RIGHT - PLOT_LEFT) / len(series.days) / 3))
    for point in points:
        if point is not None:
            _marker(draw, shape, point[0], point[1], radius, colour)


def _draw_plan_strip(draw: ImageDraw.ImageDraw, series: ClientSeries) -> None:
    draw.text(
        (PLOT_LEFT - 10, (STRIP_TOP + STRIP_BOTTOM) / 2), "Plan", font=_font(15), fill=TEXT, anchor="rm"
    )
    slot = (PLOT_RIGHT - PLOT_LEFT) / len(series.days)
    half = max(1.0, slot * 0.3)
    for i, day in enumerate(series.days):
        x = _x(series, i)
        if day.adherence is not None:
            draw.rectangle((x - half, STRIP_TOP, x + half, STRIP_BOTTOM), outline=GRID, width=1)
            top = STRIP_BOTTOM - max(2.0, day.adherence * (STRIP_BOTTOM - STRIP_TOP))
            draw.rectangle((x - half, top, x + half, STRIP_BOTTOM), fill=PLAN_COLOUR)
        elif day.missed:
            r = min(half, 6.0)
            mid = (STRIP_TOP + STRIP_BOTTOM) / 2
            draw.line((x - r, mid - r, x + r, mid + r), fill=MISSED_COLOUR, width=2)
            draw.line((x - r, mid + r, x + r, mid - r), fill=MISSED_COLOUR, width=2)


def _draw_legend(draw: ImageDraw.ImageDraw, x: float, y: float) -> None:
    font = _font(16)
    entries: Sequence[tuple[str, str, tuple[int, ...]]] = (
        ("circle", "Mood", MOOD_COLOUR),
        ("diamond", "Energy", ENERGY_COLOUR),
        ("bar", "Plan followed (full bar = yes, half = partly)", PLAN_COLOUR),
        ("cross", "Missed check-in", MISSED_COLOUR),
    )
    for shape, label, colour in entries:
        if shape in ("circle", "diamond"):
            draw.line((x, y, x + 28, y), fill=colour, width=4)
            _marker(draw, shape, x + 14, y, 6, colour)
        elif shape == "bar":
            draw.rectangle((x + 8, y - 9, x + 20, y + 9), fill=colour)
        else:
            draw.line((x + 8, y - 6, x + 20, y + 6), fill=colour, width=2)
            draw.line((x + 8, y + 6, x + 20, y - 6), fill=colour, width=2)
        draw.text((x + 36, y), label, font=font, fill=TEXT, anchor="lm")
        x += 36 + draw.textlength(label, font=font) + 28


def _draw_axis_labels(image: Image.Image, draw: ImageDraw.ImageDraw, series: ClientSeries) -> None:
    label = f"Day ({series.timezone} time) · gaps are days without a check-in"
    _centred(draw, (PLOT_LEFT + PLOT_RIGHT) / 2, STRIP_BOTTOM + 32, label, 16, MUTED)
    font = _font(16)
    text = "Score (1-10)"
    width = int(draw.textlength(text, font=font)) + 4
    # Pillow draws no vertical text: draw it flat on its own layer and turn that a quarter.
    layer = Image.new("RGBA", (width, 22), (0, 0, 0, 0))
    ImageDraw.Draw(layer).text((2, 11), text, font=font, fill=MUTED, anchor="lm")
    turned = layer.rotate(90, expand=True)
    image.paste(turned, (14, int((PLOT_TOP + PLOT_BOTTOM - turned.height) / 2)), turned)


def render_progress_chart(series: ClientSeries) -> bytes:
    """The chart as PNG bytes (WIDTH × HEIGHT); works for any number of check-ins, even none."""
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    weeks = len(series.weeks())
    title = f"{title_name(series.first_name)}: the last {weeks} week{'s' if weeks != 1 else ''}, "
    draw.text((PLOT_LEFT, 22), title + date_range(series, "-"), font=_font(TITLE_SIZE), fill=TEXT)
    _draw_legend(draw, PLOT_LEFT, 82)
    _draw_frame(draw, series)
    _draw_metric(draw, series, "mood", MOOD_COLOUR, 6, "circle")
    _draw_metric(draw, series, "energy", ENERGY_COLOUR, 3, "diamond")
    if not series.check_ins:
        _centred(
            draw, (PLOT_LEFT + PLOT_RIGHT) / 2, (PLOT_TOP + PLOT_BOTTOM) / 2, "No check-ins yet", 22, MUTED
        )
    _draw_plan_strip(draw, series)
    _draw_axis_labels(image, draw, series)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def alt_text(series: ClientSeries) -> str:
    """The chart in words for screen readers, from the computed numbers only."""
    name = series.first_name
    parts = [
        f"Chart of {name}'s daily mood and energy (1–10) and plan adherence, {date_range(series)} "
        f"({series.timezone} time).",
        f"{series.check_ins} check-in{'s' if series.check_ins != 1 else ''} on "
        f"{series.days_checked_in} of {len(series.days)} days.",
    ]
    if series.missed_days:
        parts.append(f"{series.missed_days} missed check-in days show as gaps.")
    changes = [series.change(metric) for metric in ("mood", "energy")]
    described = [d for d in (describe_trend(c) for c in changes) if d]
    if described:
        compared = all(c.last_week is not None for c in changes if c.this_week is not None)
        lead = "Latest week's average against the first week's" if compared else "Weekly average"
        parts.append(f"{lead}: {', '.join(described)}.")
    adherence = series.adherence_pct()
    if adherence is not None:
        parts.append(f"Plan followed {adherence}% over the check-in days.")
    return " ".join(parts)
