"""The numbers a piece of English prose states, in digits or in words.

It implements the reading rule written down in :mod:`domain.insights.grounding`; each stated number
carries every value it may stand for ("half" is 0.5 or 50 %), compared by absolute value.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from domain.number_words import TEENS as _TEENS
from domain.number_words import TENS as _TENS
from domain.number_words import UNITS as _UNITS

# Ordinals that may stand alone ("third check-in"); "first" only ends a compound ("twenty-first").
_ORDINALS = {
    "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50, "sixtieth": 60,
    "seventieth": 70, "eightieth": 80, "ninetieth": 90, "hundredth": 100, "thousandth": 1000,
}  # fmt: skip
_COMPOUND_ORDINALS = {"first": 1, **{w: v for w, v in _ORDINALS.items() if v < 10}}
_SCALES = {"hundred": 100, "dozen": 12}
_TIMES = {"once": 1, "twice": 2, "thrice": 3}
_HALF = frozenset({"half", "halved"})
_NUMBER_WORDS = frozenset({*_UNITS, *_TEENS, *_TENS, *_SCALES, "thousand"})

# What a count counts: "one missed check-in", "third week in a row", "one point" (plurals too).
_COUNTED = frozenset(
    {
        "checkin", "day", "night", "week", "weekend", "month", "year", "time", "hour", "hr", "minute",
        "min", "point", "session", "workout", "walk", "run", "meal", "breakfast", "lunch", "dinner",
        "goal", "note", "flag", "reminder", "message", "reply", "kg", "kilo", "pound", "lb", "km",
        "mile", "glass", "litre", "liter", "percent", "pct",
    }
)  # fmt: skip
# One word allowed between a count and what it counts: "one missed check-in", "second full week".
_MODIFIERS = frozenset(
    {
        "missed", "skipped", "more", "less", "fewer", "full", "whole", "entire", "extra", "single",
        "late", "early", "good", "bad", "great", "tough", "hard", "easy", "short", "long", "rest",
        "sleepless", "straight", "consecutive", "solid", "complete", "partial", "new", "low", "high",
    }
)  # fmt: skip
# "no one", "at one point", "every one of them": "one" here is not a count.
_NOT_A_COUNT_AFTER = frozenset({"no", "any", "every", "each", "some", "at"})
# "the second half of the week", "my better half": a span, not 0.5.
_SPAN_HALF_AFTER = frozenset({"first", "second", "other", "latter", "last", "back", "front", "better"})
# "once she sleeps better": the conjunction, not "one time".
_CLAUSE_STARTS = frozenset(
    {
        "i", "you", "he", "she", "it", "we", "they", "the", "his", "her", "their", "your", "my", "our",
        "there", "everything", "again", "more", "upon",
    }
)  # fmt: skip

_TOKEN = re.compile(r"\d+(?:\.\d+)?|[^\W\d_]+")
# Most strings (notes, reasons) state nothing: skip tokenising them unless a number may be there.
_MAYBE_A_NUMBER = re.compile(
    r"\d|\b(?:"
    + "|".join(
        sorted({*_NUMBER_WORDS, *_ORDINALS, *_COMPOUND_ORDINALS, *_TIMES, *_HALF}, key=len, reverse=True)
    )
    + r")\b",
    re.IGNORECASE,
)
_SPACE, _HYPHEN, _BREAK = " ", "-", "|"


@dataclass(frozen=True, slots=True)
class StatedNumber:
    text: str
    """As written: "5.2", "twenty-five", "twice", "an hour and a half"."""
    values: frozenset[Decimal]
    parts: tuple[frozenset[Decimal], ...] = ()
    """Another reading as several numbers, grounded when each is: "16.11" is 16.11 or 16 November."""


@dataclass(frozen=True, slots=True)
class _Token:
    word: str
    start: int
    end: int
    link: str
    """How it joins the previous token: a space, a hyphen, or a break (punctuation, a line's start)."""


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    previous_end: int | None = None
    for match in _TOKEN.finditer(text):
        gap = text[previous_end : match.start()] if previous_end is not None else ""
        if gap and not gap.strip() and "\n\n" not in gap:
            link = _SPACE
        elif gap.strip() in {"-", "‐", "‑"}:
            link = _HYPHEN
        else:
            link = _BREAK  # punctuation, a new paragraph, the start, or "7h" (no gap at all)
        out.append(_Token(match.group().lower(), match.start(), match.end(), link))
        previous_end = match.end()
    return out


def _number(value: float | Decimal) -> Decimal:
    return abs(Decimal(str(value))).normalize()


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)

    def word(self, i: int) -> str:
        return self.tokens[i].word if 0 <= i < len(self.tokens) else ""

    def linked(self, i: int) -> bool:
        """Token ``i`` exists and continues the phrase of token ``i - 1`` (after a space or hyphen)."""
        return 0 < i < len(self.tokens) and self.tokens[i].link in (_SPACE, _HYPHEN)

    def follows(self, i: int, *words: str) -> bool:
        """Tokens from ``i`` on are ``words``, each linked to the one before."""
        return all(self.linked(i + k) and self.word(i + k) == w for k, w in enumerate(words))

    def is_one_of(self, i: int, words: Iterable[str]) -> bool:
        """Token ``i`` is linked to the one before and is one of ``words``."""
        return self.linked(i) and self.word(i) in words

    def span(self, first: int, end: int) -> str:
        return self.text[self.tokens[first].start : self.tokens[end - 1].end]

    # ---- the phrases ----------------------------------------------------------------------

    def cardinal(self, i: int) -> tuple[Decimal, int, bool] | None:
        """A number in digits or words from token ``i``: (value, index after it, is an ordinal)."""
        word = self.word(i)
        if word[:1].isdigit():
            return Decimal(word), i + 1, False
        total, current, last, end, ordinal = 0, 0, "", 0, False
        j = i
        while j < len(self.tokens) and (j == i or self.linked(j)):
            w = self.tokens[j].word
            fresh = last in ("", "hundred", "thousand", "and")
            if w in _UNITS and (fresh or last == "tens"):
                current, last = current + _UNITS[w], "unit"
            elif w in _TEENS and fresh:
                current, last = current + _TEENS[w], "teen"
            elif w in _TENS and fresh:
                current, last = current + _TENS[w], "tens"
            elif w in ("a", "an") and last == "" and self.is_one_of(j + 1, (*_SCALES, "thousand")):
                current, last = 1, "a"
                j += 1
                continue
            elif w in _SCALES and last in ("", "unit", "teen", "tens", "a"):
                current, last = (current or 1) * _SCALES[w], "hundred"
            elif w == "thousand" and last in ("", "unit", "teen", "tens", "hundred", "a"):
                total, current, last = total + (current or 1) * 1000, 0, "thousand"
            elif w == "and" and last in ("hundred", "thousand") and self.is_one_of(j + 1, _NUMBER_WORDS):
                last = "and"
                j += 1
                continue
            elif w in _COMPOUND_ORDINALS and last in ("tens", "hundred", "thousand", "and"):
                current, end, ordinal = current + _COMPOUND_ORDINALS[w], j + 1, True
                break
            elif w in _ORDINALS and fresh:
                current, end, ordinal = current + _ORDINALS[w], j + 1, True
                break
            else:
                break
            j += 1
            end = j
        if not end:
            return None
        return Decimal(total + current), end, ordinal

    def fraction_after(self, value: Decimal, end: int) -> tuple[Decimal, int]:
        """ "… and a half" (7.5), "… point five two" (5.52), or nothing more."""
        if self.follows(end, "and", "a", "half") or self.follows(end, "and", "an", "half"):
            return value + Decimal("0.5"), end + 3
        if value == int(value) and self.follows(end, "point") and self.is_one_of(end + 1, _UNITS):
            digits, k = "", end + 1
            while self.is_one_of(k, _UNITS):
                digits, k = digits + str(_UNITS[self.word(k)]), k + 1
            return value + Decimal("0." + digits), k
        return value, end

    def counts_something(self, k: int) -> bool:
        """Token ``k`` starts what a count counts: "check-ins", "missed days", "out of 7"."""
        if self.follows(k, "of") or self.follows(k, "in") or self.follows(k, "out", "of"):
            after = k + (2 if self.word(k) == "out" else 1)
            return self.linked(after) and (
                self.word(after)[:1].isdigit() or self.word(after) in _NUMBER_WORDS
            )
        noun_end = self.counted_noun(k)
        if noun_end is None and self.is_one_of(k, _MODIFIERS):
            noun_end = self.counted_noun(k + 1)
        # "one day at a time" is a way of going, not a count of days.
        return noun_end is not None and not self.follows(noun_end, "at", "a", "time")

    def counted_noun(self, k: int) -> int | None:
        if not self.linked(k):
            return None
        word = self.word(k)
        if word == "check" and self.is_one_of(k + 1, ("in", "ins")):
            return k + 2
        if word == "per" and self.follows(k + 1, "cent"):
            return k + 2
        stem = word[:-2] if word.endswith("es") and word[:-2] in _COUNTED else word.rstrip("s")
        return k + 1 if word in _COUNTED or stem in _COUNTED or stem == "checkin" else None

    def half_is_stated(self, i: int) -> bool:
        if self.linked(i) and self.word(i - 1) in _SPAN_HALF_AFTER:  # token i links to i - 1
            return False
        hyphen_joined = i + 1 < len(self.tokens) and self.tokens[i + 1].link == _HYPHEN
        return not hyphen_joined or self.counted_noun(i + 1) is not None

    def once_is_stated(self, i: int) -> bool:
        if self.linked(i) and self.word(i - 1) == "at":  # "at once", "all at once"
            return False
        if self.follows(i + 1, "in", "a", "while") or self.follows(i + 1, "and", "for", "all"):
            return False
        return not self.is_one_of(i + 1, _CLAUSE_STARTS)

    def one_is_a_count(self, i: int, end: int) -> bool:
        if self.linked(i) and self.word(i - 1) in _NOT_A_COUNT_AFTER:
            return False
        # "one-on-one sessions", "one to one": a format, not a number (the first "one" counts nothing).
        if self.is_one_of(i - 1, ("on", "to")) and self.word(i - 2) == "one" and self.linked(i):
            return False
        return self.counts_something(end)

    # ---- the scan ---------------------------------------------------------------------------

    def read(self) -> list[StatedNumber]:
        found: list[tuple[StatedNumber, int, int]] = []  # with the token indexes it spans
        i = 0
        while i < len(self.tokens):
            stated, end = self.read_at(i, found)
            if stated is not None:
                found.append((stated, i, end))
            i = max(end, i + 1)
        return [stated for stated, _, _ in found]

    def read_at(self, i: int, found: list[tuple[StatedNumber, int, int]]) -> tuple[StatedNumber | None, int]:
        word = self.word(i)
        if word == "half" and self.follows(i + 1, "a", "dozen"):
            return self.stated(i, i + 3, 6), i + 3
        if word in _TIMES:
            stated = word != "once" or self.once_is_stated(i)
            return (self.stated(i, i + 1, _TIMES[word]) if stated else None), i + 1
        if word in _HALF:
            return self.half(i, found), i + 1
        reading = self.cardinal(i)
        if reading is None:
            return None, i + 1
        value, end, ordinal = reading
        if not ordinal:
            value, end = self.fraction_after(value, end)
        if ordinal and not self.counts_something(end):
            return None, end
        if end == i + 1 and word == "one" and not self.one_is_a_count(i, end):
            return None, end
        return self.stated(i, end, value), end

    def half(self, i: int, found: list[tuple[StatedNumber, int, int]]) -> StatedNumber | None:
        # "an hour and a half" is 1.5; "two hours and a half" is 2.5 (replacing the 2 read before).
        if self.follows(i - 2, "and", "a", "half") and self.counted_noun(i - 3):
            if self.word(i - 4) in ("a", "an"):
                return self.stated(i - 4, i + 1, Decimal("1.5"))
            if found and found[-1][2] == i - 3 and len(found[-1][0].values) == 1:
                previous, first, _ = found.pop()
                return self.stated(first, i + 1, next(iter(previous.values)) + Decimal("0.5"))
        if not self.half_is_stated(i):
            return None
        return StatedNumber(self.span(i, i + 1), frozenset({Decimal("0.5"), Decimal(50)}))

    def stated(self, first: int, end: int, value: float | Decimal) -> StatedNumber:
        return StatedNumber(self.span(first, end), frozenset({_number(value)}))


def stated_numbers(text: str) -> list[StatedNumber]:
    """Every number ``text`` states, in the order written."""
    return list(_stated(text))


# The same strings come back all the time (a payload's keys, a client's notes on each re-check).
@functools.lru_cache(maxsize=4096)
def _stated(text: str) -> tuple[StatedNumber, ...]:
    if not _MAYBE_A_NUMBER.search(text):
        return ()
    return tuple(_Reader(text).read())
