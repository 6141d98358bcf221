"""A real ``coach run`` process against the local Bot API fixture, scripted clients who type faster
than the bot may answer, and what a run leaves behind (per-chat transcripts and stored data), so a
run that was killed can be compared with a clean one."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from domain.db import Database
from domain.migrate import upgrade
from domain.models import CheckIn, Client, Goal, InboxUpdate, OutboundMessage
from domain.models.enums import DeliveryStatus, InboxStatus
from domain.services import coaches
from tests.support.tcp_proxy import CuttableProxy
from tests.support.telegram_api import FakeTelegram

# Onboarding onto the free program, then a check-in; every answer typed, none waits for the bot.
SCRIPT = (
    "/start",
    "yes",
    "{name}",
    "Berlin",
    "3",
    "Fitness",
    "time",
    "run 5 km by 2027-03-01",
    "Daily",
    "8am",
    "Starter",
    "/checkin",
    "7",
    "six",
    "7h30",
    "yes",
    "40",
    "felt strong, {name}",
)
# Seconds between one client's messages: faster than Telegram's one message per second per chat.
TYPING_INTERVAL_S = 0.4
FIRST_CHAT_ID = 880_001


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def prepare_database(url: str) -> None:
    """Migrated, with one coach and a free published program."""
    db = Database(url)
    try:
        await upgrade(db)
        async with db.unit_of_work() as session:
            coach = await coaches.create_coach(session, name="Ada Coach", email="ada@example.com")
            program = await coaches.create_program(
                session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
            )
            await coaches.publish_program(session, program.id)
    finally:
        await db.dispose()


@dataclass
class Worker:
    """One ``coach run`` subprocess; started again after each kill with the same settings."""

    env: dict[str, str]
    log_dir: Path
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0
    exit_codes: list[int] = field(default_factory=list)

    def start(self) -> None:
        self.starts += 1
        log = (self.log_dir / f"coach-run-{self.starts}.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from bot.cli.main import run_cli; run_cli()", "run"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.exit_codes.append(self.proc.wait(timeout=30))

    async def wait_until_serving(self, within: float = 60.0) -> None:
        """Until ``GET /healthz`` answers (the service has loaded and handles signals itself); a
        process that exits instead ends the wait with its log."""
        url = f"http://127.0.0.1:{self.env['COACH_HTTP_PORT']}/healthz"
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as http:
            while time.monotonic() < deadline:
                if self.proc is not None and self.proc.poll() is not None:
                    raise AssertionError(f"coach run exited ({self.proc.returncode}):\n{self.logs()[-4000:]}")
                try:
                    async with http.get(url, timeout=aiohttp.ClientTimeout(total=2)) as response:
                        if response.status in (200, 503):
                            return
                except (aiohttp.ClientError, OSError, TimeoutError):
                    pass
                await asyncio.sleep(0.1)
        raise AssertionError("coach run did not start serving in time")

    async def health(self) -> int:
        """The status ``GET /healthz`` answers (0: no answer)."""
        url = f"http://127.0.0.1:{self.env['COACH_HTTP_PORT']}/healthz"
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response,
            ):
                return response.status
        except (aiohttp.ClientError, OSError, TimeoutError):
            return 0

    async def terminate(self) -> float:
        """SIGTERM, then wait for the exit; returns how long stopping took."""
        assert self.proc is not None
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        while self.proc.poll() is None:
            if time.monotonic() - began > 60:
                raise AssertionError("coach run did not stop within 60 s of SIGTERM")
            await asyncio.sleep(0.05)
        self.exit_codes.append(self.proc.returncode)
        return time.monotonic() - began

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in sorted(self.log_dir.glob("coach-run-*.log")))


def worker_env(url: str, fake: FakeTelegram, tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COACH_", "TELEGRAM_", "SLACK_", "STRIPE_", "OPENAI_"))
    }
    env.update(
        {
            "COACH_DATABASE_URL": url,
            "COACH_HTTP_PORT": str(free_port()),
            "COACH_STORAGE_DIR": str(tmp / "files"),
            "COACH_LOG_LEVEL": "WARNING",
            "TELEGRAM_BOT_TOKEN": fake.token,
            "COACH_TELEGRAM_API_URL": fake.root,
            "COACH_STOP_GRACE_SECONDS": "10",
            **extra,
        }
    )
    return env


async def type_scripts(fake: FakeTelegram, clients: int, script: Sequence[str] = SCRIPT) -> None:
    """Every client types its whole script, one message every TYPING_INTERVAL_S, side by side."""

    async def one(chat_id: int, name: str) -> None:
        for line in script:
            await fake.send_text(chat_id, line.format(name=name), name=name)
            await asyncio.sleep(TYPING_INTERVAL_S)

    await asyncio.gather(*(one(FIRST_CHAT_ID + i, f"Client{i}") for i in range(clients)))


async def settled(url: str, fake: FakeTelegram, within: float) -> None:
    """Every update handled and every reply sent (nothing pending in the inbox or the outbox)."""
    db = Database(url)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            try:
                async with db.unit_of_work() as session:
                    stored = await session.scalar(select(func.count()).select_from(InboxUpdate))
                    pending = await session.scalar(
                        select(func.count())
                        .select_from(InboxUpdate)
                        .where(InboxUpdate.status == InboxStatus.PENDING)
                    )
                    unsent = await session.scalar(
                        select(func.count())
                        .select_from(OutboundMessage)
                        .where(OutboundMessage.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]))
                    )
            except Exception:
                stored, pending, unsent = 0, 1, 1  # the database is cut off in outage tests
            if stored == len(fake.updates) and pending == 0 and unsent == 0:
                return
            await asyncio.sleep(0.2)
    finally:
        await db.dispose()
    raise AssertionError(
        f"not settled within {within:.0f}s: {stored} stored, {pending} pending, {unsent} unsent"
    )


async def sends_recorded(url: str, fake: FakeTelegram, within: float = 90.0) -> None:
    """With the Bot API frozen: until every message the worker is sending is one the fixture holds,
    i.e. every send Telegram answered has been noted in the outbox. (Rows a worker killed earlier was
    sending count too until their lease runs out and they are sent again, so this may take a while on
    a loaded machine; it only waits, it never passes early.)"""
    db = Database(url)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            async with db.unit_of_work() as session:
                sending = await session.scalar(
                    select(func.count())
                    .select_from(OutboundMessage)
                    .where(OutboundMessage.status == DeliveryStatus.SENDING)
                )
            if (sending or 0) <= fake.held:
                return
            await asyncio.sleep(0.05)
    finally:
        await db.dispose()
    raise AssertionError("the worker did not note its answered sends in time")


async def inbox_drained(url: str, fake: FakeTelegram, within: float) -> None:
    """Every update the fixture holds is stored and handled (replies may still be on their way)."""
    db = Database(url)
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            async with db.unit_of_work() as session:
                handled = await session.scalar(
                    select(func.count())
                    .select_from(InboxUpdate)
                    .where(InboxUpdate.status == InboxStatus.HANDLED)
                )
            if handled == len(fake.updates):
                return
            await asyncio.sleep(0.1)
    finally:
        await db.dispose()
    raise AssertionError("the inbox was not drained in time")


def transcripts(fake: FakeTelegram, clients: int) -> dict[int, list[str]]:
    """What each chat received, in order."""
    return {
        i: [str(call.params.get("text", "")) for call in fake.sent(FIRST_CHAT_ID + i)] for i in range(clients)
    }


async def stored_data(url: str) -> dict[str, Any]:
    """What the run saved about the clients, keyed by name so ids do not matter."""
    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            clients = (await session.scalars(select(Client).order_by(Client.display_name))).all()
            by_id = {c.id: c.display_name for c in clients}
            check_ins = (await session.scalars(select(CheckIn))).all()
            goals = (await session.scalars(select(Goal))).all()
    finally:
        await db.dispose()
    return {
        "clients": [(c.display_name, c.timezone, c.coach_id) for c in clients],
        "check_ins": sorted(
            (by_id.get(c.client_id), c.mood, c.energy, c.sleep_hours, c.adherence, c.goal_progress, c.note)
            for c in check_ins
        ),
        "goals": sorted((by_id.get(g.client_id), g.text, g.status) for g in goals),
    }


@dataclass(frozen=True)
class Outage:
    """The worker's database connection is cut ``at`` seconds into the run, for ``seconds``."""

    at: float
    seconds: float


