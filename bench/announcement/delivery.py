"""One announcement to N Telegram clients through the real path: the scheduler's announcements job
expands it into the outbox, the outbound sender delivers it (aiogram over HTTP, Telegram's limits)
to a Bot API fixture that enforces the global rate with 429 + ``retry_after``, and the job then
writes the delivery report. Shared by ``python -m bench.announcement`` and its test."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select

from bot.outbound.sender import OutboundSender
from bot.outbound.transport import RateLimits
from bot.telegram.aiogram_driver import AiogramBotApi, build_bot
from bot.telegram.callback_data import CallbackCodec
from bot.telegram.limits import GROUP_PER_MINUTE, PER_CHAT_INTERVAL_S
from bot.telegram.transport import TelegramTransport
from domain.clock import utcnow
from domain.db import Database
from domain.models import Announcement, ChannelIdentity, Client, Coach, OutboundMessage
from domain.models.enums import DeliveryStatus
from domain.services import announcements as ann
from integrations.scheduler import ReminderScheduler

SEED_CHUNK = 1000
FIRST_CHAT = 100_000
TEXT = "The studio is closed on Friday for maintenance. Saturday's sessions run as usual."


@dataclass(frozen=True, slots=True)
class Calls:
    """What the Bot API fixture saw: accepted sendMessage calls (chat, arrival) and 429s answered."""

    accepted: Sequence[tuple[str, float]]
    rejected: int

    @property
    def duplicates(self) -> int:
        per_chat = Counter(chat for chat, _ in self.accepted)
        return sum(n - 1 for n in per_chat.values() if n > 1)

    @property
    def chats(self) -> int:
        return len({chat for chat, _ in self.accepted})

    @property
    def achieved(self) -> float:
        """Messages per second from the first accepted send to the last."""
        times = sorted(at for _, at in self.accepted)
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": [list(a) for a in self.accepted], "rejected": self.rejected}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calls:
        return cls([(str(chat), float(at)) for chat, at in data["accepted"]], int(data["rejected"]))


def calls_of(fixture: Any) -> Calls:
    """From a ``tests.support.telegram_api.FakeTelegram``'s record."""
    sends = [c for c in fixture.calls if c.method == "sendMessage"]
    return Calls(
        [(str(c.chat_id), c.at) for c in sends if c.status == 200],
        sum(1 for c in sends if c.status == 429),
    )


async def seed(db: Database, clients: int) -> int:
    """A coach with ``clients`` clients, each with a private Telegram chat; returns the coach's id."""
    async with db.unit_of_work() as session:
        coach = Coach(name="Bench Coach", email="bench@example.com", invite_code="BENCH")
        session.add(coach)
        await session.flush()
        for start in range(0, clients, SEED_CHUNK):
            ids = range(start + 1, min(clients, start + SEED_CHUNK) + 1)
            await session.execute(
                insert(Client), [{"id": i, "display_name": f"Client {i}", "coach_id": coach.id} for i in ids]
            )
            await session.execute(
                insert(ChannelIdentity),
                [
                    {
                        "platform": "telegram",
                        "external_user_id": str(i),
                        "chat_id": str(FIRST_CHAT + i),
                        "client_id": i,
                    }
                    for i in ids
                ],
            )
        return coach.id


async def _unfinished(db: Database) -> int:
    async with db.sessions() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.status.in_([DeliveryStatus.QUEUED, DeliveryStatus.SENDING]))
            )
            or 0
        )


async def _wait_until_delivered(db: Database, give_up: float) -> None:
    """Polls the outbox (the sender's own signal of work is the table)."""
    while time.monotonic() < give_up:
        if not await _unfinished(db):
            return
        await asyncio.sleep(0.5)


@dataclass(frozen=True, slots=True)
class Delivered:
    queued: int
    expand_s: float
    send_s: float
    report: ann.DeliveryReport | None
    status: str


async def deliver_announcement(
    db: Database, *, clients: int, rate: float, root: str, token: str, deadline_s: float
) -> Delivered:
    """Seed, announce to everyone, and run the scheduler's job and the sender until it is reported."""
    coach_id = await seed(db, clients)
    async with db.unit_of_work() as session:
        made = await ann.create_announcement(
            session, coach_id=coach_id, text=TEXT, now=utcnow(), actor="bench"
        )
        announcement_id = made.id
    scheduler = ReminderScheduler(db)
    bot = build_bot(token, root)
    sender = OutboundSender(db, poll_interval=0.2)
    limits = RateLimits(PER_CHAT_INTERVAL_S, rate, GROUP_PER_MINUTE)
    sender.register(TelegramTransport(AiogramBotApi(bot), CallbackCodec(), limits=limits))
    scheduler.sender = sender
    try:
        started = time.perf_counter()
        queued = await scheduler.announcements()  # the job `coach run` runs every few seconds
        expand_s = time.perf_counter() - started
        started = time.perf_counter()
        await sender.start()
        await _wait_until_delivered(db, time.monotonic() + deadline_s)
        send_s = time.perf_counter() - started
        await sender.stop()
        await scheduler.announcements()  # writes the report once nothing is in flight
    finally:
        await bot.session.close()
    async with db.unit_of_work() as session:
        found = await session.get(Announcement, announcement_id)
        assert found is not None
        view = await ann.announcement_view(session, found)
    return Delivered(queued, expand_s, send_s, view.report, view.status)
