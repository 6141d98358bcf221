"""Several real ``coach run`` workers draining one outbox on one PostgreSQL database.

The Telegram channel of every worker points at one local Bot API fixture served by this process,
which records when each send arrives and answers 429 to any send over Telegram's limits, as Telegram
does. Messages are queued with the domain outbox service before the workers start; each text names its
chat and its place in that chat's order. Used by tests/outbound/test_workers.py and
``bench.durability``.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import aiohttp

from domain.db import Database
from domain.migrate import upgrade
from domain.services.outbox import client_message, enqueue_message
from tests.support.arrivals import most_in_window
from tests.support.databases import create_postgres_database, drop_postgres_database
from tests.support.telegram_api import FakeTelegram

FIRST_CHAT_ID = 7_000_001
TEXT = re.compile(r"chat (\d+) message (\d+)")
# Workers get this long to start (a busy 2-core machine imports slowly).
READY_TIMEOUT_S = 90.0
# Workers get this long to stop after SIGTERM before the scenario reports them stuck.
STOP_TIMEOUT_S = 40.0
# After the last expected message, the fixture keeps listening this long for duplicates.
SETTLE_S = 1.5


@dataclass
class WorkersOutcome:
    messages: int
    chats: int
    workers: int
    arrivals: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    """Per chat: (arrival time, place in the chat's order) of each accepted send, as they arrived."""
    too_many_requests: int = 0
    exit_codes: list[int | None] = field(default_factory=list)
    drain_s: float = 0.0
    fixture_lag_s: float = 0.0
    """The fixture's own largest event-loop lateness: arrival times may be bunched by this much."""
    worker_errors: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return sum(len(sends) for sends in self.arrivals.values())

    @property
    def unique(self) -> int:
        return sum(len({place for _, place in sends}) for sends in self.arrivals.values())

    @property
    def lost(self) -> int:
        return self.messages - self.unique

    @property
    def duplicated(self) -> int:
        return self.delivered - self.unique

    @property
    def out_of_order_chats(self) -> list[str]:
        return [
            chat
            for chat, sends in self.arrivals.items()
            if [place for _, place in sends] != sorted(place for _, place in sends)
        ]

    @property
    def max_in_1s(self) -> int:
        """The most arrivals, all chats together, in any one second."""
        return self.max_in(1.0)

    @property
    def max_chat_in_1s(self) -> int:
        """The most arrivals to one chat in any one second."""
        return self.max_chat_in(1.0)

    def max_in(self, window_s: float) -> int:
        return most_in_window([at for sends in self.arrivals.values() for at, _ in sends], window_s)

    def max_chat_in(self, window_s: float) -> int:
        return max(
            (most_in_window([at for at, _ in sends], window_s) for sends in self.arrivals.values()),
            default=0,
        )

    @property
    def rate(self) -> float:
        """Messages per second from the first arrival to the last."""
        times = sorted(at for sends in self.arrivals.values() for at, _ in sends)
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def queue_messages(db: Database, *, messages: int, chats: int) -> None:
    """``messages`` texts round-robin over ``chats`` chats, through the domain outbox service."""
    async with db.unit_of_work() as session:
        for n in range(messages):
            chat = FIRST_CHAT_ID + n % chats
            text = f"chat {chat} message {n // chats}"
            await enqueue_message(
                session, platform="telegram", chat_id=str(chat), payload=client_message(text)
            )


def worker_env(
    database_url: str, redis_url: str | None, telegram: FakeTelegram, namespace: str
) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COACH_", "TELEGRAM_", "SLACK_", "STRIPE_", "OPENAI_"))
    }
    env.update(
        COACH_DATABASE_URL=database_url,
        COACH_HTTP_PORT=str(free_port()),
        TELEGRAM_BOT_TOKEN=telegram.token,
        COACH_TELEGRAM_API_URL=telegram.root,
        COACH_REDIS_NAMESPACE=namespace,
        COACH_LOG_LEVEL="WARNING",
    )
    # Queued payloads are encrypted with the test's key: a worker without it could not read one.
    if keys := os.environ.get("COACH_ENCRYPTION_KEYS"):
        env["COACH_ENCRYPTION_KEYS"] = keys
    if redis_url:
        env["COACH_REDIS_URL"] = redis_url
    else:
        env["COACH_RATE_LIMITER"] = "postgres"
    return env


