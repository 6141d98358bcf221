"""What a running ``coach run`` does with 100,000 clients, measured: a planning pass and a dispatch
of 100,000 due reminders while a coach keeps typing ``/coach help`` in Slack (the real Bolt app over
HTTP, its Web API on a local fixture), then a 1,000-client coach's weekly digest, ``/coach client``
and App Home. The event-loop lag monitor runs throughout."""

from __future__ import annotations

import asyncio
import resource
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import delete, func, insert, select

from bench.scale.world import BIG_COACH_ID, BIG_COACH_SLACK_USER, NOW, client_name
from bot.http.server import build_web_app
from bot.loop_lag import LagRecord, LoopLagMonitor
from bot.outbound.sender import OutboundSender
from bot.runtime import settle_heap
from bot.slack.app import SlackBot
from bot.slack.home import publish_home
from conversations.engine import ConversationEngine
from domain.db import Database
from domain.insights import note_language
from domain.models import Client, Coach, OutboundMessage, Reminder
from domain.reminders import DispatchPolicy, ReminderDispatcher, plan_everyone
from integrations.llm.insights import InsightsService
from tests.support.servers import serve_locally
from tests.support.slack_api import TEAM_ID, SlackApiServer

SIGNING_SECRET = "bench-signing-secret"
# The coach types /coach help this often while the scheduler works.
ACK_EVERY_S = 0.05
# Due reminders for the dispatch measurement are this old (well within the grace window).
DUE = NOW + timedelta(minutes=1)


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


class SlackCoach:
    """Signed ``/coach help`` requests to the Bolt app; records each acknowledgement's latency."""

    def __init__(self, url: str, api: SlackApiServer) -> None:
        self.url, self.api = url, api
        self.acks: list[float] = []
        self.failures = 0
        self._n = 0

    async def help(self, http: aiohttp.ClientSession) -> None:
        self._n += 1
        body = urlencode(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "channel_id": "DBIG",
                "user_id": BIG_COACH_SLACK_USER,
                "command": "/coach",
                "text": "help",
                "response_url": self.api.response_url(f"help{self._n}"),
                "trigger_id": f"trigger.{self._n}",
            }
        )
        ts = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(SIGNING_SECRET).generate_signature(
                timestamp=ts, body=body
            ),
        }
        started = time.perf_counter()
        async with http.post(self.url, data=body.encode(), headers=headers) as response:
            await response.read()
            if response.status != 200:
                self.failures += 1
        self.acks.append(time.perf_counter() - started)

    async def keep_asking(self, stop: asyncio.Event) -> None:
        async with aiohttp.ClientSession() as http:
            while not stop.is_set():
                await self.help(http)
                await asyncio.sleep(ACK_EVERY_S)


async def _while_asking(coach: SlackCoach, work: Callable[[], Awaitable[Any]]) -> tuple[Any, float]:
    stop = asyncio.Event()
    asking = asyncio.create_task(coach.keep_asking(stop))
    started = time.perf_counter()
    try:
        result = await work()
    finally:
        elapsed = time.perf_counter() - started
        stop.set()
        await asking
    return result, elapsed


async def _due_reminders(db: Database, clients: int) -> None:
    """Replace the planned rows by one check-in reminder per client, due now (the 100k to dispatch)."""
    async with db.engine.begin() as conn:
        await conn.execute(delete(Reminder).where(Reminder.status == "pending"))
        zones = dict((await conn.execute(select(Client.id, Client.timezone))).all())
        rows = []
        for n in range(1, clients + 1):
            day = DUE.astimezone(ZoneInfo(zones[n])).date().isoformat()
            rows.append(
                {
                    "kind": "checkin",
                    "client_id": n,
                    "due_at": DUE - timedelta(minutes=1),
                    "status": "pending",
                    "attempts": 0,
                    "payload": {"local_date": day},
                    "dedupe_key": f"bench:{n}",
                }
            )
            if len(rows) == 5_000:
                await conn.execute(insert(Reminder), rows)
                rows = []
        if rows:
            await conn.execute(insert(Reminder), rows)


