"""The computed weekly summary's bullets in the coach's language.

:func:`domain.insights.summary.computed_bullets` says the same in English for the domain (grounding,
tests); the coach reads this rendering, through the :class:`~conversations.texts.CoachSummary`
catalogue in ``coaches.locale``, with numbers and percentages formatted for that language.
"""

from __future__ import annotations

from conversations.i18n import format_decimal, format_percent, use_locale
from conversations.texts import CoachSummary as T
from domain.insights.facts import Direction, FlagKind, RiskFlag, Trend, WeekFacts
from domain.insights.risk import SILENT_DAYS_ACT
from domain.models.enums import Cadence

_CLOSING = (".", "!", "?", "…", "”", "»", "“")


def _value(value: float, unit: str) -> str:
    if unit == "%":
        return format_percent(value / 100)
    if unit == "h":
        return T.HOURS.format(value=format_decimal(value))
    return format_decimal(value) + unit


def describe_trend(trend: Trend) -> str | None:
    """``"Stimmung 3/10 (runter 4 von 7)"``: this week's value and its change, or None without one."""
    if trend.this_week is None:
        return None
    unit = trend.unit
    text = T.TREND.format(metric=T.METRICS[trend.metric], value=_value(trend.this_week, unit))
    if trend.direction is Direction.UNKNOWN or trend.last_week is None or trend.change is None:
        return text
    if trend.direction is Direction.FLAT:
        return T.TREND_STEADY.format(trend=text)
    template = T.TREND_UP if trend.direction is Direction.UP else T.TREND_DOWN
    # The change and last week's value are bare numbers: the unit was just given.
    return template.format(
        trend=text, change=format_decimal(abs(trend.change)), last=format_decimal(trend.last_week)
    )


def _how_they_are_doing(facts: WeekFacts) -> str:
    name = facts.profile.first_name
    week = facts.week
    if week.check_ins == 0:
        if week.expected:
            text = T.NO_CHECK_INS_MISSED.format(name=name, missed=week.missed, expected=week.expected)
        else:
            text = T.NO_CHECK_INS.format(name=name)
        if facts.days_since_last_check_in is not None:
            text = T.LAST_CHECK_IN.format(text=text, days=T.DAYS.format(n=facts.days_since_last_check_in))
        return T.SENTENCE.format(text=text)
    trends = ", ".join(p for p in (describe_trend(t) for t in facts.trends) if p)
    if week.expected:
        text = T.CHECKED_IN_OF.format(
            name=name, check_ins=week.check_ins, times=T.TIMES_OF.format(n=week.expected), trends=trends
        )
    else:
        text = T.CHECKED_IN.format(name=name, times=T.TIMES.format(n=week.check_ins), trends=trends)
    if facts.streak > 1:
        text = T.STREAK.format(text=text, streak=facts.streak)
    return T.SENTENCE.format(text=text)


def _trend_of(facts: WeekFacts, metric: str) -> Trend | None:
    return next((t for t in facts.trends if t.metric == metric), None)


def flag_reason(flag: RiskFlag, facts: WeekFacts) -> str:
    """Why the flag was raised, in the current language, from the same facts the flag came from."""
    week = facts.week
    if flag.kind in (FlagKind.FALLING_MOOD, FlagKind.FALLING_ENERGY):
        metric = "mood" if flag.kind is FlagKind.FALLING_MOOD else "energy"
        trend = _trend_of(facts, metric)
        if trend is None or trend.this_week is None or trend.last_week is None:
            return flag.reason
        return T.FELL.format(
            metric=T.METRICS[metric],
            last=format_decimal(trend.last_week),
            value=format_decimal(trend.this_week),
        )
    if flag.kind is FlagKind.MISSED_CHECK_INS:
        if facts.profile.cadence == Cadence.WEEKLY:
            return T.MISSED_WEEKLY
        text = T.MISSED.format(missed=week.missed, expected=week.expected)
        days = facts.days_since_last_check_in
        if days is not None and days >= SILENT_DAYS_ACT:
            text = T.LAST_CHECK_IN.format(text=text, days=T.DAYS.format(n=days))
        return text
    if flag.kind is FlagKind.LOW_ADHERENCE and week.adherence_pct is not None:
        return T.LOW_ADHERENCE.format(percent=format_percent(week.adherence_pct / 100))
    if flag.kind is FlagKind.NEGATIVE_NOTES:
        notes = facts.notes
        return T.NEGATIVE_NOTES.format(negative=notes.negative_count, notes=T.NOTES_OF.format(n=notes.count))
    return flag.reason


def _what_stood_out(facts: WeekFacts) -> str:
    notes = facts.notes
    if notes.count == 0:
        said = T.NO_NOTES
    else:
        if notes.tone == "unknown":
            said = T.NOTES_NOT_RATED
        else:
            said = T.NOTES_TONE.format(tone=T.TONES.get(notes.tone, notes.tone))
        if notes.highlights:
            quoted = " / ".join(T.QUOTED.format(note=h) for h in notes.highlights)
            said = T.HIGHLIGHTS.format(text=said, highlights=quoted)
    if facts.flags:
        said = T.FLAGS.format(text=said, flags="; ".join(flag_reason(f, facts) for f in facts.flags))
    return said if said.endswith(_CLOSING) else T.SENTENCE.format(text=said)


def _what_to_ask(facts: WeekFacts) -> str:
    if facts.flags:
        return T.QUESTIONS[facts.flags[0].kind.value]
    if any(t.direction is Direction.UP and t.metric != "goal_progress" for t in facts.trends):
        return T.ASK_WHAT_HELPED
    return T.ASK_NEXT_FOCUS


def coach_summary_bullets(facts: WeekFacts, locale: str | None) -> tuple[str, str, str]:
    """The three computed bullets in ``locale`` (English when it is not supported)."""
    with use_locale(locale):
        return (str(_how_they_are_doing(facts)), str(_what_stood_out(facts)), str(_what_to_ask(facts)))
