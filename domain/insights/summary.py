"""The weekly summary: the facts object a model is given, and the computed (non-AI) default.

Three bullets: how the client is doing (with the computed trend), what changed or stood out in their
notes, and what the coach might ask.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.insights.facts import Direction, FlagKind, Trend, WeekFacts
from domain.plural import count_noun, plural_form

SUMMARY_BULLETS = 3
BULLET_MAX_CHARS = 400
AI_LABEL = "AI-generated from computed check-in numbers; review before sharing"
COMPUTED_LABEL = "Computed summary (not AI-generated)"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_PHONE = re.compile(r"\+?\d[\d ()./-]{6,}\d")
_HANDLE = re.compile(r"(?<!\w)@\w+")


@dataclass(frozen=True, slots=True)
class WeeklySummary:
    client_id: int
    week_ending: str
    bullets: tuple[str, ...]
    source: str
    """``"ai"`` or ``"computed"``."""
    model: str | None
    label: str
    facts: WeekFacts
    fallback_reason: str | None = None

    @property
    def is_ai(self) -> bool:
        return self.source == "ai"

    def text(self) -> str:
        lines = [f"[{self.label}]"] + [f"• {b}" for b in self.bullets]
        if self.facts.program_answers:
            lines.append("Program answers: " + "; ".join(a.text() for a in self.facts.program_answers))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "week_ending": self.week_ending,
            "bullets": list(self.bullets),
            "source": self.source,
            "model": self.model,
            "label": self.label,
            "flags": [f.to_dict() for f in self.facts.flags],
            "program_answers": [a.to_dict() for a in self.facts.program_answers],
            "fallback_reason": self.fallback_reason,
        }


def redact(text: str, *, surnames: tuple[str, ...] = ()) -> str:
    """Remove what identifies a person (emails, links, phone numbers, handles, surnames) from free text."""
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    text = _PHONE.sub("[phone]", text)
    text = _HANDLE.sub("[handle]", text)
    for surname in surnames:
        if len(surname) > 1:
            text = re.sub(rf"\b{re.escape(surname)}\b", "[name]", text, flags=re.IGNORECASE)
    return text


def summary_input(facts: WeekFacts, *, include_pii: bool) -> dict[str, Any]:
    """The facts object the model is given (and the grounding check compares its answer with).

    Without ``include_pii`` only the first name identifies the client, and notes are scrubbed.
    """
    profile = facts.profile
    surnames = tuple(profile.display_name.split()[1:])

    def clean(text: str) -> str:
        return text if include_pii else redact(text, surnames=surnames)

    client: dict[str, Any] = {"first_name": profile.first_name, "cadence": profile.cadence}
    if include_pii:
        client["name"] = profile.display_name
    if profile.focus_area:
        client["focus_area"] = profile.focus_area
    if profile.goal_text:
        client["goal"] = clean(profile.goal_text)
    week = facts.week
    return {
        "client": client,
        "week": {
            "start": week.start.isoformat(),
            "end": week.end.isoformat(),
            "check_ins": week.check_ins,
            "expected_check_ins": week.expected,
            "missed_check_ins": week.missed,
            "adherence_answers": week.adherence_counts,
        },
        "previous_week_check_ins": facts.previous.check_ins,
        "trends": [t.to_dict() for t in facts.trends],
        "streak": facts.streak,
        "days_since_last_check_in": facts.days_since_last_check_in,
        "notes_tone": facts.notes.tone,
        "notes_sentiment": facts.notes.sentiment,
        "risk_flags": [f.to_dict() for f in facts.flags],
        "notes": [clean(n) for n in facts.note_texts],
    }


def _num(value: float) -> str:
    return f"{value:g}"


_NAMES = {
    "mood": "mood",
    "energy": "energy",
    "sleep_hours": "sleep",
    "adherence_pct": "plan kept",
    "goal_progress": "goal",
}


def describe_trend(trend: Trend) -> str | None:
    if trend.this_week is None:
        return None
    unit = trend.unit
    value = f"{_NAMES[trend.metric]} {_num(trend.this_week)}{unit}"
    if trend.direction is Direction.UNKNOWN or trend.last_week is None or trend.change is None:
        return value
    if trend.direction is Direction.FLAT:
        return f"{value} (steady)"
    word = "up" if trend.direction is Direction.UP else "down"
    return f"{value} ({word} {_num(abs(trend.change))} from {_num(trend.last_week)})"


def _how_they_are_doing(facts: WeekFacts) -> str:
    name = facts.profile.first_name
    week = facts.week
    if week.check_ins == 0:
        text = f"{name} did not check in this week"
        if week.expected:
            text += f" (missed {week.missed} of {week.expected})"
        if facts.days_since_last_check_in is not None:
            text += f"; last check-in {count_noun(facts.days_since_last_check_in, 'day')} ago"
        return text + "."
    times = plural_form(week.expected or week.check_ins, "time")
    count = f"{week.check_ins} of {week.expected}" if week.expected else f"{week.check_ins}"
    parts = [p for p in (describe_trend(t) for t in facts.trends) if p]
    text = f"{name} checked in {count} {times}: " + ", ".join(parts)
    if facts.streak > 1:
        text += f"; streak {facts.streak}"
    return text + "."


def _what_stood_out(facts: WeekFacts) -> str:
    notes = facts.notes
    if notes.count == 0:
        said = "No notes this week"
    else:
        said = (
            "Notes are not in English, so their tone is not rated"
            if notes.tone == "unknown"
            else f"Notes read {notes.tone}"
        )
        if notes.highlights:
            said += ": " + " / ".join(f"“{h}”" for h in notes.highlights)
    if facts.flags:
        said += ". Flags: " + "; ".join(f.reason for f in facts.flags)
    return said + ("" if said.endswith((".", "!", "?", "…", "”")) else ".")


_QUESTIONS = {
    FlagKind.MISSED_CHECK_INS: "Ask what got in the way of checking in and whether another time of day would suit better.",
    FlagKind.FALLING_MOOD: "Ask what has been weighing on them this week and what would help.",
    FlagKind.FALLING_ENERGY: "Ask about rest, workload and food this week: what is draining their energy?",
    FlagKind.LOW_ADHERENCE: "Ask which part of the plan was hardest to keep and whether to make it smaller.",
    FlagKind.NEGATIVE_NOTES: "Ask about what they wrote in their notes and how they are feeling about it now.",
}


def _what_to_ask(facts: WeekFacts) -> str:
    if facts.flags:
        return _QUESTIONS[facts.flags[0].kind]
    improving = [t for t in facts.trends if t.direction is Direction.UP and t.metric != "goal_progress"]
    if improving:
        return "Ask what helped this week so they can keep doing it."
    return "Ask what they want to focus on next week and what would make it easier."


def computed_bullets(facts: WeekFacts) -> tuple[str, str, str]:
    return (_how_they_are_doing(facts), _what_stood_out(facts), _what_to_ask(facts))


def cap(text: str, limit: int = BULLET_MAX_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"
