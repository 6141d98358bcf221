"""Relay both ways: a Telegram client's messages appear in their Slack thread; the coach's thread
replies go back to Telegram through the outbox, with the response time stored."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.slack import blocks
from bot.slack.threads import relay_pending
from domain.models import AuditEvent, Coach, CoachThread, Message, OutboundMessage
from domain.models.enums import MessageDirection
from domain.services.coaches import create_coach, set_coach_locale
from domain.services.messages import record_client_message
from tests.slack.conftest import COACH_DM, COACH_USER, SlackHarness, add_client


async def test_relay_both_ways_between_telegram_and_a_slack_thread(
    harness: SlackHarness, coach: Coach
) -> None:
    client = await add_client(harness.db, coach, "Tess Telegram", user="5550001")
    async with harness.db.unit_of_work() as session:
        await record_client_message(
            session, client_id=client.id, channel="telegram", text="Knee hurts after squats"
        )
        await record_client_message(
            session,
            client_id=client.id,
            channel="telegram",
            text="",
            attachments=[{"kind": "photo", "file_id": "tg-file", "file_name": "knee.jpg"}],
        )
    assert await relay_pending(harness.db) == 2
    assert await relay_pending(harness.db) == 0  # each message is relayed once
    await harness.deliver_outbox()
    await harness.deliver_outbox()
    posts = [p for p in harness.api.of("chat.postMessage") if p["channel"] == COACH_DM]
    root, first, photo = posts
    assert ("Tess Telegram" in root["text"] and "thread_ts" not in root) or root.get("thread_ts") is None
    assert root["blocks"][1]["elements"][0]["text"] == (
        "Messages from Tess Telegram (Telegram) appear in this thread. Reply here to answer them."
    )
    assert first["blocks"][-1]["elements"][0]["text"] == "via Telegram"
    async with harness.db.sessions() as session:
        thread = await session.scalar(select(CoachThread).where(CoachThread.client_id == client.id))
    assert thread is not None and thread.channel_id == COACH_DM
    assert first["thread_ts"] == photo["thread_ts"] == thread.thread_ref
    assert first["text"] == "Knee hurts after squats" and "knee.jpg" in str(photo["blocks"])

    # The coach answers in the thread: back to Telegram via the outbox, with the response time.
    reply = {
        "type": "message",
        "channel_type": "im",
        "channel": COACH_DM,
        "user": COACH_USER,
        "text": "Rest two days, then light squats",
        "ts": "1700000500.000001",
        "thread_ts": thread.thread_ref,
    }
    await harness.event(reply)
    await harness.event(reply)  # Slack sent it twice under two event ids: still one reply
    await asyncio.sleep(0.3)
    await harness.bot.drain()
    async with harness.db.sessions() as session:
        queued = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "telegram"))
        ).all()
        stored = (
            await session.scalars(select(Message).where(Message.direction == MessageDirection.TO_CLIENT))
        ).all()
    assert [(q.chat_id, q.payload["text"]) for q in queued] == [
        ("5550001", "💬 Casey Coach: Rest two days, then light squats")
    ]
    assert len(stored) == 1 and stored[0].response_seconds is not None and stored[0].response_seconds >= 0


async def test_a_reply_in_someone_elses_thread_is_refused(harness: SlackHarness, coach: Coach) -> None:
    async with harness.db.unit_of_work() as session:
        other = await create_coach(session, name="Other", email="o@example.com", slack_user_id="UOTHER01")
    client = await add_client(harness.db, other, "Not Yours")
    async with harness.db.unit_of_work() as session:
        session.add(
            CoachThread(
                platform="slack",
                coach_id=other.id,
                client_id=client.id,
                channel_id="CSHARED",
                thread_ref="1.5",
            )
        )
    event = {
        "type": "message",
        "channel_type": "channel",
        "channel": "CSHARED",
        "user": COACH_USER,
        "text": "hi",
        "ts": "1.6",
        "thread_ts": "1.5",
    }
    await harness.event(event)
    (ephemeral,) = await harness.api.wait_for("chat.postEphemeral")
    assert "isn't one of yours" in ephemeral["text"]
    async with harness.db.sessions() as session:
        assert await session.scalar(select(OutboundMessage.id)) is None
        assert await session.scalar(select(AuditEvent.id).where(AuditEvent.action == "slack.refused"))


async def test_strangers_in_a_client_thread_are_refused_and_empty_replies_explained(
    harness: SlackHarness, coach: Coach
) -> None:
    client = await add_client(harness.db, coach, "Tess Telegram", user="5550002")
    async with harness.db.unit_of_work() as session:
        session.add(
            CoachThread(
                platform="slack", coach_id=coach.id, client_id=client.id, channel_id="CTEAM", thread_ref="9.1"
            )
        )
    base = {"type": "message", "channel_type": "channel", "channel": "CTEAM", "thread_ts": "9.1"}
    await harness.event({**base, "user": "USTRANGE1", "text": "what's up", "ts": "9.2"})
    await harness.event({**base, "user": COACH_USER, "text": "", "ts": "9.3", "files": [{"id": "F1"}]})
    first, second = await harness.api.wait_for("chat.postEphemeral", 2)
    notes = {first["user"]: first["text"], second["user"]: second["text"]}
    assert "only for coaches" in notes["USTRANGE1"]
    # F1 isn't a file Slack knows: the coach hears the file didn't go, and nothing is queued.
    assert "A file wasn't sent" in notes[COACH_USER]
    async with harness.db.sessions() as session:
        assert await session.scalar(select(OutboundMessage.id)) is None
        refusal = await session.scalar(select(AuditEvent).where(AuditEvent.action == "slack.refused"))
    assert refusal is not None and refusal.actor == "slack:USTRANGE1"


async def test_a_slack_client_and_their_coach_talk_through_the_engine_and_the_thread(
    harness: SlackHarness, coach: Coach
) -> None:
    from conversations.messages import IncomingMessage

    await add_client(harness.db, coach, "Sky Slack", platform="slack", user="USKY0001")
    tg = await add_client(harness.db, coach, "Tom Telegram", user="5550003")
    # Free text outside a flow is stored for the coach by the engine, whatever the channel.
    await harness.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "DUSKY0001",
            "user": "USKY0001",
            "text": "Can we move Friday's session?",
            "ts": "1700000700.000001",
        }
    )
    await harness.api.wait_for("chat.postMessage")
    await harness.bot.drain()
    replies = await harness.handler.inner.handle(
        IncomingMessage(
            platform="telegram",
            external_user_id="5550003",
            chat_id="5550003",
            message_id="81",
            text="Shin splints again",
        )
    )
    assert replies  # acknowledged to the Telegram client
    assert await relay_pending(harness.db) == 2
    while await harness.deliver_outbox():
        pass
    in_threads = [p for p in harness.api.of("chat.postMessage") if p.get("thread_ts")]
    assert sorted(p["text"] for p in in_threads) == ["Can we move Friday's session?", "Shin splints again"]
    async with harness.db.sessions() as session:
        threads = {t.client_id: t for t in (await session.scalars(select(CoachThread))).all()}
    assert len(threads) == 2 and tg.id in threads

    sky_thread = next(t for cid, t in threads.items() if cid != tg.id)
    await harness.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": COACH_DM,
            "user": COACH_USER,
            "text": "Sure, Saturday 10:00?",
            "ts": "1700000800.000001",
            "thread_ts": sky_thread.thread_ref,
        }
    )
    await asyncio.sleep(0.2)
    await harness.bot.drain()
    await harness.deliver_outbox()
    to_sky = [p for p in harness.api.of("chat.postMessage") if p["channel"] == "DUSKY0001"]
    assert to_sky[-1]["text"] == "💬 Casey Coach: Sure, Saturday 10:00?"


async def test_a_transcribed_voice_note_shows_its_words_in_the_thread(
    harness: SlackHarness, coach: Coach
) -> None:
    client = await add_client(harness.db, coach, "Vic Voice", user="5550009")
    said = "Knee <!channel> is better & I ran 5 km"
    async with harness.db.unit_of_work() as session:
        await record_client_message(
            session,
            client_id=client.id,
            channel="telegram",
            text="",
            attachments=[{"kind": "voice", "file_id": "tg-voice", "transcript": said}],
        )
    assert await relay_pending(harness.db) == 1
    await harness.deliver_outbox()
    await harness.deliver_outbox()
    *_, relayed = [p for p in harness.api.of("chat.postMessage") if p["channel"] == COACH_DM]
    shown = str(relayed["blocks"])
    assert "Voice note (transcribed)" in shown
    assert "Knee &lt;!channel&gt; is better &amp; I ran 5 km" in shown and "<!channel>" not in shown
    assert relayed["text"] == "Knee &lt;!channel&gt; is better &amp; I ran 5 km"


async def _coach_speaks(harness: SlackHarness, coach: Coach, locale: str) -> None:
    async with harness.db.unit_of_work() as session:
        await set_coach_locale(session, coach.id, locale)


async def test_a_german_coachs_client_thread_opens_and_relays_in_german(
    harness: SlackHarness, coach: Coach
) -> None:
    await _coach_speaks(harness, coach, "de")
    client = await add_client(harness.db, coach, "Tess <!here> & Co", user="5550010")
    async with harness.db.unit_of_work() as session:
        await record_client_message(session, client_id=client.id, channel="telegram", text="Knie tut weh")
        await record_client_message(
            session,
            client_id=client.id,
            channel="telegram",
            text="",
            attachments=[{"kind": "voice", "file_id": "tg-voice", "transcript": "Besser heute"}],
        )
    assert await relay_pending(harness.db) == 2
    await harness.deliver_outbox()
    await harness.deliver_outbox()
    root, first, voice = [p for p in harness.api.of("chat.postMessage") if p["channel"] == COACH_DM]
    name = "Tess &lt;!here&gt; &amp; Co"  # the client's name as written, never live markup
    assert root["text"] == f"Thread: {name}"
    assert root["blocks"][0]["text"]["text"] == f"🧵 *{name}*"
    assert root["blocks"][1]["elements"][0]["text"] == (
        f"Nachrichten von {name} (Telegram) erscheinen in diesem Thread. Antworte hier, um ihnen zu antworten."
    )
    assert first["blocks"][-1]["elements"][0]["text"] == "über Telegram"
    assert voice["blocks"][0]["text"]["text"] == "🎤 _Sprachnachricht (transkribiert):_ Besser heute"


async def test_message_client_opens_the_thread_in_the_coachs_language_with_the_clients_channels(
    harness: SlackHarness, coach: Coach
) -> None:
    await _coach_speaks(harness, coach, "ru")
    client = await add_client(harness.db, coach, "Bo", user="5550011")
    message = {"ts": "1700000000.000010", "text": "Low mood", "blocks": []}
    await harness.action(blocks.ALERT_MESSAGE_CLIENT, str(client.id), message=message, response_url=False)
    root, hint = await harness.api.wait_for("chat.postMessage", 2)
    assert root["text"] == "Ветка: Bo"
    assert root["blocks"][1]["elements"][0]["text"] == (
        "Сообщения от Bo (Telegram) появляются в этой ветке. Чтобы ответить, напишите здесь."
    )
    assert hint.get("thread_ts") and hint["text"] == "✏️ Ответьте в этой ветке, чтобы написать Bo."


async def test_a_spanish_coach_is_told_in_spanish_why_a_thread_reply_did_not_go(
    harness: SlackHarness, coach: Coach
) -> None:
    await _coach_speaks(harness, coach, "es")
    client = await add_client(harness.db, coach, "Tess Telegram", user="5550012")
    async with harness.db.unit_of_work() as session:
        session.add(
            CoachThread(
                platform="slack", coach_id=coach.id, client_id=client.id, channel_id="CTEAM", thread_ref="9.1"
            )
        )
    base = {"type": "message", "channel_type": "channel", "channel": "CTEAM", "thread_ts": "9.1"}
    await harness.event({**base, "user": COACH_USER, "text": " ", "ts": "9.2"})
    (empty,) = await harness.api.wait_for("chat.postEphemeral")
    assert empty["text"] == "No había nada que enviar: añade unas palabras o un archivo."
    await harness.event({**base, "user": COACH_USER, "text": "", "ts": "9.3", "files": [{"id": "F1"}]})
    _, file_note = await harness.api.wait_for("chat.postEphemeral", 2)
    assert file_note["text"] == "Un archivo no se envió: no pude descargarlo de Slack. Inténtalo de nuevo."
