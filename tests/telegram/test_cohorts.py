"""Cohort groups through the local Bot API, over both drivers: the bot added to a group, linked with
``/cohort CODE``, the members' run minutes, the weekly post with an opt-in-only leaderboard, Telegram's
20 messages a minute per group, and a group the bot was removed from."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.telegram.limits import GROUP_PER_MINUTE
from conversations.cohort_groups import render_week
from domain.clock import utcnow
from domain.db import Database
from domain.models import CohortGroup, CohortReply, OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.services import cohorts, program_versions
from domain.services.clients import register_client
from domain.services.coaches import create_coach
from domain.services.outbox import client_message, enqueue_message
from tests.support.telegram_api import FakeTelegram
from tests.telegram.harness import FAST_LIMITS, Harness, RecordingHandler, start_harness

GROUP = -1001234567890
PROGRAM = """---
name: Run Club
weeks: 2
checkin_questions:
  - key: run_minutes
    ask: How many minutes did you run today?
    type: number
---

## Day 1: Welcome
Hello runners.

## Day 3: Intervals
Run and walk.

## Day 8: Longer run
A bit further.
"""


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
async def cohort_harness(
    db: Database, fake_telegram: FakeTelegram, handler: RecordingHandler, driver: str, tmp_path: Path
) -> AsyncIterator[Harness]:
    h = await start_harness(
        db, fake_telegram, handler, driver=driver, mode="polling", storage_dir=tmp_path / "files"
    )
    try:
        yield h
    finally:
        await h.stop()


async def program_with_code(db: Database) -> tuple[int, str]:
    """A coach (on Slack) with a published two-week program, and a link code for its cohort."""
    async with db.unit_of_work() as session:
        coach = await create_coach(session, name="Casey", email="casey@example.com", slack_user_id="UCASEY")
        result = await program_versions.import_program(session, PROGRAM, coach_id=coach.id)
        await program_versions.publish(session, result.program_id)
        group = await cohorts.new_link_code(session, program_id=result.program_id)
        assert group.link_code is not None
        return result.program_id, group.link_code


async def member(db: Database, user_id: int, name: str, *, leaderboard: bool) -> int:
    async with db.unit_of_work() as session:
        client = await register_client(
            session,
            platform="telegram",
            external_user_id=str(user_id),
            chat_id=str(user_id),
            display_name=name,
        )
        await cohorts.set_leaderboard(session, client.id, on=leaderboard)
        return client.id


async def said(h: Harness, update: object) -> list[str]:
    """Push an update, wait until it is handled and its replies left; what the bot said in the group."""
    before = len(h.fake.sent(GROUP))
    update_id = await update  # type: ignore[misc]
    await h.processed(update_id)
    return [str(c.params.get("text")) for c in h.fake.sent(GROUP)[before:]]


async def linked_group(h: Harness) -> CohortGroup:
    async with h.component.db.sessions() as session:
        group = await cohorts.group_for_chat(session, "telegram", str(GROUP))
    assert group is not None
    return group


async def test_a_group_is_linked_collects_minutes_and_posts_the_week_with_only_opted_in_names(
    cohort_harness: Harness, db: Database
) -> None:
    h = cohort_harness
    _program_id, code = await program_with_code(db)
    ann = await member(db, 501, "Ann Lee", leaderboard=True)
    await member(db, 502, "Bo Brandt", leaderboard=False)

    # The bot is added: it says how to link the group (and nothing else happens).
    assert await said(h, h.fake.membership(GROUP, "member")) == [
        "Hi! Your coach can link this group to a program with /cohort CODE."
    ]
    # Bad input: no code, a wrong code, a code of the wrong shape; ordinary chatter gets no answer.
    assert "Send /cohort CODE" in (await said(h, h.fake.send_group_text(GROUP, 777, "/cohort")))[0]
    assert "doesn't match" in (await said(h, h.fake.send_group_text(GROUP, 777, "/cohort DEADBEEF")))[0]
    assert "doesn't match" in (await said(h, h.fake.send_group_text(GROUP, 777, "/cohort ../../x")))[0]
    assert await said(h, h.fake.send_group_text(GROUP, 501, "morning all!", name="Ann")) == []
    assert await said(h, h.fake.send_group_text(GROUP, 501, "45", name="Ann")) == []  # not linked yet
    async with db.sessions() as session:
        assert (await session.scalar(select(CohortReply.id))) is None

    linked = await said(h, h.fake.send_group_text(GROUP, 777, f"/cohort@coach_test_bot {code.lower()}"))
    assert linked == [
        "This group is now the cohort of Run Club. Every week I'll post the steps and a group check-in "
        "here. The leaderboard only shows those who join it in /settings."
    ]
    # The code is used up.
    assert "doesn't match" in (await said(h, h.fake.send_group_text(GROUP, 777, f"/cohort {code}")))[0]
    group = await linked_group(h)
    assert (group.status, group.title, group.starts_on) == ("active", "Run Club", utcnow().date())

    # Run minutes: a later answer replaces an earlier one; anything else is ignored, all silently.
    for user, text in (
        (501, "45"),
        (501, "50 min"),
        (502, "30"),
        (502, "a lot"),
        (502, "99999999"),
        (502, "-5"),
    ):
        assert await said(h, h.fake.send_group_text(GROUP, user, text)) == []
    async with db.sessions() as session:
        replies = (await session.scalars(select(CohortReply).order_by(CohortReply.external_user_id))).all()
    assert [(r.external_user_id, r.minutes, r.week) for r in replies] == [("501", 50, 1), ("502", 30, 1)]
    assert replies[0].client_id == ann

    # Week 1's post is due at 09:00 on the cohort's first day; week 2's a week later, with last
    # week's leaderboard: Ann (opted in) by first name, nothing at all of Bo.
    posted_before = len(h.fake.sent(GROUP))
    start = datetime.combine(group.starts_on or utcnow().date(), time(9, 0)).replace(tzinfo=utcnow().tzinfo)
    async with db.unit_of_work() as session:
        assert (
            await cohorts.queue_week_posts(session, now=start - timedelta(minutes=1), render=render_week) == 0
        )
        assert await cohorts.queue_week_posts(session, now=start, render=render_week) == 1
        assert (
            await cohorts.queue_week_posts(session, now=start + timedelta(hours=1), render=render_week) == 0
        )
        assert await cohorts.queue_week_posts(session, now=start + timedelta(days=7), render=render_week) == 1
        # The program has two weeks: nothing after them.
        assert (
            await cohorts.queue_week_posts(session, now=start + timedelta(days=14), render=render_week) == 0
        )
    h.sender.wake()
    await h.fake.wait_for(lambda: len(h.fake.sent(GROUP)) >= posted_before + 4)
    texts = [str(c.params.get("text")) for c in h.fake.sent(GROUP)[-4:]]
    assert texts[0] == "📅 Week 1 of 2 in Run Club\n• Day 1: Welcome\n• Day 3: Intervals"
    assert texts[1].startswith("🏃 Group check-in: How many minutes did you run today?")
    assert texts[2] == (
        "📅 Week 2 of 2 in Run Club\n• Day 8: Longer run\n\n"
        "🏆 Week 1, run minutes of those who joined the leaderboard:\n1. Ann: 50 min"
    )
    assert "Bo" not in "".join(texts) and "30" not in texts[2]


async def test_nobody_opted_in_shows_no_names_and_the_group_language_is_used(
    cohort_harness: Harness, db: Database
) -> None:
    h = cohort_harness
    program_id, _code = await program_with_code(db)
    await member(db, 502, "Bo Brandt", leaderboard=False)
    async with db.unit_of_work() as session:
        group = await cohorts.link_chat(
            session,
            program_id=program_id,
            platform="telegram",
            chat_id=str(GROUP),
            locale="de",
            starts_on=utcnow().date() - timedelta(days=7),
        )
        session.add(CohortReply(cohort_group_id=group.id, week=1, external_user_id="502", minutes=30))
        assert (
            await cohorts.queue_week_posts(session, now=utcnow() + timedelta(days=1), render=render_week) == 1
        )
    h.sender.wake()
    await h.fake.wait_for(lambda: len(h.fake.sent(GROUP)) >= 2)
    post, checkin = (str(c.params.get("text")) for c in h.fake.sent(GROUP)[:2])
    assert post.startswith("📅 Woche 2 von 2 in Run Club")
    assert "Noch niemand ist der Bestenliste beigetreten" in post and "Bo" not in post and "30" not in post
    assert checkin.startswith("🏃 Gruppen-Check-in:")


async def test_a_group_the_bot_was_removed_from_stops_and_the_coach_is_told_once(
    cohort_harness: Harness, db: Database
) -> None:
    h = cohort_harness
    program_id, _code = await program_with_code(db)
    async with db.unit_of_work() as session:
        await cohorts.link_chat(session, program_id=program_id, platform="telegram", chat_id=str(GROUP))
        await enqueue_message(
            session,
            platform="telegram",
            chat_id=str(GROUP),
            payload=client_message("later"),
            not_before=utcnow() + timedelta(hours=1),
        )
    for _ in range(2):  # Telegram may tell twice (kicked, then left): one notice
        assert await said(h, h.fake.membership(GROUP, "kicked")) == []
    group = await linked_group(h)
    assert group.status == "removed" and group.removed_at is not None
    async with db.sessions() as session:
        notices = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "slack"))
        ).all()
        held = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.chat_id == str(GROUP)))
        ).all()
    assert [n.payload["kind"] for n in notices] == ["cohort_removed"]
    assert "removed from the cohort group of Run Club" in notices[0].payload["text"]
    assert [m.status for m in held] == [DeliveryStatus.FAILED]  # what was waiting is dropped
    async with db.unit_of_work() as session:
        assert (
            await cohorts.queue_week_posts(session, now=utcnow() + timedelta(days=8), render=render_week) == 0
        )
    # Minutes said there meanwhile are not kept.
    assert await said(h, h.fake.send_group_text(GROUP, 501, "40")) == []
    async with db.sessions() as session:
        assert (await session.scalar(select(CohortReply.id))) is None


async def test_a_kicked_group_found_on_sending_stops_without_a_retry_loop(
    cohort_harness: Harness, db: Database
) -> None:
    h = cohort_harness
    program_id, _code = await program_with_code(db)
    async with db.unit_of_work() as session:
        await cohorts.link_chat(session, program_id=program_id, platform="telegram", chat_id=str(GROUP))
    h.fake.kicked.add(str(GROUP))  # removed while the bot was not running: no update came
    async with db.unit_of_work() as session:
        assert (
            await cohorts.queue_week_posts(session, now=utcnow() + timedelta(days=1), render=render_week) == 1
        )
    h.sender.wake()
    await h.fake.wait_for(lambda: any(c.status == 403 for c in h.fake.calls_to("sendMessage")))
    for _ in range(100):
        group = await linked_group(h)
        if group.status == "removed":
            break
        await asyncio.sleep(0.05)
    assert group.status == "removed"
    await asyncio.sleep(0.5)  # time for any retry to show up
    refused = [c for c in h.fake.calls_to("sendMessage") if c.chat_id == str(GROUP)]
    assert len(refused) == 1  # one refusal; the check-in behind it was dropped, never tried
    async with db.sessions() as session:
        rows = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.chat_id == str(GROUP)))
        ).all()
        notices = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.platform == "slack"))
        ).all()
    assert {r.status for r in rows} == {DeliveryStatus.FAILED}
    assert [n.payload["kind"] for n in notices] == ["cohort_removed"]


async def test_group_messages_keep_to_twenty_a_minute(
    db: Database, fake_telegram: FakeTelegram, handler: RecordingHandler, driver: str, tmp_path: Path
) -> None:
    """The shared sender holds a group to Telegram's 20 messages a minute (GROUP_PER_MINUTE), while a
    private chat goes on; the fixture answers 429 to anything over it, and none comes."""
    fake_telegram.enforce_group_limit = True
    limits = FAST_LIMITS.__class__(
        per_chat_interval_s=0.005, global_per_second=2000.0, group_per_minute=GROUP_PER_MINUTE
    )
    h = await start_harness(
        db,
        fake_telegram,
        handler,
        driver=driver,
        mode="polling",
        storage_dir=tmp_path / "files",
        limits=limits,
    )
    try:
        # Fast per-chat pacing, so only the minute cap can hold the group's 25 messages back.
        async with db.unit_of_work() as session:
            for i in range(25):
                await enqueue_message(
                    session, platform="telegram", chat_id=str(GROUP), payload=client_message(f"g{i}")
                )
            for i in range(2):
                await enqueue_message(
                    session, platform="telegram", chat_id="501", payload=client_message(f"p{i}")
                )
        h.sender.wake()
        await fake_telegram.wait_for(lambda: len(fake_telegram.sent(GROUP)) >= 20, within=40)
        await asyncio.sleep(1.5)
        assert len(fake_telegram.sent(GROUP)) == 20
        assert len(fake_telegram.sent("501")) == 2
        assert not [c for c in fake_telegram.calls if c.status == 429]
    finally:
        await h.stop()
