"""Transcript helpers: a fake client talking to a real engine on the test database."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from conversations.engine import ConversationEngine
from conversations.messages import Attachment, IncomingMessage, OutgoingMessage
from domain.db import Database
from domain.models import Coach, Program
from domain.services import coaches

_ids = itertools.count(1)


class FakeClock:
    """A settable clock, so expiry and streak tests need no sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Chat:
    """One person talking to the bot: ``await chat.send("7")`` returns the bot's replies."""

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

    async def send(self, text: str | None = None, **kwargs: object) -> list[OutgoingMessage]:
        self.last = await self.engine.handle(self.message(text, **kwargs))  # type: ignore[arg-type]
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
        return "\n".join(r.text for r in self.last)


def texts(replies: list[OutgoingMessage]) -> str:
    return "\n".join(r.text for r in replies)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def engine(db: Database, clock: FakeClock) -> AsyncIterator[ConversationEngine]:
    eng = ConversationEngine(db, clock=clock)
    await eng.start()
    try:
        yield eng
    finally:
        await eng.stop()


@pytest.fixture
def chat(engine: ConversationEngine) -> Callable[[str], Chat]:
    return lambda user: Chat(engine, user)


@dataclass
class CoachSetup:
    coach: Coach
    free: Program
    paid: Program


@pytest.fixture
async def coach_setup(db: Database) -> CoachSetup:
    async with db.unit_of_work() as session:
        coach = await coaches.create_coach(
            session, name="Ada Coach", email="ada@example.com", slack_user_id="UADA"
        )
        free = await coaches.create_program(
            session, coach_id=coach.id, name="Starter", price_minor=0, currency="usd"
        )
        paid = await coaches.create_program(
            session, coach_id=coach.id, name="Premium", price_minor=4900, currency="usd"
        )
        await coaches.publish_program(session, free.id)
        await coaches.publish_program(session, paid.id)
    return CoachSetup(coach, free, paid)


async def onboard(chat: Chat, *, name: str = "Sam", program: str = "Starter (free)") -> None:
    """Walk a new client through onboarding with valid answers."""
    await chat.send("/start")
    await chat.press("Accept")
    await chat.send(name)
    await chat.press("Berlin")
    await chat.send("3")
    await chat.press("Fitness")
    await chat.send("time")
    await chat.send("run 5 km by 2027-03-01")
    await chat.press("Daily")
    await chat.send("8am")
    await chat.press(program)
