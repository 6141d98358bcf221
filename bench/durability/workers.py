"""Several ``coach run`` workers on one PostgreSQL (and Redis) draining one outbox to a local Bot API
fixture that answers 429 over Telegram's limits, like Telegram: the row ``python -m bench.durability``
prints for it."""

from __future__ import annotations

from bench.durability.table import DurabilityRow
from bot.telegram.limits import GLOBAL_PER_SECOND
from tests.support.workers import run_workers


async def measure_workers(
    pg_server_url: str, redis_url: str | None, *, workers: int = 4, messages: int = 2000, chats: int = 50
) -> DurabilityRow:
    """Queue ``messages`` to ``chats`` chats, drain them with ``workers`` processes sharing Redis (or,
    with no ``redis_url``, the sending budget in PostgreSQL), and count what arrived how fast."""
    outcome = await run_workers(pg_server_url, redis_url, workers=workers, messages=messages, chats=chats)
    shared = "Redis" if redis_url else "PostgreSQL budget"
    notes = [
        f"{outcome.rate:.1f} msg/s ({outcome.rate / GLOBAL_PER_SECOND:.3f} of the limit)",
        f"{outcome.too_many_requests} × 429",
    ]
    if outcome.out_of_order_chats:
        notes.append(f"{len(outcome.out_of_order_chats)} chats out of order")
    if any(code != 0 for code in outcome.exit_codes):
        notes.append(f"exit codes {outcome.exit_codes}")
    return DurabilityRow(
        scenario=f"{workers} workers, {shared}, {chats} chats",
        messages=messages,
        lost=outcome.lost,
        duplicated=outcome.duplicated,
        max_in_1s=outcome.max_in_1s,
        max_chat_in_1s=outcome.max_chat_in_1s,
        recovery_s=None,
        note="; ".join(notes),
    )
