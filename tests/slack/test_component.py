"""``coach run`` with SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET serves the Bolt app at /slack/events."""

from __future__ import annotations

import json
import time

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.config import load_settings
from bot.runtime import Service
from bot.slack.component import SlackComponent
from domain.db import Database
from tests.support.slack_api import SlackApiServer


async def test_the_service_serves_slack_events_and_relays(
    db: Database, database_url: str, slack_api: SlackApiServer
) -> None:
    from domain.services.clients import register_client
    from domain.services.coaches import create_coach
    from domain.services.messages import record_client_message

    async with db.unit_of_work() as session:
        coach = await create_coach(
            session, name="Run Coach", email="run@example.com", slack_user_id="URUN0001"
        )
        client = await register_client(
            session,
            platform="telegram",
            external_user_id="77",
            chat_id="77",
            display_name="Tg Client",
            coach_id=coach.id,
        )
        await record_client_message(session, client_id=client.id, channel="telegram", text="hello coach")
    settings = load_settings(
        database_url=database_url,
        http_port=0,
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        slack_api_url=slack_api.base_url,
    )
    service = Service(settings, interactive_console=False)
    await service.start()
    try:
        assert any(isinstance(c, SlackComponent) for c in service.components)
        body = json.dumps({"type": "url_verification", "challenge": "abc", "token": "t"})
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": str(SignatureVerifier("secret").generate_signature(timestamp=ts, body=body)),
        }
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{service.port}/slack/events"
            async with http.post(url, data=body, headers=headers) as response:
                assert response.status == 200
                assert (await response.json()) == {"challenge": "abc"}
            async with http.post(
                url, data=body, headers={**headers, "X-Slack-Signature": "v0=bad"}
            ) as response:
                assert response.status == 401
    finally:
        await service.stop()


async def test_socket_mode_when_an_app_token_is_set(
    db: Database, database_url: str, slack_api: SlackApiServer
) -> None:
    from domain.services.coaches import create_coach

    async with db.unit_of_work() as session:
        await create_coach(session, name="Sol Socket", email="sol@example.com", slack_user_id="USOL0001")
    settings = load_settings(
        database_url=database_url,
        http_port=0,
        slack_bot_token="xoxb-test",
        slack_app_token="xapp-test",
        slack_api_url=slack_api.base_url,
    )
    service = Service(settings, interactive_console=False)
    await service.start()
    try:
        await slack_api.wait_for_socket()
        event = {"type": "app_home_opened", "user": "USOL0001", "channel": "DSOL", "tab": "home"}
        body = {"type": "event_callback", "team_id": "T0000001", "event_id": "EvSock1", "event": event}
        await slack_api.send_envelope("env-1", "events_api", body)
        (published,) = await slack_api.wait_for("views.publish")
        assert published["user_id"] == "USOL0001"
        acks = await slack_api.wait_for("socket.ack")
        assert acks[0]["envelope_id"] == "env-1"
        async with aiohttp.ClientSession() as http:
            url = f"http://127.0.0.1:{service.port}/slack/events"
            async with http.post(url, data="{}") as response:
                assert response.status == 404  # no HTTP endpoint in Socket Mode
    finally:
        await service.stop()
