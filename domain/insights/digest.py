"""The coach digest: one line per client (flagged first) and an overview, from computed facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.insights.facts import Direction, Severity
from domain.insights.summary import WeeklySummary

_ARROWS = {Direction.UP: "↑", Direction.DOWN: "↓", Direction.FLAT: "→", Direction.UNKNOWN: ""}


@dataclass(frozen=True, slots=True)
class DigestLine:
    client_id: int
    name: str
    summary: WeeklySummary

    @property
    def needs_action(self) -> bool:
        return any(f.severity is Severity.ACT for f in self.summary.facts.flags)

    def status(self) -> str:
        facts = self.summary.facts
        week = facts.week
        parts = [
            f"{week.check_ins}/{week.expected} check-ins" if week.expected else f"{week.check_ins} check-ins"
        ]
        mood = facts.trend("mood")
        if mood.this_week is not None:
            change = f" {_ARROWS[mood.direction]}{abs(mood.change):g}" if mood.change else ""
            parts.append(f"mood {mood.this_week:g}{change}")
        if week.adherence_pct is not None:
            parts.append(f"plan {week.adherence_pct}%")
        return f"{self.name}: " + ", ".join(parts)

    def text(self) -> str:
        """The status with the reasons of any flags, for plain-text digests."""
        flags = self.summary.facts.flags
        return self.status() + (" — " + "; ".join(f.reason for f in flags) if flags else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "name": self.name,
            "status": self.status(),
            "needs_action": self.needs_action,
            "flags": [f.reason for f in self.summary.facts.flags],
            "flag_kinds": [f.kind.value for f in self.summary.facts.flags],
            "summary": self.summary.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Digest:
    coach_id: int
    as_of: date
    lines: tuple[DigestLine, ...]
    overview: str

    @property
    def sources(self) -> set[str]:
        return {line.summary.source for line in self.lines}

    def text(self) -> str:
        out = [f"Digest for {self.as_of.isoformat()}", self.overview, ""]
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
            "overview": self.overview,
            "lines": [line.to_dict() for line in self.lines],
        }


def build_digest(coach_id: int, as_of: date, summaries: list[tuple[str, WeeklySummary]]) -> Digest:
    lines = [DigestLine(s.client_id, name, s) for name, s in summaries]
    lines.sort(key=lambda line: (not line.needs_action, not line.summary.facts.flags, line.name.lower()))
    checked_in = sum(1 for line in lines if line.summary.facts.week.check_ins > 0)
    flagged = sum(1 for line in lines if line.summary.facts.flags)
    act = sum(1 for line in lines if line.needs_action)
    rising = sum(1 for line in lines if line.summary.facts.trend("mood").direction is Direction.UP)
    falling = sum(1 for line in lines if line.summary.facts.trend("mood").direction is Direction.DOWN)
    if not lines:
        overview = "No clients yet."
    else:
        overview = (
            f"{len(lines)} clients: {checked_in} checked in this week, {flagged} flagged"
            f" ({act} need action); mood up for {rising}, down for {falling}."
        )
    return Digest(coach_id, as_of, tuple(lines), overview)
