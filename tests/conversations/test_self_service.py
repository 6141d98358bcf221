"""/progress and /mydata transcripts through the real engine on the console channel: the computed
summary and the real chart, no check-ins yet, the export file, help, translations, mid-flow use."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.conversation_setup import progress_chart_png
from conversations.commands import known_commands
from conversations.flows import self_service
from domain.db import Database
from domain.models import Client
from domain.services.checkins import record_check_in
from domain.services.coach_notes import add_coach_note
from domain.services.export import EXPORT_KEYS
from tests.support.chat import Chat, FakeClock, texts

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True)
def commands() -> Iterator[None]:
    from tests.support.chat import registered

    with registered(lambda: self_service.register(progress_chart_png)):
        yield


async def client_id(db: Database) -> int:
    async with db.unit_of_work() as session:
        client = await session.scalar(select(Client).where(Client.display_name == "Sam"))
        assert client is not None
        return client.id


async def check_in(db: Database, clock: FakeClock, *, days_ago: int, mood: int) -> None:
    async with db.unit_of_work() as session:
        await record_check_in(
            session,
            client_id=await client_id(db),
            mood=mood,
            energy=6,
            sleep_hours=7.5,
            adherence="yes",
            source_channel="console",
            at=clock.now - timedelta(days=days_ago),
        )


async def test_progress_without_check_ins_is_a_friendly_pointer(client_chat: Chat) -> None:
    replies = await client_chat.send("/progress")
    assert "nothing to show yet" in texts(replies) and "/checkin" in texts(replies)
    assert all(not r.files for r in replies)


async def test_one_check_in_gives_the_summary_and_says_when_the_chart_comes(
    db: Database, client_chat: Chat, clock: FakeClock
) -> None:
    await check_in(db, clock, days_ago=0, mood=7)
    [reply] = await client_chat.send("/progress")
    assert reply.text.startswith("Your progress, ")
    assert "You checked in once, on 1 of the 14 days of these 2 weeks." in reply.text
    assert "The chart appears once you have checked in at least 2 times" in reply.text
    assert reply.files == ()


async def test_progress_sends_the_summary_and_the_chart_as_png(
    db: Database, client_chat: Chat, clock: FakeClock
) -> None:
    for days_ago, mood in ((9, 4), (8, 5), (2, 7), (1, 8), (0, 8)):
        await check_in(db, clock, days_ago=days_ago, mood=mood)
    [reply] = await client_chat.send("/progress")
    assert "You checked in 5 times, on 5 of the 14 days of these 2 weeks." in reply.text
    assert "Your latest week against your first: mood 7.7/10 (up 3.2 from 4.5)" in reply.text
    assert "You followed your plan on 100% of your check-in days" in reply.text
    [chart] = reply.files
    assert (chart.file_name, chart.mime_type) == ("progress.png", "image/png")
    assert chart.content.startswith(PNG_SIGNATURE) and len(chart.content) > 10_000


async def test_progress_speaks_the_clients_language(db: Database, client_chat: Chat) -> None:
    async with db.unit_of_work() as session:
        client = await session.get(Client, await client_id(db))
        assert client is not None
        client.locale = "de"
    replies = await client_chat.send("/progress")
    assert "Noch gibt es nichts zu zeigen" in texts(replies)


async def test_mydata_sends_the_export_as_a_json_file(
    db: Database, client_chat: Chat, clock: FakeClock
) -> None:
    await check_in(db, clock, days_ago=0, mood=7)
    [reply] = await client_chat.send("/mydata")
    assert "copy of everything we hold about you" in reply.text
    [export] = reply.files
    assert (export.file_name, export.mime_type) == ("my-data.json", "application/json")
    data = json.loads(export.content)
    assert set(data) == set(EXPORT_KEYS)
    assert data["client"]["display_name"] == "Sam"
    assert [c["mood"] for c in data["check_ins"]] == [7]


async def test_mydata_leaves_out_the_coachs_private_notes(db: Database, client_chat: Chat) -> None:
    async with db.unit_of_work() as session:
        client = await session.get(Client, await client_id(db))
        assert client is not None and client.coach_id is not None
        await add_coach_note(session, client_id=client.id, coach_id=client.coach_id, text="PRIVATE-NOTE-X")
    [reply] = await client_chat.send("/mydata")
    [export] = reply.files
    assert b"PRIVATE-NOTE-X" not in export.content
    assert json.loads(export.content)["coach_notes"] == []


async def test_mid_check_in_the_open_question_is_asked_again(client_chat: Chat) -> None:
    await client_chat.send("/checkin")
    replies = await client_chat.send("/mydata")
    assert replies[0].files and "mood" in replies[-1].text
    assert "energy" in texts(await client_chat.send("7"))  # the check-in goes on


async def test_newcomers_are_onboarded_first(chat: Callable[[str], Chat]) -> None:
    replies = await chat("stranger").send("/mydata")
    assert all(not r.files for r in replies)
    assert "/progress" in known_commands() and "/mydata" in known_commands()


async def test_help_lists_both(client_chat: Chat) -> None:
    text = texts(await client_chat.send("/help"))
    assert "/progress - your chart and a summary of your last two weeks" in text
    assert "/mydata - a copy of your data as a file" in text
