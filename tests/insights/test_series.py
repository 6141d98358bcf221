"""A client's per-day series: local days in their timezone, gaps, means of several check-ins a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.db import Database
from domain.errors import ValidationError
from domain.insights.facts import Direction
from domain.insights.series import ClientSeries, DayValues, client_series
from domain.models import Client
from domain.services.checkins import record_check_in
from domain.services.clients import register_client

LOS_ANGELES = "America/Los_Angeles"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def new_client(
    db: Database, *, timezone: str = "UTC", cadence: str = "daily", since: datetime | None = None
) -> int:
    async with db.unit_of_work() as session:
        client = await register_client(
            session,
            platform="telegram",
            external_user_id="501",
            chat_id="501",
            display_name="Ann Lee",
            timezone=timezone,
        )
        client.checkin_cadence = cadence
        client.created_at = since or utc(2026, 1, 1)
        return client.id


async def check_in(
    db: Database, client_id: int, at: datetime, mood: int, energy: int, adherence: str
) -> None:
    async with db.unit_of_work() as session:
        await record_check_in(
            session,
            client_id=client_id,
            mood=mood,
            energy=energy,
            sleep_hours=7,
            adherence=adherence,
            source_channel="telegram",
            at=at,
        )


async def series_of(db: Database, client_id: int, *, days: int, now: datetime) -> ClientSeries:
    async with db.sessions() as session:
        return await client_series(session, client_id, days=days, now=now)


async def test_days_are_the_clients_local_days(db: Database) -> None:
    client_id = await new_client(db, timezone=LOS_ANGELES)
    # 06:00 UTC on 10 March is 23:00 on the 9th in Los Angeles (summer time from 8 March, UTC-7).
    await check_in(db, client_id, utc(2026, 3, 10, 6, 0), 8, 6, "yes")
    await check_in(db, client_id, utc(2026, 3, 10, 8, 0), 3, 4, "no")  # 01:00 on the 10th
    # 05:00 UTC on 15 March is still the 14th there: the series ends on the client's today.
    series = await series_of(db, client_id, days=7, now=utc(2026, 3, 15, 5, 0))
    assert (series.start, series.end, series.timezone) == (date(2026, 3, 8), date(2026, 3, 14), LOS_ANGELES)
    by_day = {d.day: d for d in series.days}
    assert (by_day[date(2026, 3, 9)].mood, by_day[date(2026, 3, 9)].energy) == (8, 6)
    assert (by_day[date(2026, 3, 10)].mood, by_day[date(2026, 3, 10)].adherence) == (3, 0.0)
    assert series.first_name == "Ann" and series.check_ins == 2 and series.days_checked_in == 2


async def test_a_check_in_after_local_midnight_falls_outside_a_window_ending_the_day_before(
    db: Database,
) -> None:
    client_id = await new_client(db, timezone="Pacific/Auckland")
    # 12:30 UTC on 1 March is 01:30 on the 2nd in Auckland (UTC+13): tomorrow for a series ending on the 1st.
    await check_in(db, client_id, utc(2026, 3, 1, 12, 30), 5, 5, "yes")
    await check_in(db, client_id, utc(2026, 2, 22, 10, 0), 6, 6, "yes")  # 23:00 on the 22nd there
    series = await series_of(db, client_id, days=7, now=utc(2026, 3, 1, 9, 0))  # 22:00 on the 1st
    assert series.end == date(2026, 3, 1)
    assert series.check_ins == 0  # the 22nd is one day before the window, the 2nd one day after


async def test_several_check_ins_a_day_become_their_mean(db: Database) -> None:
    client_id = await new_client(db)
    for hour, (mood, energy, adherence) in zip(
        (7, 12, 20), ((4, 2, "yes"), (5, 6, "partly"), (7, 7, "no")), strict=True
    ):
        await check_in(db, client_id, utc(2026, 3, 3, hour), mood, energy, adherence)
    series = await series_of(db, client_id, days=3, now=utc(2026, 3, 4, 9))
    day = series.days[1]
    assert day.day == date(2026, 3, 3) and day.check_ins == 3
    assert day.mood == pytest.approx(16 / 3) and day.energy == pytest.approx(5.0)
    assert day.adherence == pytest.approx(0.5)  # yes 1, partly 0.5, no 0


async def test_days_without_a_check_in_are_gaps_and_past_expected_ones_are_missed(db: Database) -> None:
    client_id = await new_client(db, since=utc(2026, 3, 2, 9))
    await check_in(db, client_id, utc(2026, 3, 3, 9), 6, 6, "yes")
    await check_in(db, client_id, utc(2026, 3, 5, 9), 7, 7, "yes")
    series = await series_of(db, client_id, days=7, now=utc(2026, 3, 6, 9))  # 28 Feb to 6 Mar
    assert [d.mood for d in series.days] == [None, None, None, 6, None, 7, None]
    # Before the client started nothing is missed; today is not over yet.
    assert [d.missed for d in series.days] == [False, False, True, False, True, False, False]
    assert series.missed_days == 2


async def test_weekday_clients_miss_no_weekends_and_weekly_clients_no_days(db: Database) -> None:
    weekdays = await new_client(db, cadence="weekdays")
    # Friday 6 March to Monday 9 March, now on Tuesday: only Friday and Monday were expected.
    series = await series_of(db, weekdays, days=4, now=utc(2026, 3, 10, 9))
    assert [(d.day.strftime("%a"), d.missed) for d in series.days] == [
        ("Sat", False),
        ("Sun", False),
        ("Mon", True),
        ("Tue", False),
    ]
    async with db.unit_of_work() as session:
        client = await session.get(Client, weekdays)
        assert client is not None
        client.checkin_cadence = "weekly"
    assert not any(d.missed for d in (await series_of(db, weekdays, days=14, now=utc(2026, 3, 10))).days)


async def test_imported_history_before_the_client_record_counts_from_its_first_day(db: Database) -> None:
    client_id = await new_client(db, since=utc(2026, 3, 9))
    await check_in(db, client_id, utc(2026, 3, 2, 9), 6, 6, "yes")
    series = await series_of(db, client_id, days=7, now=utc(2026, 3, 5, 9))  # 27 Feb to 5 Mar
    assert [d.missed for d in series.days] == [False, False, False, False, True, True, False]


async def test_the_number_of_days_is_checked(db: Database) -> None:
    client_id = await new_client(db)
    for days in (0, 367):
        with pytest.raises(ValidationError):
            await series_of(db, client_id, days=days, now=utc(2026, 3, 5))


def _series(moods: list[float | None]) -> ClientSeries:
    end = date(2026, 3, 28)
    days = tuple(
        DayValues(
            day=end - timedelta(days=len(moods) - 1 - i),
            check_ins=0 if m is None else 1,
            mood=m,
            energy=None if m is None else 5.0,
            adherence=None if m is None else 1.0,
            missed=False,
        )
        for i, m in enumerate(moods)
    )
    return ClientSeries(client_id=1, first_name="Ann", timezone="UTC", days=days)


def test_weeks_end_on_the_last_day_and_compare_the_latest_with_the_first() -> None:
    moods: list[float | None] = [8, 7, None, None, None, None, None, 9] + [None] * 7 + [4, 5] + [None] * 5
    series = _series(moods)  # 22 days: a 1-day week first, then three full weeks
    assert [len(w) for w in series.weeks()] == [1, 7, 7, 7]
    assert series.weeks()[-1][-1].day == date(2026, 3, 28)
    assert series.week_means("mood") == [8.0, 8.0, None, 4.5]
    change = series.change("mood")
    assert (change.this_week, change.last_week, change.change, change.direction) == (
        4.5,
        8.0,
        -3.5,
        Direction.DOWN,
    )
    assert series.change("energy").direction is Direction.FLAT
    assert series.adherence_pct() == 100 and series.chartable


def test_one_week_with_check_ins_has_no_direction() -> None:
    series = _series([None] * 7 + [6.0])
    assert series.change("mood").direction is Direction.UNKNOWN and not series.chartable
