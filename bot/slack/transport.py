"""The Slack ``Transport`` of the shared outbound sender: renders queued payloads as Block Kit.

Payload types: a neutral ``OutgoingMessage`` (to a client on Slack), ``coach_notice`` (alerts with
buttons, skipped while snoozed), ``coach_digest`` and ``client_message`` (relayed into the client's
thread in the coach's DM, creating the thread on first use).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.charts.coach_dashboard import CoachWeek, render_coach_dashboard
from bot.outbound.transport import DeliveryError, RateLimits, Transport
from bot.slack import blocks
from bot.slack.charts import ALT_TEXT_MAX
from bot.slack.threads import CLIENT_MESSAGE, alerts_snoozed, ensure_thread
from conversations import coach_stats
from conversations.i18n import use_locale
from conversations.messages import OutgoingMessage
from domain.analytics.weekly import BUSINESS_SUMMARY, WeeklyNumbers
from domain.crypto import UnreadableValue
from domain.db import Database
from domain.models import CheckIn, Client, Coach, Message
from domain.services.clients import client_identities
from domain.services.coach_feedback import CHECK_IN_NOTICE
from domain.services.coaches import find_coach_by_slack_target
from domain.services.files import find_stored_files, read_stored_file
from domain.services.notices import COACH_NOTICE

log = logging.getLogger(__name__)

# chat.postMessage: "1 message per second per channel, short bursts allowed" (Slack rate-limit docs,
# https://api.slack.com/methods/chat.postMessage#rate_limiting, checked 2026-11).
SLACK_PER_CHANNEL_INTERVAL_S = 1.0
# Slack documents a workspace-wide limit on posting without a number; the Web API tier 4 (100+/min)
# is the nearest published figure, so stay well inside it.
SLACK_WORKSPACE_PER_SECOND = 1.5
SLACK_LIMITS = RateLimits(
    per_chat_interval_s=SLACK_PER_CHANNEL_INTERVAL_S, global_per_second=SLACK_WORKSPACE_PER_SECOND
)
COACH_DIGEST = "coach_digest"
DEFAULT_RETRY_AFTER_S = 1.0  # when a 429 comes without a Retry-After header

# Errors that mean this conversation can't be reached again (the sender marks it unreachable).
UNREACHABLE_ERRORS = frozenset(
    {
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_not_found",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "messages_tab_disabled",
    }
)
# Errors no retry can fix.
PERMANENT_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "invalid_blocks",
        "msg_too_long",
        "no_text",
        "invalid_arguments",
    }
)


def delivery_error(exc: SlackApiError) -> DeliveryError:
    response = exc.response
    code = str(response.get("error", "unknown_error")) if response is not None else "unknown_error"
    if response is not None and response.status_code == 429:
        headers = {k.lower(): v for k, v in (response.headers or {}).items()}
        raw = headers.get("retry-after")
        value = raw[0] if isinstance(raw, list) else raw
        retry_after = float(value) if value else DEFAULT_RETRY_AFTER_S
        return DeliveryError(f"slack rate limited: {code}", retry_after=retry_after)
    if code in UNREACHABLE_ERRORS:
        return DeliveryError(f"slack: {code}", unreachable=True)
    return DeliveryError(f"slack: {code}", permanent=code in PERMANENT_ERRORS)


class SlackTransport(Transport):
    platform = "slack"
    limits = SLACK_LIMITS

    def __init__(self, client: AsyncWebClient, db: Database) -> None:
        self.client = client
        self.db = db
        self._dm_channels: dict[str, str] = {}
        self._dm_lock = asyncio.Lock()

    # --- the Transport interface -----------------------------------------------------------

    async def deliver(self, chat_id: str, message: OutgoingMessage) -> str | None:
        channel = await self.channel_for(chat_id)
        ts = await self.post(channel, blocks.fallback(message.text), blocks.outgoing_blocks(message))
        for file in message.files:
            await self._call(
                self.client.files_upload_v2(
                    channel=channel, content=file.content, filename=file.file_name, request_file_info=False
                )
            )
        return ts

    async def deliver_payload(self, chat_id: str, payload: dict[str, Any]) -> str | None:
        """Deliver one outbox payload of any type; None when it was deliberately skipped (snoozed)."""
        kind = payload.get("type")
        if kind == COACH_NOTICE:
            return await self._deliver_notice(chat_id, payload)
        if kind == COACH_DIGEST:
            channel = await self.channel_for(chat_id)
            return await self.post(
                channel, blocks.fallback(blocks.digest_text(payload)), blocks.digest_blocks(payload)
            )
        if kind == BUSINESS_SUMMARY:
            if WeeklyNumbers.worded(payload):  # queued in English before an upgrade: its text as it is
                channel = await self.channel_for(chat_id)
                text = str(payload.get("text") or "")
                return await self.post(channel, blocks.fallback(text), [blocks.section(blocks.escape(text))])
            return await self._deliver_weekly_numbers(chat_id, WeeklyNumbers.from_dict(payload))
        if kind == CLIENT_MESSAGE:
            return await self._deliver_client_message(chat_id, int(payload["message_id"]))
        if kind == CHECK_IN_NOTICE:
            return await self._deliver_check_in_notice(chat_id, int(payload["check_in_id"]))
        return await self.deliver(chat_id, OutgoingMessage.from_dict(payload))

    async def _deliver_weekly_numbers(self, chat_id: str, numbers: WeeklyNumbers) -> str:
        """The weekly business summary, then its chart (the coach dashboard over the last weeks), in
        the coach's language."""
        async with self.db.sessions() as session:
            coach = await session.get(Coach, numbers.coach_id)
        locale = coach.locale if coach else None
        channel = await self.channel_for(chat_id)
        with use_locale(locale):
            text = blocks.fallback(coach_stats.title(numbers))
            summary = blocks.weekly_numbers_blocks(numbers)
            title = coach_stats.chart_title(numbers.coach, len(numbers.history))
            alt = coach_stats.dashboard_alt_text(numbers)
        ts = await self.post(channel, text, summary)
        if numbers.history:
            weeks = [
                CoachWeek(
                    date.fromisoformat(w.week_start),
                    w.adherence_pct,
                    w.response_median_minutes,
                    w.satisfaction_avg,
                )
                for w in numbers.history
            ]
            # Drawing is CPU work: off the event loop.
            png = await asyncio.to_thread(render_coach_dashboard, numbers.coach, weeks, locale=locale)
            await self._call(
                self.client.files_upload_v2(
                    channel=channel,
                    content=png,
                    filename=f"week-{numbers.end}.png",
                    title=title,
                    alt_txt=alt[:ALT_TEXT_MAX],
                    request_file_info=False,
                )
            )
        return ts

    # --- Slack calls ------------------------------------------------------------------------

    async def _call(self, call: Any) -> Any:
        try:
            return await call
        except SlackApiError as exc:
            raise delivery_error(exc) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"slack unreachable: {type(exc).__name__}") from None

    async def post(
        self, channel: str, text: str, message_blocks: list[dict[str, Any]], *, thread_ts: str | None = None
    ) -> str:
        response = await self._call(
            self.client.chat_postMessage(
                channel=channel, text=text, blocks=message_blocks, thread_ts=thread_ts
            )
        )
        return str(response["ts"])

    async def channel_for(self, chat_id: str) -> str:
        """A user id (coach notices are addressed to ``U…``) becomes the app's DM channel with them."""
        if not chat_id.startswith(("U", "W")):
            return chat_id
        async with self._dm_lock:
            if chat_id not in self._dm_channels:
                response = await self._call(self.client.conversations_open(users=chat_id))
                self._dm_channels[chat_id] = str(response["channel"]["id"])
            return self._dm_channels[chat_id]

    # --- payload types ----------------------------------------------------------------------

    async def _coach_for_target(self, chat_id: str) -> Coach | None:
        async with self.db.sessions() as session:
            return await find_coach_by_slack_target(session, chat_id)

    async def _deliver_notice(self, chat_id: str, payload: dict[str, Any]) -> str | None:
        client_id = payload.get("client_id")
        client_name = None
        coach = await self._coach_for_target(chat_id)
        if client_id is not None:
            kind = str(payload.get("kind", ""))
            if (
                coach is not None
                and blocks.is_alert(kind)
                and await alerts_snoozed(self.db, coach_id=coach.id, client_id=int(client_id))
            ):
                log.info("alert %s skipped: snoozed by the coach", kind)
                return None
            async with self.db.sessions() as session:
                client = await session.get(Client, int(client_id))
                client_name = client.display_name if client else None
        channel = await self.channel_for(chat_id)
        # In the coach's language: the sentence (rendered now from the stored values, or written in
        # it when queued), the title, the details and the buttons.
        with use_locale(coach.locale if coach else None):
            text = blocks.fallback(blocks.notice_text(payload))
            notice = blocks.notice_blocks(payload, client_name)
        return await self.post(channel, text, notice)

    async def post_thread_root(self, channel: str, client: Client, locale: str | None) -> str:
        """Open a client's thread: their name and the channels they write from, in ``locale`` (the
        coach's, who owns the thread)."""
        async with self.db.sessions() as session:
            channels = sorted({i.platform for i in await client_identities(session, client.id)})
        with use_locale(locale):
            text = blocks.fallback(blocks.thread_root_text(client))
            root = blocks.thread_root_blocks(client, channels)
        return await self.post(channel, text, root)

    async def _deliver_client_message(self, chat_id: str, message_id: int) -> str | None:
        async with self.db.sessions() as session:
            message = await session.get(Message, message_id)
            if message is None or message.coach_id is None:
                return None
            coach = await session.get(Coach, message.coach_id)
            locale = coach.locale if coach else None
            files = await self._stored_files(message.attachments)
        channel = await self.channel_for(chat_id)

        async def post_root(client: Client) -> str:
            return await self.post_thread_root(channel, client, locale)

        thread = await ensure_thread(
            self.db,
            coach_id=message.coach_id,
            client_id=message.client_id,
            channel_id=channel,
            post_root=post_root,
        )
        names = blocks.attachment_names(message.attachments)
        with use_locale(locale):
            text = blocks.fallback(blocks.relayed_text(message))
            relayed = blocks.relayed_blocks(message, names)
        ts = await self.post(channel, text, relayed, thread_ts=thread.thread_ref)
        for name, content in files:
            await self._call(
                self.client.files_upload_v2(
                    channel=channel,
                    file=content,
                    filename=name,
                    thread_ts=thread.thread_ref,
                    request_file_info=False,
                )
            )
        return ts

    async def _deliver_check_in_notice(self, chat_id: str, check_in_id: int) -> str | None:
        """A client's check-in, with the reaction and comment buttons, in that client's thread."""
        async with self.db.sessions() as session:
            check_in = await session.get(CheckIn, check_in_id)
            client = await session.get(Client, check_in.client_id) if check_in is not None else None
            if check_in is None or client is None or client.coach_id is None:
                return None  # erased or unassigned meanwhile
            coach = await session.get(Coach, client.coach_id)
            locale = coach.locale if coach else None
        channel = await self.channel_for(chat_id)

        async def post_root(client: Client) -> str:
            return await self.post_thread_root(channel, client, locale)

        thread = await ensure_thread(
            self.db, coach_id=client.coach_id, client_id=client.id, channel_id=channel, post_root=post_root
        )
        day = check_in.created_at.astimezone(ZoneInfo(client.timezone)).date().isoformat()
        with use_locale(locale):
            text = blocks.fallback(blocks.check_in_notice_text(client.display_name, day))
            notice = blocks.check_in_notice_blocks(check_in, client.display_name, day)
        return await self.post(channel, text, notice, thread_ts=thread.thread_ref)

    async def _stored_files(self, attachments: list[Any]) -> list[tuple[str, bytes]]:
        """Files the channel adapter downloaded (``stored_file_id``) are re-uploaded into the thread:
        their names on disk (ours, never the sender's) and their content as the client sent it."""
        ids = [a["stored_file_id"] for a in attachments if isinstance(a, dict) and a.get("stored_file_id")]
        if not ids:
            return []
        async with self.db.sessions() as session:
            rows = await find_stored_files(session, ids)
        files = []
        for row in rows:
            if not row.path:
                continue
            try:
                content = await asyncio.to_thread(read_stored_file, row.path)
            except FileNotFoundError:
                continue  # purged or erased meanwhile
            except UnreadableValue as exc:
                log.warning("stored file %d not relayed: %s", row.id, exc)
                continue
            files.append((Path(row.path).name, content))
        return files
