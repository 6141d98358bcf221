"""What a metric is computed over: a scope (one coach, one program, or the whole business) and a period
(a half-open span of UTC instants, with the instant it is read at)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from domain.clock import ensure_utc
from domain.errors import ValidationError
from domain.models import Client, Enrollment, Program
from domain.models.enums import ClientStatus

# A column naming a client (or any id) in a query.
Column = ColumnElement[Any] | InstrumentedAttribute[Any]
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class Scope:
    """One coach's clients, one program's enrolled clients, or (neither given) the whole business."""

    coach_id: int | None = None
    program_id: int | None = None

    def __post_init__(self) -> None:
        if self.coach_id is not None and self.program_id is not None:
            raise ValidationError("choose a coach or a program, not both", field="scope")

    @property
    def label(self) -> str:
        if self.program_id is not None:
            return f"program:{self.program_id}"
        if self.coach_id is not None:
            return f"coach:{self.coach_id}"
        return "business"

    def client_ids(self) -> Select[int]:
        """The clients in scope, as a subquery (never loaded): erased clients' record never counts."""
        query = select(Client.id).where(Client.status != ClientStatus.ERASED)
        if self.coach_id is not None:
            query = query.where(Client.coach_id == self.coach_id)
        if self.program_id is not None:
            query = query.where(
                Client.id.in_(select(Enrollment.client_id).where(Enrollment.program_id == self.program_id))
            )
        return query

    def has_client(self, column: Column) -> ColumnElement[bool]:
        return column.in_(self.client_ids())

    def enrollment_ids(self) -> Select[int]:
        """Enrollments in scope: the program's, the coach's programs', or all."""
        query = select(Enrollment.id)
        if self.program_id is not None:
            query = query.where(Enrollment.program_id == self.program_id)
        elif self.coach_id is not None:
            query = query.join(Program, Program.id == Enrollment.program_id).where(
                Program.coach_id == self.coach_id
            )
        return query

    async def coach_ids(self, session: AsyncSession) -> list[int] | None:
        """The coaches a per-coach figure covers: the one, the program's, or None for every coach."""
        if self.coach_id is not None:
            return [self.coach_id]
        if self.program_id is not None:
            coach_id = await session.scalar(select(Program.coach_id).where(Program.id == self.program_id))
            return [coach_id] if coach_id is not None else []
        return None


@dataclass(frozen=True, slots=True)
class Period:
    """``start`` ≤ instant < ``end`` (UTC); ``now`` is when it is read, so days not over yet are not
    expected of anyone."""

    start: datetime
    end: datetime
    now: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", ensure_utc(self.start))
        object.__setattr__(self, "end", ensure_utc(self.end))
        object.__setattr__(self, "now", ensure_utc(self.now))
        if self.end <= self.start:
            raise ValidationError("the period must end after it starts", field="period")

    @classmethod
    def between(cls, since: date, until: date, *, now: datetime) -> Period:
        """Whole UTC days from ``since`` to ``until``, both included."""
        if until < since:
            raise ValidationError("--until is before --since", field="until")
        return cls(
            datetime.combine(since, time(), UTC), datetime.combine(until + DAY, time(), UTC), ensure_utc(now)
        )

    @classmethod
    def last_days(cls, days: int, *, now: datetime) -> Period:
        """The ``days`` whole UTC days before today's (today not included)."""
        today = ensure_utc(now).date()
        return cls.between(today - timedelta(days=days), today - DAY, now=now)

    @property
    def read_end(self) -> datetime:
        """The end, or now when the period is not over yet."""
        return min(self.end, self.now)

    @property
    def days(self) -> float:
        return (self.end - self.start) / DAY

    def previous(self) -> Period:
        """The period of the same length just before this one (week over week)."""
        length = self.end - self.start
        return Period(self.start - length, self.start, self.now)

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}
