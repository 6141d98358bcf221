"""A cohort group on Slack: a program's channel gets the weekly post and group check-in through the
shared sender; a channel the bot can no longer post to stops the cohort and tells the coach once;
clients' run minutes said in the channel are kept once, silently, like a Telegram group's."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from sqlalchemy import select

from conversations.cohort_groups import render_week
from domain.clock import utcnow
from domain.db import Database
from domain.models import Coach, CohortReply, InboxUpdate, OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.services import coaches, cohorts
from tests.slack.conftest import SlackHarness, add_client, count_rows, handled_updates


async def _program(harness: SlackHarness, coach: Coach) -> int:
    async with harness.db.unit_of_work() as session:
        program = await coaches.create_program(
            session, coach_id=coach.id, name="Run Club", price_minor=0, currency="usd"
        )
        return program.id


async def _posts_to(harness: SlackHarness, channel: str, count: int) -> list[dict[str, object]]:
    for _ in range(100):
        await harness.deliver_outbox()
        posts = [p for p in harness.api.of("chat.postMessage") if p["channel"] == channel]
        if len(posts) >= count:
            return posts
        await asyncio.sleep(0.05)
    raise AssertionError(f"{count} posts to {channel} expected")


async def test_a_slack_channel_gets_the_week(harness: SlackHarness, coach: Coach) -> None:
    program_id = await _program(harness, coach)
    async with harness.db.unit_of_work() as session:
        await cohorts.link_chat(session, program_id=program_id, platform="slack", chat_id="CRUNCLUB1")
        assert (
            await cohorts.queue_week_posts(session, now=utcnow() + timedelta(days=1), render=render_week) == 1
        )
    post, checkin = await _posts_to(harness, "CRUNCLUB1", 2)
    assert str(post["text"]).startswith("📅 Week 1 in Run Club")
    assert "Group check-in: How many minutes did you run this week?" in str(checkin["text"])


async def test_a_channel_gone_stops_the_cohort_and_tells_the_coach(
    harness: SlackHarness, coach: Coach
) -> None:
    program_id = await _program(harness, coach)
    async with harness.db.unit_of_work() as session:
        await cohorts.link_chat(session, program_id=program_id, platform="slack", chat_id="CGONE0001")
        assert (
            await cohorts.queue_week_posts(session, now=utcnow() + timedelta(days=1), render=render_week) == 1
        )
    for _ in range(100):
        await harness.deliver_outbox()
        async with harness.db.sessions() as session:
            group = await cohorts.group_for_chat(session, "slack", "CGONE0001")
        if group is not None and group.status == "removed":
            break
        await asyncio.sleep(0.05)
    assert group is not None and group.status == "removed"
    async with harness.db.sessions() as session:
        rows = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.chat_id == "CGONE0001"))
        ).all()
        kinds = [
            m.payload.get("kind")
            for m in (
                await session.scalars(select(OutboundMessage).where(OutboundMessage.chat_id != "CGONE0001"))
            ).all()
        ]
    assert {r.status for r in rows} == {DeliveryStatus.FAILED}
    assert kinds == ["cohort_removed"]
    async with harness.db.unit_of_work() as session:
        assert (
            await cohorts.queue_week_posts(session, now=utcnow() + timedelta(days=8), render=render_week) == 0
        )


CHANNEL = "CRUNCLUB2"
NOW = time.time()


def _ts(n: int) -> str:
    """A Slack message ts of a few seconds ago (the answer counts in the week it was said in)."""
    return f"{NOW - 100 + n:.6f}"


CLIENT_USER = "UANN0001"


def _said(
    text: str, ts: str, *, user: str = CLIENT_USER, channel: str = CHANNEL, **extra: str
) -> dict[str, str]:
    return {
        "type": "message",
        "channel_type": "channel",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        **extra,
    }


async def _replies(db: Database) -> list[tuple[str, int | None, int, int]]:
    async with db.sessions() as session:
        rows = (await session.scalars(select(CohortReply).order_by(CohortReply.id))).all()
        return [(r.external_user_id, r.client_id, r.minutes, r.week) for r in rows]


async def _linked_channel(harness: SlackHarness, coach: Coach) -> int:
    program_id = await _program(harness, coach)
    async with harness.db.unit_of_work() as session:
        # A day before today in UTC is on or before today in any time zone: week 1.
        start = utcnow().date() - timedelta(days=1)
        await cohorts.link_chat(
            session, program_id=program_id, platform="slack", chat_id=CHANNEL, starts_on=start
        )
    client = await add_client(harness.db, coach, "Ann Runner", platform="slack", user=CLIENT_USER)
    return client.id


async def test_a_clients_minutes_in_the_channel_are_kept_once_from_the_inbox(
    stored_harness: SlackHarness,
    coach: Coach,
) -> None:
    harness = stored_harness
    client_id = await _linked_channel(harness, coach)
    assert (await harness.event(_said("45 min", _ts(1)), event_id="EvCOHORT1")).status == 200
    for retry in (1, 2):  # Slack re-sends it: stored and kept once
        assert (await harness.event(_said("45 min", _ts(1)), event_id="EvCOHORT1", retry=retry)).status == 200
    await handled_updates(harness.db, 1)
    assert await count_rows(harness.db, InboxUpdate) == 1
    assert await _replies(harness.db) == [(CLIENT_USER, client_id, 45, 1)]

    ignored = [
        _said("great run everyone!", _ts(2)),  # not minutes
        _said("30", _ts(3), user="UNOBODY1"),  # not a client
        _said("30", _ts(4), channel="COTHER001"),  # a channel no cohort is linked to
        _said("30", _ts(5), bot_id="B0001"),  # the bot's own (or another bot's) message
        _said("30", _ts(6), subtype="message_changed"),
    ]
    for i, event in enumerate(ignored):
        assert (await harness.event(event, event_id=f"EvIGNORED{i}")).status == 200
    # A later answer replaces the week's earlier one.
    assert (await harness.event(_said("50", _ts(7)), event_id="EvCOHORT2")).status == 200
    # Said (Slack's ts) ten days ago, before the cohort began, handled only now: no week to keep it in.
    old = _said("30", f"{NOW - 10 * 86400:.6f}")
    assert (await harness.event(old, event_id="EvCOHORTOLD")).status == 200
    await handled_updates(harness.db, 3 + len(ignored))
    assert await _replies(harness.db) == [(CLIENT_USER, client_id, 50, 1)]
    # Kept silently: nothing is said in the channel, nor to anyone.
    await asyncio.sleep(0.2)
    assert harness.api.of("chat.postMessage") == []
    assert harness.api.of("chat.postEphemeral") == []


async def test_a_retried_channel_event_is_kept_once_without_the_inbox(
    harness: SlackHarness, coach: Coach
) -> None:
    client_id = await _linked_channel(harness, coach)
    assert (await harness.event(_said("40", _ts(11)), event_id="EvCOHORT3")).status == 200
    for _ in range(100):
        if await _replies(harness.db):
            break
        await asyncio.sleep(0.05)
    assert await _replies(harness.db) == [(CLIENT_USER, client_id, 40, 1)]
    # A later answer, then Slack's retry of the first: the retry is not handled again.
    assert (await harness.event(_said("55", _ts(12)), event_id="EvCOHORT4")).status == 200
    for _ in range(100):
        if (await _replies(harness.db))[0][2] == 55:
            break
        await asyncio.sleep(0.05)
    assert (await harness.event(_said("40", _ts(11)), event_id="EvCOHORT3", retry=1)).status == 200
    await asyncio.sleep(0.3)
    await harness.bot.drain()
    assert await _replies(harness.db) == [(CLIENT_USER, client_id, 55, 1)]
    assert harness.api.of("chat.postMessage") == []


async def test_minutes_in_the_check_ins_thread_are_kept(harness: SlackHarness, coach: Coach) -> None:
    """Members often answer in the thread of the bot's check-in post: not a client thread, so kept."""
    client_id = await _linked_channel(harness, coach)
    event = _said("35 minutes", _ts(21), thread_ts=_ts(20))
    assert (await harness.event(event, event_id="EvCOHORT5")).status == 200
    for _ in range(100):
        if await _replies(harness.db):
            break
        await asyncio.sleep(0.05)
    assert await _replies(harness.db) == [(CLIENT_USER, client_id, 35, 1)]
    assert harness.api.of("chat.postEphemeral") == []
