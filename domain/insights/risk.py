"""Risk flags: the reasons a coach should look at a client now (churn prevention)."""

from __future__ import annotations

from domain.insights.facts import Direction, FlagKind, NoteInsight, RiskFlag, Severity, Trend, WeekStats
from domain.models.enums import Cadence
from domain.reasons import Reason
from domain.reasons.forecast import ChurnReasons as R

# A drop of 1.5 points on a 1-10 scale week over week is beyond ordinary ups and downs; 3 is a slump.
FALL_WATCH = -1.5
FALL_ACT = -3.0
LOW_ADHERENCE_WATCH = 50
LOW_ADHERENCE_ACT = 25
MIN_CHECK_INS_FOR_ADHERENCE = 2
MISSED_WATCH = 2
MISSED_ACT = 4
SILENT_DAYS_ACT = 7
NEGATIVE_WATCH = -0.3
NEGATIVE_ACT = -0.6


def _flag(kind: FlagKind, severity: Severity, said: Reason) -> RiskFlag:
    return RiskFlag(kind, severity, str(said), said)


def _short(value: float | None) -> int | float:
    """A weekly average as the English flag writes it (``7``, ``6.33333``: ``:g``)."""
    shown = float(f"{value or 0:g}")
    return int(shown) if shown.is_integer() else shown


def _falling(kind: FlagKind, label: Reason, trend: Trend) -> RiskFlag | None:
    if trend.direction is not Direction.DOWN or trend.change is None or trend.change > FALL_WATCH:
        return None
    severity = Severity.ACT if trend.change <= FALL_ACT else Severity.WATCH
    return _flag(
        kind, severity, R.FELL(metric=label, last=_short(trend.last_week), value=_short(trend.this_week))
    )


def _missed(week: WeekStats, cadence: str, days_since_last: int | None) -> RiskFlag | None:
    if week.expected == 0:
        return None
    silent = days_since_last is not None and days_since_last >= SILENT_DAYS_ACT
    if cadence == Cadence.WEEKLY:
        if week.missed == 0:
            return None
        return _flag(FlagKind.MISSED_CHECK_INS, Severity.ACT, R.MISSED_WEEKLY())
    if week.missed < MISSED_WATCH and not silent:
        return None
    severity = Severity.ACT if week.missed >= MISSED_ACT or silent or week.check_ins == 0 else Severity.WATCH
    if silent:
        said = R.MISSED_SILENT(missed=week.missed, expected=week.expected, days=days_since_last or 0)
    else:
        said = R.MISSED(missed=week.missed, expected=week.expected)
    return _flag(FlagKind.MISSED_CHECK_INS, severity, said)


def _low_adherence(week: WeekStats) -> RiskFlag | None:
    pct = week.adherence_pct
    if pct is None or week.check_ins < MIN_CHECK_INS_FOR_ADHERENCE or pct >= LOW_ADHERENCE_WATCH:
        return None
    severity = Severity.ACT if pct < LOW_ADHERENCE_ACT else Severity.WATCH
    return _flag(FlagKind.LOW_ADHERENCE, severity, R.LOW_ADHERENCE(percent=R.PERCENT(value=pct)))


def _negative_notes(notes: NoteInsight) -> RiskFlag | None:
    if notes.sentiment is None or notes.sentiment > NEGATIVE_WATCH:
        return None
    severity = Severity.ACT if notes.sentiment <= NEGATIVE_ACT else Severity.WATCH
    return _flag(
        FlagKind.NEGATIVE_NOTES, severity, R.NEGATIVE_NOTES(negative=notes.negative_count, count=notes.count)
    )


def risk_flags(
    week: WeekStats,
    trends: tuple[Trend, ...],
    notes: NoteInsight,
    *,
    cadence: str,
    days_since_last_check_in: int | None,
) -> tuple[RiskFlag, ...]:
    by_metric = {t.metric: t for t in trends}
    found = (
        _falling(FlagKind.FALLING_MOOD, R.MOOD(), by_metric["mood"]),
        _falling(FlagKind.FALLING_ENERGY, R.ENERGY(), by_metric["energy"]),
        _missed(week, cadence, days_since_last_check_in),
        _low_adherence(week),
        _negative_notes(notes),
    )
    flags = [f for f in found if f is not None]
    flags.sort(key=lambda f: f.severity is not Severity.ACT)
    return tuple(flags)
