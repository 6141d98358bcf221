"""Scheduled program steps, the completion message and the news of a new version are worded in the
client's language."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from conversations.flows.program import render_completion, render_step, render_update
from domain.db import Database
from domain.models import Client, OutboundMessage
from domain.services import program_versions as versions
from domain.services.program_progress import CompletionNumbers, StepContent
from domain.services.program_versions import ProgramUpdate
from tests.programs.conftest import enroll_client
from tests.programs.example import EXAMPLE, INTERVALS_PDF


def test_a_delivered_step_speaks_the_clients_language() -> None:
    content = StepContent("Couch to 5K", 2, 18, 3, "Intervalle", "…", ("Laufen",), (False,), (), "de")
    payload = render_step(content)
    assert payload["text"].startswith("Couch to 5K · Tag 3: Intervalle (Schritt 2 von 18)")
    english = render_step(StepContent("Couch to 5K", 2, 18, 3, "Intervals", "…", ("Run",), (False,)))
    assert english["text"].startswith("Couch to 5K · Day 3: Intervals (step 2 of 18)")


def test_the_completion_counts_in_russian() -> None:
    numbers = CompletionNumbers("Couch to 5K", 42, 22, 30, 40, None, None, "ru")
    text = render_completion(numbers)["text"]
    assert "За 42 дня ты отметился 22 раза и выполнил 30 из 40 заданий." in text


def test_the_news_of_a_new_version_speaks_the_clients_language_and_keeps_the_note_as_written() -> None:
    update = ProgramUpdate("Couch to 5K", 2, "Intervals a day earlier", "de")
    payload = render_update(update)
    assert payload["text"] == (
        "Dein Programm Couch to 5K wurde aktualisiert (Version 2). Was sich geändert hat: Intervals a day earlier"
    )
    assert [row[0]["label"] for row in payload["buttons"]] == ["Heutiger Schritt", "Mein Fortschritt"]
    assert [row[0]["payload"] for row in payload["buttons"]] == ["/today", "/program"]
    english = ProgramUpdate("Couch to 5K", 2, None)
    assert render_update(english)["text"] == "Your program Couch to 5K has been updated (version 2)."
    assert [row[0]["label"] for row in render_update(english)["buttons"]] == ["Today's step", "My progress"]


async def test_a_russian_client_moved_to_a_new_version_is_told_in_russian(db: Database) -> None:
    enrolled = await enroll_client(db, started=datetime(2026, 3, 27, 7, tzinfo=UTC), text=EXAMPLE)
    async with db.unit_of_work() as session:
        client = await session.get(Client, enrolled.client_id)
        assert client is not None
        client.locale = "ru"
        v2 = EXAMPLE.replace("price: 49.00", "price: 0").replace("## Day 3:", "## Day 2:")
        await versions.import_program(
            session, v2, coach_id=enrolled.coach_id, files={"files/intervals.pdf": INTERVALS_PDF}
        )
        await versions.publish(session, enrolled.program_id, note="Интервалы на день раньше")
        await versions.migrate_enrollments(
            session, enrolled.program_id, to_version=2, render_update=render_update
        )
    async with db.unit_of_work() as session:
        [queued] = (await session.scalars(select(OutboundMessage))).all()
    assert queued.payload["text"] == (
        "Твоя программа Couch to 5K обновлена (версия 2). Что изменилось: Интервалы на день раньше"
    )