async def measure(db: Database, clients: int, tmp: str) -> dict[str, Any]:
    monitor = LoopLagMonitor(histogram=None)
    await monitor.start()
    api = SlackApiServer()
    await api.start()
    engine = ConversationEngine(db)
    await engine.start()
    insights = InsightsService(db, clock=lambda: NOW)
    bot = SlackBot(
        db=db,
        bot_token="xoxb-bench",
        signing_secret=SIGNING_SECRET,
        handler=engine,
        sender=OutboundSender(db),
        api_url=api.base_url,
        insights=insights,
        clock=lambda: NOW,
        storage_dir=tmp,
    )
    app = build_web_app(db)
    bot.install_routes(app)
    runner, root = await serve_locally(app)
    coach = SlackCoach(f"{root}/slack/events", api)
    result: dict[str, Any] = {}
    try:
        settle_heap()  # as `coach run` does once started
        monitor.record = LagRecord()  # the service's work only, not the benchmark's own setup
        planned, result["plan_s"] = await _while_asking(coach, lambda: plan_everyone(db, now=NOW))
        result["planned"] = planned
        lags = list(monitor.record.recent)
        await _due_reminders(db, clients)
        monitor.record = LagRecord()
        dispatcher = ReminderDispatcher(DispatchPolicy(slack_enabled=True), insights.compose_digest)

        async def dispatch_all() -> dict[str, int]:
            counts: dict[str, int] = {}
            while True:
                async with db.unit_of_work() as session:
                    outcomes = await dispatcher.dispatch_due(session, now=DUE)
                for o in outcomes:
                    counts[o.status] = counts.get(o.status, 0) + 1
                if len(outcomes) < dispatcher.policy.batch_size:
                    return counts
                await asyncio.sleep(0)

        counts, result["dispatch_s"] = await _while_asking(coach, dispatch_all)
        result["dispatched"] = counts
        async with db.sessions() as session:
            result["queued"] = await session.scalar(select(func.count()).select_from(OutboundMessage))
            result["distinct_keys"] = await session.scalar(
                select(func.count(func.distinct(OutboundMessage.dedupe_key)))
            )
        lags += monitor.record.recent
        result["lag_p99_ms"] = _quantile(lags, 0.99) * 1000
        result["lag_max_ms"] = max(lags, default=0) * 1000
        result["lag_samples"] = len(lags)
        monitor.record = LagRecord()
        result["ack_p50_ms"] = _quantile(coach.acks, 0.5) * 1000
        result["ack_p99_ms"] = _quantile(coach.acks, 0.99) * 1000
        result["ack_max_ms"] = max(coach.acks, default=0) * 1000
        result["acks"] = len(coach.acks)
        result["ack_failures"] = coach.failures

        started = time.perf_counter()
        async with db.sessions() as session:
            big = await session.get(Coach, BIG_COACH_ID)
            assert big is not None
            digest = await insights.compose_digest(session, big, NOW)
        result["digest_s"] = time.perf_counter() - started
        result["digest_lines"] = len(digest.splitlines())
        started = time.perf_counter()
        reply = await bot.commands.run(
            user_id=BIG_COACH_SLACK_USER, text=f'client "{client_name(7)}"', request_ref="bench"
        )
        result["client_s"] = time.perf_counter() - started
        result["client_ok"] = client_name(7) in reply.text or any(
            client_name(7) in str(b) for b in (reply.blocks or [])
        )
        started = time.perf_counter()
        await publish_home(db, bot.web, BIG_COACH_SLACK_USER, lambda: NOW, insights)
        result["home_s"] = time.perf_counter() - started
        # The digest above read the same notes: App Home again with nothing remembered of them (notes
        # stored with their language, as all are here, are not detected either way).
        note_language._remembered.clear()
        started = time.perf_counter()
        await publish_home(db, bot.web, BIG_COACH_SLACK_USER, lambda: NOW, insights)
        result["home_cold_s"] = time.perf_counter() - started
        result["coach_views_lag_max_ms"] = monitor.record.worst * 1000
    finally:
        await bot.drain()
        await runner.cleanup()
        await engine.stop()
        await api.stop()
        await monitor.stop()
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result
