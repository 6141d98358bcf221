"""Every /coach subcommand over HTTP, answered in Block Kit through the response_url."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from domain.clock import utcnow
from domain.models import Coach, OutboundMessage
from domain.services.checkins import record_check_in
from domain.services.clients import set_client_locale
from domain.services.coaches import create_coach, create_program, publish_program
from domain.services.goals import set_goal
from tests.slack.conftest import SlackHarness, add_client


async def run(harness: SlackHarness, text: str) -> dict[str, Any]:
    before = len(harness.api.of("response_url"))
    assert (await harness.command(text)).status == 200
    answers = await harness.api.wait_for("response_url", before + 1)
    assert answers[-1]["blocks"], "always Block Kit"
    return answers[-1]


def all_text(answer: dict[str, Any]) -> str:
    return json.dumps(answer["blocks"], ensure_ascii=False)


async def test_help_and_unknown_subcommands(harness: SlackHarness, coach: Coach) -> None:
    assert "/coach paylink" in all_text(await run(harness, "help"))
    unknown = await run(harness, "dance")
    assert "I don't know `dance`" in all_text(unknown) and "/coach remind" in all_text(unknown)


async def test_clients_lists_only_my_clients_with_flags(harness: SlackHarness, coach: Coach) -> None:
    ann = await add_client(harness.db, coach, "Ann Lee")
    await add_client(harness.db, coach, "Bo Fine")
    now = utcnow()
    async with harness.db.unit_of_work() as session:
        other = await create_coach(session, name="Other Coach", email="other@example.com")
        # Last week fine, this week low: the insights' computed "falling mood" flag.
        for days_ago, mood in ((9, 8), (8, 8), (1, 3), (0, 2)):
            await record_check_in(
                session,
                client_id=ann.id,
                mood=mood,
                energy=5,
                sleep_hours=7,
                adherence="yes",
                source_channel="telegram",
                at=now - timedelta(days=days_ago, minutes=1),
            )
    await add_client(harness.db, other, "Zed Other")
    answer = await run(harness, "clients")
    text = all_text(answer)
    assert "Ann Lee" in text and "mood fell from 8 to 2.5 week over week" in text and "streak 2" in text
    bo_line = next(b["text"]["text"] for b in answer["blocks"] if "Bo Fine" in json.dumps(b))
    assert "⚠️" not in bo_line
    assert "Zed Other" not in text
    # The profile charts the last days beside the computed week-over-week trend.
    profile = all_text(await run(harness, "client Ann Lee"))
    assert "`mood   ·····▃▂`  mood 2.5/10 (down 5.5 from 8)" in profile
    assert "`energy ·····▄▄`  energy 5/10 (steady)" in profile
    assert "⚠️ mood fell from 8 to 2.5 week over week" in profile


async def test_client_profile_and_ambiguous_names_become_a_choice(
    harness: SlackHarness, coach: Coach
) -> None:
    ann = await add_client(harness.db, coach, "Ann Lee")
    await add_client(harness.db, coach, "Annie Hall")
    async with harness.db.unit_of_work() as session:
        await set_goal(session, client_id=ann.id, text="Run 5 km", metric="distance", target=5, unit="km")
        for mood in (4, 5, 7):
            await record_check_in(
                session,
                client_id=ann.id,
                mood=mood,
                energy=6,
                sleep_hours=7,
                adherence="yes",
                source_channel="telegram",
            )
    choice = await run(harness, "client ann")
    buttons = [e for b in choice["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Ann Lee", "Annie Hall"]
    await harness.action(
        buttons[0]["action_id"],
        buttons[0]["value"],
        message={"ts": "1.1", "text": "", "blocks": choice["blocks"]},
    )
    profile = (await harness.api.wait_for("response_url", 2))[-1]
    text = all_text(profile)
    assert "Run 5 km" in text and "Last 3 check-ins" in text
    # Today's three check-ins make one bar (their mean, 5.3 on 1-10) after six days without one,
    # beside the computed trend (no check-ins last week, so no direction yet).
    assert "`mood   ······▄`  mood 5.3/10" in text and "`energy ······▅`  energy 6/10" in text
    assert "Computed summary (not AI-generated)" in text
    exact = all_text(await run(harness, "client Ann Lee"))
    assert "Run 5 km" in exact
    assert "None of your clients" in all_text(await run(harness, "client Nobody"))


async def test_digest_now(harness: SlackHarness, coach: Coach) -> None:
    await add_client(harness.db, coach, "Ann Lee")
    answer = await run(harness, "digest")
    assert answer["blocks"][0]["type"] == "header"
    assert "Ann Lee" in all_text(answer)


async def test_paylink_sends_the_client_a_payment_link_once(harness: SlackHarness, coach: Coach) -> None:
    ann = await add_client(harness.db, coach, "Ann Lee")
    async with harness.db.unit_of_work() as session:
        program = await create_program(
            session, coach_id=coach.id, name="Strength 8 weeks", price_minor=4900, currency="usd"
        )
        await publish_program(session, program.id)
    answer = await run(harness, "paylink Ann Lee Strength 8 weeks")
    assert "Payment link for Strength 8 weeks sent to Ann Lee" in all_text(answer)
    async with harness.db.sessions() as session:
        rows = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "telegram"))
        ).all()
    assert len(rows) == 1 and rows[0].payload["url_buttons"][0]["url"].startswith("https://pay.example/")
    assert "couldn't find that program" in all_text(await run(harness, "paylink Ann Yoga"))
    assert ann.id


async def test_remind_queues_a_reminder_to_the_clients_channel(harness: SlackHarness, coach: Coach) -> None:
    await add_client(harness.db, coach, "Ann Lee")
    answer = await run(harness, "remind Ann Lee Log your sleep tonight")
    assert "Reminder sent to Ann Lee" in all_text(answer)
    async with harness.db.sessions() as session:
        row = await session.scalar(select(OutboundMessage).where(OutboundMessage.platform == "telegram"))
    assert row is not None and row.payload["text"].endswith("Log your sleep tonight")
    assert "Whom should I remind" in all_text(await run(harness, "remind Ann"))


async def test_what_the_coach_sends_reaches_each_client_in_their_own_language(
    harness: SlackHarness, coach: Coach
) -> None:
    """The coach reads English; a Spanish client on Slack and a Russian one on Telegram get the
    payment link and the reminder in theirs (the coach's own words as written)."""
    ana = await add_client(harness.db, coach, "Ana Ruiz", platform="slack", user="UANA0001")
    ivan = await add_client(harness.db, coach, "Ivan Petrov")
    async with harness.db.unit_of_work() as session:
        await set_client_locale(session, ana.id, "es")
        await set_client_locale(session, ivan.id, "ru")
        program = await create_program(
            session, coach_id=coach.id, name="Fuerza", price_minor=4900, currency="usd"
        )
        await publish_program(session, program.id)
    assert "Payment link for Fuerza sent to Ana Ruiz" in all_text(
        await run(harness, "paylink Ana Ruiz Fuerza")
    )
    assert "Reminder sent to Ana Ruiz" in all_text(await run(harness, "remind Ana Ruiz Duerme ocho horas"))
    assert "Reminder sent to Ivan Petrov" in all_text(await run(harness, "remind Ivan Petrov Пей воду"))

    posts: list[dict[str, Any]] = []
    for _ in range(50):  # Slack takes one post a second per chat
        await harness.deliver_outbox()
        posts = [p for p in harness.api.of("chat.postMessage") if p["channel"] == "DUANA0001"]
        if len(posts) >= 2:
            break
        await asyncio.sleep(0.1)
    assert [p["text"] for p in posts] == [
        "Tu coach te ha enviado un enlace de pago para Fuerza (49,00 USD).",
        "⏰ Recordatorio de Casey Coach: Duerme ocho horas",
    ]
    async with harness.db.sessions() as session:
        telegram = await session.scalar(select(OutboundMessage).where(OutboundMessage.platform == "telegram"))
    assert telegram is not None and telegram.payload["text"] == "⏰ Напоминание от Casey Coach: Пей воду"


async def test_digest_from_the_insights_service(harness: SlackHarness, coach: Coach) -> None:
    from integrations.llm.insights import InsightsService

    ann = await add_client(harness.db, coach, "Ann Lee")
    async with harness.db.unit_of_work() as session:
        await record_check_in(
            session,
            client_id=ann.id,
            mood=2,
            energy=3,
            sleep_hours=5,
            adherence="no",
            source_channel="telegram",
        )
    harness.bot.commands.digests = InsightsService(harness.db)
    answer = await run(harness, "digest")
    # The coach's cadence is daily (the default): the digest is about the last day.
    assert answer["blocks"][0]["text"]["text"].startswith("Daily digest for ")
    assert "Ann Lee" in all_text(answer) and "checked in: mood 2" in all_text(answer)


async def test_an_ambiguous_reminder_is_finished_by_a_choice_pressed_once_or_twice(
    harness: SlackHarness, coach: Coach
) -> None:
    await add_client(harness.db, coach, "Kim Park")
    await add_client(harness.db, coach, "Kim Young")
    choice = await run(harness, "remind kim Stretch before bed")
    buttons = [e for b in choice["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Kim Park", "Kim Young"]
    message = {"ts": "1700000300.000001", "text": "", "blocks": choice["blocks"]}
    for _ in range(2):  # a double click
        await harness.action(buttons[1]["action_id"], buttons[1]["value"], message=message)
    answers = await harness.api.wait_for("response_url", 3)
    assert "Reminder sent to Kim Young" in all_text(answers[-1])
    async with harness.db.sessions() as session:
        rows = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "telegram"))
        ).all()
    assert [r.payload["text"] for r in rows] == ["⏰ Reminder from Casey Coach: Stretch before bed"]


async def test_a_german_coachs_digest_arrives_in_german(harness: SlackHarness, coach: Coach) -> None:
    from integrations.llm.insights import InsightsService

    async with harness.db.unit_of_work() as session:
        row = await session.get(Coach, coach.id)
        assert row is not None
        row.locale = "de"
    ann = await add_client(harness.db, coach, "Ann <@U0> *Lee*")
    async with harness.db.unit_of_work() as session:
        await record_check_in(
            session,
            client_id=ann.id,
            mood=2,
            energy=3,
            sleep_hours=5,
            adherence="no",
            source_channel="telegram",
        )
    harness.bot.commands.digests = InsightsService(harness.db)
    answer = await run(harness, "digest")
    assert answer["blocks"][0]["text"]["text"].startswith("Tagesübersicht für ")
    text = all_text(answer)
    assert "eingecheckt: Stimmung 2, Energie 3, Plan nicht eingehalten" in text
    assert "1 Klient" in text and "checked in" not in text
    # The client's name is still escaped for mrkdwn.
    assert "&lt;@U0&gt;" in text and "<@U0>" not in text
