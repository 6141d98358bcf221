"""``/coach announce`` over HTTP: preview, Send (once, however often pressed), Cancel, bad input, and
the delivery report as a notice in the coach's DM."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot.slack.announcements import ANNOUNCE_CANCEL, ANNOUNCE_SEND
from conversations.announcement_wording import announcement_payload
from domain.clock import utcnow
from domain.models import Announcement, Coach, OutboundMessage
from domain.services import announcements as ann
from tests.slack.conftest import STRANGER, SlackHarness, add_client
from tests.slack.test_commands import all_text, run


def buttons(answer: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {e["action_id"]: e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]}


async def press(
    harness: SlackHarness, action_id: str, value: str, *, user: str | None = None
) -> dict[str, Any]:
    before = len(harness.api.of("response_url"))
    message = {"ts": "1700000000.000009", "text": "preview", "blocks": []}
    extra = {"user": user} if user else {}
    assert (await harness.action(action_id, value, message=message, **extra)).status == 200
    return (await harness.api.wait_for("response_url", before + 1))[-1]


async def queued_announcements(harness: SlackHarness) -> int:
    async with harness.db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.dedupe_key.startswith("announcement:"))
            )
            or 0
        )


async def expand(harness: SlackHarness) -> None:
    async with harness.db.unit_of_work() as session:
        while await ann.expand_next_chunk(session, now=utcnow(), wording=announcement_payload):
            pass


async def test_preview_then_send_once_and_get_the_report(harness: SlackHarness, coach: Coach) -> None:
    await add_client(harness.db, coach, "Ann Lee")
    await add_client(harness.db, coach, "Bo Fine")
    preview = await run(harness, "announce Gym closed <!channel> on *Friday*\nSee you Monday")
    text = all_text(preview)
    assert "Announcement preview" in text and "2 clients" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text  # the coach's text is escaped
    send = buttons(preview)[ANNOUNCE_SEND]
    assert ANNOUNCE_CANCEL in buttons(preview)
    await expand(harness)
    assert await queued_announcements(harness) == 0  # a draft is never sent

    answer = await press(harness, ANNOUNCE_SEND, send["value"])
    assert "goes out now" in all_text(answer) and answer["replace_original"]
    await press(harness, ANNOUNCE_SEND, send["value"])  # a double click
    await expand(harness)
    assert await queued_announcements(harness) == 2
    async with harness.db.unit_of_work() as session:
        payload = await session.scalar(select(OutboundMessage.payload).where(OutboundMessage.chat_id != ""))
    assert payload is not None and "See you Monday" in payload["text"]

    # The sender delivers both (Telegram clients have no transport here: they wait), so mark them sent.
    async with harness.db.unit_of_work() as session:
        await session.execute(
            OutboundMessage.__table__.update()
            .where(OutboundMessage.dedupe_key.startswith("announcement:"))
            .values(status="sent")
        )
        assert len(await ann.finish_delivered(session, now=utcnow())) == 1
    before = len(harness.api.of("chat.postMessage"))
    await harness.deliver_outbox()
    report = harness.api.of("chat.postMessage")[before:][-1]
    assert "📣" in json.dumps(report["blocks"], ensure_ascii=False)
    assert "2 sent, 0 failed, 0 opted out, 0 blocked" in json.dumps(report["blocks"])


async def test_cancel_and_scheduled_and_segment(harness: SlackHarness, coach: Coach) -> None:
    await add_client(harness.db, coach, "Ann Lee")
    preview = await run(harness, "announce --segment missed --at 2099-01-01T09:00Z Where are you?")
    text = all_text(preview)
    assert "up to 1 client" in text and "2099-01-01 09:00 UTC" in text and "missed" in text
    cancelled = await press(harness, ANNOUNCE_CANCEL, buttons(preview)[ANNOUNCE_CANCEL]["value"])
    assert "not sent" in all_text(cancelled)
    sent = await press(harness, ANNOUNCE_SEND, buttons(preview)[ANNOUNCE_SEND]["value"])
    assert "at 2099-01-01 09:00 UTC" in all_text(sent)
    async with harness.db.sessions() as session:
        assert await session.scalar(select(Announcement.status)) == "scheduled"


async def test_bad_input_and_strangers(harness: SlackHarness, coach: Coach) -> None:
    cases = {
        "announce": "the announcement is empty",
        "announce --segment vip Hi": "unknown segment 'vip'",
        "announce --program 42 Hi": "no program with id 42",
        "announce --program x Hi": "takes a program id",
        "announce --at 2020-01-01T00:00Z Hi": "in the past",
        "announce --at soon Hi": "is not a time",
        "announce --colour red Hi": "I don't know `--colour`",
        f"announce {'x' * (ann.ANNOUNCEMENT_TEXT_MAX + 1)}": "Telegram message",
    }
    for command, words in cases.items():
        assert words in all_text(await run(harness, command)), command
    async with harness.db.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Announcement)) == 0
    preview = await run(harness, "announce Hello")
    refused = await press(harness, ANNOUNCE_SEND, buttons(preview)[ANNOUNCE_SEND]["value"], user=STRANGER)
    assert "coach" in refused["text"].lower()
    async with harness.db.sessions() as session:
        assert await session.scalar(select(Announcement.status)) == "draft"


def test_options_come_first_and_the_text_stays_as_typed() -> None:
    from bot.slack.announcements import parse

    assert parse("--segment missed\nSee you\n\nMonday  at 9") == (
        {"--segment": "missed"},
        "See you\n\nMonday  at 9",
    )
    assert parse("Hello --segment flagged") == ({}, "Hello --segment flagged")


async def test_a_german_coach_reads_refusals_and_the_audience_in_german(
    harness: SlackHarness, coach: Coach
) -> None:
    await add_client(harness.db, coach, "Ann Lee")
    english = all_text(await run(harness, "announce --segment missed Where are you?"))
    assert "To all your clients, missed only:" in english
    assert "the announcement is empty" in all_text(await run(harness, "announce"))
    async with harness.db.unit_of_work() as session:
        row = await session.get(Coach, coach.id)
        assert row is not None
        row.locale = "de"

    refused = all_text(await run(harness, "announce"))
    assert (
        "Nicht gesendet: die Ankündigung ist leer: es fehlt der Text, den die Klienten lesen sollen."
        in refused
    )
    assert "the announcement is empty" not in refused
    past = all_text(await run(harness, "announce --at 2020-01-01T00:00Z Hi"))
    assert "2020-01-01 00:00 UTC liegt in der Vergangenheit" in past
    too_long = all_text(await run(harness, f"announce {'x' * (ann.ANNOUNCEMENT_TEXT_MAX + 1)}"))
    assert f"höchstens {ann.ANNOUNCEMENT_TEXT_MAX:,} in eine Telegram-Nachricht".replace(",", ".") in too_long

    preview = await run(harness, "announce --segment missed Wo bleibst du?")
    assert "An alle Klienten, nur solche mit verpassten Check-ins:" in all_text(preview)
    sent = await press(harness, ANNOUNCE_SEND, buttons(preview)[ANNOUNCE_SEND]["value"])
    assert "an alle Klienten, nur solche mit verpassten Check-ins geht" in all_text(sent)
    again = await press(harness, ANNOUNCE_SEND, "not-a-draft")
    assert "Nicht gesendet: dieser Button ist abgelaufen." in all_text(again)
