"""The coach digest follows the coach's cadence: a daily one is about each client's last day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from conversations.coach_digest import digest_text
from domain.db import Database
from domain.insights.digest import digest_input
from domain.insights.grounding import ungrounded_numbers
from domain.insights.history_import import import_file
from domain.models import Client, Coach, OutboundMessage
from domain.reminders import ReminderDispatcher, plan_reminders
from domain.services.checkins import record_check_in
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from integrations.llm.client import LlmClient
from integrations.llm.insights import InsightsService
from tests.insights.conftest import EVAL_NOW, EVAL_ROWS, EVAL_WEEK_ENDING
from tests.support.openai_api import FakeOpenAI

# Friday 27 November 2026, 08:00 in Berlin: the daily digest covers since Thursday 08:00.
NOW = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
ZONE = "Europe/Berlin"


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def roster(db: Database, *, cadence: str = "daily") -> int:
    """A Berlin coach and four clients: Ana checked in within the last day (low), Ben stopped three
    days ago, Chloe checked in just before the previous digest, Dan joined two days ago and never did."""
    async with db.unit_of_work() as session:
        coach = await create_coach(
            session, name="Cora Coach", email="cora@example.com", slack_user_id="UCORA", timezone=ZONE
        )
        coach.digest_cadence = cadence
        coach.digest_time = "08:00"
        plans = {
            "Ana Silva": [at(d, 9) for d in range(13, 27)],
            "Ben Okafor": [at(d, 9) for d in range(13, 25)],
            "Chloe Martin": [at(d, 9) for d in range(13, 26)] + [at(26, 6, 30)],
            "Dan Weber": [],
        }
        for n, (name, times) in enumerate(plans.items()):
            client = await register_client(
                session,
                platform="telegram",
                external_user_id=str(700 + n),
                chat_id=str(700 + n),
                display_name=name,
                timezone=ZONE,
                coach_id=coach.id,
            )
            client.created_at = at(25, 9) if name == "Dan Weber" else NOW - timedelta(days=30)
            for when in times:
                low = name == "Ana Silva" and when == at(26, 9)
                await record_check_in(
                    session,
                    client_id=client.id,
                    mood=3 if low else 7,
                    energy=4 if low else 7,
                    sleep_hours=7.5,
                    adherence="partly" if low else "yes",
                    source_channel="telegram",
                    at=when,
                )
        return coach.id


def service(db: Database, now: datetime = NOW, llm: LlmClient | None = None) -> InsightsService:
    return InsightsService(db, llm=llm, clock=lambda: now)


async def test_a_daily_digest_reports_who_checked_in_since_the_previous_one(db: Database) -> None:
    coach_id = await roster(db)
    digest = await service(db).coach_digest(coach_id)
    assert digest.period == "day" and digest.as_of.isoformat() == "2026-11-27"
    assert digest.title == "Daily digest for 2026-11-27"
    assert digest.overview == (
        "1 of 4 clients checked in since yesterday morning; 2 flagged (1 need action, 2 newly flagged);"
        " over the week mood up for 0, down for 1."
    )
    assert digest.text().splitlines()[3:] == [
        "‼ Dan Weber: no check-in (never checked in) · week: 0/2 check-ins"
        " — new: missed 2 of 2 expected check-ins",
        "⚠ Ben Okafor: no check-in (last check-in 3 days ago) · week: 4/6 check-ins, mood 7, plan 100%"
        " — new: missed 2 of 6 expected check-ins",
        "• Ana Silva: checked in: mood 3, energy 4, plan partly kept"
        " · week: 6/6 check-ins, mood 6.3 ↓0.7, plan 92%",
        # Her check-in at 07:30 yesterday came before the previous digest at 08:00.
        "• Chloe Martin: no check-in (last check-in yesterday) · week: 6/6 check-ins, mood 7, plan 100%",
    ]
    ana = next(line for line in digest.lines if line.name == "Ana Silva")
    assert ana.day is not None and (ana.day.mood, ana.day.energy, ana.day.adherence) == (3, 4, "partly")


async def test_a_flag_the_previous_digest_already_had_is_not_new(db: Database) -> None:
    coach_id = await roster(db)
    # A day later nobody new checked in: Ben's and Dan's flags were reported yesterday.
    digest = await service(db, NOW + timedelta(days=1)).coach_digest(coach_id)
    ben = next(line for line in digest.lines if line.name == "Ben Okafor")
    assert ben.summary.facts.flags and ben.day is not None and ben.day.new_flags == ()
    assert "new:" not in ben.text()
    assert ben.text().endswith("— missed 3 of 6 expected check-ins")
    assert "0 of 4 clients checked in since yesterday morning" in digest.overview


async def test_a_weekly_coach_gets_the_unchanged_weekly_digest(db: Database) -> None:
    coach_id = await roster(db, cadence="weekly")
    digest = await service(db).coach_digest(coach_id)
    assert digest.period == "week" and digest.window is None
    assert digest.title == "Weekly digest for the week ending 2026-11-27"
    assert digest.overview == (
        "4 clients: 3 checked in this week, 2 flagged (1 need action); mood up for 0, down for 1."
    )
    assert [line.status() for line in digest.lines] == [
        "Dan Weber: 0/2 check-ins",
        "Ben Okafor: 4/6 check-ins, mood 7, plan 100%",
        "Ana Silva: 6/6 check-ins, mood 6.3 ↓0.7, plan 92%",
        "Chloe Martin: 6/6 check-ins, mood 7, plan 100%",
    ]
    assert all(line.day is None and "new:" not in line.text() for line in digest.lines)
    # Asking for the other period overrides the cadence, both ways.
    daily = await service(db).coach_digest(coach_id, period="day")
    assert daily.title == "Daily digest for 2026-11-27" and daily.overview.startswith("1 of 4 clients")


async def test_the_json_keeps_its_keys_and_names_the_period(db: Database) -> None:
    coach_id = await roster(db)
    weekly = (await service(db).coach_digest(coach_id, period="week")).to_dict()
    daily = (await service(db).coach_digest(coach_id)).to_dict()
    for data in (weekly, daily):
        assert {"coach_id", "as_of", "overview", "lines", "period"} <= set(data)
        assert {"client_id", "name", "status", "needs_action", "flags", "flag_kinds", "summary"} <= set(
            data["lines"][0]
        )
    assert (weekly["period"], daily["period"]) == ("week", "day")
    assert weekly["lines"][0]["day"] is None
    dan = daily["lines"][0]
    assert dan["name"] == "Dan Weber" and dan["day"]["checked_in"] is False
    assert dan["day"]["new_flag_kinds"] == ["missed_check_ins"]


async def test_a_weekdays_coach_hears_on_monday_about_the_weekend(db: Database) -> None:
    coach_id = await roster(db, cadence="weekdays")
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    async with db.unit_of_work() as session:
        ben = await session.scalar(select(Client).where(Client.display_name == "Ben Okafor"))
        assert ben is not None
        await record_check_in(
            session,
            client_id=ben.id,
            mood=6,
            energy=5,
            sleep_hours=8,
            adherence="no",
            source_channel="telegram",
            at=datetime(2026, 11, 28, 10, 0, tzinfo=UTC),  # Saturday
        )
    digest = await service(db, monday).coach_digest(coach_id)
    assert digest.title == "Daily digest for 2026-11-30"
    assert digest.overview.startswith("1 of 4 clients checked in since Friday morning;")
    line = next(line for line in digest.lines if line.name == "Ben Okafor")
    assert line.status().startswith("Ben Okafor: checked in: mood 6, energy 5, plan not kept · week:")


async def test_a_past_date_covers_that_whole_day(db: Database) -> None:
    coach_id = await roster(db)
    digest = await service(db).coach_digest(coach_id, week_ending=NOW.date() - timedelta(days=1))
    assert digest.title == "Daily digest for 2026-11-26"
    # Chloe's 07:30 check-in is on the 26th too: the whole day counts.
    assert digest.overview.startswith("2 of 4 clients checked in on 2026-11-26;")


async def test_scheduled_digests_follow_the_cadence(db: Database) -> None:
    coach_id = await roster(db)
    async with db.unit_of_work() as session:
        weekly = await create_coach(
            session, name="Wes Weekly", email="wes@example.com", slack_user_id="UWES", timezone=ZONE
        )
        weekly.digest_cadence, weekly.digest_time = "weekly", "08:00"
        await session.flush()
        await session.execute(
            update(Client).where(Client.display_name == "Ana Silva").values(coach_id=weekly.id)
        )
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    insights = service(db, monday)
    dispatcher = ReminderDispatcher(digest=insights.compose_digest)
    async with db.unit_of_work() as session:
        await plan_reminders(session, now=monday - timedelta(hours=1))
    async with db.unit_of_work() as session:
        await dispatcher.dispatch_due(session, now=monday)
        sent = {
            m.chat_id: m.payload
            for m in await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "slack"))
            if m.payload.get("type") != "business_summary"  # Monday's digest brings the weekly numbers too
        }
    assert sent["UCORA"]["period"] == "day"
    assert sent["UCORA"]["text"].startswith(
        "Daily digest for 2026-11-30\n0 of 3 clients checked in since yesterday morning;"
    )
    assert sent["UWES"]["period"] == "week"
    assert sent["UWES"]["text"].startswith(
        "Weekly digest for the week ending 2026-11-30\n1 client: 1 checked in this week"
    )
    assert coach_id != weekly.id


async def test_no_digest_states_a_number_absent_from_its_input(
    db: Database, openai_server: FakeOpenAI
) -> None:
    async with db.unit_of_work() as session:
        coach = await create_coach(session, name="Eva Eval", email="eva@example.com", timezone=ZONE)
        coach_id = coach.id
    report = await import_file(db, EVAL_ROWS.read_text(), kind="jsonl", now=EVAL_NOW, coach_id=coach_id)
    assert report.rejected == []
    llm = LlmClient(model="eval-model", base_url=openai_server.base_url, local=False)
    with_model = service(db, EVAL_NOW, llm)
    try:
        digests = [
            await svc.coach_digest(coach_id, week_ending=end, period=period)
            for svc in (service(db, EVAL_NOW), with_model)
            for period in ("day", "week")
            for end in (None, EVAL_WEEK_ENDING)
        ]
    finally:
        await with_model.close()
    assert any(d.sources == {"ai"} for d in digests) and any(d.sources == {"computed"} for d in digests)
    for digest in digests:
        assert len(digest.lines) >= 30
        assert ungrounded_numbers(digest.text(), digest_input(digest)) == [], digest.title
        # Written for a German, Spanish or Russian coach, and read back in that language, too.
        for locale in ("de", "es", "ru"):
            text = digest_text(digest, "UTC", locale)
            assert ungrounded_numbers(text, digest_input(digest), locale) == [], (locale, digest.title)
    # The check would catch a number the code did not compute.
    [daily, *_] = digests
    tampered = replace(daily, overview=daily.overview + " Mood 98765.")
    assert ungrounded_numbers(tampered.text(), digest_input(tampered)) != []
    spelled = "neunundneunzigtausendsiebenhundertfünfundsechzig"  # 99765, in German words
    assert ungrounded_numbers(f"Stimmung {spelled}.", digest_input(daily), "de") == [spelled]


async def test_a_german_coachs_scheduled_digest_is_in_german(db: Database) -> None:
    coach_id = await roster(db)
    async with db.unit_of_work() as session:
        await session.execute(update(Coach).where(Coach.id == coach_id).values(locale="de"))
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    dispatcher = ReminderDispatcher(digest=service(db, monday).compose_digest)
    async with db.unit_of_work() as session:
        await plan_reminders(session, now=monday - timedelta(hours=1))
    async with db.unit_of_work() as session:
        await dispatcher.dispatch_due(session, now=monday)
        [digest] = [
            m.payload
            for m in await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "slack"))
            if m.payload.get("type") == "coach_digest"
        ]
    assert digest["text"].startswith(
        "Tagesübersicht für 2026-11-30\n0 von 4 Klienten haben sich seit gestern Morgen gemeldet;"
    )
    assert "Ana Silva: kein Check-in (letzter Check-in vor 4 Tagen) · Woche: " in digest["text"]
    assert "check-in" not in digest["text"] and "mood" not in digest["text"]
