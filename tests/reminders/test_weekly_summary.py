"""Monday's digest brings each coach's weekly business summary to their Slack, once."""

from __future__ import annotations

from conversations.coach_stats import change, definition, metric_value
from domain.analytics.weekly import BUSINESS_SUMMARY, WeeklyNumbers
from domain.db import Database
from tests.reminders.conftest import People, dispatch, outbox, plan, utc

MONDAY_MORNING = utc(2026, 11, 23, 6, 0)


async def test_the_monday_digest_comes_with_the_week_over_week_numbers(db: Database, people: People) -> None:
    coach = await people.coach(digest_time="08:00", capacity=4)
    ada = await people.client(coach, display_name="Ada", created_at=utc(2026, 11, 1, 0, 0))
    await people.client(coach, display_name="Bo", created_at=utc(2026, 11, 18, 0, 0))
    for day in (10, 12, 17, 18, 19, 20):  # two check-ins the week before, four last week
        await people.check_in(ada, utc(2026, 11, day, 9, 0))
    await plan(db, MONDAY_MORNING)
    outcomes = await dispatch(db, utc(2026, 11, 23, 8, 0))
    assert [o.reason for o in outcomes if o.kind == "coach_digest"] == [
        "digest and weekly business summary to Slack"
    ]
    [summary] = [m for m in await outbox(db) if m.payload.get("type") == BUSINESS_SUMMARY]
    assert summary.chat_id == coach.slack_user_id
    numbers = WeeklyNumbers.from_dict(summary.payload)
    assert (numbers.start, numbers.end, numbers.load) == ("2026-11-16", "2026-11-22", "2/4")
    rows = {r.metric: r for r in numbers.rows}
    assert (rows["active_clients"].this_week, rows["active_clients"].last_week) == (1, 1)
    assert change("active_clients", 1, 1) == "±0"
    assert (rows["new_clients"].this_week, rows["new_clients"].last_week) == (1, 0)  # Bo on the 18th
    assert definition("checkin_adherence").startswith("Check-ins done as a share (%)")
    # The chart's weeks, oldest first: Ada 2 of 7 days the week before; last week Ada 4 of 7 and Bo,
    # who joined on the 18th, 0 of 5.
    assert [w.week_start for w in numbers.history][-2:] == ["2026-11-09", "2026-11-16"]
    assert len(numbers.history) == 8 and numbers.history[0].adherence_pct is None
    assert [w.adherence_pct for w in numbers.history][-2:] == [28.6, 33.3]
    adherence = rows["checkin_adherence"]
    assert metric_value("checkin_adherence", adherence.this_week) == "33.3 %"
    assert change("checkin_adherence", adherence.this_week, adherence.last_week) == "+4.7 pts"

    # Tuesday's digest is a digest only.
    await plan(db, utc(2026, 11, 23, 12, 0))
    outcomes = await dispatch(db, utc(2026, 11, 24, 8, 0))
    assert [o.reason for o in outcomes if o.kind == "coach_digest"] == ["digest to Slack"]
    assert len([m for m in await outbox(db) if m.payload.get("type") == BUSINESS_SUMMARY]) == 1