@dataclass
class Outcome:
    transcripts: dict[int, list[str]]
    stored: dict[str, Any]
    worker: Worker
    stop_seconds: list[float] = field(default_factory=list)
    # (chat, monotonic time) of every message the Bot API accepted.
    arrivals: list[tuple[str, float]] = field(default_factory=list)
    health_during_outage: set[int] = field(default_factory=set)
    health_after_outage: int | None = None
    recovery_seconds: float | None = None


async def run(
    tmp: Path,
    url: str,
    *,
    mode: str = "polling",
    clients: int = 6,
    crashes: tuple[tuple[float, str], ...] = (),
    outage: Outage | None = None,
    stop_grace_s: int = 10,
) -> Outcome:
    """One scenario against a fresh fixture: clients type their scripts while the worker is killed
    (``"kill"``: -9), stopped (``"term"``: SIGTERM) and restarted at the given seconds, or cut off
    from its database; returns what the clients received and what was stored once all is settled."""
    fake = FakeTelegram(redeliver_failed_webhooks=True)
    await fake.start()
    extra = {"COACH_STOP_GRACE_SECONDS": str(stop_grace_s)}
    if mode == "webhook":
        port = free_port()
        extra |= {
            "COACH_HTTP_PORT": str(port),
            "COACH_TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
            "COACH_TELEGRAM_WEBHOOK_SECRET": "scenario-webhook-secret",
        }
    proxy: CuttableProxy | None = None
    worker_url = url
    if outage is not None:
        target = make_url(url)
        proxy = CuttableProxy(target.host or "127.0.0.1", target.port or 5432)
        worker_url = target.set(port=await proxy.start()).render_as_string(hide_password=False)
    logs = tmp / f"logs-{mode}-{uuid.uuid4().hex[:6]}"
    logs.mkdir()
    worker = Worker(worker_env(worker_url, fake, tmp, **extra), logs)
    outcome = Outcome({}, {}, worker)
    try:
        worker.start()
        if mode == "webhook":
            await fake.wait_for(lambda: fake.webhook_url is not None, within=60)
        else:
            await fake.wait_for(lambda: bool(fake.calls_to("getUpdates")), within=60)
        loop = asyncio.get_running_loop()
        began = loop.time()
        typing = asyncio.create_task(type_scripts(fake, clients))
        for at, how in crashes:
            await asyncio.sleep(max(0.0, began + at - loop.time()))
            if how == "kill":
                fake.freeze_sends()
                await sends_recorded(url, fake)
                worker.kill()
                fake.thaw(discard=True)
            else:
                # A SIGTERM before Python has even loaded the service ends it by default; nothing was
                # acknowledged by then. From the service's first moment on, SIGTERM is handled.
                await worker.wait_until_serving()
                outcome.stop_seconds.append(await worker.terminate())
            worker.start()
        if outage is not None and proxy is not None:
            await asyncio.sleep(max(0.0, began + outage.at - loop.time()))
            await proxy.cut()
            cut_until = loop.time() + outage.seconds
            while loop.time() < cut_until:
                outcome.health_during_outage.add(await worker.health())
                await asyncio.sleep(1.0)
            await proxy.restore()
            restored = loop.time()
            await inbox_drained(url, fake, within=120)
            outcome.recovery_seconds = loop.time() - restored
            outcome.health_after_outage = await worker.health()
        await typing
        await settled(url, fake, within=300)
        outcome.stop_seconds.append(await worker.terminate())
        outcome.transcripts = transcripts(fake, clients)
        outcome.arrivals = [(str(call.chat_id), call.at) for call in fake.sent()]
        outcome.stored = await stored_data(url)
        return outcome
    except BaseException:
        if worker.proc is not None and worker.proc.poll() is None:
            worker.kill()
        print(worker.logs()[-5000:])
        raise
    finally:
        await fake.stop()
        if proxy is not None:
            await proxy.stop()
