"""The roster's pure parts: sparklines and flag texts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession

from bot.slack.roster import coach_roster, flag_texts, sparkline
from domain.db import Database
from domain.insights.facts import FlagKind, RiskFlag, Severity
from domain.models import Coach, Payment
from domain.services.checkins import check_in_streak, recent_check_ins
from domain.services.clients import coach_clients
from domain.services.roster import payment_standing
from tests.reminders.conftest import People


def test_sparkline_scales_values_and_marks_days_without_a_check_in() -> None:
    assert sparkline([1, 5.5, 10, None, 3], 1, 10) == "▁▅█·▃"
    assert sparkline([], 1, 10) == ""
    assert sparkline([0, 11], 1, 10) == "▁█"  # out-of-range values are clamped, never an error


def test_flag_texts_put_urgent_flags_first_and_add_a_failed_payment() -> None:
    watch = RiskFlag(FlagKind.LOW_ADHERENCE, Severity.WATCH, "kept the plan on 40% of days")
    act = RiskFlag(FlagKind.FALLING_MOOD, Severity.ACT, "mood fell from 8 to 3 week over week")
    assert flag_texts([watch, act], "failed") == (act.reason, watch.reason, "payment failed")
    assert flag_texts([], "succeeded") == ()


async def _roster_of(db: Database, people: People, coach: Coach, clients: int, now: datetime) -> None:
    for n in range(clients):
        client = await people.client(coach, timezone=("UTC", "Asia/Tokyo", "America/Chicago")[n % 3])
        for day in range(n % 4):
            await people.check_in(client, now - timedelta(days=day, hours=2))
        if n % 5 == 1:
            async with db.unit_of_work() as session:
                session.add(Payment(client_id=client.id, amount_minor=1000, currency="usd", status="failed"))


async def _statements(db: Database, call: Callable[[], Awaitable[object]]) -> int:
    sent: list[str] = []

    def record(_c: object, _cur: object, statement: str, *_: object) -> None:
        sent.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", record)
    try:
        await call()
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", record)
    return len(sent)


async def test_the_roster_is_read_in_a_fixed_number_of_queries_and_matches_each_client(db: Database) -> None:
    """App Home, ``/coach clients`` and the roster digest: no query per client."""
    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    people = People(db)
    small, large = await people.coach(), await people.coach()
    await _roster_of(db, people, small, 3, now)
    await _roster_of(db, people, large, 40, now)
    flag = RiskFlag(FlagKind.FALLING_MOOD, Severity.ACT, "mood low")
    counts, rosters = [], []
    for coach in (small, large):
        async with db.sessions() as session:

            async def read(coach: Coach = coach, session: AsyncSession = session) -> None:
                first = (await coach_clients(session, coach.id))[0].id
                rosters.append(await coach_roster(session, coach.id, now=now, flags={first: [flag]}))

            counts.append(await _statements(db, read))
    assert counts[0] == counts[1] <= 10, counts

    roster = rosters[1]
    assert len(roster) == 40 and roster[0].flags == ("mood low",)
    async with db.sessions() as session:
        for glance in roster:
            last = await recent_check_ins(session, glance.client.id, limit=1)
            assert glance.last_check_in_at == (last[0].created_at if last else None)
            assert glance.last_mood == (last[0].mood if last else None)
            assert glance.streak == await check_in_streak(session, glance.client.id, now=now)
            assert glance.payment_status == await payment_standing(session, glance.client.id)
    assert {g.streak for g in roster} == {0, 1, 2, 3}
    assert sum(g.payment_status == "failed" for g in roster) == 8
    assert sum("payment failed" in g.flags for g in roster) == 8
