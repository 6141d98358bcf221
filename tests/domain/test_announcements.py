"""Announcements in the domain: bad input, recipients expanded in chunks exactly once, segments as the
Clients page filters them, opt-outs, and the delivery report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from conversations.announcement_wording import announcement_payload
from domain.db import Database
from domain.errors import NotFound, ValidationError
from domain.models import (
    Announcement,
    AnnouncementRecipient,
    ChannelIdentity,
    Client,
    OutboundMessage,
)
from domain.models.enums import DeliveryStatus
from domain.services import announcements as ann
from domain.services import clients, coaches, enrollments

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


async def make_coach(db: Database, tag: str = "a", **fields: Any) -> int:
    async with db.unit_of_work() as s:
        coach = await coaches.create_coach(s, name=f"Coach {tag}", email=f"{tag}@example.com", **fields)
        return coach.id


async def make_client(
    db: Database, coach_id: int, n: int, *, platform: str = "telegram", locale: str = "en", **fields: Any
) -> int:
    async with db.unit_of_work() as s:
        client = await clients.register_client(
            s,
            platform=platform,
            external_user_id=f"u{n}",
            chat_id=f"c{n}",
            display_name=f"Client {n}",
            coach_id=coach_id,
            locale=locale,
        )
        for name, value in fields.items():
            setattr(client, name, value)
        return client.id


async def create(db: Database, coach_id: int, text: str = "Gym closed Friday", **kw: Any) -> int:
    async with db.unit_of_work() as s:
        made = await ann.create_announcement(s, coach_id=coach_id, text=text, now=NOW, actor="test", **kw)
        return made.id


async def expand_all(db: Database, *, chunk: int = ann.EXPAND_CHUNK, now: datetime = NOW) -> int:
    queued = 0
    while True:
        async with db.unit_of_work() as s:
            done = await ann.expand_next_chunk(s, now=now, wording=announcement_payload, chunk=chunk)
        if done is None:
            return queued
        queued += done.queued


async def outbox(db: Database) -> list[OutboundMessage]:
    async with db.unit_of_work() as s:
        return list((await s.scalars(select(OutboundMessage).order_by(OutboundMessage.id))).all())


async def set_all(db: Database, status: DeliveryStatus, **values: Any) -> None:
    async with db.unit_of_work() as s:
        await s.execute(
            update(OutboundMessage)
            .where(OutboundMessage.dedupe_key.startswith("announcement:"))
            .values(status=status, **values)
        )


async def test_bad_input_is_refused_with_the_reason(db: Database) -> None:
    coach = await make_coach(db)
    other = await make_coach(db, "b")
    async with db.unit_of_work() as s:
        theirs = await coaches.create_program(s, coach_id=other, name="Theirs", price_minor=0, currency="eur")
        theirs_id = theirs.id
    cases: list[tuple[dict[str, Any], type[Exception], str]] = [
        ({"text": "   "}, ValidationError, "empty"),
        ({"text": "x" * (ann.ANNOUNCEMENT_TEXT_MAX + 1)}, ValidationError, "4,096"),
        ({"segment": "vip"}, ValidationError, "unknown segment 'vip'"),
        ({"program_id": 999}, NotFound, "no program with id 999"),
        ({"program_id": theirs_id}, NotFound, "no program"),
        ({"send_at": NOW - timedelta(hours=1)}, ValidationError, "in the past"),
        ({"send_at": datetime(2026, 12, 3, 9, 0)}, ValidationError, "offset"),
    ]
    for fields, error, words in cases:
        with pytest.raises(error, match=words):
            await create(db, coach, **{"text": "Hello", **fields})
    with pytest.raises(NotFound, match="no coach"):
        await create(db, 999)
    # The longest allowed text fits one Telegram message in every language's frame.
    longest = "x" * ann.ANNOUNCEMENT_TEXT_MAX
    for locale in ("en", "de", "es", "ru"):
        framed = announcement_payload("N" * 200, longest, locale)["text"]
        assert len(framed) <= ann.TELEGRAM_TEXT_MAX
    async with db.unit_of_work() as s:
        assert await s.scalar(select(func.count()).select_from(Announcement)) == 0


async def test_recipients_are_expanded_in_chunks_once_even_when_expanded_again(db: Database) -> None:
    coach = await make_coach(db)
    other_coach = await make_coach(db, "b")
    ids = [await make_client(db, coach, n, locale="de" if n == 3 else "en") for n in range(1, 8)]
    await make_client(db, other_coach, 50)  # another coach's client hears nothing
    opted_out, unreachable = ids[0], ids[1]
    async with db.unit_of_work() as s:
        await ann.set_receives_announcements(s, opted_out, False, now=NOW)
        await s.execute(
            update(ChannelIdentity).where(ChannelIdentity.client_id == unreachable).values(unreachable=True)
        )
        archived = await s.get(Client, ids[6])
        assert archived is not None
        archived.status = "archived"
    announcement = await create(db, coach)
    assert await expand_all(db, chunk=2) == 4
    rows = await outbox(db)
    assert sorted(r.chat_id for r in rows) == ["c3", "c4", "c5", "c6"]
    assert {r.dedupe_key for r in rows} == {ann.dedupe_key(announcement, i) for i in ids[2:6]}
    german = next(r for r in rows if r.chat_id == "c3")
    assert german.payload["locale"] == "de" and "Gym closed Friday" in german.payload["text"]
    assert "Coach a" in rows[1].payload["text"]

    # A crash after a chunk's commit, or a second worker: the same chunks again add nothing.
    async with db.unit_of_work() as s:
        await s.execute(
            update(Announcement)
            .where(Announcement.id == announcement)
            .values(status=ann.AnnouncementStatus.SCHEDULED, expanded_through=0)
        )
    assert await expand_all(db, chunk=3) == 4
    assert len(await outbox(db)) == 4
    async with db.unit_of_work() as s:
        outcomes = dict(
            (await s.execute(select(AnnouncementRecipient.client_id, AnnouncementRecipient.outcome))).all()
        )
        report = await ann.delivery_report(s, announcement)
    assert outcomes == {
        opted_out: "opted_out",
        unreachable: "blocked",
        **{i: "queued" for i in ids[2:6]},
    }
    assert report == ann.DeliveryReport(opted_out=1, blocked=1, pending=4)


async def test_an_sms_number_gets_announcements_only_when_sms_is_the_clients_channel(db: Database) -> None:
    from domain.services.sms import set_sms_number

    coach = await make_coach(db)
    texting, chatting = await make_client(db, coach, 1), await make_client(db, coach, 2)
    async with db.unit_of_work() as s:
        await set_sms_number(s, texting, "+4915112345671")
        await set_sms_number(s, chatting, "+4915112345672")
        texter = await s.get(Client, texting)
        assert texter is not None
        texter.preferred_channel = "sms"
        # The chatting client's Telegram blocked the bot: their number is no fallback.
        await s.execute(
            update(ChannelIdentity)
            .where(ChannelIdentity.client_id == chatting, ChannelIdentity.platform == "telegram")
            .values(unreachable=True)
        )
    await create(db, coach)
    await expand_all(db)
    assert [(r.platform, r.chat_id) for r in await outbox(db)] == [("sms", "+4915112345671")]


async def test_a_scheduled_announcement_waits_for_its_time(db: Database) -> None:
    coach = await make_coach(db)
    await make_client(db, coach, 1)
    await create(db, coach, send_at=NOW + timedelta(hours=2))
    assert await expand_all(db) == 0
    assert await expand_all(db, now=NOW + timedelta(hours=2)) == 1


async def test_program_and_segment_choose_the_recipients(db: Database) -> None:
    coach = await make_coach(db)
    async with db.unit_of_work() as s:
        free = await coaches.create_program(s, coach_id=coach, name="Free", price_minor=0, currency="eur")
        paid = await coaches.create_program(s, coach_id=coach, name="Paid", price_minor=4900, currency="eur")
        await coaches.publish_program(s, free.id)
        await coaches.publish_program(s, paid.id)
        free_id, paid_id = free.id, paid.id
    in_free = await make_client(db, coach, 1)
    in_paid = await make_client(db, coach, 2)  # waits for its first payment: unpaid
    await make_client(db, coach, 3)
    async with db.unit_of_work() as s:
        await enrollments.enroll(s, client_id=in_free, program_id=free_id)
        await enrollments.enroll(s, client_id=in_paid, program_id=paid_id)
        assert await ann.audience_size(s, coach_id=coach, program_id=free_id) == 1
        assert await ann.audience_size(s, coach_id=coach, program_id=None) == 3
    await create(db, coach, "Free people", program_id=free_id)
    await create(db, coach, "Unpaid people", segment="unpaid")
    await create(db, coach, "Everyone", segment="all")
    await expand_all(db)
    sent = {(r.chat_id, r.payload["text"].split("\n\n")[1]) for r in await outbox(db)}
    assert sent == {
        ("c1", "Free people"),
        ("c2", "Unpaid people"),
        ("c1", "Everyone"),
        ("c2", "Everyone"),
        ("c3", "Everyone"),
    }


async def test_missed_check_ins_segment_is_the_clients_page_filter(db: Database) -> None:
    coach = await make_coach(db)
    quiet = await make_client(db, coach, 1, created_at=NOW - timedelta(days=30))
    from domain.services.checkins import record_check_in

    keen = await make_client(db, coach, 2, created_at=NOW - timedelta(days=30))
    async with db.unit_of_work() as s:
        for days in range(10):
            check = await record_check_in(
                s, client_id=keen, mood=7, energy=7, sleep_hours=8, adherence="yes", source_channel="telegram"
            )
            check.created_at = NOW - timedelta(days=days, hours=1)
    await create(db, coach, "Missed you", segment="missed")
    await expand_all(db)
    async with db.unit_of_work() as s:
        chosen = list(await s.scalars(select(AnnouncementRecipient.client_id)))
    assert chosen == [quiet]


async def test_report_once_every_message_is_done(db: Database) -> None:
    coach = await make_coach(db, slack_user_id="UCOACH")
    for n in range(1, 5):
        await make_client(db, coach, n)
    await make_client(db, coach, 9, platform="console")
    announcement = await create(db, coach)
    await expand_all(db)
    async with db.unit_of_work() as s:
        assert await ann.finish_delivered(s, now=NOW) == []  # still on their way
    rows = await outbox(db)
    async with db.unit_of_work() as s:
        for row, status in zip(rows[:4], ("sent", "sent", "failed", "failed"), strict=True):
            await s.execute(update(OutboundMessage).where(OutboundMessage.id == row.id).values(status=status))
        # The platform said c4 blocked the bot; c3 failed for another reason.
        await s.execute(
            update(ChannelIdentity).where(ChannelIdentity.chat_id == "c4").values(unreachable=True)
        )
        # The console client's chat is closed: the message waits for their next `coach chat`.
        await s.execute(
            update(OutboundMessage)
            .where(OutboundMessage.chat_id == "c9")
            .values(last_error="console chat not open here")
        )
    async with db.unit_of_work() as s:
        assert await ann.finish_delivered(s, now=NOW) == [announcement]
        assert await ann.finish_delivered(s, now=NOW) == []
        views = await ann.list_announcements(s, coach_id=coach)
    assert views[0].report == ann.DeliveryReport(sent=2, failed=1, blocked=1, held=1)
    assert views[0].status == "done"
    notices = [r for r in await outbox(db) if r.platform == "slack"]
    assert len(notices) == 1
    assert notices[0].payload["kind"] == ann.NOTICE_KIND
    assert "2 sent, 1 failed, 0 opted out, 1 blocked" in notices[0].payload["text"]


async def test_a_draft_goes_out_only_once_confirmed(db: Database) -> None:
    coach = await make_coach(db)
    other = await make_coach(db, "b")
    await make_client(db, coach, 1)
    draft = await create(db, coach, draft=True)
    later = await create(db, coach, draft=True, send_at=NOW + timedelta(minutes=5))
    assert await expand_all(db) == 0
    async with db.unit_of_work() as s:
        with pytest.raises(NotFound):
            await ann.confirm_announcement(s, draft, coach_id=other, now=NOW, actor="coach")
        await ann.confirm_announcement(s, draft, coach_id=coach, now=NOW, actor="coach")
        again = await ann.confirm_announcement(
            s, draft, coach_id=coach, now=NOW, actor="coach"
        )  # double click
        assert again.status == ann.AnnouncementStatus.SCHEDULED
        with pytest.raises(ValidationError, match="in the past"):
            await ann.confirm_announcement(
                s, later, coach_id=None, now=NOW + timedelta(hours=1), actor="admin"
            )
    assert await expand_all(db) == 1
