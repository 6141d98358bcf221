"""Times of day ("8am", "20:30") and future dates ("31.12.2026", "in 3 weeks", "end of March")."""

from __future__ import annotations

import calendar
import contextlib
import re
from datetime import date, timedelta

from conversations.i18n import format_day_month
from conversations.parsing._text import ParseError, clean, one_of
from conversations.parsing.native import native_date, read_natively
from conversations.parsing.numbers import read_amount
from conversations.texts import Parsing as T

__all__ = ["parse_date", "parse_time_of_day"]


_MERIDIEM_RE = re.compile(
    r"\s*(?P<am>a\.?\s?m\.?|in the morning|morning)$|\s*(?P<pm>p\.?\s?m\.?|in the (?:afternoon|evening)"
    r"|afternoon|evening|tonight)$|\s*(?P<night>at night)$|\s*(?P<clock>o'?clock|h|hrs|uhr)$"
)
_CLOCK_RE = re.compile(r"(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?")
_SPECIAL_TIMES = {"noon": "12:00", "midday": "12:00", "12 noon": "12:00", "midnight": "00:00"}


def _clock_from_words(text: str) -> tuple[int, int] | None:
    # "eight", "eight thirty", "seven forty five"
    amount = read_amount(text)
    if amount is None or not amount[0].is_integer():
        return None
    hour, rest = int(amount[0]), amount[1]
    if not rest:
        return hour, 0
    minutes = read_amount(rest)
    if minutes is None or minutes[1] or not minutes[0].is_integer():
        return None
    return hour, int(minutes[0])


def parse_time_of_day(text: str) -> str:
    """``"HH:MM"`` on a 24-hour clock: "8am", "8:30pm", "20:30", "0830", "noon", "8" → "08:00"; in the
    client's language too ("a las siete y media", "siete y media" → "07:30")."""
    return read_natively(_english_time_of_day, text, clock=True)


def _english_time_of_day(text: str) -> str:
    cleaned = re.sub(r"^(?:at|around|about|by)\s+", "", clean(text))
    if cleaned in _SPECIAL_TIMES:
        return _SPECIAL_TIMES[cleaned]
    meridiem = _MERIDIEM_RE.search(cleaned)
    period = meridiem.lastgroup if meridiem else None
    core = cleaned[: meridiem.start()].strip() if meridiem else cleaned
    clock: tuple[int, int] | None = None
    if match := _CLOCK_RE.fullmatch(core):
        clock = int(match[1]), int(match[2] or 0)
    elif re.fullmatch(r"\d{3,4}", core):  # military style "0830", "830"
        clock = int(core[:-2]), int(core[-2:])
    elif core:
        clock = _clock_from_words(core)
    if clock is None:
        raise ParseError(T.TIME)
    hour, minute = clock
    if period in ("am", "pm", "night"):
        if not 1 <= hour <= 12:
            raise ParseError(T.TIME)
        if period == "am" or (period == "night" and (hour == 12 or hour < 5)):
            hour %= 12
        else:
            hour = hour % 12 + 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ParseError(T.TIME)
    return f"{hour:02d}:{minute:02d}"


# English names, hard-coded: ``calendar.month_name`` follows the process locale.
_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
                "october", "november", "december")  # fmt: skip
_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _numbered(names: tuple[str, ...], first: int) -> dict[str, int]:
    """Each name and its three-letter form, numbered from ``first``: "january"/"jan" → 1."""
    return {name: n for n, full in enumerate(names, first) for name in (full, full[:3])}


_MONTHS = _numbered(_MONTH_NAMES, 1) | {"sept": 9}
_WEEKDAYS = _numbered(_DAY_NAMES, 0) | {"tues": 1, "thur": 3, "thurs": 3}
_MONTH = rf"({one_of(_MONTHS)})\.?"
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s*(\d{4}))?"
_DAY_MONTH_RE = re.compile(rf"(?:the\s+)?{_ORDINAL}\s+(?:of\s+)?{_MONTH}{_YEAR}")
_MONTH_DAY_RE = re.compile(rf"{_MONTH}\s+(?:the\s+)?{_ORDINAL}{_YEAR}")
_MONTH_RE = re.compile(rf"(?:(?:the\s+)?end\s+of\s+|(?:early|mid|late)\s+)?{_MONTH}{_YEAR}")
_ISO_RE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_DOTTED_RE = re.compile(r"(\d{1,2})\.(\d{1,2})(?:\.(\d{2}|\d{4}))?")
_SLASHED_RE = re.compile(r"(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})")
_RELATIVE_RE = re.compile(
    r"(?:(?:in|within|after|over|for)\s+(?:the\s+next\s+)?)?(.+?)\s+(day|week|month|year)s?(?:\s+(?:from now|time))?"
    r"|(.+?)\s+(day|week|month|year)s?\s+from\s+(?:now|today)"
)
_PERIOD_END_RE = re.compile(r"(?:(?:the\s+)?end\s+of\s+)?(?:the\s+|(this|next)\s+)(week|month|year)")
_LEADING_RE = re.compile(r"^(?:(?:by|before|until|till|til|on|due|deadline)\b[\s:]*)+")
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3}


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _full_year(year: str | None) -> int | None:
    if year is None:
        return None
    return 2000 + int(year) if len(year) == 2 else int(year)


