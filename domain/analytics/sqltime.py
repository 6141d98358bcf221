"""Instant arithmetic inside SQL, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Float, cast, func
from sqlalchemy.ext.asyncio import AsyncSession

from domain.analytics.scope import Column

# julianday() of 1970-01-01T00:00Z: SQLite stores instants as UTC text, which julianday() reads.
UNIX_EPOCH_JULIAN_DAY = 2440587.5
SECONDS_PER_DAY = 86400.0


def dialect_of(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def epoch_seconds(column: Column, dialect: str) -> ColumnElement[float]:
    """Seconds since 1970 of a stored instant, so instants can be subtracted in a query."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", column), Float)
    return (func.julianday(column) - UNIX_EPOCH_JULIAN_DAY) * SECONDS_PER_DAY


def utc_day(column: Column, dialect: str) -> ColumnElement[str]:
    """The UTC calendar day of a stored instant, as ``YYYY-MM-DD`` text."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", column)
