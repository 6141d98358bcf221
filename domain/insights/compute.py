"""From a client's check-in rows to the facts about one week (the input of every summary)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from domain.clock import ensure_utc, time_zone
from domain.insights import trends as t
from domain.insights.facts import AnswerStat, CheckInRow, ClientProfile, WeekFacts, answer_stat
from domain.insights.risk import risk_flags
from domain.insights.sentiment import read_notes


def local_today(now: datetime, timezone: str) -> date:
    return ensure_utc(now).astimezone(time_zone(timezone)).date()


def week_facts(
    profile: ClientProfile, rows: Sequence[CheckInRow], *, week_ending: date, now: datetime
) -> WeekFacts:
    """Facts about the seven local days ending on ``week_ending`` compared with the seven before.

    ``now`` decides which days have passed: today's check-in is not missed until the day is over.
    """
    zone = time_zone(profile.timezone)
    today = min(local_today(now, profile.timezone), week_ending + timedelta(days=1))
    start, end = t.week_window(week_ending)
    prev_start, prev_end = t.week_window(start - timedelta(days=1))
    all_days = {t.local_day(r, zone) for r in rows}
    since = profile.since
    if all_days and (since is None or min(all_days) < since):
        # History imported from elsewhere starts before the client record was created.
        since = min(all_days)
    week = t.week_stats(rows, zone, start, end, profile.cadence, since=since, today=today, all_days=all_days)
    previous = t.week_stats(
        rows, zone, prev_start, prev_end, profile.cadence, since=since, today=today, all_days=all_days
    )
    trends = t.trends(week, previous)
    past_days = [d for d in all_days if d <= end]
    last_day = max(past_days) if past_days else None
    reference = min(today, end)
    days_since = None if last_day is None else (reference - last_day).days
    week_rows = t.rows_between(rows, zone, start, end)
    with_notes = [r for r in week_rows if r.note]
    note_texts = tuple(r.note for r in with_notes if r.note)
    notes = read_notes(list(note_texts), languages=[r.note_language for r in with_notes])
    flags = risk_flags(week, trends, notes, cadence=profile.cadence, days_since_last_check_in=days_since)
    return WeekFacts(
        profile=profile,
        week=week,
        previous=previous,
        trends=trends,
        streak=t.streak({d for d in all_days if d <= end}, reference, profile.cadence),
        days_since_last_check_in=days_since,
        notes=notes,
        note_texts=note_texts,
        flags=flags,
        program_answers=program_answers(week_rows),
    )


def program_answers(rows: Sequence[CheckInRow]) -> tuple[AnswerStat, ...]:
    """The week's answers to the program's own check-in questions, one summary per question."""
    by_key: dict[str, list[object]] = {}
    for row in rows:
        for key, value in row.answers:
            by_key.setdefault(key, []).append(value)
    return tuple(answer_stat(key, values) for key, values in by_key.items())
