"""Button presses: the engine's buttons (clients), name choices, and alert buttons (coaches)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks
from bot.slack.auth import coach_locale, linked_coach, owned_client, record_refusal
from bot.slack.checkin_feedback import CheckInFeedback
from bot.slack.commands import CoachCommands, CommandReply
from bot.slack.conversation import SlackConversation
from bot.slack.goal_approval import GoalApprovals
from bot.slack.threads import coach_target, ensure_thread, snooze_alerts
from bot.slack.transport import SlackTransport
from conversations.i18n import use_locale
from conversations.texts import CoachButtons as T
from domain.clock import Clock
from domain.db import Database
from domain.models import Client, Coach

log = logging.getLogger(__name__)


@dataclass
class SlackActions:
    db: Database
    commands: CoachCommands
    conversation: SlackConversation
    transport: SlackTransport
    clock: Clock

    def register(self, app: AsyncApp) -> None:
        app.action(re.compile(f"^{blocks.ENGINE_BUTTON}:"))(self.engine_button)
        app.action(re.compile(f"^{blocks.URL_BUTTON}:"))(self.url_button)
        app.action(re.compile(f"^{blocks.PICK_CLIENT}:"))(self.pick_client)
        app.action(blocks.ALERT_MESSAGE_CLIENT)(self.message_client)
        app.action(blocks.ALERT_SNOOZE)(self.snooze)
        app.action(blocks.OPEN_CLIENT)(self.open_client)
        app.action(blocks.MIGRATE_PROGRAM)(self.migrate_program)
        GoalApprovals(self.db, self.clock).register(app)
        CheckInFeedback(self.db).register(app)
        self.commands.settings.register(app)
        self.commands.announcements.register(app)

    async def engine_button(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        await self.conversation.on_button(body, action, client)

    async def migrate_program(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        user_id = str(body["user"]["id"])
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            refusal = (
                ""
                if coach
                else await record_refusal(session, slack_user_id=user_id, attempted="migrate program")
            )
        if coach is None:
            if body.get("response_url"):
                await respond(text=refusal, response_type="ephemeral")
            return
        program_id, _, number = str(action.get("value", "")).partition(":")
        if not (program_id.isdigit() and number.isdigit()):
            if body.get("response_url"):
                with use_locale(coach.locale):
                    expired = T.MIGRATE_EXPIRED
                await respond(text=expired, response_type="ephemeral")
            return
        result = await self.commands.migrate_program(coach, int(program_id), int(number))
        if body.get("response_url"):  # the button sits in /coach programs' ephemeral answer
            await respond(text=result.text, blocks=result.blocks, response_type="ephemeral")

    async def url_button(self, ack: AsyncAck) -> None:
        await ack()  # the browser opens the link; Slack still reports the click

    async def pick_client(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        try:
            choice = json.loads(str(action.get("value", "")))
        except ValueError:
            async with self.db.sessions() as session:
                locale = await coach_locale(session, str(body["user"]["id"]))
            with use_locale(locale):
                expired = T.CHOICE_EXPIRED
            await respond(text=expired, response_type="ephemeral")
            return
        # Pressing the same choice twice (a double click) sends the reminder or link once.
        container = body.get("container") or {}
        ref = f"{container.get('message_ts') or action.get('action_ts', '')}:{choice.get('client_id')}"
        result = await self.commands.finish(user_id=str(body["user"]["id"]), choice=choice, request_ref=ref)
        await respond(
            text=blocks.fallback(result.text),
            blocks=result.blocks,
            replace_original=True,
            response_type="ephemeral",
        )

    async def _coach_and_client(
        self, body: dict[str, Any], client_id: int, attempted: str
    ) -> tuple[Coach, Client] | str:
        user_id = str(body["user"]["id"])
        async with self.db.unit_of_work() as session:
            coach = await linked_coach(session, user_id)
            if coach is None:
                return await record_refusal(session, slack_user_id=user_id, attempted=attempted)
            client = await owned_client(session, coach, client_id)
            if client is None:
                await record_refusal(
                    session, slack_user_id=user_id, attempted=f"{attempted} client:{client_id}"
                )
                with use_locale(coach.locale):
                    return T.NOT_YOUR_CLIENT
            return coach, client

    async def _answer(self, body: dict[str, Any], client: AsyncWebClient, result: CommandReply) -> None:
        """In a message the answer is ephemeral there; from App Home it goes to the coach's DM."""
        response_url = body.get("response_url")
        if response_url:
            from slack_sdk.webhook.async_client import AsyncWebhookClient

            await AsyncWebhookClient(response_url).send(
                text=blocks.fallback(result.text),
                blocks=result.blocks,
                response_type="ephemeral",
                replace_original=False,
            )
            return
        channel = await self.transport.channel_for(str(body["user"]["id"]))
        await client.chat_postMessage(
            channel=channel, text=blocks.fallback(result.text), blocks=result.blocks
        )

    async def message_client(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        found = await self._coach_and_client(body, int(action["value"]), "message client")
        if isinstance(found, str):
            await self._answer(body, client, CommandReply(found, blocks.text_blocks(found)))
            return
        coach, chosen = found
        target = coach_target(coach)
        assert target is not None
        channel = await self.transport.channel_for(target)

        async def post_root(c: Client) -> str:
            return await self.transport.post_thread_root(channel, c, coach.locale)

        thread = await ensure_thread(
            self.db, coach_id=coach.id, client_id=chosen.id, channel_id=channel, post_root=post_root
        )
        with use_locale(coach.locale):
            text = T.REPLY_IN_THREAD.format(name=chosen.display_name)
        await self.transport.post(
            channel, blocks.fallback(text), blocks.text_blocks(text), thread_ts=thread.thread_ref
        )

    async def snooze(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        try:
            client_id = int(json.loads(str(action["value"]))["client_id"])
        except (ValueError, KeyError, TypeError):
            return
        found = await self._coach_and_client(body, client_id, "snooze alerts")
        if isinstance(found, str):
            await self._answer(body, client, CommandReply(found, blocks.text_blocks(found)))
            return
        coach, chosen = found
        until = await snooze_alerts(self.db, coach_id=coach.id, client_id=chosen.id, now=self.clock())
        original = body.get("message") or {}
        channel = (body.get("channel") or {}).get("id")
        if original.get("ts") and channel:
            kept = [b for b in original.get("blocks") or [] if b.get("type") != "actions"]
            with use_locale(coach.locale):
                when = blocks.local_date(until, "%d %b %H:%M", "MMMd", clock=True)
                note = blocks.context(T.SNOOZED.format(name=blocks.escape(chosen.display_name), when=when))
            await client.chat_update(
                channel=channel, ts=original["ts"], text=original.get("text", ""), blocks=[*kept, note]
            )

    async def open_client(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack()
        found = await self._coach_and_client(body, int(action["value"]), "open client")
        if isinstance(found, str):
            await self._answer(body, client, CommandReply(found, blocks.text_blocks(found)))
            return
        coach, chosen = found
        await self._answer(body, client, await self.commands.client(coach, chosen.id))
