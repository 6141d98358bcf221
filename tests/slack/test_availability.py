"""``/coach availability`` over HTTP: show (none yet, then the YAML, free slots and booked sessions with
client names escaped), set in one line of YAML flow style, and a bad line refused without saving."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from domain.clock import utcnow
from domain.models import Coach
from domain.services.booking import get_availability, hold_slot, offer_slots
from tests.slack.conftest import SlackHarness, add_client


async def run(harness: SlackHarness, text: str) -> dict[str, Any]:
    before = len(harness.api.of("response_url"))
    assert (await harness.command(text)).status == 200
    answers = await harness.api.wait_for("response_url", before + 1)
    return answers[-1]


def all_text(answer: dict[str, Any]) -> str:
    return json.dumps(answer["blocks"], ensure_ascii=False) + answer.get("text", "")


async def test_show_set_and_refuse(harness: SlackHarness, coach: Coach) -> None:
    assert "no bookable hours yet" in all_text(await run(harness, "availability"))
    refused = all_text(await run(harness, 'availability set {weekly: {monday: ["9am-noon"]}}'))
    assert "Not saved: line 1: hours are written like 09:00-12:30" in refused
    async with harness.db.sessions() as session:
        assert await get_availability(session, coach.id) is None

    saved = all_text(
        await run(
            harness,
            "availability set {weekly: {monday: [\u201c09:00-12:00\u201d], thursday: [\u201c13:00-17:00\u201d]}, "
            "session_minutes: 45, notice_hours: 1}",
        )
    )
    assert "Saved." in saved and "session_minutes: 45" in saved and "Next free slots" in saved
    async with harness.db.sessions() as session:
        stored = await get_availability(session, coach.id)
        assert stored is not None and stored.session_minutes == 45 and stored.timezone == coach.timezone

    client = await add_client(harness.db, coach, "<!channel> Ann")
    async with harness.db.unit_of_work() as session:
        _, slots = await offer_slots(session, coach.id, now=utcnow() + timedelta(hours=2), limit=1)
        await hold_slot(
            session,
            coach_id=coach.id,
            client_id=client.id,
            start=slots[0],
            minutes=45,
            buffer_minutes=10,
            video_url="https://meet.jit.si/x",
        )
    shown = all_text(await run(harness, "availability"))
    assert "&lt;!channel&gt; Ann" in shown and "<!channel>" not in shown
    assert "I don't know `availability dance`" in all_text(await run(harness, "availability dance"))


async def test_a_german_coach_reads_why_the_hours_were_not_saved_in_german(
    harness: SlackHarness, coach: Coach
) -> None:
    async with harness.db.unit_of_work() as session:
        row = await session.get(Coach, coach.id)
        assert row is not None
        row.locale = "de"
    refused = all_text(await run(harness, 'availability set {weekly: {monday: ["9am-noon"]}}'))
    assert "Nicht gespeichert: Zeile 1: Zeiten schreibt man wie 09:00-12:30, nicht '9am-noon'." in refused
    assert "hours are written" not in refused
    refused = all_text(await run(harness, "availability set {weekly: {monday: [09:00-12:00]}, colour: blue}"))
    assert "Zeile 1: unbekannte Einstellung 'colour' (bekannt: timezone, session_minutes," in refused
    async with harness.db.sessions() as session:
        assert await get_availability(session, coach.id) is None
