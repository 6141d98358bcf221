"""A person talking to the bot, for tests of any channel: a fake client typing straight into a real
conversation engine (:class:`Chat`), a settable clock, and the onboarding answers every channel's fake
person replays with :func:`play`."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from conversations.engine import ConversationEngine
from conversations.messages import Attachment, IncomingMessage, OutgoingMessage
from conversations.registry import extra_commands, extra_flows, unregister
from domain.db import Database
from domain.services import clients

_ids = itertools.count(1)

# What a new client sends (a button label in brackets) in the order onboarding asks, up to the program.
ONBOARDING = [
    "/start",
    "[Accept]",
    "Sam",
    "[Berlin]",
    "3",
    "[Fitness]",
    "time",
    "run 5 km by 2027-03-01",
    "[Daily]",
    "8am",
]
FREE_PROGRAM = "[Starter (free)]"

Replies = TypeVar("Replies", covariant=True)


class Person(Protocol[Replies]):
    """Someone in a chat with the bot, on whichever channel; both return the bot's answers."""

    async def send(self, text: str) -> Replies: ...

    async def press(self, label: str) -> Replies: ...


async def play(person: Person[Replies], script: Sequence[str]) -> Replies:
    """Send each item of ``script`` (``"[Label]"`` presses that button); the answers to the last one."""
    replies: Replies | None = None
    for item in script:
        replies = await (person.press(item[1:-1]) if item.startswith("[") else person.send(item))
    assert replies is not None, "an empty script"
    return replies


async def onboard(person: Person[Any]) -> None:
    """Walk a new client through onboarding with valid answers, onto the free program."""
    await play(person, [*ONBOARDING, FREE_PROGRAM])


class FakeClock:
    """A settable clock, so expiry and streak tests need no sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@asynccontextmanager
async def running_engine(db: Database, **options: Any) -> AsyncIterator[ConversationEngine]:
    """A started engine (``options`` as for :class:`ConversationEngine`), stopped however the test ends."""
    engine = ConversationEngine(db, **options)
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


@contextmanager
def registered(add: Callable[[], None]) -> Iterator[None]:
    """The commands and flows that ``add`` registers (e.g. ``billing.register``), removed afterwards so
    no other test meets them."""
    before = extra_commands().keys() | extra_flows().keys()
    add()
    try:
        yield
    finally:
        for name in (extra_commands().keys() | extra_flows().keys()) - before:
            unregister(name)


async def register(db: Database, user: str, platform: str = "console") -> int:
    """A client who skipped onboarding (no coach, no goal): the id of the new client."""
    async with db.unit_of_work() as session:
        client = await clients.register_client(
            session, platform=platform, external_user_id=user, chat_id=f"chat-{user}", display_name=user
        )
        return client.id


@dataclass
class Chat:
    """One person talking to the engine: ``await chat.send("7")`` returns the bot's replies."""

    engine: ConversationEngine
    user: str
    platform: str = "console"
    last: list[OutgoingMessage] = field(default_factory=list)

    def message(
        self,
        text: str | None = None,
        *,
        payload: str | None = None,
        message_id: str | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> IncomingMessage:
        return IncomingMessage(
            platform=self.platform,
            external_user_id=self.user,
            chat_id=f"chat-{self.user}",
            message_id=message_id or str(next(_ids)),
            text=text,
            button_payload=payload,
            attachments=attachments,
        )

    async def send(self, text: str | None = None, **kwargs: Any) -> list[OutgoingMessage]:
        self.last = await self.engine.handle(self.message(text, **kwargs))
        return self.last

    async def press(self, label: str) -> list[OutgoingMessage]:
        """Press the button labelled ``label`` in the last replies."""
        for reply in reversed(self.last):
            for button in reply.all_buttons:
                if button.label == label:
                    return await self.send(payload=button.payload)
        raise AssertionError(f"no button {label!r} in {[b.label for r in self.last for b in r.all_buttons]}")

    @property
    def text(self) -> str:
        return texts(self.last)


def texts(replies: list[OutgoingMessage]) -> str:
    return "\n".join(r.text for r in replies)
