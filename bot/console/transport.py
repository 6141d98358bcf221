"""The console as a delivery platform: proactive messages (reminders, the coach's replies) reach a
console client.

A console chat is open only while someone types in it. :class:`ConsoleTransport` prints a message at
once into a chat that is open in this process (``coach run``'s own console); for any other console
chat the message stays queued, and the client sees it when they next open ``coach chat`` (see
:class:`HeldMessages`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

from bot.outbound.transport import DeliveryError, RateLimits, Transport
from conversations.messages import OutgoingMessage
from domain.clock import Clock, utcnow
from domain.db import Database
from domain.models.enums import Platform
from domain.services.held_messages import take_held_messages

# A terminal has no rate limit worth the name; these only keep a burst readable.
CONSOLE_LIMITS = RateLimits(per_chat_interval_s=0.05, global_per_second=100.0)
# A console chat that is not open here: look again this much later (opening `coach chat` takes the
# message at once anyway, so this only bounds the sender's retries).
CLOSED_CHAT_RETRY_S = 300.0

Show = Callable[[list[OutgoingMessage]], None]


class ConsoleTransport(Transport):
    platform = Platform.CONSOLE.value
    limits = CONSOLE_LIMITS

    def __init__(self) -> None:
        self._open: dict[str, Show] = {}
        self._ids = itertools.count(1)

    def open(self, chat_id: str, show: Show) -> None:
        """Print what is sent to ``chat_id`` with ``show`` from now on."""
        self._open[chat_id] = show

    def close(self, chat_id: str) -> None:
        self._open.pop(chat_id, None)

    async def deliver(self, chat_id: str, message: OutgoingMessage) -> str | None:
        show = self._open.get(chat_id)
        if show is None:
            raise DeliveryError("console chat not open here", retry_after=CLOSED_CHAT_RETRY_S)
        show([message])
        return f"console-{next(self._ids)}"


class HeldMessages:
    """What was queued for one console chat while it was closed, taken (and marked sent) on opening."""

    def __init__(self, db: Database, chat_id: str, *, clock: Clock = utcnow) -> None:
        self.db = db
        self.chat_id = chat_id
        self.clock = clock

    async def take(self) -> list[OutgoingMessage]:
        async with self.db.unit_of_work() as session:
            payloads = await take_held_messages(
                session, platform=Platform.CONSOLE.value, chat_id=self.chat_id, now=self.clock()
            )
        return [OutgoingMessage.from_dict(p) for p in payloads]
