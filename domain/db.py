"""Database engine, sessions and the unit of work (one session, one transaction)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import configure_mappers

# A connection attempt to a server that is down fails after this long instead of asyncpg's 60 s, so
# health checks and retries notice an outage quickly.
CONNECT_TIMEOUT_S = 5.0
# A pooled PostgreSQL connection that sat unused longer than this is pinged before it is handed out
# (a server restart or an idle cut-off may have closed it). One in use moments ago is not: with the
# asyncpg driver a ping is three round trips (BEGIN, an empty query, ROLLBACK), more than a whole
# conversation step's statements, and a connection that dies anyway is caught by the callers'
# outage handling (the engine retries a batch; SQLAlchemy then renews the whole pool).
PING_AFTER_IDLE_S = 1.0
_IDLE_SINCE = "coach_idle_since"
# Words in the driver's message that mean the server went away rather than refused the statement.
_GONE = ("connection", "connect", "closed", "terminat", "shutdown", "server", "timeout", "network")


def is_unavailable(exc: BaseException) -> bool:
    """The database could not be reached (down, restarting, network cut) — as opposed to a conflict
    or a refused statement. Such work is retried for minutes, never answered with an error."""
    if isinstance(exc, OSError | TimeoutError | ConnectionError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        if isinstance(exc, InterfaceError):
            return True
        if isinstance(exc, OperationalError) and not _is_sqlite_busy(exc):
            message = str(exc.orig).lower() if exc.orig is not None else ""
            return any(word in message for word in _GONE)
        cause = exc.orig.__cause__ if exc.orig is not None else None
        return isinstance(cause, OSError | TimeoutError)
    return False


def _is_sqlite_busy(exc: OperationalError) -> bool:
    return "database is locked" in str(exc.orig).lower()


# The async drivers this project runs on, by database; plain scheme names get them.
ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_SCHEME_ALIASES = {"postgres": "postgresql"}


class UnsupportedDatabase(ValueError):
    """The URL names a database or driver the service cannot use; the message says what would do."""


def normalise_database_url(url: str) -> str:
    """``postgres://`` and ``postgresql://`` (as hosting providers hand them out) → ``postgresql+asyncpg://``,
    ``sqlite:///`` → ``sqlite+aiosqlite:///``; an async URL is kept; anything else is refused."""
    scheme, sep, rest = url.strip().partition("://")
    if not sep:
        raise UnsupportedDatabase("is not a database URL such as sqlite+aiosqlite:///./coach.db")
    backend, _, driver = scheme.lower().partition("+")
    backend = _SCHEME_ALIASES.get(backend, backend)
    if backend not in ASYNC_DRIVERS:
        raise UnsupportedDatabase(
            f"uses {scheme!r}; use sqlite+aiosqlite:///./coach.db or postgresql+asyncpg://user@host/db"
        )
    wanted = ASYNC_DRIVERS[backend]
    if driver and f"{backend}+{driver}" != wanted:
        raise UnsupportedDatabase(f"uses the driver {driver!r}; this service needs {wanted}://")
    return f"{wanted}://{rest}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys and a busy timeout so several tasks can share it.

    Statement parameters hold what clients wrote, so they are kept out of error messages (and so out
    of logged tracebacks).
    """
    kwargs.setdefault("hide_parameters", True)
    if is_sqlite(url):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    kwargs.setdefault("connect_args", {"timeout": CONNECT_TIMEOUT_S})
    engine = create_async_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_after_idle(engine)
    return engine


def _ping_after_idle(engine: AsyncEngine) -> None:
    """Pre-ping, but only connections idle longer than ``PING_AFTER_IDLE_S`` (see there)."""

    @event.listens_for(engine.sync_engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is None or time.monotonic() - idle_since <= PING_AFTER_IDLE_S:
            return
        try:
            dbapi_connection.ping()
        except Exception as exc:
            # The pool discards this connection and hands out (or opens) another.
            raise DisconnectionError("a pooled connection was closed while idle") from exc


class Database:
    """Owns the engine and hands out units of work."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # Configure the mappers now, at start-up: done lazily by the first ORM statement, it held the
        # event loop for hundreds of milliseconds in the middle of the first planning pass or request.
        import domain.models  # noqa: F401 - every model registered before configuring

        configure_mappers()

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One session and one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> bool:
        from sqlalchemy import text

        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
