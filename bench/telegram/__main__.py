"""bench/telegram: updates per second end to end through each Telegram driver, beside the engine alone.

    .venv/bin/python -m bench.telegram [--quick] [--users N] [--check-ins C] [--postgres]

A local Bot API server (tests/support/telegram_api.py) on loopback plays Telegram. N registered
users each do C check-ins (six messages: /checkin, mood, energy, sleep, adherence, note); each user
waits for the bot's reply before the next message (closed loop, all users at once). Every step is
durable (SQLite file, or PostgreSQL with --postgres). Rows:

- engine alone: ``ConversationEngine.handle`` called directly (the baseline, same run);
- aiogram / ptb, polling: updates fetched with getUpdates, replies sent with sendMessage over HTTP;
- aiogram / ptb, webhook: the fixture POSTs updates to our aiohttp server (40 connections, like
  Telegram's default), replies over HTTP.

The fake Bot API runs in its own process (it plays the users and times the run: first update to
last reply), so it does not share our event loop; on a 2-core box it still shares the CPU.

Rate limits are lifted (per-chat pacing would measure the limiter, not the channel); the sender's
pacing is covered by tests/outbound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.engine.ours import _pg_admin, dialog, make_database
from bot.http.server import build_web_app
from bot.inbox.processor import InboxProcessor
from bot.outbound.sender import OutboundSender
from bot.outbound.transport import RateLimits
from bot.telegram.component import TelegramComponent, build_channel, build_driver
from conversations.engine import ConversationEngine
from conversations.messages import IncomingMessage
from domain.db import Database
from domain.models import Base, ChannelIdentity, CheckIn, Client

UNLIMITED = RateLimits(per_chat_interval_s=0.0, global_per_second=1e9)
FIRST_USER = 10_000
SECRET = "bench-secret"
FAKE_TOKEN = "123456:TEST-TOKEN"  # the fixture's default token


async def register(db: Database, users: int) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(
            insert(Client),
            [{"id": i + 1, "display_name": f"User {i}", "timezone": "UTC"} for i in range(users)],
        )
        await conn.execute(
            insert(ChannelIdentity),
            [
                {
                    "platform": "telegram",
                    "external_user_id": str(FIRST_USER + i),
                    "chat_id": str(FIRST_USER + i),
                    "client_id": i + 1,
                }
                for i in range(users)
            ],
        )


async def count_check_ins(db: Database) -> int:
    from sqlalchemy import func, select

    async with db.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(CheckIn)) or 0)


async def engine_alone(db: Database, users: int, check_ins: int) -> tuple[int, float]:
    engine = ConversationEngine(db)
    await engine.start()
    sent = 0

    async def user(i: int) -> None:
        nonlocal sent
        n = 0
        for round_ in range(check_ins):
            for text in dialog(i, round_):
                n += 1
                uid = str(FIRST_USER + i)
                await engine.handle(IncomingMessage("telegram", uid, uid, str(n), text=text))
                sent += 1

    started = time.perf_counter()
    try:
        await asyncio.gather(*(user(i) for i in range(users)))
        seconds = time.perf_counter() - started
    finally:
        await engine.stop()
    return sent, seconds


class RemoteTelegram:
    """The fake Bot API in a subprocess (bench/telegram/fake_telegram.py), so Telegram's side of the
    loopback does not share our event loop."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.telegram.fake_telegram"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.root = self.proc.stdout.readline().strip()
        self.token = FAKE_TOKEN

    async def play(self, users: int, check_ins: int) -> tuple[int, float]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        job = {"users": users, "check_ins": check_ins, "first_user": FIRST_USER}
        self.proc.stdin.write(json.dumps(job) + "\n")
        self.proc.stdin.flush()
        line = await asyncio.get_running_loop().run_in_executor(None, self.proc.stdout.readline)
        result = json.loads(line)
        return int(result["updates"]), float(result["seconds"])

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()  # the fake stops at end of input
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


async def through_driver(
    db: Database, users: int, check_ins: int, driver_name: str, mode: str, tmp: str
) -> tuple[int, float]:
    from aiohttp import web

    fake = RemoteTelegram()
    engine = ConversationEngine(db)
    await engine.start()
    sender = OutboundSender(db)
    inbox = InboxProcessor(db)
    driver = build_driver(driver_name, fake.token, fake.root)
    channel = build_channel(db, driver, engine, sender, Path(tmp) / "files", limits=UNLIMITED)
    runner = None
    if mode == "webhook":
        runner = web.AppRunner(build_web_app(db), access_log=None)
    component = TelegramComponent(
        driver, channel, inbox, webhook_url="pending" if runner else None, webhook_secret=SECRET
    )
    if runner is not None:
        component.install_routes(runner.app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        component.webhook_url = f"http://127.0.0.1:{runner.addresses[0][1]}/telegram/webhook"
    await sender.start()
    await component.start()
    await inbox.start()
    try:
        return await fake.play(users, check_ins)
    finally:
        await component.stop_intake()
        await inbox.stop(10.0)
        await sender.stop()
        await component.stop()
        await engine.stop()
        if runner is not None:
            await runner.cleanup()
        fake.close()


async def measure(variant: str, backend: str, users: int, check_ins: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db, pg_name = await make_database(backend, tmp)
        try:
            await register(db, users)
            # Timed from the first update to the last reply; start-up (imports, getMe) is left out.
            if variant == "engine":
                updates, seconds = await engine_alone(db, users, check_ins)
            else:
                driver_name, mode = variant.split("-")
                updates, seconds = await through_driver(db, users, check_ins, driver_name, mode, tmp)
            stored = await count_check_ins(db)
        finally:
            await db.dispose()
            if pg_name:
                await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
    return {
        "updates": updates,
        "seconds": seconds,
        "rate": updates / seconds,
        "ok": stored == users * check_ins,
    }


VARIANTS = {
    "engine": "engine alone (no Telegram)",
    "aiogram-polling": "aiogram, long polling",
    "aiogram-webhook": "aiogram, webhook",
    "ptb-polling": "python-telegram-bot, long polling",
    "ptb-webhook": "python-telegram-bot, webhook",
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.telegram")
    parser.add_argument("--quick", action="store_true", help="a short run (50 users, 1 check-in)")
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--check-ins", type=int, default=None)
    parser.add_argument("--postgres", action="store_true", help="also on PostgreSQL (127.0.0.1:5432)")
    args = parser.parse_args(argv)
    users = args.users or (50 if args.quick else 300)
    check_ins = args.check_ins or (1 if args.quick else 2)
    backends = ["sqlite", "postgres"] if args.postgres else ["sqlite"]
    print(f"{users} users x {check_ins} check-in(s) x 6 messages, closed loop, every step durable\n")
    print(
        f"| {'backend':8} | {'variant':36} | {'updates':>7} | {'seconds':>7} | {'updates/s':>9} | {'vs engine':>9} | ok |"
    )
    print(f"|{'-' * 10}|{'-' * 38}|{'-' * 9}|{'-' * 9}|{'-' * 11}|{'-' * 11}|----|")
    failed = False
    for backend in backends:
        baseline = None
        for variant, label in VARIANTS.items():
            result = asyncio.run(measure(variant, backend, users, check_ins))
            baseline = baseline or result["rate"]
            failed |= not result["ok"]
            print(
                f"| {backend:8} | {label:36} | {result['updates']:7d} | {result['seconds']:7.2f} "
                f"| {result['rate']:9.0f} | {result['rate'] / baseline:8.2f}x | {'yes' if result['ok'] else 'NO':>2} |",
                flush=True,
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
