"""bench/announcement: one announcement to 5,000 Telegram clients at Telegram's 30 msg/s.

    .venv/bin/python -m bench.announcement              # 5,000 clients at 30 msg/s (~3 minutes)
    .venv/bin/python -m bench.announcement --quick      # 300 clients at 30 msg/s
    .venv/bin/python -m bench.announcement --clients N --rate R

The announcement goes the way it goes in ``coach run``: the scheduler's announcements job expands it
into the outbox (chunks of 500 clients, one transaction each), the outbound sender delivers it through
the Telegram transport (aiogram over HTTP, ``TELEGRAM_LIMITS`` with the global rate set to ``--rate``)
to a local Bot API fixture in its own process, which answers 429 with ``retry_after`` to any send over
``--rate`` in a second or over 1 per second in one chat, like Telegram. The job then writes the
delivery report. Reported: the achieved rate as a share of the limit (target ≥ 0.95), 429s (target
0), duplicates (must be 0), and the report's counts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.announcement.delivery import Calls, Delivered, deliver_announcement
from bot.telegram.limits import GLOBAL_PER_SECOND
from domain.db import Database
from domain.migrate import upgrade

FAKE_TOKEN = "123456:TEST-TOKEN"  # the fixture's default token
TARGET_SHARE = 0.95


class RemoteTelegram:
    def __init__(self, rate: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.announcement.fixture", str(rate)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.root = self.proc.stdout.readline().strip()

    def calls(self) -> Calls:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("calls\n")
        self.proc.stdin.flush()
        return Calls.from_dict(json.loads(self.proc.stdout.readline()))

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


async def measure(clients: int, rate: float, url: str) -> tuple[Delivered, Calls]:
    db = Database(url)
    await upgrade(db)
    fixture = RemoteTelegram(rate)
    try:
        delivered = await deliver_announcement(
            db,
            clients=clients,
            rate=rate,
            root=fixture.root,
            token=FAKE_TOKEN,
            deadline_s=clients / rate * 3 + 60,
        )
        return delivered, fixture.calls()
    finally:
        fixture.close()
        await db.dispose()


def table(clients: int, rate: float, delivered: Delivered, calls: Calls) -> list[tuple[str, str, str]]:
    report = delivered.report
    share = calls.achieved / rate
    return [
        (
            "setup",
            f"{clients:,} clients",
            "SQLite file, one `coach run`-like process: scheduler job + OutboundSender (aiogram); "
            f"Bot API fixture in its own process refusing > {rate:g} msg/s or > 1/s per chat with 429 + retry_after",
        ),
        ("expanded into the outbox", f"{delivered.queued:,}", f"{delivered.expand_s:.1f} s (chunks of 500)"),
        ("delivered (accepted by the fixture)", f"{len(calls.accepted):,}", f"{delivered.send_s:.1f} s"),
        (
            "achieved rate",
            f"{calls.achieved:.1f} msg/s",
            f"{share:.3f} of {rate:g} msg/s (target ≥ {TARGET_SHARE})",
        ),
        ("429s received", str(calls.rejected), "target 0"),
        ("duplicates", str(calls.duplicates), "must be 0"),
        ("clients not reached", str(clients - calls.chats), "must be 0"),
        (
            "delivery report",
            delivered.status,
            report.line() if report else "none",
        ),
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.announcement", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--rate", type=float, default=GLOBAL_PER_SECOND, help="global msg/s (Telegram: 30)")
    parser.add_argument("--quick", action="store_true", help="300 clients")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args(argv)
    clients = 300 if args.quick else args.clients
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        delivered, calls = asyncio.run(measure(clients, args.rate, url))
    rows = table(clients, args.rate, delivered, calls)
    print(f"{clients:,}-client announcement at {args.rate:g} msg/s ({os.cpu_count()} CPUs)\n")
    print("| measure | value | note |")
    print("|---|---|---|")
    for name, value, note in rows:
        print(f"| {name} | {value} | {note} |")
    ok = calls.duplicates == 0 and calls.chats == clients
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
