"""People to remind: a coach and clients with chat identities, created in a committed transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.db import Database
from domain.models import ChannelIdentity, CheckIn, Client, Coach, OutboundMessage, Reminder
from domain.reminders import DispatchPolicy, Outcome, ReminderDispatcher, plan_reminders


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Clock:
    """The injected clock: tests move time by hand."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


class People:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._n = 0

    async def coach(self, **fields: Any) -> Coach:
        self._n += 1
        values: dict[str, Any] = {
            "name": f"Coach {self._n}",
            "email": f"coach{self._n}@example.com",
            "invite_code": f"INV{self._n}",
            "slack_user_id": f"U{self._n}",
        }
        values.update(fields)
        async with self.db.unit_of_work() as session:
            coach = Coach(**values)
            session.add(coach)
            await session.flush()
        return coach

    async def client(
        self, coach: Coach | None = None, *, platform: str = "telegram", **fields: Any
    ) -> Client:
        self._n += 1
        values: dict[str, Any] = {
            "display_name": f"Client {self._n}",
            "coach_id": coach.id if coach else None,
        }
        values.update(fields)
        async with self.db.unit_of_work() as session:
            client = Client(**values)
            session.add(client)
            await session.flush()
            session.add(
                ChannelIdentity(
                    platform=platform,
                    external_user_id=f"u{self._n}",
                    chat_id=f"c{self._n}",
                    client_id=client.id,
                )
            )
        return client

    async def check_in(self, client: Client, at: datetime) -> None:
        async with self.db.unit_of_work() as session:
            session.add(
                CheckIn(
                    client_id=client.id,
                    mood=7,
                    energy=7,
                    sleep_hours=7.5,
                    adherence="yes",
                    source_channel="telegram",
                    created_at=at,
                )
            )


@pytest.fixture
def people(db: Database) -> People:
    return People(db)


async def plan(db: Database, now: datetime) -> int:
    async with db.unit_of_work() as session:
        return await plan_reminders(session, now=now)


async def dispatch(db: Database, now: datetime, policy: DispatchPolicy | None = None) -> list[Outcome]:
    async with db.unit_of_work() as session:
        return await ReminderDispatcher(policy).dispatch_due(session, now=now)


async def rows(db: Database, model: type[Any], **where: Any) -> list[Any]:
    from sqlalchemy import select

    async with db.unit_of_work() as session:
        query = select(model).filter_by(**where).order_by(model.id)
        return list((await session.scalars(query)).all())


async def reminders(db: Database, **where: Any) -> list[Reminder]:
    return await rows(db, Reminder, **where)


async def outbox(db: Database, **where: Any) -> list[OutboundMessage]:
    return await rows(db, OutboundMessage, **where)


def by_kind(items: list[Reminder], kind: str) -> list[Reminder]:
    return [r for r in items if r.kind == kind]


ClockFactory = Callable[[datetime], Clock]
