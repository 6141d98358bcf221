"""A measurable target and a due date pulled out of a free-text goal ("Run 5 km by March")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from conversations.parsing._text import ParseError, clean
from conversations.parsing.numbers import NUMBER_WORDS, read_number_words
from conversations.parsing.times import parse_date
from conversations.texts import Parsing as T

__all__ = ["GOAL_TEXT_MAX_CHARS", "GoalDetails", "parse_goal_details"]

GOAL_TEXT_MAX_CHARS = 500
_METRIC_MAX_CHARS = 200  # goals.metric is String(200)
_UNIT_MAX_CHARS = 50  # goals.unit is String(50)


@dataclass(frozen=True, slots=True)
class GoalDetails:
    """What a goal says; fields the person did not give are None so the flow can ask for them."""

    text: str
    metric: str | None = None
    target: float | None = None
    unit: str | None = None
    due_date: date | None = None

    @property
    def missing(self) -> tuple[str, ...]:
        """The follow-ups still needed: ``"target"`` and/or ``"due_date"``."""
        return tuple(name for name in ("target", "due_date") if getattr(self, name) is None)


_UNIT_ALIASES = {
    "k": "km", "kms": "km", "kilometer": "km", "kilometers": "km", "kilometre": "km", "kilometres": "km",
    "kgs": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg",
    "lbs": "lb", "pound": "lb", "pounds": "lb", "mile": "mi", "miles": "mi",
    "min": "minutes", "mins": "minutes", "minute": "minutes",
    "h": "hours", "hr": "hours", "hrs": "hours", "hour": "hours", "percent": "%", "pct": "%",
    "$": "usd", "€": "eur", "£": "gbp",
    # The same units as German, Spanish and Russian clients write them.
    "kilómetros": "km", "kilómetro": "km", "км": "km", "кг": "kg", "kilogramos": "kg", "minuten": "minutes",
    "minutos": "minutes", "мин": "minutes", "минут": "minutes", "stunden": "hours", "horas": "hours",
    "часов": "hours", "часа": "hours",
}  # fmt: skip
# A unit word: letters of any script (or %), then letters, %, ' or -.
_UNIT_WORD_RE = re.compile(r"(?:[^\W\d_]|%)(?:[^\W\d_]|[%'-])*")
# Words that follow a number without being its unit: "3 times a week" keeps "times", not "a".
_NOT_UNITS = frozenset(
    {"a", "an", "the", "by", "in", "on", "at", "per", "each", "every", "daily", "weekly", "monthly", "and",
     "or", "to", "for", "of", "before", "until", "within", "this", "next", "from", "more", "less", "than"}
)  # fmt: skip
# Words between the verb and the number: "run at least 5 km" has metric "run".
_HEDGES = frozenset(
    {"at", "least", "about", "around", "approximately", "roughly", "over", "under", "up", "to", "than",
     "more", "less", "only", "just", "a", "an", "the", "my", "of", "total", "another", "extra", "by", "for"}
)  # fmt: skip
_INTENT_RE = re.compile(
    r"^(?:(?:my\s+)?goal(?:\s+is)?(?:\s+to)?:?\s+|i\s+(?:want|would like|'d like|'d love|wanna|need|plan|hope|aim"
    r"|will|may|might|should|must|can|could|am going|'m going|am gonna|'m gonna|gonna|intend|try)"
    r"(?:\s+to)?\s+|i'll\s+|to\s+)+"
)
_NUMBER_TOKEN_RE = re.compile(r"([$€£]?)(\d+(?:[.,]\d+)?)(k|[^\W\d_]+|%)?")
_MULTIPLIERS = frozenset({"hundred", "thousand", "dozen"})
_WHOLE_NUMBER_WORDS = NUMBER_WORDS - {"half", "quarter", "quarters", "point", *_MULTIPLIERS}
# Only complete dates start a date span unprompted: "2.5 litres" must not become 2 May.
_DATE_TOKEN_RE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}|today|tomorrow")
_DATE_STARTS = frozenset(
    {"by", "before", "until", "till", "in", "within", "on", "this", "next", "end", "due", "for", "over"}
)


def _find_due_date(tokens: list[str], today: date) -> tuple[date, int, int] | None:
    """The first span of tokens that is a future date, preferring spans that start with "by", "in" ..."""
    # Bare month and weekday words are left alone: "I may run", "more sun" are not dates.
    starts = [i for i, tok in enumerate(tokens) if tok in _DATE_STARTS or _DATE_TOKEN_RE.fullmatch(tok)]
    for start in starts:
        for end in range(min(len(tokens), start + 6), start, -1):
            try:
                return parse_date(" ".join(tokens[start:end]), today), start, end
            except ParseError:
                continue
    return None


def _number_at(tokens: list[str], i: int) -> tuple[float, str | None, int] | None:
    """(value, unit, tokens used) for a number starting at ``tokens[i]``."""
    match = _NUMBER_TOKEN_RE.fullmatch(tokens[i])
    if match:
        currency, digits, suffix = match[1], match[2], match[3]
        value = (
            float(digits.replace(",", ""))
            if re.fullmatch(r"\d+,\d{3}", digits)
            else float(digits.replace(",", "."))
        )
        used = 1
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if suffix == "k" and nxt and nxt.isalpha() and nxt not in _NOT_UNITS:
            value, suffix, used = value * 1000, nxt, 2  # "10k steps"
        unit = currency or suffix
        if unit is None and nxt and nxt not in _NOT_UNITS and _UNIT_WORD_RE.fullmatch(nxt):
            unit, used = nxt, 2
        return value, unit, used
    # Only whole-number words start a target: "a half marathon" is a distance, not a target of 0.5.
    nxt_word = tokens[i + 1] if i + 1 < len(tokens) else ""
    if not (tokens[i] in _WHOLE_NUMBER_WORDS or (tokens[i] in ("a", "an") and nxt_word in _MULTIPLIERS)):
        return None
    words = read_number_words(tokens[i:])
    if words is None:
        return None
    value, used = words
    nxt = tokens[i + used] if i + used < len(tokens) else None
    if nxt and nxt not in _NOT_UNITS and _UNIT_WORD_RE.fullmatch(nxt):
        return value, nxt, used + 1
    return value, None, used


def _metric(before: list[str], after: list[str]) -> str | None:
    words = _INTENT_RE.sub("", " ".join(before)).split()
    while words and words[-1] in _HEDGES:
        words.pop()
    if not words:  # "5 km run by March": the activity follows the number
        words = []
        for word in after:
            if word in _NOT_UNITS:
                break
            words.append(word)
    return " ".join(words)[:_METRIC_MAX_CHARS] or None


def parse_goal_details(text: str, today: date) -> GoalDetails:
    """Split a goal into metric, target, unit and due date.

    "Run 5 km by March" → metric "run", target 5, unit "km", due the **last day** of the next March;
    "lose 4 kg in 3 months", "read 12 books this year" (due 31 December), "meditate 10 minutes daily"
    (no due date). Anything not stated stays None.
    """
    original = " ".join(text.split())
    if not original or not re.search(r"\w", original):
        raise ParseError(T.GOAL_EMPTY)
    if len(original) > GOAL_TEXT_MAX_CHARS:
        raise ParseError(T.GOAL_TOO_LONG.format(limit=GOAL_TEXT_MAX_CHARS))
    tokens = [tok.strip(",;:!?()\"'") for tok in clean(original).split()]
    tokens = [tok.rstrip(".") for tok in tokens if tok]
    due = _find_due_date(tokens, today)
    rest = tokens if due is None else [*tokens[: due[1]], "by", *tokens[due[2] :]]
    for i in range(len(rest)):
        number = _number_at(rest, i)
        if number is None:
            continue
        value, unit, used = number
        unit = _UNIT_ALIASES.get(unit, unit) if unit else None
        return GoalDetails(
            text=original,
            metric=_metric(rest[:i], rest[i + used :]),
            target=value,
            unit=unit[:_UNIT_MAX_CHARS] if unit else None,
            due_date=due[0] if due else None,
        )
    return GoalDetails(text=original, due_date=due[0] if due else None)
