"""A client's digest day: whether they checked in since the previous digest, how that check-in
looked, and which of the week's risk flags are new since then."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from domain.insights.compute import local_today, week_facts
from domain.insights.facts import CheckInRow, ClientProfile, RiskFlag, Severity, WeekFacts
from domain.insights.period import DigestWindow


@dataclass(frozen=True, slots=True)
class DayFacts:
    check_ins: int
    mood: int | None
    energy: int | None
    adherence: str | None
    """Of the latest check-in in the window."""
    new_flags: tuple[RiskFlag, ...]
    """The week's flags that the previous digest did not have (or had only as "watch")."""

    @property
    def checked_in(self) -> bool:
        return self.check_ins > 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "checked_in": self.checked_in,
            "check_ins": self.check_ins,
            "mood": self.mood,
            "energy": self.energy,
            "adherence": self.adherence,
            "new_flags": [f.reason for f in self.new_flags],
            "new_flag_kinds": [f.kind.value for f in self.new_flags],
        }


@dataclass(frozen=True, slots=True)
class DayView:
    """What a daily digest adds to the week: its window and each client's day (client id → facts)."""

    window: DigestWindow
    clients: Mapping[int, DayFacts]


def _is_new(flag: RiskFlag, before: Sequence[RiskFlag]) -> bool:
    earlier = next((f for f in before if f.kind is flag.kind), None)
    return earlier is None or (flag.severity is Severity.ACT and earlier.severity is not Severity.ACT)


def day_facts(
    profile: ClientProfile, rows: Sequence[CheckInRow], week: WeekFacts, window: DigestWindow
) -> DayFacts:
    """The day in ``window``; ``week`` holds the flags as of the window's end."""
    today = [r for r in rows if window.covers(r.at)]
    latest = max(today, key=lambda r: r.at) if today else None
    # The flags the previous digest saw: the same computation at the window's start.
    before = week_facts(
        profile,
        [r for r in rows if r.at < window.start],
        week_ending=local_today(window.start, profile.timezone),
        now=window.start,
    )
    return DayFacts(
        check_ins=len(today),
        mood=latest.mood if latest else None,
        energy=latest.energy if latest else None,
        adherence=latest.adherence if latest else None,
        new_flags=tuple(f for f in week.flags if _is_new(f, before.flags)),
    )


def day_view(
    window: DigestWindow, clients: Sequence[tuple[ClientProfile, Sequence[CheckInRow], WeekFacts]]
) -> DayView:
    return DayView(window, {p.client_id: day_facts(p, rows, week, window) for p, rows, week in clients})
