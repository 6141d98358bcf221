"""Encryption at rest: what clients write is ciphertext in the database, plain text to the services;
keys rotate; a missing key is an error, never ciphertext passed on as text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import JSON, Text, select, type_coerce

from domain.crypto import PREFIX, EncryptedJSON, EncryptedText, UnreadableValue, generate_key, use_keys
from domain.db import Database
from domain.models import (
    Announcement,
    AuditEvent,
    Base,
    CheckIn,
    CheckInAnswer,
    Client,
    CoachFeedback,
    CoachNote,
    Feedback,
    Goal,
    InboxUpdate,
    Message,
    OutboundMessage,
    ProcessedMessage,
    StoredFile,
    SupportMessage,
    SupportTicket,
    SystemFeedback,
)
from domain.services import checkins, clients, messages
from domain.services.calendars import set_caldav
from domain.services.coaches import create_coach
from domain.services.encryption import ENCRYPTED_COLUMNS, rotate_keys
from domain.services.outbox import enqueue_message
from tests.conftest import TEST_ENCRYPTION_KEY

NOTE = "knee aches on the stairs"
SAID = "can we move Thursday?"
GOAL = "walk 10,000 steps a day"
FILE_NAME = "lab results Ines.pdf"


@pytest.fixture
def restore_keys() -> Iterator[None]:
    yield
    use_keys([TEST_ENCRYPTION_KEY])


async def write_everything(db: Database) -> int:
    async with db.unit_of_work() as s:
        client = await clients.register_client(
            s, platform="console", external_user_id="c1", chat_id="c1", display_name="Ines"
        )
        client.assessment = {"obstacle": "night shifts"}
        check_in = await checkins.record_check_in(
            s,
            client_id=client.id,
            mood=6,
            energy=5,
            sleep_hours=7,
            adherence="yes",
            source_channel="console",
            note=NOTE,
            attachments=[{"kind": "document", "file_name": FILE_NAME}],
        )
        s.add(
            CheckInAnswer(
                check_in_id=check_in.id,
                client_id=client.id,
                key="pain",
                question="Any pain?",
                kind="text",
                value={"value": "left knee"},
            )
        )
        await messages.record_client_message(
            s,
            client_id=client.id,
            channel="console",
            text=SAID,
            attachments=[{"kind": "photo", "file_name": FILE_NAME}],
        )
        s.add(StoredFile(platform="console", file_id="f1", kind="document", file_name=FILE_NAME, path="x"))
        s.add(Goal(client_id=client.id, text=GOAL))
        s.add(Feedback(client_id=client.id, score=4, comment="more stretching please"))
        s.add(SystemFeedback(client_id=client.id, text="the buttons vanish"))
        s.add(InboxUpdate(key="telegram:update:1", platform="telegram", lane="c1", payload={"text": NOTE}))
        coach = await create_coach(s, name="Ana", email="ana@example.com")
        s.add(CoachNote(client_id=client.id, coach_id=coach.id, text="private: asks about knee surgery"))
        s.add(
            CoachFeedback(
                check_in_id=check_in.id,
                client_id=client.id,
                coach_id=coach.id,
                kind="comment",
                comment="mind the knee this week",
                source="web",
                request_key="comment:web:1",
            )
        )
        s.add(
            Announcement(
                coach_id=coach.id,
                text="Studio closed Friday",
                status="done",
                created_by="test",
                expanded_through=0,
            )
        )
        ticket = SupportTicket(client_id=client.id, status="open")
        s.add(ticket)
        await s.flush()
        s.add(SupportMessage(ticket_id=ticket.id, author="client", text="my knee still hurts"))
        await set_caldav(
            s,
            coach.id,
            url="https://dav.example.com/ana/",
            username="ana",
            password="Ines-secret",
            actor="test",
        )
        await enqueue_message(
            s,
            platform="slack",
            chat_id="UCOACH",
            payload={"type": "coach_notice", "text": f"Ines wrote: {NOTE}", "client_id": client.id},
        )
        s.add(ProcessedMessage(idempotency_key="console:c1:1", replies=[{"text": f"Thanks, Ines: {SAID}"}]))
        return client.id


async def raw(db: Database, model: Any, name: str) -> list[Any]:
    column = model.__table__.c[name]
    raw_type = JSON() if isinstance(column.type, EncryptedJSON) else Text()
    async with db.sessions() as s:
        return list((await s.scalars(select(type_coerce(column, raw_type)))).all())


async def test_client_writing_is_ciphertext_at_rest_and_plain_to_services(db: Database) -> None:
    client_id = await write_everything(db)
    for model, name in ENCRYPTED_COLUMNS:
        (stored,) = await raw(db, model, name)
        text = stored["$enc"] if isinstance(stored, dict) else stored
        assert text.startswith(PREFIX), (model, name)
        assert not any(
            plain in text
            for plain in (NOTE, SAID, GOAL, "night shifts", "stretching", "left knee", "knee surgery", "Ines")
        )
    async with db.sessions() as s:
        client = await s.get(Client, client_id)
        assert client is not None and client.assessment == {"obstacle": "night shifts"}
        assert (await s.scalar(select(CheckIn.note))) == NOTE  # Core selects decrypt too
        assert [c.note for c in await checkins.recent_check_ins(s, client_id)] == [NOTE]
        assert (await s.scalar(select(Message.text))) == SAID
        assert (await s.scalar(select(Goal.text))) == GOAL
        assert (await s.scalar(select(CoachNote.text))) == "private: asks about knee surgery"
        assert (await s.scalar(select(CheckIn.attachments))) == [{"kind": "document", "file_name": FILE_NAME}]
        assert (await s.scalar(select(Message.attachments)))[0]["file_name"] == FILE_NAME
        assert (await s.scalar(select(StoredFile.file_name))) == FILE_NAME
        outbox = await s.scalar(select(OutboundMessage))
        assert outbox is not None and outbox.payload["text"] == f"Ines wrote: {NOTE}"
        assert outbox.client_id == client_id  # beside the payload, in the clear, for erasure
        assert (await s.scalar(select(ProcessedMessage.replies))) == [{"text": f"Thanks, Ines: {SAID}"}]


async def test_empty_json_values_stay_plain(db: Database) -> None:
    async with db.unit_of_work() as s:
        client = await clients.register_client(
            s, platform="console", external_user_id="c2", chat_id="c2", display_name="Ola"
        )
        await messages.record_client_message(s, client_id=client.id, channel="console", text="hi")
    assert await raw(db, Message, "attachments") == [[]]  # nothing to hide, cheap to read
    assert await raw(db, Client, "assessment") == [{}]


async def test_every_encrypted_column_is_rotated() -> None:
    typed = {
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedText | EncryptedJSON)
    }
    assert typed == {(model.__tablename__, name) for model, name in ENCRYPTED_COLUMNS}


async def test_plaintext_rows_and_old_keys_are_rotated_to_the_newest_key(
    db: Database, restore_keys: None
) -> None:
    use_keys(None)  # the SQLite demo: stored as written
    await write_everything(db)
    assert await raw(db, CheckIn, "note") == [NOTE]
    old, new = generate_key(), generate_key()
    use_keys([old])
    async with db.sessions() as s:  # rows from before still read
        assert (await s.scalar(select(CheckIn.note))) == NOTE
    first = await rotate_keys(db, batch_size=2)
    assert first == {
        "check_ins": 2,  # the note and the attachments
        "messages": 2,
        "goals": 1,
        "feedback": 1,
        "system_feedback": 1,
        "clients": 1,
        "inbox_updates": 1,
        "checkin_answers": 1,
        "coach_notes": 1,
        "coach_feedback": 1,
        "stored_files": 1,
        "coach_calendars": 1,  # a coach's CalDAV password
        "announcements": 1,
        "support_messages": 1,
        "outbound_messages": 1,
        "processed_messages": 1,
    }
    use_keys([new, old])
    assert sum((await rotate_keys(db, batch_size=2)).values()) == 18
    assert sum((await rotate_keys(db)).values()) == 0  # nothing left to do
    use_keys([new])  # the old key can go
    async with db.sessions() as s:
        assert (await s.scalar(select(CheckIn.note))) == NOTE
        assert (await s.scalar(select(OutboundMessage.payload)))["text"] == f"Ines wrote: {NOTE}"
        assert (await s.scalar(select(Client.assessment))) == {"obstacle": "night shifts"}
        rotations = (
            await s.scalars(
                select(AuditEvent).where(AuditEvent.action == "keys.rotated").order_by(AuditEvent.id)
            )
        ).all()
    assert len(rotations) == 3 and rotations[0].details["check_ins"] == 2
    use_keys([old])
    async with db.sessions() as s:
        with pytest.raises(UnreadableValue):
            await s.scalar(select(CheckIn.note))
    use_keys(None)
    async with db.sessions() as s:
        with pytest.raises(UnreadableValue):
            await s.scalar(select(Message.text))
