"""The grounding check: a summary may only state numbers that appear in what it was written from.

Used by tests and at runtime (a model answer failing it is replaced by the computed summary).

What counts as a stated number (read by :mod:`domain.insights.stated_numbers`, the same way in the
text and in the source's strings; numbers are compared by absolute value, so "-1.5" and "fell 1.5"
are one fact):

- Digits, with an optional decimal part: "7", "5.2", each part of "2026-11-22".
- Cardinal words from "zero" to "nineteen", the tens, "hundred", "thousand" and "dozen", alone or
  compound: "twenty-five" / "twenty five" (25), "a hundred" (100), "two hundred and five" (205),
  "a dozen" (12), "half a dozen" (6), "five point two" (5.2).
- Halves: "seven and a half" / "7 and a half" (7.5), "an hour and a half" (1.5), "two hours and a
  half" (2.5). A bare "half" or "halved" is 0.5 or 50 (per cent), grounded by either — except
  "first/second/other/last half" (a span of the week) and hyphenated "half-hearted" (but
  "half-hour" counts).
- "twice" (2) and "thrice" (3) always; "once" (1) unless it is "at once", "once again/more",
  "once in a while", "once and for all", or the conjunction ("once she sleeps better").
- "one" and ordinals ("second" … "twentieth", "twenty-first", "hundredth") only where they state a
  count: directly before something counted, optionally after one modifier — "one missed check-in",
  "third check-in", "second week in a row", "one point", "one of 7" / "one out of seven" — and not
  in "one day at a time". "no one", "at one point", "every one", "one of your goals", "one-on-one",
  "a second look", "the second half" are prose. "first" alone is a position ("her first week",
  "at first"), never a count; it only counts inside a compound ordinal ("twenty-first check-in").
- "a" / "an" are never a number by themselves ("a week", "an hour"); only in "a hundred",
  "a dozen", "an hour and a half".
- Not read as numbers: words that contain a number word ("someone", "none", "often", "weight"),
  vague quantities ("a couple", "a few", "several", "both", "dozens", "hundreds"), "no" / "none" /
  "nothing", "single", "double", "quarter".
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from domain.insights.stated_numbers import StatedNumber, stated_numbers


def numbers_in_text(text: str) -> list[str]:
    """The numbers ``text`` states, as written ("5.2", "twenty-five", "twice")."""
    return [stated.text for stated in stated_numbers(text)]


def _walk(value: Any) -> Iterable[Decimal]:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        yield abs(Decimal(repr(float(value)) if isinstance(value, float) else str(value))).normalize()
    elif isinstance(value, str):
        yield from _values(stated_numbers(value))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key)
            yield from _walk(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item)
    else:
        yield from _values(stated_numbers(str(value)))


def _values(stated: Iterable[StatedNumber]) -> Iterable[Decimal]:
    for number in stated:
        yield from number.values


def allowed_numbers(source: Any) -> set[Decimal]:
    """Every number in ``source`` (a JSON-like structure, strings read as prose), by absolute value."""
    return {number for number in _walk(source) if number.is_finite()}


def ungrounded_numbers(text: str, source: Any) -> list[str]:
    """Numbers stated in ``text`` that ``source`` does not contain (empty when the text is grounded)."""
    allowed = allowed_numbers(source)
    return [stated.text for stated in stated_numbers(text) if not stated.values & allowed]


def is_grounded(texts: Iterable[str], source: Any) -> bool:
    return all(not ungrounded_numbers(text, source) for text in texts)
