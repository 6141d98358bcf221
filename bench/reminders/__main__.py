"""bench/reminders: 10,000 due check-in reminders end to end, at the Telegram global rate limit.

The reminders code plans and dispatches the check-ins (rows → outbox), then the outbound sender
delivers them through the Telegram transport (aiogram over real HTTP) to the local Bot API fixture,
which here also enforces the global limit: more than ``--rate`` sendMessage calls within any second
are answered 429, like Telegram does. Reported: the achieved rate as a fraction of the limit
(target ≥ 0.95), 429s received (target 0) and duplicate deliveries (must be 0).

    .venv/bin/python -m bench.reminders                  # 10,000 at the real 30 msg/s (~6 minutes)
    .venv/bin/python -m bench.reminders --rate 300       # scaled up
    .venv/bin/python -m bench.reminders --quick          # 1,000 at 50 msg/s
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter, deque
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import func, insert, select

from bot.outbound.sender import OutboundSender
from bot.outbound.transport import RateLimits
from bot.telegram.aiogram_driver import AiogramBotApi, build_bot
from bot.telegram.callback_data import CallbackCodec
from bot.telegram.limits import GLOBAL_PER_SECOND, GROUP_PER_MINUTE, PER_CHAT_INTERVAL_S
from bot.telegram.transport import TelegramTransport
from domain.db import Database
from domain.migrate import upgrade
from domain.models import ChannelIdentity, Client, OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.reminders import plan_reminders
from integrations.scheduler import ReminderScheduler
from tests.support.telegram_api import FakeTelegram

PLANNED_AT = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
DUE_AT = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SEED_CHUNK = 1000
WINDOW_S = 1.0


class RateLimitedTelegram(FakeTelegram):
    """The Bot API fixture plus Telegram's global limit: a moving one-second window of sendMessage."""

    def __init__(self, per_second: float) -> None:
        super().__init__()
        self.per_second = per_second
        self._window: deque[float] = deque()
        self.rejected = 0

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == "sendMessage":
            now = time.monotonic()
            while self._window and self._window[0] <= now - WINDOW_S:
                self._window.popleft()
            if len(self._window) >= self.per_second:
                self.rejected += 1
                return self._error("sendMessage", {}, 429, "Too Many Requests", 1)
            self._window.append(now)
        return await super()._api(request)


async def seed(db: Database, count: int) -> None:
    """``count`` clients reminded at 09:00 UTC, each with a private Telegram chat."""
    async with db.unit_of_work() as session:
        for start in range(0, count, SEED_CHUNK):
            ids = range(start + 1, min(count, start + SEED_CHUNK) + 1)
            await session.execute(
                insert(Client),
                [
                    {"id": i, "display_name": f"Client {i}", "checkin_time": "09:00", "timezone": "UTC"}
                    for i in ids
                ],
            )
            await session.execute(
                insert(ChannelIdentity),
                [
                    {
                        "platform": "telegram",
                        "external_user_id": str(i),
                        "chat_id": str(100_000 + i),
                        "client_id": i,
                    }
                    for i in ids
                ],
            )


async def wait_until_sent(db: Database, count: int, deadline: float) -> int:
    while True:
        async with db.unit_of_work() as session:
            done = int(
                await session.scalar(
                    select(func.count()).where(
                        OutboundMessage.status.in_([DeliveryStatus.SENT, DeliveryStatus.FAILED])
                    )
                )
                or 0
            )
        if done >= count or time.monotonic() > deadline:
            return done
        await asyncio.sleep(0.5)


