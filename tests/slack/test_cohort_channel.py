"""A cohort group on Slack: a program's channel gets the weekly post and group check-in through the
shared sender; a channel the bot can no longer post to stops the cohort and tells the coach once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from conversations.cohort_groups import render_week
from domain.clock import utcnow
from domain.models import Coach, OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.services import coaches, cohorts
from tests.slack.conftest import SlackHarness


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
