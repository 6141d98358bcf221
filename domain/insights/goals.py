"""SMART goal proposals: validation, and the computed default from the assessment and history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from domain.errors import ValidationError
from domain.insights.facts import ClientProfile, WeekFacts
from domain.reasons.coaching import GoalProblems

GOALS_TO_SUGGEST = 3
GOAL_TEXT_MAX_CHARS = 200
METRIC_MAX_CHARS = 120
UNIT_MAX_CHARS = 40
DEFAULT_GOAL_WEEKS = 4
MAX_GOAL_WEEKS = 26
TARGET_MAX = 100_000.0


@dataclass(frozen=True, slots=True)
class GoalProposal:
    """Specific (text), measurable (metric, target, unit), time-bound (due date)."""

    text: str
    metric: str
    target: float
    unit: str
    due_date: date

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "metric": self.metric,
            "target": self.target,
            "unit": self.unit,
            "due_date": self.due_date.isoformat(),
        }


def check_goal(goal: GoalProposal, *, today: date) -> GoalProposal:
    """Raise :class:`ValidationError` unless the goal is SMART enough to offer to a client."""
    text = " ".join(goal.text.split())
    metric = " ".join(goal.metric.split())
    unit = " ".join(goal.unit.split())
    if not text or len(text) > GOAL_TEXT_MAX_CHARS:
        raise ValidationError(GoalProblems.IDEA_TEXT(most=GOAL_TEXT_MAX_CHARS), field="text")
    if not metric or len(metric) > METRIC_MAX_CHARS:
        raise ValidationError(GoalProblems.IDEA_METRIC(most=METRIC_MAX_CHARS), field="metric")
    if not unit or len(unit) > UNIT_MAX_CHARS:
        raise ValidationError(GoalProblems.IDEA_UNIT(most=UNIT_MAX_CHARS), field="unit")
    if not 0 < goal.target <= TARGET_MAX:
        raise ValidationError(GoalProblems.IDEA_TARGET(), field="target")
    if not today < goal.due_date <= today + timedelta(weeks=MAX_GOAL_WEEKS):
        raise ValidationError(GoalProblems.IDEA_DUE(weeks=MAX_GOAL_WEEKS), field="due_date")
    return GoalProposal(text, metric, float(goal.target), unit, goal.due_date)


def check_goal_set(goals: list[GoalProposal], *, today: date) -> list[GoalProposal]:
    if len(goals) != GOALS_TO_SUGGEST:
        raise ValidationError(f"exactly {GOALS_TO_SUGGEST} goals are suggested", field="goals")
    checked = [check_goal(g, today=today) for g in goals]
    if len({g.text.lower() for g in checked}) != len(checked):
        raise ValidationError("suggested goals must differ", field="goals")
    return checked


# (text, metric, target, unit) per focus area; targets sized for a first four weeks.
_LIBRARY: dict[str, list[tuple[str, str, float, str]]] = {
    "fitness": [
        ("Exercise for 30 minutes on 3 days each week", "workouts of 30+ minutes", 3, "workouts per week"),
        ("Walk 7000 steps on 5 days each week", "days with 7000+ steps", 5, "days per week"),
        ("Stretch for 10 minutes after each workout", "stretching sessions", 12, "sessions"),
    ],
    "nutrition": [
        (
            "Eat vegetables with 2 meals a day on 5 days each week",
            "days with 2 veggie meals",
            5,
            "days per week",
        ),
        ("Cook dinner at home 4 evenings each week", "home-cooked dinners", 4, "dinners per week"),
        ("Drink 2 litres of water on 5 days each week", "days with 2 litres of water", 5, "days per week"),
    ],
    "sleep": [
        (
            "Sleep at least 7 hours on 5 nights each week",
            "nights with 7+ hours of sleep",
            5,
            "nights per week",
        ),
        (
            "Put screens away 30 minutes before bed on 5 nights each week",
            "screen-free evenings",
            5,
            "nights per week",
        ),
        (
            "Go to bed within 30 minutes of a set time on 5 nights each week",
            "nights on schedule",
            5,
            "nights per week",
        ),
    ],
    "stress": [
        ("Do 10 minutes of breathing or meditation on 5 days each week", "calm sessions", 5, "days per week"),
        ("Take a 15-minute break outdoors on each workday", "outdoor breaks", 5, "breaks per week"),
        (
            "Write down 3 things that went well on 3 evenings each week",
            "gratitude entries",
            3,
            "evenings per week",
        ),
    ],
    "career": [
        ("Spend 2 focused hours on your main career goal each week", "focused hours", 2, "hours per week"),
        ("Reach out to 1 person in your field each week", "conversations started", 4, "conversations"),
        ("Finish 1 learning session on a key skill each week", "learning sessions", 4, "sessions"),
    ],
}
_HABITS: list[tuple[str, str, float, str]] = [
    ("Check in on 5 days each week", "check-ins", 5, "check-ins per week"),
    ("Follow the plan fully on 4 days each week", "days on plan", 4, "days per week"),
    ("Sleep at least 7 hours on 5 nights each week", "nights with 7+ hours of sleep", 5, "nights per week"),
]


def _focus_key(profile: ClientProfile) -> str | None:
    focus = (profile.focus_area or "").lower()
    for key in _LIBRARY:
        if key in focus:
            return key
    return None


def default_goals(profile: ClientProfile, history: WeekFacts | None, *, today: date) -> list[GoalProposal]:
    """Three goals from the focus area, led by what the recent check-ins say needs attention."""
    candidates: list[tuple[str, str, float, str]] = []
    if history is not None:
        week = history.week
        if week.sleep_hours is not None and week.sleep_hours < 7:
            candidates.append(_HABITS[2])
        if week.adherence_pct is not None and week.adherence_pct < 70:
            candidates.append(_HABITS[1])
        if week.expected and week.missed >= 2:
            candidates.append(_HABITS[0])
    focus = _focus_key(profile)
    candidates.extend(_LIBRARY[focus] if focus else [])
    candidates.extend(_HABITS)
    due = today + timedelta(weeks=DEFAULT_GOAL_WEEKS)
    goals: list[GoalProposal] = []
    seen: set[str] = set()
    for text, metric, target, unit in candidates:
        if text in seen:
            continue
        seen.add(text)
        if profile.activity_level is not None and profile.activity_level <= 2 and focus == "fitness":
            target = max(1.0, target - 1)
            text = text.replace("on 3 days", "on 2 days").replace("on 5 days", "on 4 days")
        goals.append(GoalProposal(text, metric, float(target), unit, due))
        if len(goals) == GOALS_TO_SUGGEST:
            break
    return check_goal_set(goals, today=today)
