"""Weekly numbers from check-in rows: averages, week-over-week trends, streaks and missed check-ins.

Days are the client's local days (their timezone); a "week" is the seven local days ending on a date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from domain.insights.facts import CheckInRow, Direction, Trend, WeekStats
from domain.models.enums import Adherence, Cadence

WEEK_DAYS = 7
# Changes smaller than these read as "flat": half a point on a 1-10 scale, half an hour of sleep,
# ten points of adherence and five of goal progress are within a normal week's noise.
FLAT_WITHIN = {"mood": 0.5, "energy": 0.5, "sleep_hours": 0.5, "adherence_pct": 10.0, "goal_progress": 5.0}
UNITS = {"mood": "/10", "energy": "/10", "sleep_hours": "h", "adherence_pct": "%", "goal_progress": "%"}
ADHERENCE_SCORE = {Adherence.YES.value: 1.0, Adherence.PARTLY.value: 0.5, Adherence.NO.value: 0.0}


def local_day(row: CheckInRow, zone: ZoneInfo) -> date:
    return row.at.astimezone(zone).date()


def week_window(week_ending: date) -> tuple[date, date]:
    return week_ending - timedelta(days=WEEK_DAYS - 1), week_ending


def rows_between(rows: Iterable[CheckInRow], zone: ZoneInfo, start: date, end: date) -> list[CheckInRow]:
    return sorted((r for r in rows if start <= local_day(r, zone) <= end), key=lambda r: r.at)


def is_expected_day(day: date, cadence: str) -> bool:
    if cadence == Cadence.WEEKDAYS:
        return day.weekday() < 5
    return True


def expected_check_ins(start: date, end: date, cadence: str, *, since: date | None, today: date) -> int:
    """Check-ins the cadence asks for between ``start`` and ``end``, counting only days that have
    passed (today is not over yet) and that fall after the client started."""
    first = max(start, since) if since else start
    last = min(end, today - timedelta(days=1))
    if last < first:
        return 0
    if cadence == Cadence.WEEKLY:
        # One per full week: due when the whole window has passed since the client started.
        return 1 if (last - first).days >= WEEK_DAYS - 1 else 0
    return sum(
        1 for n in range((last - first).days + 1) if is_expected_day(first + timedelta(days=n), cadence)
    )


def missed_check_ins(
    days_checked: set[date], start: date, end: date, cadence: str, *, since: date | None, today: date
) -> tuple[int, int]:
    """(expected, missed) for the window; a check-in on an off day still counts for weekly cadence.

    Today is not expected until it is over, but once its check-in is in, it counts as expected too:
    a client who checked in every day reads "7 of 7", never "7 of 6"."""
    expected = expected_check_ins(start, end, cadence, since=since, today=today)
    first = max(start, since) if since else start
    last = min(end, today - timedelta(days=1))
    if cadence == Cadence.WEEKLY:
        done = 1 if any(start <= d <= end for d in days_checked) else 0
        return max(expected, done), max(0, expected - done)
    if start <= today <= end and today in days_checked and is_expected_day(today, cadence):
        expected += 1
    done = sum(
        1
        for n in range(max(0, (last - first).days + 1))
        if is_expected_day(first + timedelta(days=n), cadence) and first + timedelta(days=n) in days_checked
    )
    return expected, max(0, expected - done)


def streak(days_checked: set[date], today: date, cadence: str) -> int:
    """Consecutive check-ins the cadence asked for, ending today (or the period before, when today's
    is not in yet). Weekly counts consecutive seven-day periods; weekdays skip weekends."""
    if cadence == Cadence.WEEKLY:

        def period_has(k: int) -> bool:
            end = today - timedelta(days=WEEK_DAYS * k)
            return any(end - timedelta(days=WEEK_DAYS - 1) <= d <= end for d in days_checked)

        k = 0 if period_has(0) else 1
        count = 0
        while period_has(k):
            count += 1
            k += 1
        return count
    day = today
    while not is_expected_day(day, cadence):
        day -= timedelta(days=1)
    if day not in days_checked:
        day -= timedelta(days=1)
        while not is_expected_day(day, cadence):
            day -= timedelta(days=1)
    count = 0
    while day in days_checked:
        count += 1
        day -= timedelta(days=1)
        while not is_expected_day(day, cadence):
            day -= timedelta(days=1)
    return count


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def week_stats(
    rows: Sequence[CheckInRow],
    zone: ZoneInfo,
    start: date,
    end: date,
    cadence: str,
    *,
    since: date | None,
    today: date,
    all_days: set[date],
) -> WeekStats:
    week = rows_between(rows, zone, start, end)
    expected, missed = missed_check_ins(all_days, start, end, cadence, since=since, today=today)
    counts = {a.value: sum(1 for r in week if r.adherence == a.value) for a in Adherence}
    adherence = _mean([ADHERENCE_SCORE.get(r.adherence, 0.0) for r in week])
    progress = [r.goal_progress for r in week if r.goal_progress is not None]
    return WeekStats(
        start=start,
        end=end,
        check_ins=len(week),
        expected=expected,
        missed=missed,
        mood=_mean([r.mood for r in week]),
        energy=_mean([r.energy for r in week]),
        sleep_hours=_mean([r.sleep_hours for r in week]),
        adherence_pct=None if adherence is None else round(_adherence_pct(week)),
        goal_progress=progress[-1] if progress else None,
        adherence_counts=counts,
    )


def _adherence_pct(week: Sequence[CheckInRow]) -> float:
    return 100 * sum(ADHERENCE_SCORE.get(r.adherence, 0.0) for r in week) / len(week)


def trend(metric: str, this_week: float | None, last_week: float | None) -> Trend:
    unit = UNITS[metric]
    if this_week is None or last_week is None:
        return Trend(metric, unit, this_week, last_week, None, Direction.UNKNOWN)
    change = round(this_week - last_week, 1)
    if change == int(change) and metric in ("adherence_pct", "goal_progress"):
        change = float(int(change))
    if abs(change) < FLAT_WITHIN[metric]:
        direction = Direction.FLAT
    else:
        direction = Direction.UP if change > 0 else Direction.DOWN
    return Trend(metric, unit, this_week, last_week, change, direction)


def trends(week: WeekStats, previous: WeekStats) -> tuple[Trend, ...]:
    return (
        trend("mood", week.mood, previous.mood),
        trend("energy", week.energy, previous.energy),
        trend("sleep_hours", week.sleep_hours, previous.sleep_hours),
        trend(
            "adherence_pct",
            None if week.adherence_pct is None else float(week.adherence_pct),
            None if previous.adherence_pct is None else float(previous.adherence_pct),
        ),
        trend(
            "goal_progress",
            None if week.goal_progress is None else float(week.goal_progress),
            None if previous.goal_progress is None else float(previous.goal_progress),
        ),
    )
