"""The sending budget in PostgreSQL: several workers without Redis share one slot schedule.

Every statement reads PostgreSQL's clock (``clock_timestamp()``), so workers on different hosts agree
on time; each function answers in seconds from that clock's now, which callers turn into their own
monotonic time. Each runs in the caller's transaction and locks one row for one statement.

- A platform's *global* row holds its next free slot. :func:`claim_global_slot` hands out the next
  slot on a fixed grid and moves the row one interval on (``UPDATE ... RETURNING``), never into the
  past: an idle platform banks no credit, so the budget never bursts.
- A chat's row holds when its next message may go and its 429 pause. :func:`take_chat_slot` takes it
  only when both have passed, in one statement, so two workers never send to one chat in one interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Interval, cast, delete, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.clock import ensure_utc
from domain.models import SendSlot
from domain.models.base import UTCDateTime

# Chat rows whose slot and pause ended this long ago are deleted by forget_idle_slots.
IDLE_ROW_AGE = timedelta(hours=1)


def global_scope(platform: str) -> str:
    return f"global:{platform}"


def chat_scope(platform: str, chat_id: str) -> str:
    return f"chat:{platform}:{chat_id}"


def _span(seconds: float) -> ColumnElement[Any]:
    return literal(timedelta(seconds=seconds), Interval())


def _now() -> ColumnElement[Any]:
    return func.clock_timestamp()


def _seconds_from_now(at: Any) -> ColumnElement[float]:
    return cast(func.extract("epoch", at - _now()), Float)


@dataclass(frozen=True, slots=True)
class GlobalSlot:
    at: datetime
    """The slot on the database's clock (pass it to :func:`take_chat_slot`)."""
    database_now: datetime
    """The database's clock when it handed the slot out (callers map its clock onto theirs)."""

    @property
    def in_s(self) -> float:
        """Seconds from the database's now until the slot."""
        return (self.at - self.database_now).total_seconds()


async def claim_global_slot(
    session: AsyncSession, platform: str, interval_s: float, *, ahead_s: float = 0.0
) -> GlobalSlot:
    """Take the platform's next global slot, at least ``ahead_s`` from now."""
    interval = _span(interval_s)
    earliest = _now() + _span(ahead_s)
    slot = func.greatest(SendSlot.next_at, earliest)
    statement = (
        insert(SendSlot)
        .values(scope=global_scope(platform), next_at=earliest + interval)
        .on_conflict_do_update(index_elements=[SendSlot.scope], set_={"next_at": slot + interval})
        .returning(SendSlot.next_at, cast(_now(), UTCDateTime()))
    )
    next_at, database_now = (await session.execute(statement)).one()
    return GlobalSlot(at=ensure_utc(next_at) - timedelta(seconds=interval_s), database_now=database_now)


async def take_chat_slot(
    session: AsyncSession, platform: str, chat_id: str, interval_s: float, *, at: datetime | None = None
) -> float:
    """Take the chat's slot for a message sent at ``at`` (default: now), so its next one may go
    ``interval_s`` later, and return 0; or return the seconds from now until the chat is free, taking
    nothing."""
    scope = chat_scope(platform, chat_id)
    send_at = _now() if at is None else literal(at, UTCDateTime())
    next_at = send_at + _span(interval_s)
    free = (SendSlot.next_at <= send_at) & (
        SendSlot.paused_until.is_(None) | (SendSlot.paused_until <= send_at)
    )
    statement = (
        insert(SendSlot)
        .values(scope=scope, next_at=next_at)
        .on_conflict_do_update(index_elements=[SendSlot.scope], set_={"next_at": next_at}, where=free)
        .returning(SendSlot.scope)
    )
    if (await session.execute(statement)).first() is not None:
        return 0.0
    return await chat_wait(session, platform, chat_id)


async def chat_wait(session: AsyncSession, platform: str, chat_id: str) -> float:
    """Seconds until the chat may send (0 when it may now)."""
    free_at = func.greatest(SendSlot.next_at, func.coalesce(SendSlot.paused_until, SendSlot.next_at))
    wait = await session.scalar(
        select(_seconds_from_now(free_at)).where(SendSlot.scope == chat_scope(platform, chat_id))
    )
    return max(0.0, float(wait or 0.0))


async def pause_chat(session: AsyncSession, platform: str, chat_id: str, seconds: float) -> None:
    """Hold the chat back for ``seconds`` (a 429's ``retry_after``); a longer pause already set stays."""
    until = _now() + _span(seconds)
    statement = (
        insert(SendSlot)
        .values(scope=chat_scope(platform, chat_id), next_at=_now(), paused_until=until)
        .on_conflict_do_update(
            index_elements=[SendSlot.scope],
            set_={"paused_until": func.greatest(func.coalesce(SendSlot.paused_until, until), until)},
        )
    )
    await session.execute(statement)


async def forget_idle_slots(session: AsyncSession) -> int:
    """Delete chat rows that no longer hold anyone back (the table stays as small as the active chats)."""
    cutoff = _now() - _span(IDLE_ROW_AGE.total_seconds())
    result = await session.execute(
        delete(SendSlot).where(
            SendSlot.scope.like("chat:%"),
            SendSlot.next_at < cutoff,
            SendSlot.paused_until.is_(None) | (SendSlot.paused_until < cutoff),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
