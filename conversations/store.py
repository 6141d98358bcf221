"""Core-level reads and writes of conversation state for a whole batch of users at once.

The engine's hot path: one locking SELECT for every user of the batch (with each message's stored
replies if it was processed before, and the privacy policy the client still has to accept), one
INSERT for newcomers, one executemany UPDATE and one executemany INSERT. On
PostgreSQL the SELECT takes row locks (``FOR UPDATE OF conversation_states``), which is what keeps
two processes from interleaving one user's messages; the ``version`` column is checked on write as
well, which is the guard on SQLite (where a concurrent writer also makes the transaction fail).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ARRAY, Integer, String, Table, and_, bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import TypeDecorator

from conversations.flow import ClientInfo
from conversations.i18n import DEFAULT_LOCALE, supported_locale
from conversations.messages import IncomingMessage
from domain.clock import ensure_utc
from domain.db import Database
from domain.models import ChannelIdentity, Client, ConversationState, Goal, ProcessedMessage
from domain.models.enums import GoalStatus
from domain.services import policies
from domain.services.clients import identity_locale
from domain.services.policies import PolicyNotice

UserKey = tuple[str, str]

_cs = cast(Table, ConversationState.__table__)
_ci = cast(Table, ChannelIdentity.__table__)
_pm = cast(Table, ProcessedMessage.__table__)
_cl = cast(Table, Client.__table__)
_goals = cast(Table, Goal.__table__)


def _active_goal(column: str) -> Any:
    """The client's newest active goal (id or text), so check-ins need no query of their own."""
    return (
        select(_goals.c[column])
        .where(_goals.c.client_id == _ci.c.client_id, _goals.c.status == GoalStatus.ACTIVE)
        .order_by(_goals.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


class StateConflict(Exception):
    """Another writer changed a state row between our read and our write; the batch is retried."""


@dataclass(slots=True)
class StoredState:
    id: int
    flow: str | None
    step: str | None
    flow_version: int
    data: dict[str, Any]
    failed_attempts: int
    expires_at: datetime | None
    version: int
    client: ClientInfo | None
    processed: list[Any] | None = None  # the replies, when this batch's message was handled before
    policy_due: PolicyNotice | None = None  # a newer privacy policy the client has to accept first


@dataclass(slots=True)
class StateWrite:
    id: int
    version: int
    chat_id: str
    flow: str | None
    step: str | None
    flow_version: int
    data: dict[str, Any] = field(default_factory=dict)
    failed_attempts: int = 0
    expires_at: datetime | None = None


def _wanted(dialect: str) -> Any:
    """The batch's (platform, user, message key) rows as a table, bound as ONE value so the statement
    text is the same for every batch (prepared once): arrays unnested on PostgreSQL, a JSON array read
    by ``json_each`` on SQLite. See :func:`_wanted_params`."""
    if dialect == "postgresql":
        return (
            func.unnest(
                bindparam("w_platforms", type_=ARRAY(String)),
                bindparam("w_users", type_=ARRAY(String)),
                bindparam("w_keys", type_=ARRAY(String)),
            )
            .table_valued("platform", "user_id", "message_key")
            .render_derived(name="wanted")
        )
    each = func.json_each(bindparam("w_rows", type_=String)).table_valued("value")
    return select(
        func.json_extract(each.c.value, "$[0]").label("platform"),
        func.json_extract(each.c.value, "$[1]").label("user_id"),
        func.json_extract(each.c.value, "$[2]").label("message_key"),
    ).subquery("wanted")


def _wanted_params(dialect: str, rows: Sequence[tuple[str, str, str | None]]) -> dict[str, Any]:
    if dialect == "postgresql":
        return {
            "w_platforms": [r[0] for r in rows],
            "w_users": [r[1] for r in rows],
            "w_keys": [r[2] for r in rows],
        }
    return {"w_rows": json.dumps(list(rows))}


def _select(dialect: str, *, for_update: bool) -> Any:
    """Each wanted user's state, client and active goal, whether their message was already processed
    (its stored replies) and whether they have to accept a newer privacy policy first: everything a
    step needs, in the one read the batch makes."""
    wanted = _wanted(dialect)
    query = (
        select(
            _cs.c.platform,
            _cs.c.external_user_id,
            _cs.c.id,
            _cs.c.flow,
            _cs.c.step,
            _cs.c.flow_version,
            _cs.c.data,
            _cs.c.failed_attempts,
            _cs.c.expires_at,
            _cs.c.version,
            _ci.c.client_id,
            _cl.c.display_name,
            _cl.c.timezone,
            _cl.c.coach_id,
            _active_goal("id"),
            _active_goal("text"),
            _cl.c.locale,
            _pm.c.replies,
            *policies.due_columns(_ci.c.client_id),
        )
        .select_from(
            wanted.join(
                _cs, and_(_cs.c.platform == wanted.c.platform, _cs.c.external_user_id == wanted.c.user_id)
            )
            .outerjoin(
                _ci, and_(_ci.c.platform == _cs.c.platform, _ci.c.external_user_id == _cs.c.external_user_id)
            )
            .outerjoin(_cl, _cl.c.id == _ci.c.client_id)
            .outerjoin(_pm, _pm.c.idempotency_key == wanted.c.message_key)
        )
        .order_by(_cs.c.id)  # a stable lock order keeps two engines' batches from deadlocking
    )
    return query.with_for_update(of=_cs) if for_update else query


# Built once: a statement object used again skips SQLAlchemy's cache-key walk of its large tree.
_SELECTS = {
    (dialect, for_update): _select(dialect, for_update=for_update)
    for dialect in ("postgresql", "sqlite")
    for for_update in (False, True)
}


_UPDATE = (
    update(_cs)
    .where(_cs.c.id == bindparam("_id"), _cs.c.version == bindparam("_version"))
    .values(
        chat_id=bindparam("chat_id"),
        flow=bindparam("flow"),
        step=bindparam("step"),
        flow_version=bindparam("flow_version"),
        data=bindparam("data"),
        failed_attempts=bindparam("failed_attempts"),
        expires_at=bindparam("expires_at"),
        expired_notice=False,
        version=bindparam("_version") + 1,
        updated_at=bindparam("updated_at"),
    )
)


async def lock_states(
    conn: AsyncConnection,
    keys: Sequence[UserKey],
    *,
    for_update: bool,
    message_keys: Sequence[str] | None = None,
) -> dict[UserKey, StoredState]:
    """The states of ``keys`` (locked on PostgreSQL). With ``message_keys`` (each user's message, in
    the same order) a state also carries the replies stored if that message was already processed.

    On PostgreSQL a batch that waited for a lock sees the processed messages as of the statement's
    start: a duplicate another engine committed meanwhile is then stopped by the processed key's
    primary key on write, and the batch is retried (and answers from the stored replies)."""
    wanted = [(k[0], k[1], message_keys[i] if message_keys else None) for i, k in enumerate(keys)]
    dialect = conn.dialect.name
    rows = await conn.execute(_SELECTS[dialect, for_update], _wanted_params(dialect, wanted))
    return {
        (r[0], r[1]): StoredState(
            r[2],
            r[3],
            r[4],
            r[5],
            r[6] or {},
            r[7],
            r[8],
            r[9],
            ClientInfo(r[10], r[11], r[12], r[13], r[14], r[15], r[16] or DEFAULT_LOCALE) if r[10] else None,
            r[17],
            policies.due_notice(r[10], r[18], r[19], bool(r[20])),
        )
        for r in rows
    }


async def create_states(conn: AsyncConnection, rows: Sequence[tuple[str, str, str]], now: datetime) -> None:
    """Insert empty state rows for (platform, external_user_id, chat_id); existing ones are left alone."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(_cs).on_conflict_do_nothing(index_elements=["platform", "external_user_id"])
    await conn.execute(
        stmt,
        [
            {
                "platform": p,
                "external_user_id": u,
                "chat_id": c,
                "flow_version": 0,
                "data": {},
                "failed_attempts": 0,
                "expired_notice": False,
                "version": 0,
                "updated_at": now,
            }
            for p, u, c in rows
        ],
    )


async def write_states(conn: AsyncConnection, writes: Sequence[StateWrite], now: datetime) -> None:
    if not writes:
        return
    result = await conn.execute(
        _UPDATE,
        [
            {
                "_id": w.id,
                "_version": w.version,
                "chat_id": w.chat_id,
                "flow": w.flow,
                "step": w.step,
                "flow_version": w.flow_version,
                "data": w.data,
                "failed_attempts": w.failed_attempts,
                "expires_at": w.expires_at,
                "updated_at": now,
            }
            for w in writes
        ],
    )
    if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(writes):
        raise StateConflict("conversation state changed underneath us")


async def record_processed(conn: AsyncConnection, replies: dict[str, list[Any]], now: datetime) -> None:
    if replies:
        await conn.execute(
            insert(_pm),
            [{"idempotency_key": k, "replies": r, "created_at": now} for k, r in replies.items()],
        )


# PostgreSQL: a batch's state updates and its processed keys in ONE statement (one round trip), the
# rows bound as arrays so the text is the same for every batch size (prepared once per connection).
_SAVE_PG = text(
    """
    WITH written AS (
        UPDATE conversation_states AS cs
        SET chat_id = w.chat_id, flow = w.flow, step = w.step, flow_version = w.flow_version,
            data = CAST(w.data AS JSON), failed_attempts = w.failed_attempts,
            expires_at = w.expires_at, expired_notice = false, version = cs.version + 1,
            updated_at = :now
        FROM unnest(
            CAST(:ids AS INTEGER[]), CAST(:versions AS INTEGER[]), CAST(:chat_ids AS VARCHAR[]),
            CAST(:flows AS VARCHAR[]), CAST(:steps AS VARCHAR[]), CAST(:flow_versions AS INTEGER[]),
            CAST(:datas AS TEXT[]), CAST(:failed AS INTEGER[]), CAST(:expires AS TIMESTAMPTZ[])
        ) AS w(id, version, chat_id, flow, step, flow_version, data, failed_attempts, expires_at)
        WHERE cs.id = w.id AND cs.version = w.version
        RETURNING cs.id
    ), processed AS (
        INSERT INTO processed_messages (idempotency_key, replies, created_at)
        SELECT p.key, CAST(p.replies AS JSON), :now
        FROM unnest(CAST(:keys AS VARCHAR[]), CAST(:replies AS TEXT[])) AS p(key, replies)
    )
    SELECT count(*) FROM written
    """
).columns(count=Integer)


def _stored_json(column: Any, value: Any, dialect: Dialect) -> str:
    """``value`` as ``column`` stores it (encrypted at rest where its type says so), as JSON text."""
    if isinstance(column.type, TypeDecorator):
        value = column.type.process_bind_param(value, dialect)
    return json.dumps(value)


async def save_steps(
    conn: AsyncConnection, writes: Sequence[StateWrite], replies: dict[str, list[Any]], now: datetime
) -> None:
    """Write the batch's new states (each only if its version is still the one read) and record its
    messages as processed with their replies. A processed key stored meanwhile by another engine
    fails the statement on its primary key, and the batch is retried."""
    if conn.dialect.name != "postgresql":
        await write_states(conn, writes, now)
        await record_processed(conn, replies, now)
        return
    if not writes and not replies:
        return
    written = await conn.scalar(
        _SAVE_PG,
        {
            "now": now,
            "ids": [w.id for w in writes],
            "versions": [w.version for w in writes],
            "chat_ids": [w.chat_id for w in writes],
            "flows": [w.flow for w in writes],
            "steps": [w.step for w in writes],
            "flow_versions": [w.flow_version for w in writes],
            "datas": [_stored_json(_cs.c.data, w.data, conn.dialect) for w in writes],
            "failed": [w.failed_attempts for w in writes],
            "expires": [ensure_utc(w.expires_at) if w.expires_at else None for w in writes],
            "keys": list(replies),
            "replies": [_stored_json(_pm.c.replies, r, conn.dialect) for r in replies.values()],
        },
    )
    if written != len(writes):
        raise StateConflict("conversation state changed underneath us")


async def merge_state_data(
    db: Database, user: UserKey, *, flow: str, step: str, patch: dict[str, Any], now: datetime
) -> bool:
    """Add ``patch`` to a user's flow data from an after-commit effect, only if they are still at
    ``flow``/``step``; False when they have moved on (the patch would belong to a past step)."""
    async with db.sessions() as session, session.begin():
        conn = await session.connection()
        states = await lock_states(conn, [user], for_update=not db.is_sqlite)
        state = states.get(user)
        if state is None or state.flow != flow or state.step != step:
            return False
        result = await conn.execute(
            update(_cs)
            .where(_cs.c.id == state.id, _cs.c.version == state.version)
            .values(data={**state.data, **patch}, version=state.version + 1, updated_at=now)
        )
        return bool(result.rowcount)


async def speaker_locale(db: Database, message: IncomingMessage) -> str:
    """The language to answer ``message``'s sender in outside a conversation (a channel refusing a
    file): the client's chosen one, else what their app is set to, else English."""
    async with db.sessions() as session:
        stored = await identity_locale(session, message.platform, message.external_user_id)
    return supported_locale(stored or message.language_hint) or DEFAULT_LOCALE
