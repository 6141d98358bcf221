"""Numbers as people type them: "7", "7,5", "seven and a half", "about 7/10", "7h30"."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from conversations.parsing._text import ParseError, clean, one_of, strip_fillers
from conversations.parsing.native import also_native
from conversations.texts import Parsing as T
from domain.number_words import TEENS as _TEENS
from domain.number_words import TENS as _TENS
from domain.number_words import UNITS as _UNITS

__all__ = [
    "NUMBER_WORDS",
    "parse_number",
    "parse_percent",
    "parse_scale",
    "parse_sleep_hours",
    "read_amount",
    "read_number_words",
]

_FRACTIONS: dict[tuple[str, ...], float] = {
    ("a", "half"): 0.5,
    ("an", "half"): 0.5,
    ("one", "half"): 0.5,
    ("half",): 0.5,
    ("a", "third"): 1 / 3,
    ("one", "third"): 1 / 3,
    ("two", "thirds"): 2 / 3,
    ("a", "quarter"): 0.25,
    ("one", "quarter"): 0.25,
    ("quarter",): 0.25,
    ("three", "quarters"): 0.75,
}
_SCALE_WORDS = {"hundred": 100, "thousand": 1000, "dozen": 12}
NUMBER_WORDS = frozenset(
    {*_UNITS, *_TEENS, *_TENS, *_SCALE_WORDS, "half", "quarter", "quarters", "third", "thirds", "point"}
)

_DIGITS_RE = re.compile(r"([+-]?)(\d+(?:[.,]\d+)?|[.,]\d+)")
# "7/10", "7 out of 10", "7 of 10": the person scores against a scale; the numerator is the answer.
_SCORE_RE = re.compile(r"(.+?)\s*(?:/|\bout of\b|\bof\b)\s*(\d+(?:[.,]\d+)?)")
_UNIT_RE = re.compile(r"(?:[a-z%°$€£'][a-z%°$€£'.]*)(?:\s+[a-z][a-z'.]*)*")


def _to_float(digits: str) -> float:
    whole, sep, frac = digits.replace(".", ",").partition(",")
    # "10,000" groups thousands; "7,5" and "0,500" are decimal commas.
    if sep and "," in digits and len(frac) == 3 and whole not in ("", "0"):
        return float(whole + frac)
    return float(f"{whole or '0'}.{frac}" if sep else whole)


def _fraction_at(tokens: list[str], start: int) -> tuple[float, int] | None:
    for phrase, value in _FRACTIONS.items():
        if tuple(tokens[start : start + len(phrase)]) == phrase:
            return value, len(phrase)
    return None


def read_number_words(tokens: list[str]) -> tuple[float, int] | None:
    """The longest prefix of ``tokens`` spelling an English number: (value, tokens used), or None."""
    fraction = _fraction_at(tokens, 0)
    if fraction:
        return fraction
    total, current, last, used, best = 0.0, 0.0, "", 0, None
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        after_scale = last in ("", "hundred", "thousand", "and")
        if tok in _UNITS and (after_scale or last == "tens"):
            current, last = current + _UNITS[tok], "unit"
        elif tok in _TEENS and after_scale:
            current, last = current + _TEENS[tok], "teen"
        elif tok in _TENS and after_scale:
            current, last = current + _TENS[tok], "tens"
        elif tok in ("a", "an") and last == "" and i + 1 < len(tokens) and tokens[i + 1] in _SCALE_WORDS:
            current, last = 1, "a"
            i += 1
            continue
        elif tok in ("hundred", "dozen") and last in ("unit", "teen", "tens", "a"):
            current, last = current * _SCALE_WORDS[tok], "hundred"
        elif tok == "thousand" and last in ("unit", "teen", "tens", "hundred", "a"):
            total, current, last = total + current * 1000, 0, "thousand"
        elif tok == "and" and last in ("unit", "teen", "tens", "hundred", "thousand"):
            fraction = _fraction_at(tokens, i + 1)
            if fraction:
                return total + current + fraction[0], i + 1 + fraction[1]
            if last not in ("hundred", "thousand"):
                break
            last = "and"
            i += 1
            continue
        elif tok == "point" and last in ("unit", "teen", "tens", "hundred", "thousand"):
            digits = []
            for nxt in tokens[i + 1 :]:
                if nxt not in _UNITS:
                    break
                digits.append(str(_UNITS[nxt]))
            if digits:
                return total + current + float("0." + "".join(digits)), i + 1 + len(digits)
            break
        else:
            break
        i += 1
        used, best = i, total + current
    return None if best is None else (best, used)


def read_amount(text: str) -> tuple[float, str] | None:
    """A number at the start of cleaned ``text`` and what follows it: "7.5 hours" → (7.5, "hours")."""
    match = _DIGITS_RE.match(text)
    if match:
        value = _to_float(match[2]) * (-1 if match[1] == "-" else 1)
        rest = text[match.end() :].strip()
        tokens = rest.split()
        if tokens[:1] == ["and"] and (fraction := _fraction_at(tokens, 1)):
            return value + fraction[0], " ".join(tokens[1 + fraction[1] :])
        return value, rest
    tokens = [t for t in re.split(r"[\s-]+", text) if t]
    words = read_number_words(tokens)
    if words is None:
        return None
    return words[0], " ".join(tokens[words[1] :])


@dataclass(frozen=True, slots=True)
class _Reading:
    value: float
    unit: str
    out_of: float | None


def _read(text: str, hint: str) -> _Reading:
    cleaned = strip_fillers(clean(text))
    out_of: float | None = None
    score = _SCORE_RE.fullmatch(cleaned)
    if score:
        cleaned, out_of = score[1], _to_float(score[2])
    amount = read_amount(cleaned)
    if amount is None:
        raise ParseError(hint)
    value, unit = amount
    if not math.isfinite(value):  # "1" * 400 overflows to inf
        raise ParseError(hint)
    # Whatever follows the number must look like a unit ("h", "km", "%"), not another number.
    if unit and (not _UNIT_RE.fullmatch(unit) or NUMBER_WORDS & set(re.split(r"[\s-]+", unit))):
        raise ParseError(hint)
    return _Reading(value, unit, out_of)


@also_native
def parse_number(text: str) -> float:
    """Any number: "7", "7.5", "7,5", "twenty-one", "a hundred", "half", "about 7", "7/10", "7h"."""
    return _read(text, T.NUMBER).value


def _example(low: int, high: int) -> int:
    return round(low + (high - low) * 0.7)


@also_native
def parse_scale(text: str, low: int, high: int) -> int:
    """A whole number from ``low`` to ``high``: "8", "eight", "8/10"."""
    example = _example(low, high)
    hint = T.SCALE.format(low=low, high=high, example=example)
    reading = _read(text, hint)
    if reading.out_of is not None and reading.out_of != high:
        raise ParseError(T.SCALE_OUT_OF.format(low=low, high=high, example=example))
    if not reading.value.is_integer():
        raise ParseError(T.SCALE_WHOLE.format(low=low, high=high, example=example))
    if not low <= reading.value <= high:
        raise ParseError(hint)
    return int(reading.value)


_HOUR_UNITS = frozenset({"h", "hr", "hrs", "hour", "hours"})
_MINUTE_UNITS = frozenset({"m", "min", "mins", "minute", "minutes"})
_HOUR, _MINUTE = f"(?:{one_of(_HOUR_UNITS)})", f"(?:{one_of(_MINUTE_UNITS)})"
_HOURS_MINUTES_RE = re.compile(rf"(\d{{1,2}})\s*(?::|{_HOUR})\s*(\d{{1,2}})\s*{_MINUTE}?")
_SPELLED_HOURS_MINUTES_RE = re.compile(rf"(.+?)\s*\b{_HOUR}\b\.?,?\s*(?:and\s+)?(.+?)\s*{_MINUTE}\.?")


def _first_word(unit: str) -> str:
    return unit.split()[0].rstrip(".") if unit else ""


@also_native
def parse_sleep_hours(text: str) -> float:
    """Hours of sleep, 0–24: "7", "7.5", "7h30", "7:30", "7 hours 30 minutes", "seven and a half".

    A dot is always a decimal point ("7.30" is 7.3 h); minutes need ":" or "h" ("7:30", "7h30").
    """
    cleaned = strip_fillers(clean(text))
    hours: float
    if match := _HOURS_MINUTES_RE.fullmatch(cleaned):
        hours, minutes = float(match[1]), float(match[2])
    elif match := _SPELLED_HOURS_MINUTES_RE.fullmatch(cleaned):
        hours_part, minutes_part = (_read(part, T.SLEEP) for part in (match[1], match[2]))
        if hours_part.unit or minutes_part.unit:
            raise ParseError(T.SLEEP)
        hours, minutes = hours_part.value, minutes_part.value
    else:
        reading = _read(cleaned, T.SLEEP)
        unit = _first_word(reading.unit)
        if reading.out_of is not None or unit not in _HOUR_UNITS | _MINUTE_UNITS | {""}:
            raise ParseError(T.SLEEP)
        hours, minutes = divmod(reading.value, 60) if unit in _MINUTE_UNITS else (reading.value, 0.0)
    if not (0 <= minutes < 60 and 0 <= hours + minutes / 60 <= 24):
        raise ParseError(T.SLEEP)
    return round(hours + minutes / 60, 2)


_PERCENT_UNITS = frozenset({"", "%", "percent", "per", "pct", "pc"})
_PERCENT_WORDS = {
    "halfway": 50, "half way": 50, "all": 100, "all of it": 100, "done": 100, "finished": 100,
    "complete": 100, "completed": 100, "none": 0, "nothing": 0, "not started": 0,
}  # fmt: skip


@also_native
def parse_percent(text: str) -> int:
    """A whole percentage, 0–100: "40", "40%", "forty percent", "half" → 50, "3/4" → 75."""
    cleaned = strip_fillers(clean(text))
    if cleaned in _PERCENT_WORDS:
        return _PERCENT_WORDS[cleaned]
    tokens = cleaned.split()
    fraction = _fraction_at(tokens, 0)
    if fraction and fraction[1] == len(tokens):  # "a quarter" is 25 %, not 0.25 %
        return int(fraction[0] * 100 + 0.5)
    reading = _read(cleaned, T.PERCENT)
    if _first_word(reading.unit) not in _PERCENT_UNITS:
        raise ParseError(T.PERCENT)
    value = reading.value
    if reading.out_of is not None:
        if reading.out_of == 0:
            raise ParseError(T.PERCENT)
        value = value / reading.out_of * 100
    if not 0 <= value <= 100:
        raise ParseError(T.PERCENT)
    return int(value + 0.5)  # round half up: 12.5 % reads as 13, not banker's 12
