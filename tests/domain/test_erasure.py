"""Erasing a client: every table loses the person, money records stay without them, nobody else is touched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from domain.db import Database
from domain.errors import NotFound
from domain.models import (
    Announcement,
    AnnouncementOptOut,
    AnnouncementRecipient,
    AuditEvent,
    Base,
    Client,
    CoachFeedback,
    CoachNote,
    ConversationState,
    InboxUpdate,
    InsightCache,
    OutboundMessage,
    Payment,
    ProcessedMessage,
    Reminder,
    Subscription,
    SupportMessage,
    SupportTicket,
)
from domain.models.dunning import DunningCase
from domain.models.enums import ClientStatus
from domain.services import checkins, clients, coaches, enrollments, goals, messages, payments
from domain.services.audit import record_audit_event
from domain.services.billing import SubscriptionState, sync_subscription
from domain.services.booking import hold_slot
from domain.services.coach_threads import open_thread
from domain.services.erasure import (
    COACH_NOTICE_KIND,
    ERASED_TEXT,
    erase_client,
    preview_erasure,
    renewing_subscriptions,
)
from domain.services.export import export_client
from domain.services.files import record_stored_file, unlink_stored_files
from domain.services.notices import notify_coach
from domain.services.outbox import client_message, enqueue_for_client

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@dataclass
class Person:
    client_id: int
    coach_id: int
    file: Path


async def populate(db: Database, storage: Path, tag: str, *, name: str, email: str) -> Person:
    """A client with a row in every table that can point at a client; ``tag`` keeps ids apart."""
    file = storage / "telegram" / f"{tag}.jpg"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_bytes(b"photo")
    async with db.unit_of_work() as s:
        coach = await coaches.create_coach(
            s, name=f"Coach {tag}", email=f"coach-{tag}@example.com", slack_user_id=f"U{tag}"
        )
        program = await coaches.create_program(
            s, coach_id=coach.id, name=f"Plan {tag}", price_minor=4900, currency="eur", billing="monthly"
        )
        await coaches.publish_program(s, program.id)
        client = await clients.register_client(
            s,
            platform="telegram",
            external_user_id=f"tele{tag}user",
            chat_id=f"tele{tag}user",
            display_name=name,
            coach_id=coach.id,
        )
        client.email = email
        await clients.add_identity(
            s, client_id=client.id, platform="slack", external_user_id=f"Wslack{tag}", chat_id=f"Dslack{tag}"
        )
        enrollment = await enrollments.enroll(s, client_id=client.id, program_id=program.id)
        goal = await goals.set_goal(s, client_id=client.id, text=f"Run 5 km, {name}")
        check_in = await checkins.record_check_in(
            s,
            client_id=client.id,
            mood=6,
            energy=5,
            sleep_hours=7,
            adherence="yes",
            source_channel="telegram",
            goal_id=goal.id,
            goal_progress=20,
            note=f"{name} slept badly",
        )
        s.add(
            CoachFeedback(
                check_in_id=check_in.id,
                client_id=client.id,
                coach_id=coach.id,
                kind="comment",
                comment=f"well done, {name}",
                source="web",
                request_key=f"comment:web:{tag}",
            )
        )
        await messages.record_client_message(s, client_id=client.id, channel="telegram", text="hi coach")
        await messages.record_coach_reply(
            s, client_id=client.id, coach_id=coach.id, channel="slack", text=f"hi {name}"
        )
        await messages.record_feedback(s, client_id=client.id, score=5, comment="great")
        await messages.record_system_feedback(s, client_id=client.id, text=f"the bot forgot {name}")
        s.add(CoachNote(client_id=client.id, coach_id=coach.id, text=f"{name} prefers mornings"))
        ticket = SupportTicket(client_id=client.id, status="open")
        s.add(ticket)
        await s.flush()
        s.add(SupportMessage(ticket_id=ticket.id, author="client", text=f"{name} cannot log in"))
        await hold_slot(
            s,
            coach_id=coach.id,
            client_id=client.id,
            start=datetime(2026, 12, 7, 9 + int(tag), tzinfo=UTC),
            minutes=50,
            buffer_minutes=0,
            video_url="https://meet.jit.si/room",
        )
        await open_thread(
            s,
            platform="slack",
            coach_id=coach.id,
            client_id=client.id,
            channel_id=f"C{tag}",
            thread_ref="1.2",
        )
        await record_stored_file(
            s,
            platform="telegram",
            external_user_id=f"tele{tag}user",
            file_id=f"file-{tag}",
            kind="photo",
            mime_type="image/jpeg",
            size_bytes=5,
            file_name=f"{name}.jpg",
            path=str(file),
        )
        payment = await payments.record_payment(
            s,
            client_id=client.id,
            amount_minor=4900,
            currency="eur",
            enrollment_id=enrollment.id,
            provider_payment_id=f"pi_{tag}",
            provider_invoice_id=f"in_{tag}",
        )
        await payments.record_refund(s, payment.id, 900, actor="admin")
        sub = await sync_subscription(
            s,
            SubscriptionState(f"sub_{tag}", "canceled", 4900, "eur", None, False),
            client_id=client.id,
            enrollment_id=enrollment.id,
        )
        s.add(DunningCase(subscription_id=sub.id, provider_invoice_id=f"in_{tag}", pause_at=NOW))
        s.add(Reminder(kind="checkin", client_id=client.id, due_at=NOW, dedupe_key=f"checkin:{tag}"))
        await enqueue_for_client(s, client.id, client_message(f"Good morning {name}"))
        await notify_coach(
            s, coach_id=coach.id, kind="low_mood", text=f"{name} is having a hard day", client_id=client.id
        )
        s.add(InsightCache(key=f"k{tag}", kind="summary", content={"client_id": client.id}, source="m"))
        announcement = Announcement(
            coach_id=coach.id, text="Hello all", status="done", created_by="cli", expanded_through=0
        )
        s.add(announcement)
        await s.flush()
        s.add(AnnouncementRecipient(announcement_id=announcement.id, client_id=client.id, outcome="blocked"))
        s.add(AnnouncementOptOut(client_id=client.id))
        for platform, user, chat in (
            ("telegram", f"tele{tag}user", f"tele{tag}user"),
            ("slack", f"Wslack{tag}", f"Dslack{tag}"),
        ):
            s.add(ConversationState(platform=platform, external_user_id=user, chat_id=chat))
            s.add(ProcessedMessage(idempotency_key=f"{platform}:{chat}:m1", replies=[{"text": f"Hi {name}"}]))
        # A Telegram update as the inbox stored it, and the replies kept under its key (no name in them).
        update_key = f"telegram:update:{abs(hash(tag)) % 10**6}"
        s.add(
            InboxUpdate(
                key=update_key,
                platform="telegram",
                lane=f"tele{tag}user",
                external_user_id=f"tele{tag}user",
                payload={"message": {"from": {"first_name": name}, "text": "hello"}},
            )
        )
        s.add(ProcessedMessage(idempotency_key=update_key, replies=[{"text": "Noted."}]))
        await record_audit_event(
            s, actor=f"coach:{coach.id}", action="note", subject="x", details={"said": f"remind {name} today"}
        )
        await record_audit_event(s, actor="system", action="mail", subject="y", details={"to": [email]})
        return Person(client.id, coach.id, file)


async def dump(db: Database, client_id: int) -> dict[str, list[Any]]:
    """Every row of every table that has a ``client_id`` column, of this client."""
    rows: dict[str, list[Any]] = {}
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if "client_id" in table.c:
                found = await conn.execute(select(table).where(table.c.client_id == client_id))
                rows[table.name] = [tuple(r) for r in found]
    return rows


async def whole_database_text(db: Database) -> str:
    lines: list[str] = []
    async with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            lines.extend(repr(tuple(row)) for row in await conn.execute(select(table)))
    return "\n".join(lines)


@pytest.fixture
def storage(tmp_path: Path) -> Path:
    return tmp_path / "files"


async def test_erasure_removes_the_person_and_keeps_money_detached(db: Database, storage: Path) -> None:
    zoe = await populate(db, storage, "1", name="Zoë Quill", email="zoe.quill@example.com")
    other = await populate(db, storage, "2", name="Bo Brandt", email="bo@example.com")
    async with db.unit_of_work() as s:
        before = await export_client(s, zoe.client_id)
        other_before = await export_client(s, other.client_id)
        preview = await preview_erasure(s, zoe.client_id)
    assert before["check_ins"] and before["payments"] and before["identities"]
    async with db.unit_of_work() as s:
        report = await erase_client(s, zoe.client_id, actor="admin")
    # Files are unlinked only after the commit, inside the storage directory.
    assert unlink_stored_files(report.file_paths, storage).removed == 1
    assert not zoe.file.exists() and other.file.exists()

    assert report.erased == preview.erased and report.kept == preview.kept
    assert report.erased == {
        "stored_files": 1,
        "outbound_messages": 2,  # the good-morning message and the coach notice about her
        "reminders": 1,
        "bookings": 1,
        "email_verifications": 0,
        "coach_threads": 1,
        "coach_notes": 1,
        "messages": 2,
        "feedback": 1,
        "system_feedback": 1,
        "support_messages": 1,
        "support_tickets": 1,
        "announcement_recipients": 1,
        "announcement_opt_outs": 1,
        "coach_feedback": 1,
        "cohort_replies": 0,
        "checkin_answers": 0,
        "check_ins": 1,
        "goals": 1,
        "insight_cache": 1,
        "conversation_states": 2,
        "processed_messages": 3,
        "inbox_updates": 1,
        "consent_records": 1,
        "step_releases": 0,
        "task_ticks": 0,
        "enrollment_progress": 0,
        "enrollments": 1,
        "channel_identities": 2,
        "clients": 1,
    }
    assert report.kept == {"payments": 1, "subscriptions": 1, "audit_events": 3}

    # No table that can point at a client points at her any more.
    fk_tables = {
        t.name
        for t in Base.metadata.sorted_tables
        if any(fk.column.table.name == "clients" for fk in t.foreign_keys)
    }
    assert fk_tables <= set(report.erased) | set(report.kept)
    assert all(rows == [] for rows in (await dump(db, zoe.client_id)).values())
    everything = await whole_database_text(db)
    for trace in ("Quill", "zoe.quill@example.com", "tele1user", "Wslack1", "Dslack1", "Zo\\u00eb", "Zoë Q"):
        assert trace not in everything, trace

    async with db.unit_of_work() as s:
        with pytest.raises(NotFound):
            await export_client(s, zoe.client_id)
        assert await export_client(s, other.client_id) == other_before
        # Payments and subscriptions stay with their amounts and provider ids, under the anonymous record.
        payment = await s.scalar(select(Payment).where(Payment.provider_payment_id == "pi_1"))
        sub = await s.scalar(select(Subscription).where(Subscription.provider_subscription_id == "sub_1"))
        assert payment is not None and sub is not None
        assert (payment.amount_minor, payment.refunded_minor, payment.currency) == (4900, 900, "eur")
        assert payment.provider_invoice_id == "in_1" and payment.enrollment_id is None
        assert sub.enrollment_id is None and sub.client_id == payment.client_id != zoe.client_id
        anonymous = await s.get(Client, payment.client_id)
        assert anonymous is not None and anonymous.status == ClientStatus.ERASED
        assert anonymous.coach_id is None and anonymous.email is None
        assert len((await s.scalars(select(DunningCase))).all()) == 2
        # The coach hears of it by first name only, with no client id for the sender to look up.
        notice = await s.scalar(
            select(OutboundMessage).where(OutboundMessage.chat_id == "U1").order_by(OutboundMessage.id.desc())
        )
        assert notice is not None and notice.payload["kind"] == COACH_NOTICE_KIND
        assert notice.payload["client_id"] is None and notice.payload["text"].startswith("Zoë's ")
        events = (await s.scalars(select(AuditEvent).order_by(AuditEvent.id))).all()
    erased_events = [e for e in events if e.action == "client.erased"]
    assert len(erased_events) == 1
    assert erased_events[0].details == {"erased": report.erased, "kept": report.kept}
    # Older events keep what happened, without her name, email or platform ids.
    assert {"said": f"remind {ERASED_TEXT} today"} in [e.details for e in events]
    assert {"to": [ERASED_TEXT]} in [e.details for e in events]
    assert {"said": "remind Bo Brandt today"} in [e.details for e in events]
    registered = [e for e in events if e.action == "client.registered"]
    assert {e.actor for e in registered} == {f"client:{zoe.client_id}", "telegram:tele2user"}


async def test_a_second_erasure_finds_nobody(db: Database, storage: Path) -> None:
    zoe = await populate(db, storage, "1", name="Zoë Quill", email="zoe.quill@example.com")
    async with db.unit_of_work() as s:
        await erase_client(s, zoe.client_id, actor="admin")
    with pytest.raises(NotFound):
        async with db.unit_of_work() as s:
            await erase_client(s, zoe.client_id, actor="admin")
    async with db.unit_of_work() as s:
        anonymous = await s.scalar(select(Client.id).where(Client.status == ClientStatus.ERASED))
        assert anonymous is not None
        # The anonymous record is no person to erase, and it is shared by every erased client.
        with pytest.raises(NotFound):
            await erase_client(s, anonymous, actor="admin")
    other = await populate(db, storage, "2", name="Bo Brandt", email="bo@example.com")
    async with db.unit_of_work() as s:
        await erase_client(s, other.client_id, actor="admin")
        holders = (await s.scalars(select(Payment.client_id))).all()
        listed = await clients.list_clients(s)
    assert holders == [anonymous, anonymous]
    assert listed == []  # the anonymous record is nobody's client


async def test_a_chat_or_email_shared_with_someone_else_keeps_their_rows(db: Database) -> None:
    async with db.unit_of_work() as s:
        ann = await clients.register_client(
            s, platform="telegram", external_user_id="1", chat_id="group", display_name="Ann"
        )
        ben = await clients.register_client(
            s, platform="telegram", external_user_id="2", chat_id="group", display_name="Ben"
        )
        ann.email = ben.email = "family@example.com"
        await enqueue_for_client(s, ben.id, client_message("for Ben"))
        s.add(OutboundMessage(platform="email", chat_id="family@example.com", payload={"text": "weekly"}))
        s.add(ProcessedMessage(idempotency_key="telegram:group:9", replies=[]))
    async with db.unit_of_work() as s:
        report = await erase_client(s, ann.id, actor="admin")
    assert report.erased["outbound_messages"] == 0 and report.erased["processed_messages"] == 0
    async with db.unit_of_work() as s:
        assert len((await s.scalars(select(OutboundMessage))).all()) == 2
        assert await s.get(ProcessedMessage, "telegram:group:9") is not None


async def test_renewing_subscriptions_are_counted(db: Database) -> None:
    async with db.unit_of_work() as s:
        client = await clients.register_client(
            s, platform="telegram", external_user_id="1", chat_id="1", display_name="Ann"
        )
        for ref, status, cancelling in (
            ("a", "active", False),
            ("b", "past_due", False),
            ("c", "active", True),
            ("d", "canceled", False),
        ):
            await sync_subscription(
                s,
                SubscriptionState(f"sub_{ref}", status, 100, "eur", None, cancelling),
                client_id=client.id,
                enrollment_id=None,
            )
        assert await renewing_subscriptions(s, client.id) == 2


async def test_insight_cache_rows_of_others_and_odd_payloads_survive(db: Database) -> None:
    async with db.unit_of_work() as s:
        client = await clients.register_client(
            s, platform="telegram", external_user_id="1", chat_id="1", display_name="Ann"
        )
        s.add_all(
            [
                InsightCache(key="mine", kind="summary", content={"client_id": client.id}, source="m"),
                InsightCache(key="other", kind="summary", content={"client_id": client.id + 1}, source="m"),
                InsightCache(key="odd", kind="summary", content={"client_id": "not a number"}, source="m"),
                InsightCache(key="none", kind="summary", content={"bullets": []}, source="m"),
            ]
        )
    async with db.unit_of_work() as s:
        await erase_client(s, client.id, actor="admin")
    async with db.engine.connect() as conn:
        keys = sorted(r[0] for r in await conn.execute(text("SELECT key FROM insight_cache")))
    assert keys == ["none", "odd", "other"]
