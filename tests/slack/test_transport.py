"""The Slack transport against the local Web API: Block Kit rendering, 429s and unreachable chats."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.outbound.transport import DeliveryError
from bot.slack.transport import SLACK_LIMITS, SlackTransport
from conversations.messages import Button, OutgoingFile, OutgoingMessage, UrlButton
from domain.db import Database
from tests.support.slack_api import SlackApiServer


@pytest.fixture
def transport(db: Database, slack_api: SlackApiServer) -> SlackTransport:
    return SlackTransport(AsyncWebClient(token="xoxb-test", base_url=slack_api.base_url), db)


async def test_buttons_links_and_files_become_block_kit(
    transport: SlackTransport, slack_api: SlackApiServer
) -> None:
    message = OutgoingMessage(
        text="Pick <one> & go",
        buttons=((Button("Yes", "/yes"), Button("No", "/no")),),
        url_buttons=(UrlButton("Pay", "https://pay.example/1"),),
        files=(OutgoingFile("plan.ics", b"BEGIN:VCALENDAR", "text/calendar"),),
    )
    ts = await transport.deliver("DCLIENT1", message)
    (post,) = slack_api.of("chat.postMessage")
    assert ts and post["channel"] == "DCLIENT1"
    assert post["blocks"][0]["text"]["text"] == "Pick &lt;one&gt; &amp; go"
    rows = [b for b in post["blocks"] if b["type"] == "actions"]
    assert [e["value"] for e in rows[0]["elements"]] == ["/yes", "/no"]
    assert rows[1]["elements"][0]["url"] == "https://pay.example/1"
    assert slack_api.of("upload") and slack_api.of("files.completeUploadExternal")


async def test_a_429_reports_retry_after_for_that_channel(
    transport: SlackTransport, slack_api: SlackApiServer
) -> None:
    slack_api.rate_limit("chat.postMessage", "DBUSY", retry_after=7)
    with pytest.raises(DeliveryError) as raised:
        await transport.deliver("DBUSY", OutgoingMessage(text="hi"))
    assert raised.value.retry_after == 7 and not raised.value.permanent
    assert await transport.deliver("DBUSY", OutgoingMessage(text="hi again"))
    assert SLACK_LIMITS.per_chat_interval_s == 1.0


async def test_a_vanished_channel_is_unreachable(transport: SlackTransport) -> None:
    with pytest.raises(DeliveryError) as raised:
        await transport.deliver("CGONE1", OutgoingMessage(text="hi"))
    assert raised.value.unreachable and raised.value.permanent


async def test_a_scheduled_digest_is_rendered_in_block_kit(
    transport: SlackTransport, slack_api: SlackApiServer
) -> None:
    payload = {
        "type": "coach_digest",
        "coach_id": 1,
        "cadence": "daily",
        "text": "Digest for 2026-11-27\n2 clients: 1 checked in\n\n‼ Ann: 0/7 check-ins — no check-ins\n• Bo: 5/7 check-ins",
    }
    await transport.deliver_payload("UCOACH9", payload)
    (post,) = slack_api.of("chat.postMessage")
    assert post["channel"] == "DCOACH9"  # a user id is opened as the app's DM first
    assert post["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Digest for 2026-11-27", "emoji": True},
    }
    assert "Bo: 5/7 check-ins" in post["blocks"][1]["text"]["text"]