async def run(count: int, rate: float, url: str) -> dict[str, Any]:
    db = Database(url)
    await upgrade(db)
    fixture = RateLimitedTelegram(rate)
    root = await fixture.start()
    bot = build_bot(fixture.token, root)
    try:
        await seed(db, count)
        started = time.perf_counter()
        async with db.unit_of_work() as session:
            planned = await plan_reminders(session, now=PLANNED_AT)
        plan_s = time.perf_counter() - started

        started = time.perf_counter()
        dispatched = await ReminderScheduler(db, clock=lambda: DUE_AT).dispatch()
        dispatch_s = time.perf_counter() - started

        sender = OutboundSender(db, concurrency=64, poll_interval=0.2)
        limits = RateLimits(PER_CHAT_INTERVAL_S, rate, GROUP_PER_MINUTE)
        sender.register(TelegramTransport(AiogramBotApi(bot), CallbackCodec(), limits=limits))
        started = time.perf_counter()
        await sender.start()
        sent_rows = await wait_until_sent(db, count, time.monotonic() + count / rate * 3 + 60)
        send_s = time.perf_counter() - started
        await sender.stop()
        delivered = [c for c in fixture.calls if c.method == "sendMessage" and c.status == 200]
        per_chat = Counter(c.chat_id for c in delivered)
        twice = sorted(chat for chat, n in per_chat.items() if chat is not None and n > 1)
        async with db.unit_of_work() as session:
            queued = int(await session.scalar(select(func.count()).select_from(OutboundMessage)) or 0)
            rows = (
                await session.scalars(select(OutboundMessage).where(OutboundMessage.chat_id.in_(twice)))
            ).all()
            # Why a chat got two messages: its outbox rows and the calls the fixture saw.
            diagnostics = [
                f"chat {r.chat_id}: outbox row {r.id} {r.status}, attempts {r.attempts}, last error {r.last_error!r}"
                for r in rows
            ] + [
                f"chat {c.chat_id}: {c.method} -> {c.status} at +{c.at - fixture.calls[0].at:.2f}s"
                for c in fixture.calls
                if c.chat_id in twice
            ]
    finally:
        await bot.session.close()
        await fixture.stop()
        await db.dispose()

    times = sorted(c.at for c in delivered)
    achieved = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    return {
        "reminders": count,
        "rate": rate,
        "planned": planned,
        "plan_s": plan_s,
        "dispatched": dispatched,
        "dispatch_s": dispatch_s,
        "queued": queued,
        "diagnostics": diagnostics,
        "sent_rows": sent_rows,
        "send_s": send_s,
        "delivered": len(delivered),
        "achieved": achieved,
        "fraction": achieved / rate,
        "throttled": fixture.rejected,
        "duplicates": sum(n - 1 for n in per_chat.values() if n > 1),
        "missing": count - len(per_chat),
    }


def report(r: dict[str, Any]) -> None:
    rows = [
        ("reminders due", f"{r['reminders']:,}", ""),
        ("rows planned (check-ins + follow-ups, 2 days)", f"{r['planned']:,}", f"{r['plan_s']:.1f} s"),
        ("reminders dispatched to the outbox", f"{r['dispatched']:,}", f"{r['dispatch_s']:.1f} s"),
        ("outbox rows", f"{r['queued']:,}", "one per reminder"),
        ("messages delivered to the Bot API", f"{r['delivered']:,}", f"{r['send_s']:.1f} s"),
        ("global limit (msg/s)", f"{r['rate']:g}", "baseline"),
        (
            "achieved rate (msg/s)",
            f"{r['achieved']:.1f}",
            f"{r['fraction']:.3f} of the limit (target ≥ 0.95)",
        ),
        ("429s received", str(r["throttled"]), "target 0"),
        ("duplicates", str(r["duplicates"]), "must be 0"),
        ("not delivered", str(r["missing"]), "must be 0"),
    ]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'measure'.ljust(width)}  {'value':>10}  note")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>10}  {note}")
    for line in r["diagnostics"]:
        print(line)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=GLOBAL_PER_SECOND, help="global msg/s (Telegram: 30)")
    parser.add_argument("--quick", action="store_true", help="1,000 reminders at 50 msg/s")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    count, rate = (1_000, 50.0) if args.quick else (args.reminders, args.rate)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        result = asyncio.run(run(count, rate, url))
    report(result)
    ok = result["duplicates"] == 0 and result["missing"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
