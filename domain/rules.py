"""Domain rules as small validators. Each raises :class:`ValidationError` naming the field."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from domain.errors import ValidationError
from domain.models.enums import Adherence, Billing, Cadence
from domain.reasons import Reason
from domain.reasons.rules import FieldNames, RuleProblems

MOOD_RANGE = (1, 10)
ENERGY_RANGE = (1, 10)
SLEEP_RANGE = (0.0, 24.0)
PROGRESS_RANGE = (0, 100)
FEEDBACK_RANGE = (1, 5)
NOTE_MAX_CHARS = 4000
NAME_MAX_CHARS = 200
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_CURRENCY = re.compile(r"^[a-z]{3}$")


# The names callers give their fields, said in the reader's language when a rule names the field.
_FIELD_NAMES = {
    "name": FieldNames.NAME,
    "client name": FieldNames.CLIENT_NAME,
    "mood": FieldNames.MOOD,
    "energy": FieldNames.ENERGY,
    "progress": FieldNames.PROGRESS,
    "goal progress": FieldNames.GOAL_PROGRESS,
    "score": FieldNames.SCORE,
    "time": FieldNames.TIME,
    "reminder time": FieldNames.REMINDER_TIME,
    "digest time": FieldNames.DIGEST_TIME,
    "quiet hours start": FieldNames.QUIET_START,
    "quiet hours end": FieldNames.QUIET_END,
}


def field_name(field: str) -> Reason | str:
    """A field as a rule's sentence names it: translatable when known, else as given."""
    known = _FIELD_NAMES.get(field)
    return known() if known is not None else field


def check_scale(field: str, value: int, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            RuleProblems.NOT_IN_SCALE(field=field_name(field), low=low, high=high), field=field
        )
    return value


def check_sleep_hours(value: float) -> float:
    low, high = SLEEP_RANGE
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ValidationError(RuleProblems.SLEEP_HOURS(), field="sleep_hours")
    return float(value)


def check_adherence(value: str) -> str:
    try:
        return Adherence(value).value
    except ValueError:
        raise ValidationError(RuleProblems.ADHERENCE(), field="adherence") from None


def check_note(note: str | None) -> str | None:
    if note is None:
        return None
    note = note.strip()
    if len(note) > NOTE_MAX_CHARS:
        raise ValidationError(RuleProblems.NOTE_TOO_LONG(most=NOTE_MAX_CHARS), field="note")
    return note or None


def check_name(name: str, field: str = "name") -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(RuleProblems.EMPTY(field=field_name(field)), field=field)
    if len(name) > NAME_MAX_CHARS:
        raise ValidationError(
            RuleProblems.TOO_LONG(field=field_name(field), most=NAME_MAX_CHARS), field=field
        )
    return name


# The languages clients can be spoken to in (ISO 639-1); each but English has a catalogue.
LOCALES = ("en", "de", "es", "ru")


def check_locale(code: str) -> str:
    if code not in LOCALES:
        raise ValidationError(RuleProblems.LANGUAGE(code=repr(code)), field="locale")
    return code


def check_timezone(name: str) -> str:
    if name not in _TIMEZONES:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError(RuleProblems.TIMEZONE(name=repr(name)), field="timezone") from None
    return name


def check_time_of_day(value: str, field: str = "time") -> str:
    if not _TIME_OF_DAY.match(value):
        raise ValidationError(RuleProblems.TIME_OF_DAY(field=field_name(field)), field=field)
    return value


def check_cadence(value: str) -> str:
    try:
        return Cadence(value).value
    except ValueError:
        raise ValidationError(RuleProblems.CADENCE(), field="cadence") from None


def check_billing(value: str) -> str:
    try:
        return Billing(value).value
    except ValueError:
        raise ValidationError(RuleProblems.BILLING(), field="billing") from None


def check_money(amount_minor: int, currency: str) -> tuple[int, str]:
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor < 0:
        raise ValidationError(RuleProblems.PRICE(), field="price")
    currency = currency.lower()
    if not _CURRENCY.match(currency):
        raise ValidationError(RuleProblems.CURRENCY(), field="currency")
    return amount_minor, currency


# The longest address SMTP allows (RFC 5321), the column's size.
# The most active clients a coach may set as their capacity; beyond this it is surely a typo.
CAPACITY_MAX = 10_000


def check_capacity(value: int | None) -> int | None:
    """A coach's capacity: None (no limit) or 1 to CAPACITY_MAX active clients."""
    if value is not None and not 1 <= value <= CAPACITY_MAX:
        raise ValidationError(RuleProblems.CAPACITY(), field="capacity")
    return value


EMAIL_MAX_CHARS = 320
# Something@domain.tld with no spaces: enough to catch typos without refusing real addresses.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def check_email(value: str) -> str:
    value = value.strip()
    if len(value) > EMAIL_MAX_CHARS or _EMAIL.fullmatch(value) is None:
        raise ValidationError(RuleProblems.EMAIL(value=repr(value)), field="email")
    return value.lower()


_TIMEZONES = frozenset(available_timezones())
