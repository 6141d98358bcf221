"""The plain data insights are computed from and computed into (no ORM, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from domain.reasons import Reason


@dataclass(frozen=True, slots=True)
class CheckInRow:
    """One check-in as insights see it; ``at`` is an aware UTC instant."""

    at: datetime
    mood: int
    energy: int
    sleep_hours: float
    adherence: str
    goal_progress: int | None = None
    note: str | None = None
    answers: tuple[tuple[str, Any], ...] = ()
    """The program's own check-in questions answered with it: (key, typed value)."""
    note_language: str | None = None
    """The language stored with the note (None: written before languages were stored)."""


@dataclass(frozen=True, slots=True)
class ClientProfile:
    client_id: int
    display_name: str
    timezone: str
    cadence: str
    since: date | None = None
    """First local day the client was expected to check in (no misses are counted before it)."""
    goal_text: str | None = None
    focus_area: str | None = None
    obstacle: str | None = None
    activity_level: int | None = None

    @property
    def first_name(self) -> str:
        parts = self.display_name.split()
        return parts[0] if parts else "client"


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"
    FLAT = "flat"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Trend:
    """A metric this week against last week; ``change`` is this minus last, rounded like the values."""

    metric: str
    unit: str
    this_week: float | None
    last_week: float | None
    change: float | None
    direction: Direction

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "unit": self.unit,
            "this_week": self.this_week,
            "last_week": self.last_week,
            "change": self.change,
            "direction": self.direction.value,
        }


@dataclass(frozen=True, slots=True)
class WeekStats:
    start: date
    end: date
    check_ins: int
    expected: int
    missed: int
    mood: float | None
    energy: float | None
    sleep_hours: float | None
    adherence_pct: int | None
    goal_progress: int | None
    adherence_counts: dict[str, int] = field(default_factory=dict)


class FlagKind(StrEnum):
    FALLING_MOOD = "falling_mood"
    FALLING_ENERGY = "falling_energy"
    MISSED_CHECK_INS = "missed_check_ins"
    LOW_ADHERENCE = "low_adherence"
    NEGATIVE_NOTES = "negative_notes"


class Severity(StrEnum):
    WATCH = "watch"
    ACT = "act"


@dataclass(frozen=True, slots=True)
class RiskFlag:
    kind: FlagKind
    severity: Severity
    reason: str
    said: Reason | None = field(default=None, compare=False)
    """The reason as a sentence with its values, for a channel to say in the reader's language."""

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind.value, "severity": self.severity.value, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class NoteInsight:
    """Note sentiment (VADER compound, -1..1, averaged) and the sentences most worth reading."""

    count: int
    sentiment: float | None
    tone: str
    negative_count: int
    highlights: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AnswerStat:
    """The week's answers to one of the program's check-in questions, summed up for a person."""

    key: str
    count: int
    summary: str

    def text(self) -> str:
        return f"{self.key.replace('_', ' ')} {self.summary}"

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "count": self.count, "summary": self.summary}


def answer_stat(key: str, values: list[Any]) -> AnswerStat:
    """Numbers and scales: their average; yes/no: how many yes; choices and text: the most given."""
    if all(isinstance(v, bool) for v in values):
        return AnswerStat(key, len(values), f"yes {sum(values)} of {len(values)}")
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        average = round(sum(values) / len(values), 1)
        return AnswerStat(key, len(values), f"avg {average:g} over {len(values)}")
    texts = [str(v) for v in values]
    common = max(set(texts), key=texts.count)
    return AnswerStat(key, len(values), f"mostly {common!r} ({texts.count(common)} of {len(values)})")


@dataclass(frozen=True, slots=True)
class WeekFacts:
    """Everything computed about one client's week; the source of truth for every summary."""

    profile: ClientProfile
    week: WeekStats
    previous: WeekStats
    trends: tuple[Trend, ...]
    streak: int
    days_since_last_check_in: int | None
    notes: NoteInsight
    note_texts: tuple[str, ...]
    flags: tuple[RiskFlag, ...]
    program_answers: tuple[AnswerStat, ...] = ()

    def trend(self, metric: str) -> Trend:
        return next(t for t in self.trends if t.metric == metric)