async def run_workers(
    pg_server_url: str,
    redis_url: str | None,
    *,
    workers: int = 4,
    messages: int = 2000,
    chats: int = 50,
    logs: Path | None = None,
) -> WorkersOutcome:
    """Queue ``messages`` to ``chats`` chats, let ``workers`` processes drain them, stop them with
    SIGTERM and report what the Bot API fixture received."""
    outcome = WorkersOutcome(messages=messages, chats=chats, workers=workers)
    telegram = FakeTelegram(enforce_limits=True)
    await telegram.start()
    database_url = await create_postgres_database(pg_server_url, prefix="coach_workers")
    processes: list[asyncio.subprocess.Process] = []
    with tempfile.TemporaryDirectory() as tmp:
        log_dir = logs or Path(tmp)
        try:
            db = Database(database_url)
            try:
                await upgrade(db)
                namespace = f"coach-workers-{uuid.uuid4().hex[:8]}"
                env = worker_env(database_url, redis_url, telegram, namespace)
                ports = [free_port() for _ in range(workers)]
                for n, port in enumerate(ports):
                    env = {**env, "COACH_HTTP_PORT": str(port)}
                    processes.append(await _start_worker(env, log_dir / f"worker-{n}.log"))
                # Every worker is up before the messages are queued: all four drain them together.
                await _wait_until_ready(ports, processes)
                started = time.monotonic()
                await queue_messages(db, messages=messages, chats=chats)
                # Queueing ran in this event loop; only the fixture's lateness from now on matters.
                telegram.max_loop_lag = 0.0
            finally:
                await db.dispose()
            deadline = started + 30 + messages / (20 if redis_url else 5)
            while _unique_texts(telegram) < messages and time.monotonic() < deadline:
                if all(p.returncode is not None for p in processes):
                    break  # every worker died: nothing more will come
                await asyncio.sleep(0.2)
            outcome.drain_s = time.monotonic() - started
            await asyncio.sleep(SETTLE_S)
        finally:
            for process in processes:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                outcome.exit_codes.append(await _wait(process))
            await telegram.stop()
            await drop_postgres_database(pg_server_url, database_url)
        for n in range(len(processes)):
            text = (log_dir / f"worker-{n}.log").read_text(errors="replace")
            if "Traceback" in text:
                outcome.worker_errors.append(f"worker {n}: {text[-2000:]}")
    _collect(outcome, telegram)
    return outcome


async def _wait_until_ready(ports: list[int], processes: list[asyncio.subprocess.Process]) -> None:
    """Until each worker's /healthz answers 200 (a worker that exits instead ends the wait)."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    async with aiohttp.ClientSession() as http:
        for port, process in zip(ports, processes, strict=True):
            while process.returncode is None and time.monotonic() < deadline:
                try:
                    async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(0.2)


async def _start_worker(env: dict[str, str], log_path: Path) -> asyncio.subprocess.Process:
    with _log_file(log_path) as log:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from bot.cli.main import run_cli; run_cli()",
            "run",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _log_file(path: Path) -> BinaryIO:
    return path.open("wb")


async def _wait(process: asyncio.subprocess.Process) -> int | None:
    """The exit code, or None when the worker had to be killed."""
    try:
        return await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        return None


def _unique_texts(telegram: FakeTelegram) -> int:
    return len({call.params.get("text") for call in telegram.sent(method="sendMessage")})


def _collect(outcome: WorkersOutcome, telegram: FakeTelegram) -> None:
    arrivals: defaultdict[str, list[tuple[float, int]]] = defaultdict(list)
    for call in sorted(telegram.sent(method="sendMessage"), key=lambda c: c.at):
        found = TEXT.fullmatch(str(call.params.get("text", "")))
        if found and found.group(1) == call.chat_id:
            arrivals[found.group(1)].append((call.at, int(found.group(2))))
    outcome.arrivals = dict(arrivals)
    outcome.too_many_requests = Counter(c.status for c in telegram.calls)[429]
    outcome.fixture_lag_s = telegram.max_loop_lag
