"""The slack-bolt ``AsyncApp`` on our aiohttp server (``POST /slack/events``) or over Socket Mode.

Bolt verifies signatures (bad or older than 5 minutes → 401) and answers url_verification. Every
listener acks first; Bolt returns the ack while the listener's slow part keeps running (the default
``process_before_response=False``), so Slack always gets its answer within 3 seconds.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltRequest, AsyncRespond
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.http import door
from bot.inbox.processor import InboxProcessor
from bot.outbound.sender import OutboundSender
from bot.slack import blocks
from bot.slack.actions import SlackActions
from bot.slack.auth import coach_locale, linked_coach, record_refusal, slack_locales
from bot.slack.charts import ProgressCharts
from bot.slack.cohort_channel import SlackCohortChannel
from bot.slack.commands import COMMAND, CoachCommands, DigestSource
from bot.slack.conversation import PLATFORM, STORED_EVENT, SlackConversation
from bot.slack.files import FileRejected, SlackFiles
from bot.slack.home import publish_home
from bot.slack.roster import CoachInsights
from bot.slack.threads import ReplyOutcome, find_thread, relay_coach_reply
from bot.slack.transport import SlackTransport
from conversations.cohort_groups import CohortGroups
from conversations.i18n import use_locale
from conversations.messages import OutgoingFile
from conversations.ports import ConversationHandler, GoalSuggester, PaymentPort
from conversations.texts import CoachButtons
from conversations.texts import CoachCommands as CoachCommandTexts
from conversations.texts import CoachThreads as Threads
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.models import Coach
from domain.services.inbox import InboundUpdate, LeasedUpdate, store_updates
from domain.services.provider_events import forget_provider_events, record_new_provider_event

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DEFAULT_API_URL = "https://slack.com/api/"
# Interactive calls wait out a 429 themselves (Retry-After honoured by slack_sdk's handler); queued
# deliveries instead report it to the shared sender, which pauses only that channel.
INTERACTIVE_RATE_LIMIT_RETRIES = 2
# Message subtypes that are not a person writing (edits, deletions, joins, bot posts).
IGNORED_SUBTYPES = frozenset(
    {"message_changed", "message_deleted", "bot_message", "channel_join", "channel_leave"}
)
STOP_GRACE_S = 10.0
# The answer to an event that could not be stored: Slack re-sends it.
TRY_AGAIN_LATER = 503
# Slack re-sends an unacknowledged event within minutes (3 retries); a day of event ids is plenty.
EVENT_MEMORY = timedelta(days=1)


def thread_note(outcome: ReplyOutcome) -> str | None:
    """What the coach is told about a reply in a client thread (in the current locale), if anything."""
    notes = {
        ReplyOutcome.UNREACHABLE: Threads.UNREACHABLE,
        ReplyOutcome.NOT_YOUR_CLIENT: CoachButtons.NOT_YOUR_CLIENT,
        ReplyOutcome.EMPTY: Threads.EMPTY,
    }
    return notes.get(outcome)


def api_base_url(api_url: str | None) -> str:
    url = api_url or DEFAULT_API_URL
    return url if url.endswith("/") else url + "/"


class SlackBot:
    """Everything Slack: the Bolt app, its Web API clients, the transport and the listeners."""

    def __init__(
        self,
        *,
        db: Database,
        bot_token: str,
        signing_secret: str,
        handler: ConversationHandler,
        sender: OutboundSender,
        api_url: str | None = None,
        payments: PaymentPort | None = None,
        digests: DigestSource | None = None,
        insights: CoachInsights | None = None,
        goal_ideas: GoalSuggester | None = None,
        clock: Clock = utcnow,
        storage_dir: Path | str | None = None,
        inbox: InboxProcessor | None = None,
    ) -> None:
        self.db = db
        # With an inbox, events are stored before Slack's 200 and handled from there (``coach run``).
        self.inbox = inbox
        if inbox is not None:
            inbox.register(PLATFORM, self.handle_stored)
        self.clock = clock
        self.signing_secret = signing_secret
        base_url = api_base_url(api_url)
        self.web = AsyncWebClient(token=bot_token, base_url=base_url)
        self.web.retry_handlers.append(
            AsyncRateLimitErrorRetryHandler(max_retry_count=INTERACTIVE_RATE_LIMIT_RETRIES)
        )
        self.transport = SlackTransport(AsyncWebClient(token=bot_token, base_url=base_url), db)
        if insights is None:
            from integrations.llm.insights import InsightsService  # openai loads only when needed

            # Flags, trends and computed summaries need no model: without the shared service, a local one.
            insights = InsightsService(db, clock=clock)
        self.insights = insights
        self.commands = CoachCommands(
            db,
            payments=payments,
            digests=digests,
            insights=insights,
            clock=clock,
            charts=ProgressCharts(self.web, db, clock),
            goal_ideas=goal_ideas,
        )
        self.sender = sender
        sender.register(self.transport)
        # Clients' files are kept in COACH_STORAGE_DIR; without one they are only named in the thread.
        self.files = SlackFiles(self.web, db, Path(storage_dir) if storage_dir else None)
        self.conversation = SlackConversation(handler, sender, self.files)
        self.cohort_channel = SlackCohortChannel(CohortGroups(db), clock)
        # The token comes from ``client`` (pointed at COACH_SLACK_API_URL).
        self.app = AsyncApp(signing_secret=signing_secret, client=self.web, process_before_response=False)
        self._inflight: set[asyncio.Task[Any]] = set()
        self.app.middleware(self._once_per_event)
        actions = SlackActions(db, self.commands, self.conversation, self.transport, clock)
        self._listen(self.app, actions)
        # Stored requests are replayed through a twin app that runs each listener to its end before
        # answering, so the inbox knows when one is handled (and whether it failed).
        self.replay: AsyncApp | None = None
        if inbox is not None:
            self.replay = AsyncApp(
                signing_secret=signing_secret, client=self.web, process_before_response=True
            )
            self._listen(self.replay, actions)

    def _listen(self, app: AsyncApp, actions: SlackActions) -> None:
        app.middleware(self._with_slack_locales)
        app.command(COMMAND)(self._tracked(self.on_command))
        app.event("message")(self._tracked(self.on_message))
        app.event("app_home_opened")(self._tracked(self.on_home_opened))
        actions.register(app)

    # --- HTTP ---------------------------------------------------------------------------------

    def install_routes(self, web_app: web.Application) -> None:
        web_app.router.add_post(EVENTS_PATH, self.handle_http)

    async def handle_http(self, request: web.Request) -> web.Response:
        """The door first (size, signature on the raw bytes, parsing with limits), then Bolt."""
        try:
            body = await door.read_body(request, door.SLACK_LIMITS)
            door.check_slack_signature(body, request.headers, self.signing_secret)
            door.parse_slack_body(door.decode(body), request.content_type)
        except door.Refused as refused:
            return await door.refuse(self.db, "slack", refused)
        try:
            bolt_response = await self.app.async_dispatch(await to_bolt_request(request))
        except Exception:
            log.exception("a signed Slack request could not be dispatched")
            bolt_response = BoltResponse(status=500, body="")
        if bolt_response.status >= 500 and bolt_response.status != TRY_AGAIN_LATER:
            # Bolt answers 500 when a listener or middleware fails on a body of an unexpected shape
            # (``"event": null``); Slack would only re-send it. A 503 is ours: the event could not be
            # stored (database down), and Slack's re-send is exactly what should happen.
            return await door.refuse(self.db, "slack", door.Refused(400, "unprocessable request"))
        return await to_aiohttp_response(bolt_response)

    # --- lifecycle ----------------------------------------------------------------------------

    def _tracked(self, listener: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
        """Remember running listeners so a shutdown lets acked work finish instead of dropping it."""

        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._inflight.add(task)
            try:
                await listener(**kwargs)
            finally:
                if task is not None:
                    self._inflight.discard(task)

        return run  # Bolt reads the wrapped listener's argument names (inspect.unwrap)

    async def drain(self) -> None:
        """Wait (up to STOP_GRACE_S) for listeners still working after their ack."""
        if self._inflight:
            await asyncio.wait(list(self._inflight), timeout=STOP_GRACE_S)

    # --- middleware ---------------------------------------------------------------------------

    async def _once_per_event(
        self, body: dict[str, Any], next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        """Slack re-sends an event it thinks was not acked (``X-Slack-Retry-Num``): handle each id once.

        With an inbox, events, slash commands and button presses are stored first and acknowledged
        only then (503 when they cannot be stored, so Slack re-sends an event); they are handled from
        the inbox, in order per channel. Modal submissions, which must answer with their validation,
        are handled at once (validated and saved before the answer)."""
        if self.inbox is not None and (stored := _inbox_entry(body)) is not None:
            return await self._store(stored)
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id:
            event_type = str((body.get("event") or {}).get("type", "unknown"))[:64]
            async with self.db.unit_of_work() as session:
                first = await record_new_provider_event(
                    session, provider="slack", event_id=str(event_id)[:128], event_type=event_type
                )
            if not first:
                log.info("slack event %s already handled; acknowledging the retry", event_type)
                return BoltResponse(status=200, body="")
        return await next()

    async def _with_slack_locales(self, next: Callable[[], Awaitable[BoltResponse]]) -> BoltResponse | None:
        """Lets a refusal ask Slack for a stranger's locale (bot/slack/auth), read with their name.
        Not reset: Bolt runs the listener after the middleware returns, in this request's own task."""
        slack_locales.set(lambda user_id: self.conversation.language_hint(self.web, user_id))
        return await next()

    async def _store(self, update: InboundUpdate) -> BoltResponse:
        assert self.inbox is not None
        try:
            async with self.db.unit_of_work() as session:
                await store_updates(session, [update], self.clock())
        except Exception as exc:
            log.warning("could not store a slack request: %s", type(exc).__name__)
            return BoltResponse(status=TRY_AGAIN_LATER, body="try again later")
        self.inbox.wake()
        return BoltResponse(status=200, body="")

    async def handle_stored(self, update: LeasedUpdate) -> None:
        """Replay one stored request through the twin app; a failure leaves it in the inbox."""
        assert self.replay is not None
        token = STORED_EVENT.set(update.key)
        try:
            response = await self.replay.async_dispatch(
                AsyncBoltRequest(body=update.payload, mode="socket_mode")
            )
        finally:
            STORED_EVENT.reset(token)
        if response.status >= 500:
            raise RuntimeError(f"the stored slack request failed ({response.status})")

    async def forget_old_events(self) -> int:
        """Drop event ids older than EVENT_MEMORY so the dedupe table stays small."""
        cutoff = self.clock() - EVENT_MEMORY
        async with self.db.unit_of_work() as session:
            return await forget_provider_events(session, provider="slack", received_before=cutoff)

    # --- listeners ----------------------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        try:
            result = await self.commands.run(
                user_id=str(command["user_id"]),
                text=str(command.get("text", "")),
                request_ref=str(command.get("trigger_id", "")),
            )
        except Exception:
            log.exception("/coach failed")
            await respond(text=await self._apology(command.get("user_id")), response_type="ephemeral")
            return
        self.sender.wake()  # paylink and remind queue messages for the client
        await respond(text=blocks.fallback(result.text), blocks=result.blocks, response_type="ephemeral")

    async def _apology(self, user_id: object) -> str:
        """The apology for a failed command in the coach's language; English when even that can't be
        looked up (the database may be what failed), so the coach is always answered."""
        locale = None
        try:
            async with self.db.sessions() as session:
                locale = await coach_locale(session, str(user_id or ""))
        except Exception:
            log.warning("the coach's language for an apology could not be looked up", exc_info=True)
        with use_locale(locale):
            return str(CoachCommandTexts.SOMETHING_WRONG)

    async def on_message(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("subtype") in IGNORED_SUBTYPES or event.get("bot_id") or not event.get("user"):
            return
        user_id = str(event["user"])
        channel = str(event.get("channel", ""))
        async with self.db.sessions() as session:
            coach = await linked_coach(session, user_id)
        thread_ts = event.get("thread_ts")
        in_thread = bool(thread_ts) and thread_ts != event.get("ts")
        if in_thread and await self._thread_reply(event, client, coach, user_id, channel, str(thread_ts)):
            return
        if event.get("channel_type") != "im":
            # In shared channels only client threads and a cohort channel's run minutes matter.
            await self.cohort_channel.on_channel_message(event)
            return
        if coach is not None:
            with use_locale(coach.locale):
                text, hint = CoachCommandTexts.DM_HINT_TEXT, blocks.help_blocks(CoachCommandTexts.DM_HINT)
            await client.chat_postMessage(channel=channel, text=text, blocks=hint)
            return
        await self.conversation.on_direct_message(event, client)

    async def _thread_reply(
        self,
        event: dict[str, Any],
        client: AsyncWebClient,
        coach: Coach | None,
        user_id: str,
        channel: str,
        thread_ts: str,
    ) -> bool:
        """A message inside a thread: True when it was a client thread (and so is dealt with here)."""
        if coach is None:
            if await find_thread(self.db, channel_id=channel, thread_ref=thread_ts) is None:
                return False
            async with self.db.unit_of_work() as session:
                refusal = await record_refusal(
                    session, slack_user_id=user_id, attempted="client thread reply"
                )
            await client.chat_postEphemeral(channel=channel, user=user_id, text=refusal, thread_ts=thread_ts)
            return True
        files: tuple[OutgoingFile, ...] = ()
        problems: list[str] = []
        if event.get("files"):
            # Only a client thread is worth downloading for.
            if await find_thread(self.db, channel_id=channel, thread_ref=thread_ts) is None:
                return False
            with use_locale(coach.locale):  # the notes on files that can't go, in the coach's language
                files, problems = await self._coach_files(event)
        outcome = await relay_coach_reply(
            self.db,
            coach=coach,
            channel_id=channel,
            thread_ref=thread_ts,
            text=str(event.get("text") or ""),
            event_ref=str(event.get("ts")),
            files=files,
        )
        if outcome is ReplyOutcome.NOT_A_CLIENT_THREAD:
            return False
        if outcome is ReplyOutcome.SENT:
            self.sender.wake()
        with use_locale(coach.locale):
            note = thread_note(outcome)
        if problems and outcome in (ReplyOutcome.SENT, ReplyOutcome.EMPTY):
            note = " ".join(problems)
        if note is not None:
            await client.chat_postEphemeral(
                channel=channel, user=user_id, text=blocks.fallback(note), thread_ts=thread_ts
            )
        return True

    async def _coach_files(self, event: dict[str, Any]) -> tuple[tuple[OutgoingFile, ...], list[str]]:
        """The coach's files ready to forward, and a note for each one that can't go."""
        files: list[OutgoingFile] = []
        problems: list[str] = []
        for file in event.get("files") or []:
            try:
                files.append(await self.files.forwardable(str(file.get("id", ""))))
            except FileRejected as rejected:
                problems.append(str(rejected))
        return tuple(files), problems

    async def on_home_opened(self, event: dict[str, Any], client: AsyncWebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        user_id = str(event["user"])
        await publish_home(
            self.db,
            client,
            user_id,
            self.clock,
            self.insights,
            language_hint=lambda: self.conversation.language_hint(client, user_id),
        )


def _inbox_entry(body: dict[str, Any]) -> InboundUpdate | None:
    """How a request is kept in the inbox (None: handled at once): events by ``event_id``, slash
    commands and button presses by their ``trigger_id``; each in its channel's lane."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        event = body.get("event") or {}
        key, lane, user = f"event:{body['event_id']}", event.get("channel"), event.get("user")
    elif body.get("command") and body.get("trigger_id"):
        key, lane, user = f"command:{body['trigger_id']}", body.get("channel_id"), body.get("user_id")
    elif body.get("type") == "block_actions" and body.get("trigger_id"):
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
        user = (body.get("user") or {}).get("id")
        key, lane = f"action:{body['trigger_id']}", channel
    else:
        return None
    return InboundUpdate(
        key=f"{PLATFORM}:{str(key)[:150]}",
        platform=PLATFORM,
        lane=str(lane or user or "workspace")[:128],
        payload=body,
        external_user_id=str(user)[:128] if user else None,
    )