def _next_occurrence(today: date, month: int, day: int | None, year: int | None) -> date:
    # Without a year, a month (or day) means its next occurrence: "March" in April is next March.
    def build(y: int) -> date:
        return _month_end(y, month) if day is None else date(y, month, day)

    if year is not None:
        return build(year)
    candidate = build(today.year)
    return candidate if candidate >= today else build(today.year + 1)


def _relative(today: date, amount_text: str, unit: str) -> date | None:
    count: float | None = _COUNT_WORDS.get(amount_text)
    if count is None:
        amount = read_amount(amount_text)
        if amount is None or amount[1]:
            return None
        count = amount[0]
    if count < 0 or not float(count).is_integer():
        return None
    n = int(count)
    if unit == "day":
        return today + timedelta(days=n)
    if unit == "week":
        return today + timedelta(weeks=n)
    return _add_months(today, n * (12 if unit == "year" else 1))


def _period_end(today: date, which: str | None, period: str) -> date:
    shift = 1 if which == "next" else 0
    if period == "week":  # weeks end on Sunday
        return today + timedelta(days=6 - today.weekday() + 7 * shift)
    if period == "month":
        start = _add_months(today.replace(day=1), shift)
        return _month_end(start.year, start.month)
    return date(today.year + shift, 12, 31)


def _read_date(text: str, today: date) -> date | None:
    """The date ``text`` names, or None when it names none; raises ParseError on ambiguity."""
    if text in ("today", "tonight"):
        return today
    if text in ("tomorrow", "tmrw", "tmr", "tomorow"):
        return today + timedelta(days=1)
    if text in ("the day after tomorrow", "day after tomorrow"):
        return today + timedelta(days=2)
    if m := _PERIOD_END_RE.fullmatch(text):
        return _period_end(today, m[1], m[2])
    if m := _RELATIVE_RE.fullmatch(text):
        return _relative(today, m[1] or m[3], m[2] or m[4])
    m = re.fullmatch(r"(?:(?:this|next|on)\s+)?([a-z]+)", text)
    if m and m[1] in _WEEKDAYS:  # the next such weekday, never today
        return today + timedelta(days=(_WEEKDAYS[m[1]] - today.weekday() - 1) % 7 + 1)
    if m := _ISO_RE.fullmatch(text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    if m := _DOTTED_RE.fullmatch(text):
        return _next_occurrence(today, int(m[2]), int(m[1]), _full_year(m[3]))
    if m := _SLASHED_RE.fullmatch(text):
        first, second, year = int(m[1]), int(m[2]), _full_year(m[3]) or today.year
        if first > 12 or first == second:
            return date(year, second, first)
        if second > 12:
            return date(year, first, second)
        raise ParseError(
            T.DATE_AMBIGUOUS.format(
                first=format_day_month(date(year, second, first)),
                second=format_day_month(date(year, first, second)),
                example=date(year, second, first).isoformat(),
            )
        )
    if m := _DAY_MONTH_RE.fullmatch(text):
        return _next_occurrence(today, _MONTHS[m[2]], int(m[1]), _full_year(m[3]))
    if m := _MONTH_DAY_RE.fullmatch(text):
        return _next_occurrence(today, _MONTHS[m[1]], int(m[2]), _full_year(m[3]))
    if m := _MONTH_RE.fullmatch(text):
        return _next_occurrence(today, _MONTHS[m[1]], None, _full_year(m[2]))
    return None


class DateInThePast(ParseError):
    """A real date, but one that has passed (so "Please give a date in the future" is the right hint)."""


def parse_date(text: str, today: date) -> date:
    """A date from ``today`` on, in English or in the client's language ("morgen", "el viernes",
    "через неделю", "Ende März"); see :func:`parse_english_date` for the forms."""
    try:
        return parse_english_date(text, today)
    except DateInThePast:
        raise
    except ParseError:
        found, english = native_date(text, today)
        if found is None and english is not None and english != clean(text):
            with contextlib.suppress(ParseError):
                found = parse_english_date(english, today)
        if found is None:
            raise
    if found < today:
        raise DateInThePast(T.DATE_PAST.format(example=date(today.year + 1, 3, 31).isoformat()))
    return found


def parse_english_date(text: str, today: date) -> date:
    """A date from ``today`` on.

    Accepts "2026-12-31", "31.12.2026", "12/31/2026" (day/month order inferred; ambiguous ones are
    refused with an ISO hint), "tomorrow", "in 3 weeks", "in 2 months", "friday", and period ends:
    a bare month ("by March", "end of March") is the **last day** of its next occurrence, and
    "next week/month/year" is the last day of that week (Sunday), month or year.
    """
    example = date(today.year + 1, 3, 31).isoformat()
    hint = T.DATE.format(example=example, dotted=f"31.03.{today.year + 1}")
    cleaned = _LEADING_RE.sub("", clean(text)).strip()
    cleaned = re.sub(r"^(?:in|at)\s+(?=" + _MONTH + ")", "", cleaned)  # "in March"
    try:
        found = _read_date(cleaned, today)
    except ValueError as error:  # "31.02.2027", "2027-13-01", "in 10000 years"
        if isinstance(error, ParseError):
            raise
        raise ParseError(T.DATE_MISSING.format(hint=hint)) from None
    except OverflowError:
        raise ParseError(hint) from None
    if found is None:
        raise ParseError(hint)
    if found < today:
        raise DateInThePast(T.DATE_PAST.format(example=example))
    return found
