"""The coach digest: one line per client (flagged first) and an overview, from computed facts.

A weekly digest reports the week; a daily one reports each client's day since the previous digest,
with the week's trend and flags as context. Every number in its text comes from :func:`digest_input`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.insights.daily import DayFacts, DayView
from domain.insights.facts import Direction, Severity
from domain.insights.period import DigestPeriod, DigestWindow, digest_title
from domain.insights.summary import WeeklySummary, summary_input
from domain.models.enums import Adherence
from domain.plural import count_noun

_ARROWS = {Direction.UP: "↑", Direction.DOWN: "↓", Direction.FLAT: "→", Direction.UNKNOWN: ""}
_PLAN: dict[str, str] = {
    Adherence.YES: "plan kept",
    Adherence.PARTLY: "plan partly kept",
    Adherence.NO: "plan not kept",
}


def _ago(days: int | None) -> str:
    if days is None:
        return "never checked in"
    if days <= 1:
        return "last check-in " + ("today" if days == 0 else "yesterday")
    return f"last check-in {days} days ago"


@dataclass(frozen=True, slots=True)
class DigestLine:
    client_id: int
    name: str
    summary: WeeklySummary
    day: DayFacts | None = None
    """Set in a daily digest."""

    @property
    def needs_action(self) -> bool:
        return any(f.severity is Severity.ACT for f in self.summary.facts.flags)

    def _week(self) -> str:
        facts = self.summary.facts
        week = facts.week
        parts = [
            f"{week.check_ins}/{week.expected} check-ins"
            if week.expected
            else count_noun(week.check_ins, "check-in")
        ]
        mood = facts.trend("mood")
        if mood.this_week is not None:
            change = f" {_ARROWS[mood.direction]}{abs(mood.change):g}" if mood.change else ""
            parts.append(f"mood {mood.this_week:g}{change}")
        if week.adherence_pct is not None:
            parts.append(f"plan {week.adherence_pct}%")
        parts += [a.text() for a in facts.program_answers]
        return ", ".join(parts)

    def _day(self, day: DayFacts) -> str:
        if not day.checked_in:
            return f"no check-in ({_ago(self.summary.facts.days_since_last_check_in)})"
        said = "checked in" if day.check_ins == 1 else f"checked in {day.check_ins} times"
        parts = [f"mood {day.mood}", f"energy {day.energy}", _PLAN.get(day.adherence or "", "")]
        return f"{said}: " + ", ".join(p for p in parts if p)

    def status(self) -> str:
        if self.day is None:
            return f"{self.name}: {self._week()}"
        return f"{self.name}: {self._day(self.day)} · week: {self._week()}"

    def text(self) -> str:
        """The status with the reasons of any flags (new ones marked), for plain-text digests."""
        flags = self.summary.facts.flags
        new = self.day.new_flags if self.day else ()
        reasons = [("new: " if f in new else "") + f.reason for f in flags]
        return self.status() + (" — " + "; ".join(reasons) if reasons else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "name": self.name,
            "status": self.status(),
            "needs_action": self.needs_action,
            "flags": [f.reason for f in self.summary.facts.flags],
            "flag_kinds": [f.kind.value for f in self.summary.facts.flags],
            "summary": self.summary.to_dict(),
            "day": self.day.to_dict() if self.day else None,
        }


@dataclass(frozen=True, slots=True)
class Digest:
    coach_id: int
    as_of: date
    lines: tuple[DigestLine, ...]
    overview: str
    period: DigestPeriod = DigestPeriod.WEEK
    window: DigestWindow | None = None
    """The time a daily digest reports on."""

    @property
    def sources(self) -> set[str]:
        return {line.summary.source for line in self.lines}

    @property
    def title(self) -> str:
        return digest_title(self.period, self.as_of)

    def counts(self) -> dict[str, int]:
        """How many clients checked in, are flagged, need action, and whose mood went up or down."""
        return _counts(self.lines, self.period)

    def text(self) -> str:
        out = [self.title, self.overview, ""]
        for line in self.lines:
            mark = "‼ " if line.needs_action else ("⚠ " if line.summary.facts.flags else "• ")
            out.append(mark + line.text())
            if line.summary.is_ai:
                out.append(f"    {line.summary.bullets[0]} [AI]")
        return "\n".join(out).rstrip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "coach_id": self.coach_id,
            "as_of": self.as_of.isoformat(),
            "period": self.period.value,
            "title": self.title,
            "overview": self.overview,
            "lines": [line.to_dict() for line in self.lines],
        }


def _counts(lines: tuple[DigestLine, ...], period: DigestPeriod) -> dict[str, int]:
    def mood(direction: Direction) -> int:
        return sum(1 for line in lines if line.summary.facts.trend("mood").direction is direction)

    counts = {
        "clients": len(lines),
        "checked_in": sum(
            1
            for line in lines
            if (line.day.checked_in if line.day else line.summary.facts.week.check_ins > 0)
        ),
        "flagged": sum(1 for line in lines if line.summary.facts.flags),
        "need_action": sum(1 for line in lines if line.needs_action),
        "mood_up": mood(Direction.UP),
        "mood_down": mood(Direction.DOWN),
    }
    if period is DigestPeriod.DAY:
        counts["newly_flagged"] = sum(1 for line in lines if line.day and line.day.new_flags)
    return counts


def _overview(counts: dict[str, int], window: DigestWindow | None) -> str:
    if not counts["clients"]:
        return "No clients yet."
    if window is None:
        return (
            f"{count_noun(counts['clients'], 'client')}: {counts['checked_in']} checked in this week, "
            f"{counts['flagged']} flagged ({counts['need_action']} need action); "
            f"mood up for {counts['mood_up']}, down for {counts['mood_down']}."
        )
    return (
        f"{counts['checked_in']} of {count_noun(counts['clients'], 'client')} checked in {window.words}; "
        f"{counts['flagged']} flagged ({counts['need_action']} need action, "
        f"{counts['newly_flagged']} newly flagged); "
        f"over the week mood up for {counts['mood_up']}, down for {counts['mood_down']}."
    )


def build_digest(
    coach_id: int, as_of: date, summaries: list[tuple[str, WeeklySummary]], day: DayView | None = None
) -> Digest:
    """The weekly digest, or with ``day`` the daily one (each client's day since the last digest)."""
    period = DigestPeriod.WEEK if day is None else DigestPeriod.DAY
    lines = [
        DigestLine(s.client_id, name, s, day.clients.get(s.client_id) if day else None)
        for name, s in summaries
    ]
    lines.sort(
        key=lambda line: (
            not line.needs_action,
            not (line.day and line.day.new_flags),
            not line.summary.facts.flags,
            line.name.lower(),
        )
    )
    window = day.window if day else None
    overview = _overview(_counts(tuple(lines), period), window)
    return Digest(coach_id, as_of, tuple(lines), overview, period, window)


def digest_input(digest: Digest) -> dict[str, Any]:
    """Everything a digest is written from: the grounding check compares its text with this."""
    return {
        "as_of": digest.as_of.isoformat(),
        "period": digest.period.value,
        "window": digest.window.to_dict() if digest.window else None,
        "counts": _counts(digest.lines, digest.period),
        "clients": [
            {
                "name": line.name,
                "week": summary_input(line.summary.facts, include_pii=True),
                "day": line.day.to_dict() if line.day else None,
            }
            for line in digest.lines
        ],
    }
