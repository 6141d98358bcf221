"""Our engine with durable state: N registered users, each doing C check-ins, interleaved."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from typing import Any, cast

import asyncpg
from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.engine import make_url

from conversations.engine import ConversationEngine
from conversations.messages import IncomingMessage
from domain.db import Database
from domain.models import Base, ChannelIdentity, CheckIn, Client, ConversationState

PG_BASE = os.environ.get("COACH_BENCH_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")


def dialog(i: int, round_: int) -> list[str]:
    """The check-in: /checkin, then mood, energy, sleep, plan adherence and a note."""
    return ["/checkin", str(1 + (i + round_) % 10), str(1 + i % 10), "7h30", "partly", f"n{i}/{round_}"]


async def _pg_admin(sql: str) -> None:
    dsn = make_url(PG_BASE).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def make_database(backend: str, tmp: str) -> tuple[Database, str | None]:
    if backend == "sqlite":
        return Database(f"sqlite+aiosqlite:///{tmp}/bench-{uuid.uuid4().hex[:8]}.db"), None
    name = f"coach_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    await _pg_admin(f'CREATE DATABASE "{name}"')
    url = make_url(PG_BASE).set(database=name).render_as_string(hide_password=False)
    return Database(url, pool_size=10), name


async def register_users(db: Database, users: int) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
        await conn.execute(
            insert(Client),
            [{"id": i + 1, "display_name": f"User {i}", "timezone": "UTC"} for i in range(users)],
        )
        await conn.execute(
            insert(ChannelIdentity),
            [
                {"platform": "bench", "external_user_id": f"u{i}", "chat_id": f"u{i}", "client_id": i + 1}
                for i in range(users)
            ],
        )


async def verify(db: Database, users: int, check_ins: int) -> int:
    """Every check-in stored with exactly its user's values; returns how many are right."""
    from sqlalchemy import select

    async with db.sessions() as session:
        rows = (
            await session.execute(select(CheckIn.client_id, CheckIn.mood, CheckIn.energy, CheckIn.note))
        ).all()
    good = 0
    for client_id, mood, energy, note in rows:
        i = client_id - 1
        round_ = int(str(note).split("/")[1])
        if note == f"n{i}/{round_}" and mood == 1 + (i + round_) % 10 and energy == 1 + i % 10:
            good += 1
    return good if len(rows) == users * check_ins else -1


def from_update(update: dict[str, Any]) -> IncomingMessage:
    """The Telegram update JSON as our channel hands it to the engine."""
    message = update["message"]
    user = f"u{message['from']['id'] - 1000}"
    return IncomingMessage(
        platform="bench",
        external_user_id=user,
        chat_id=user,
        message_id=str(message["message_id"]),
        text=message["text"],
    )


async def run(backend: str, users: int, check_ins: int, tmp: str, mode: str) -> dict[str, Any]:
    """``closed``: every user at once, each waiting for its reply (group commit batches them);
    ``seq``: one message at a time; ``overload``: every message of every user offered at once.
    Latency is from the update's JSON to the replies handed back (what the sender gets)."""
    from bench.engine.baselines import updates

    db, pg_name = await make_database(backend, tmp)
    try:
        await register_users(db, users)
        engine = ConversationEngine(db)
        await engine.start()
        latencies: list[float] = []
        stream = updates(users, check_ins)

        async def one(update: dict[str, Any]) -> None:
            start = time.perf_counter()
            await engine.handle(from_update(update))
            latencies.append(time.perf_counter() - start)

        async def user(of_user: list[dict[str, Any]]) -> None:
            for update in of_user:
                await one(update)

        started = time.perf_counter()
        if mode == "overload":
            await asyncio.gather(*(asyncio.ensure_future(one(u)) for u in stream))
        elif mode == "seq":
            for update in stream:
                await one(update)
        else:
            by_user: dict[int, list[dict[str, Any]]] = {}
            for update in stream:
                by_user.setdefault(update["message"]["from"]["id"], []).append(update)
            await asyncio.gather(*(user(u) for u in by_user.values()))
        elapsed = time.perf_counter() - started
        await engine.stop()
        correct = await verify(db, users, check_ins)
        return {"messages": len(latencies), "seconds": elapsed, "latencies": latencies, "correct": correct}
    finally:
        await db.dispose()
        if pg_name:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')


async def run_read_write(backend: str, users: int, check_ins: int, tmp: str) -> dict[str, Any]:
    """The floor for view (b): per message, one read and one write through SQLAlchemy and nothing else.

    Same database settings and unit of work as the engine (a pooled session, one transaction per
    message): read the sender's state row by its (platform, user) key, write it back changed, commit.
    Latency, as for the engine, from the update's JSON to the commit."""
    from bench.engine.baselines import updates

    states = cast(Table, ConversationState.__table__)
    db, pg_name = await make_database(backend, tmp)
    try:
        await register_users(db, users)
        async with db.engine.begin() as conn:
            await conn.execute(
                insert(states),
                [
                    {"platform": "bench", "external_user_id": f"u{i}", "chat_id": f"u{i}", "data": {}}
                    for i in range(users)
                ],
            )
        read = select(states.c.id, states.c.data, states.c.version).where(
            states.c.platform == bindparam("platform"), states.c.external_user_id == bindparam("user")
        )
        write = (
            update(states)
            .where(states.c.id == bindparam("_id"))
            .values(data=bindparam("data"), version=bindparam("_version") + 1)
        )
        latencies: list[float] = []
        stream = updates(users, check_ins)
        started = time.perf_counter()
        for update_ in stream:
            start = time.perf_counter()
            message = from_update(update_)
            async with db.sessions() as session, session.begin():
                conn = await session.connection()
                row = (
                    await conn.execute(read, {"platform": message.platform, "user": message.external_user_id})
                ).one()
                data = {**row.data, "last": message.text}
                await conn.execute(write, {"_id": row.id, "data": data, "_version": row.version})
            latencies.append(time.perf_counter() - start)
        elapsed = time.perf_counter() - started
        return {"messages": len(latencies), "seconds": elapsed, "latencies": latencies}
    finally:
        await db.dispose()
        if pg_name:
            await _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
