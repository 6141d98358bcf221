"""Slack events in ``coach run``: stored in the inbox before Slack's 200 (503 when they cannot be),
handled from there once per event id, the client's replies queued with the step."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.models import Coach, InboxUpdate, OutboundMessage, ProcessedMessage
from domain.models.enums import InboxStatus
from domain.services import inbox as inbox_service
from tests.slack.conftest import SlackHarness, add_client, count_rows, handled_updates

CLIENT_USER = "UROBIN01"
DM = "DUROBIN01"


def _dm(text: str, ts: str) -> dict[str, str]:
    return {
        "type": "message",
        "channel_type": "im",
        "channel": DM,
        "user": CLIENT_USER,
        "text": text,
        "ts": ts,
    }


async def test_an_event_is_stored_before_the_ack_and_handled_once_from_the_inbox(
    stored_harness: SlackHarness, coach: Coach
) -> None:
    harness = stored_harness
    await add_client(harness.db, coach, "Robin Slack", platform="slack", user=CLIENT_USER)
    assert (await harness.event(_dm("/help", "1700000001.000100"), event_id="EvINBOX1")).status == 200
    for retry in (1, 2):  # Slack re-sends it; stored and handled once
        assert (
            await harness.event(_dm("/help", "1700000001.000100"), event_id="EvINBOX1", retry=retry)
        ).status == 200
    posts = await harness.api.wait_for("chat.postMessage")
    assert "/checkin" in str(posts[0].get("text", "")) + str(posts[0].get("blocks", ""))
    assert await count_rows(harness.db, InboxUpdate) == 1
    assert await count_rows(harness.db, InboxUpdate, InboxUpdate.status == InboxStatus.HANDLED) == 1
    assert (
        await count_rows(
            harness.db, ProcessedMessage, ProcessedMessage.idempotency_key == "slack:event:EvINBOX1"
        )
        == 1
    )
    replies = await count_rows(
        harness.db, OutboundMessage, OutboundMessage.dedupe_key.like("slack:event:EvINBOX1:reply:%")
    )
    assert replies == len(posts) >= 1


async def test_an_event_that_cannot_be_stored_is_503_and_slacks_retry_ishandled_updates(
    stored_harness: SlackHarness, coach: Coach, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness = stored_harness
    await add_client(harness.db, coach, "Robin Slack", platform="slack", user=CLIENT_USER)
    real_store = inbox_service.store_updates

    async def database_down(*args: object, **kwargs: object) -> int:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr("bot.slack.app.store_updates", database_down)
    assert (await harness.event(_dm("/help", "1700000002.000100"), event_id="EvDOWN")).status == 503
    assert await count_rows(harness.db, InboxUpdate) == 0
    monkeypatch.setattr("bot.slack.app.store_updates", real_store)
    assert (await harness.event(_dm("/help", "1700000002.000100"), event_id="EvDOWN", retry=1)).status == 200
    await harness.api.wait_for("chat.postMessage")
    await handled_updates(harness.db, 1)


async def test_a_slash_command_is_stored_then_answered_through_its_response_url(
    stored_harness: SlackHarness, coach: Coach
) -> None:
    harness = stored_harness
    response = await harness.command("help")
    assert response.status == 200 and harness.last_body == b""  # acknowledged once stored
    answers = await harness.api.wait_for("response_url")
    assert "/coach" in str(answers[-1])
    async with harness.db.unit_of_work() as session:
        keys = (await session.scalars(select(InboxUpdate.key))).all()
    assert [k.split(":")[1] for k in keys] == ["command"]
    await handled_updates(harness.db, 1)


async def test_a_clients_button_press_is_stored_and_answered_with_the_step(
    stored_harness: SlackHarness, coach: Coach
) -> None:
    harness = stored_harness
    await add_client(harness.db, coach, "Robin Slack", platform="slack", user=CLIENT_USER)
    await harness.event(_dm("/menu", "1700000003.000100"), event_id="EvMENU")
    menu = (await harness.api.wait_for("chat.postMessage"))[-1]
    button = next(
        element
        for block in menu.get("blocks") or []
        for element in block.get("elements") or []
        if element.get("type") == "button" and "Check in" in str(element.get("text"))
    )
    message = {"ts": "1700000003.000200", "text": str(menu.get("text", "")), "blocks": menu.get("blocks")}
    pressed = await harness.action(
        str(button["action_id"]), str(button["value"]), user=CLIENT_USER, channel=DM, message=message
    )
    assert pressed.status == 200
    question = (await harness.api.wait_for("chat.postMessage", 2))[-1]
    assert "mood" in str(question.get("text", "")).lower()
    async with harness.db.unit_of_work() as session:
        keys = (await session.scalars(select(InboxUpdate.key).order_by(InboxUpdate.id))).all()
    assert [k.split(":")[1] for k in keys] == ["event", "action"]
    pressed_key = keys[1]
    queued = await count_rows(
        harness.db, OutboundMessage, OutboundMessage.dedupe_key.like(f"{pressed_key}:reply:%")
    )
    assert queued >= 1
